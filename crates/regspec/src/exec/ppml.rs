//! Poisson pseudo-maximum likelihood with fixed effects (`estimator: ppml`), for count outcomes.

use super::*;
use estimators::glm::Family;

/// PPML (fixest's `fepois`, Stata's `ppmlhdfe`).
pub(crate) struct Ppml;

/// The options of every GLM (PPML, logit, probit): `{tol: 1e-8, maxiter: 100}` (the IRLS
/// deviance tolerance and iteration cap).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IrlsOptions {
    #[serde(default = "default_tol")]
    pub(super) tol: f64,
    #[serde(default = "default_maxiter")]
    pub(super) maxiter: usize,
}

fn default_tol() -> f64 {
    1e-8
}
fn default_maxiter() -> usize {
    100
}

pub(super) fn irls_options(m: &PlannedModel) -> Result<IrlsOptions, String> {
    let o: IrlsOptions = typed_options(m)?;
    if !(o.tol > 0.0 && o.tol < 1.0) {
        return Err("option `tol` must lie between 0 and 1".into());
    }
    if o.maxiter == 0 || o.maxiter > 10_000 {
        return Err("option `maxiter` must be between 1 and 10000".into());
    }
    Ok(o)
}

impl Estimator for Ppml {
    fn name(&self) -> &'static str {
        "ppml"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Poisson PML")
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        irls_options(m).map(|_| vec![])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        estimate_glm(view, m, Family::Poisson)
    }
}

/// Any GLM (PPML, logit, probit): the fit, its table rows, and notes on the coefficients'
/// scale and on z-based inference.
pub(super) fn estimate_glm(
    view: &PanelView,
    m: &PlannedModel,
    family: Family,
) -> Result<(OlsResult, Extras), String> {
    let o = irls_options(m)?;
    let frame = ModelFrame::build(view, m, vec![])?;
    let (r, p) = estimators::glm::fit_glm(
        &frame.data(&m.outcome),
        &options(m),
        family,
        o.tol,
        o.maxiter,
    )
    .map_err(|e| e.to_string())?;
    let scale = match family {
        Family::Poisson => "Poisson PML: coefficients are changes in the log of the expected outcome",
        Family::Logit => "Logit: coefficients are changes in the log odds of the outcome, not probabilities",
        Family::Probit => "Probit: coefficients are on the scale of the latent index (a standard normal error), not probabilities",
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

/// The rows every GLM adds to a table: deviance, pseudo R² (unweighted fits), separated
/// observations (when any).
fn glm_stats(p: &estimators::glm::Glm) -> Vec<StatRow> {
    let mut stats = vec![StatRow::new(
        "Deviance",
        StatValue::num_digits(p.deviance, 1),
    )];
    if let Some(pr2) = p.pseudo_r2 {
        stats.push(StatRow {
            label: "Pseudo R²".into(),
            label_tex: Some(r"Pseudo $R^2$".into()),
            value: StatValue::num(pr2),
        });
    }
    if p.n_separated > 0 {
        stats.push(StatRow::new(
            "Separated observations",
            StatValue::Count(p.n_separated),
        ));
    }
    stats
}
