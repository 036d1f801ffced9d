//! OLS with the restricted wild cluster bootstrap (`options: {wild_bootstrap: ...}`).

use super::*;

/// OLS (the default estimator), with the restricted wild cluster bootstrap when asked.
pub(crate) struct Ols;

impl Estimator for Ols {
    fn name(&self) -> &'static str {
        "ols"
    }

    /// Every vcov, Conley's included: the model is estimated from the frame.
    fn honours_vcov(&self, _vcov: estimators::VcovKind) -> bool {
        true
    }

    /// The wild bootstrap resamples OLS scores: an IV model (`y ~ x | d ~ z`) is refused it
    /// here, before anything runs.
    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        if m.options.contains_key("wild_bootstrap") && !m.instruments.is_empty() {
            return Err(format!(
                "the wild cluster bootstrap here is for OLS; this model is IV ({} instrumented by {}): remove `wild_bootstrap` or the instruments",
                m.endogenous.join(", "),
                m.instruments.join(", ")
            ));
        }
        let bo = bootstrap_options(m)?;
        if bo.is_some() && matches!(m.vcov, estimators::VcovKind::Conley { .. }) {
            return Err("the wild cluster bootstrap resamples clusters; with Conley errors there are none: remove `wild_bootstrap` or the Conley `vcov`".into());
        }
        Ok(vec![])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        if !m.instruments.is_empty() {
            return iv(view, m);
        }
        match bootstrap_options(m)? {
            None => {
                let frame = ModelFrame::build(view, m, vec![])?;
                let r = estimators::fit(&frame.data(&m.outcome), &options(m))
                    .map_err(|e| e.to_string())?;
                Ok((r, Extras::default()))
            }
            Some(bo) => ols_with_bootstrap(view, m, &bo),
        }
    }

    /// OLS models with the same sample filter, FE, clusters, weights and inference options
    /// (and no bootstrap) share the sample preparation and every demeaned column.
    fn share_group(&self, m: &PlannedModel) -> Option<String> {
        // Conley errors read coordinates the shared preparation does not carry.
        if !m.options.is_empty() || !m.instruments.is_empty() || !m.coordinates.is_empty() {
            return None;
        }
        let ssc = serde_json::to_string(&m.ssc).unwrap_or_default();
        Some(format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{ssc}|{:?}",
            m.sample, m.fe, m.cluster, m.weights, m.vcov, m.demean
        ))
    }
}

/// Two-stage least squares: the frame's columns plus the endogenous regressors and the
/// instruments on the same rows; a row per endogenous regressor with its first-stage F.
fn iv(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let frame = ModelFrame::build(view, m, vec![])?;
    let col = |t: &String| (t.clone(), view.numeric_shared(t, &frame.rows));
    let endog: Vec<(String, crate::frame::Shared<f64>)> = m.endogenous.iter().map(col).collect();
    let instr: Vec<(String, crate::frame::Shared<f64>)> = m.instruments.iter().map(col).collect();
    let ivdata = estimators::iv::IvData {
        data: frame.data(&m.outcome),
        endogenous: endog
            .iter()
            .map(|(n, c)| (n.clone(), c.as_slice()))
            .collect(),
        instruments: instr
            .iter()
            .map(|(n, c)| (n.clone(), c.as_slice()))
            .collect(),
    };
    let (r, first) = estimators::iv::fit_iv(&ivdata, &options(m)).map_err(|e| e.to_string())?;
    let stats = first
        .iter()
        .map(|f| {
            StatRow::new(
                &format!("First-stage F: {}", f.endogenous),
                f.f_test
                    .as_ref()
                    .map_or(StatValue::text(""), |w| StatValue::num_digits(w.stat, 2)),
            )
        })
        .collect();
    Ok((
        r,
        Extras {
            stats,
            notes: vec![format!(
                "2SLS: {} instrumented by {}",
                m.endogenous.join(", "),
                m.instruments.join(", ")
            )],
            ..Extras::default()
        },
    ))
}

/// The options of an OLS model: `{wild_bootstrap: {draws: 9999, weights: rademacher | webb,
/// seed: 1}}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OlsYaml {
    #[serde(default)]
    wild_bootstrap: Option<BootOptions>,
}

