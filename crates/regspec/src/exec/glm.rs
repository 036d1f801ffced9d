//! Logit and probit with fixed effects (`estimator: logit | probit`, or fixest's
//! `feglm(y ~ x | fe, family = logit)`), for binary outcomes: the binomial families of
//! `estimators::glm`, with PPML's options, table rows and z-based inference.

use super::ppml::{estimate_glm, irls_options};
use super::*;
use estimators::glm::Family;

/// A binary-outcome GLM (fixest's `feglm` with `family = logit | probit`).
pub(crate) struct Binary(Family);

/// `estimator: logit`.
pub(crate) const LOGIT: Binary = Binary(Family::Logit);
/// `estimator: probit`.
pub(crate) const PROBIT: Binary = Binary(Family::Probit);

impl Estimator for Binary {
    fn name(&self) -> &'static str {
        match self.0 {
            Family::Probit => "probit",
            _ => "logit",
        }
    }

    fn display_name(&self) -> Option<&'static str> {
        Some(match self.0 {
            Family::Probit => "Probit",
            _ => "Logit",
        })
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        irls_options(m).map(|_| vec![])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        estimate_glm(view, m, self.0)
    }
}
