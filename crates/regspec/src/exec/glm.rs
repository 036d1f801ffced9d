//! Logit and probit with fixed effects (`estimator: logit | probit`, or fixest's
//! `feglm(y ~ x | fe, family = logit)`), for binary outcomes: the binomial families of
//! `estimators::glm`, with PPML's options, table rows and z-based inference.

use super::ppml::{glm_stats, irls_options};
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
        let o = irls_options(m)?;
        let frame = ModelFrame::build(view, m, vec![])?;
        let (r, p) = estimators::glm::fit_glm(
            &frame.data(&m.outcome),
            &options(m),
            self.0,
            o.tol,
            o.maxiter,
        )
        .map_err(|e| e.to_string())?;
        let scale = match self.0 {
            Family::Probit => "Probit: coefficients are on the scale of the latent index (a standard normal error), not probabilities",
            _ => "Logit: coefficients are changes in the log odds of the outcome, not probabilities",
        };
        Ok((
            r,
            Extras {
                stats: glm_stats(&p),
                notes: vec![
                    scale.into(),
                    "Inference is z-based: p-values and intervals from the normal distribution, as fixest does for GLMs".into(),
                ],
                ..Extras::default()
            },
        ))
    }
}