/// Wild cluster bootstrap settings of an OLS model.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootOptions {
    /// Bootstrap draws.
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Rademacher or Webb weights.
    #[serde(default = "default_weights")]
    pub weights: estimators::BootWeights,
    /// Seed of the draws.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Keep every draw's t statistic in the results (set by a table's `adjust: [romano_wolf]`).
    #[serde(default)]
    pub keep_draws: bool,
}

fn default_draws() -> usize {
    9999
}
fn default_weights() -> estimators::BootWeights {
    estimators::BootWeights::Rademacher
}
fn default_seed() -> u64 {
    1
}

/// Parses and validates the options of an OLS model: the bootstrap, if asked.
pub fn bootstrap_options(m: &PlannedModel) -> Result<Option<BootOptions>, String> {
    let o: OlsYaml = typed_options(m)?;
    let Some(b) = o.wild_bootstrap else {
        return Ok(None);
    };
    if b.draws == 0 {
        return Err("wild_bootstrap `draws` must be at least 1".into());
    }
    crate::limits::draws("wild_bootstrap `draws`", b.draws as u64)?;
    if m.treatment.is_none() || m.cluster.is_empty() {
        return Err("wild_bootstrap tests the `treatment` coefficient and needs `cluster`".into());
    }
    Ok(Some(b))
}

/// OLS and a restricted wild cluster bootstrap of the treatment coefficient (first cluster
/// variable), on the fit's own demeaned and weighted columns.
fn ols_with_bootstrap(
    view: &PanelView,
    m: &PlannedModel,
    bo: &BootOptions,
) -> Result<(OlsResult, Extras), String> {
    let frame = ModelFrame::build(view, m, vec![])?;
    let data = frame.data(&m.outcome);
    let opts = options(m);
    let p = estimators::ols::Prepared::new(&data, &opts).map_err(|e| e.to_string())?;
    let mut cols: Vec<&[f64]> = vec![data.y];
    cols.extend(data.x.iter().map(|(_, c)| *c));
    let mut t = p.transform(&cols);
    let yt = t.remove(0);
    let mut xt: Vec<(String, estimators::ols::Transformed)> =
        data.x.iter().map(|(n, _)| n.clone()).zip(t).collect();
    let r = p
        .estimate(&m.outcome, data.y, yt.clone(), xt.clone())
        .map_err(|e| e.to_string())?;
    if m.fe.is_empty() {
        let ones = vec![1.0; data.y.len()];
        xt.push((
            estimators::ols::INTERCEPT.to_string(),
            p.transform(&[&ones]).remove(0),
        ));
    }
    let kept: Vec<&[f64]> = r
        .coefficients
        .iter()
        .filter_map(|c| {
            xt.iter()
                .find(|(n, _)| n == &c.name)
                .map(|(_, t)| t.values.as_slice())
        })
        .collect();
    let treatment = m.treatment.clone().unwrap_or_default();
    let j = r
        .coefficients
        .iter()
        .position(|c| c.name == treatment)
        .ok_or(format!("`{treatment}` was dropped from the model"))?;
    let (cluster, groups) = p
        .cluster(0)
        .ok_or("wild_bootstrap needs a clustered vcov")?;
    let bi = estimators::BootInput {
        x: &kept,
        y: &yt.values,
        cluster,
        groups,
        j,
    };
    let mut wb =
        estimators::wild_cluster_bootstrap(&bi, &treatment, bo.weights, bo.draws, bo.seed, 0.95)
            .map_err(|e| e.to_string())?;
    if !bo.keep_draws {
        wb.t_draws.clear();
    }
    let stats = vec![
        StatRow::new("Wild cluster bootstrap p", StatValue::num(wb.p_value)),
        StatRow::new(
            "WCR 95% CI",
            StatValue::Seq(vec![
                StatValue::text("["),
                StatValue::num(wb.ci_low),
                StatValue::text(", "),
                StatValue::num(wb.ci_high),
                StatValue::text("]"),
            ]),
        ),
        StatRow::new(
            "Bootstrap draws",
            StatValue::Seq(vec![
                StatValue::Count(wb.draws),
                StatValue::text(format!(" ({:?})", wb.weights).to_lowercase()),
            ]),
        ),
    ];
    let extras = Extras {
        stats,
        ..Extras::default()
    };
    Ok((r, extras.detail("bootstrap", &wb)?))
}
