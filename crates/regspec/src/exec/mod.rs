//! Estimating one planned model: dispatch on `estimator` (here), build the frame, call the
//! estimators crate. One module per estimator holds its options (validated by `check` before
//! anything runs) and its glue: `ols` (with the wild bootstrap), `event_study`, `placebo`, `psm`,
//! `bacon`, `sunab`, `cs`, `imputation`. Helpers they share (option access, sample rows, event
//! points, the TWFE base fit of robust-DID columns) stay in this file.

use crate::frame::{ModelFrame, PanelView};
use crate::plan::PlannedModel;
use estimators::{
    EventPoint, EventStudy, OlsOptions, OlsResult, Placebo, PlaceboMode, Psm, PsmOptions,
};
use serde_json::Value;

mod bacon;
mod cs;
mod event_study;
mod imputation;
mod ols;
mod placebo;
mod psm;
mod sunab;

use bacon::bacon;
pub use bacon::bacon_options;
use cs::callaway_santanna;
pub use cs::{cs_check_data, cs_options, CsOptions};
use event_study::event_study;
pub use event_study::{event_options, EventOptions};
use imputation::imputation;
use ols::ols_with_bootstrap;
pub use ols::{bootstrap_options, BootOptions};
use placebo::placebo;
pub use placebo::{placebo_options, PlaceboOptions};
use psm::psm_did;
pub use psm::{psm_options, PsmSettings};
use sunab::sun_abraham;
pub use sunab::sunab_options;

/// What an estimator returns beyond the OLS fit shown in tables.
#[derive(Default)]
pub struct Extras {
    pub imputation: Option<estimators::Imputation>,
    pub cs: Option<estimators::CallawaySantAnna>,
    pub bacon: Option<estimators::Bacon>,
    pub bootstrap: Option<estimators::WildBootstrap>,
    pub event_study: Option<EventStudy>,
    pub placebo: Option<Placebo>,
    pub psm: Option<Psm>,
}

pub fn options(m: &PlannedModel) -> OlsOptions {
    OlsOptions {
        vcov: m.vcov,
        ssc: m.ssc,
        ..OlsOptions::default()
    }
}

pub fn estimate(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    match m.estimator.as_str() {
        "ols" => match bootstrap_options(m)? {
            None => {
                let frame = ModelFrame::build(view, m, vec![])?;
                let r = estimators::fit(&frame.data(&m.outcome), &options(m))
                    .map_err(|e| e.to_string())?;
                Ok((r, Extras::default()))
            }
            Some(bo) => ols_with_bootstrap(view, m, &bo),
        },
        "event_study" => event_study(view, m).map(|(r, es)| {
            (
                r,
                Extras {
                    event_study: es,
                    ..Extras::default()
                },
            )
        }),
        "placebo" => placebo(view, m),
        "psm_did" => psm_did(view, m),
        "bacon" => bacon(view, m),
        "sun_abraham" => sun_abraham(view, m),
        "callaway_santanna" => callaway_santanna(view, m),
        "imputation" => imputation(view, m),
        other => Err(format!("unknown estimator `{other}`")),
    }
}

/// The part of [`share_key`] that needs no data: OLS models with the same sample filter, FE,
/// clusters, weights and inference options. `None` for models estimated on their own.
pub fn share_group(m: &PlannedModel) -> Option<String> {
    if m.estimator != "ols" || !m.options.is_empty() {
        return None;
    }
    let ssc = serde_json::to_string(&m.ssc).unwrap_or_default();
    Some(format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{ssc}",
        m.sample, m.fe, m.cluster, m.weights, m.vcov
    ))
}

/// Models that can share their demeaned columns: the same [`share_group`] and the same rows
/// complete in all their columns. Computing it reads every column of the model, so the runner
/// asks only when two or more models share a group.
pub fn share_key(view: &PanelView, m: &PlannedModel) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let group = share_group(m)?;
    let filter = match &m.sample {
        Some(s) => Some(crate::expr::parse(s).ok()?),
        None => None,
    };
    let rows = view.select(filter.as_ref());
    let mut numeric: Vec<Vec<f64>> = vec![view.numeric(&m.outcome, &rows)];
    numeric.extend(m.regressors.iter().map(|r| view.numeric(r, &rows)));
    numeric.extend(m.weights.iter().map(|w| view.numeric(w, &rows)));
    let codes: Vec<Vec<u32>> =
        m.fe.iter()
            .chain(&m.cluster)
            .map(|t| view.codes(t, &rows))
            .collect();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for r in 0..rows.len() {
        let complete = numeric.iter().all(|c| c[r].is_finite())
            && codes.iter().all(|c| c[r] != estimators::MISSING);
        complete.hash(&mut h);
    }
    Some(format!("{group}|{:x}", h.finish()))
}

/// Estimates OLS models that share a [`share_key`]: the sample and FE structure are prepared
/// once and every distinct column (outcomes and regressors) demeaned once. Each model's result
/// is bit-for-bit what estimating it alone gives.
pub fn estimate_shared(
    view: &PanelView,
    models: &[&PlannedModel],
) -> Vec<Result<(OlsResult, Extras), String>> {
    let m0 = models[0];
    let fail = |e: String| models.iter().map(|_| Err(e.clone())).collect::<Vec<_>>();
    let frame = match ModelFrame::build(view, m0, vec![]) {
        Ok(f) => f,
        Err(e) => return fail(e),
    };
    let mut terms: Vec<String> = Vec::new();
    for m in models {
        for t in std::iter::once(&m.outcome).chain(&m.regressors) {
            if !terms.contains(t) {
                terms.push(t.clone());
            }
        }
    }
    let cols: Vec<crate::frame::Shared<f64>> = terms
        .iter()
        .map(|t| view.numeric_shared(t, &frame.rows))
        .collect();
    let col = |t: &str| terms.iter().position(|x| x == t).unwrap_or(0);
    let data = estimators::OlsData {
        y_name: m0.outcome.clone(),
        y: &cols[col(&m0.outcome)],
        x: terms
            .iter()
            .zip(&cols)
            .map(|(t, c)| (t.clone(), c.as_slice()))
            .collect(),
        fe: frame
            .fe
            .iter()
            .map(|(n, c)| (n.clone(), c.as_slice()))
            .collect(),
        weights: frame.weights.as_deref(),
        clusters: frame
            .cluster
            .iter()
            .map(|(n, c)| (n.clone(), c.as_slice()))
            .collect(),
    };
    let opts = options(m0);
    let prepared = match estimators::ols::Prepared::new(&data, &opts) {
        Ok(p) => p,
        Err(e) => return fail(e.to_string()),
    };
    let refs: Vec<&[f64]> = cols.iter().map(|c| c.as_slice()).collect();
    let transformed = prepared.transform(&refs);
    models
        .iter()
        .map(|m| {
            let xt = m
                .regressors
                .iter()
                .map(|r| (r.clone(), transformed[col(r)].clone()))
                .collect();
            prepared
                .estimate(
                    &m.outcome,
                    &cols[col(&m.outcome)],
                    transformed[col(&m.outcome)].clone(),
                    xt,
                )
                .map(|r| (r, Extras::default()))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Event-time points from coefficients named `prefix::k`, sorted by k.
fn event_points(coefficients: &[estimators::Coefficient]) -> Vec<EventPoint> {
    let mut points: Vec<EventPoint> = coefficients
        .iter()
        .filter_map(|c| {
            let l: i64 = c.name.rsplit("::").next()?.parse().ok()?;
            Some(EventPoint {
                rel_time: l,
                estimate: c.estimate,
                std_error: c.std_error,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
            })
        })
        .collect();
    points.sort_by_key(|p| p.rel_time);
    points
}

/// The model's `options` as the estimator's typed options: serde rejects unknown keys (naming the
/// known ones), wrong types and unknown variants, so every estimator reports them alike.
fn typed_options<T: serde::de::DeserializeOwned>(m: &PlannedModel) -> Result<T, String> {
    let map: serde_json::Map<String, Value> = m
        .options
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        let msg = e
            .inner()
            .to_string()
            .replace("expected u32", "expected a non-negative integer")
            .replace("expected u64", "expected a non-negative integer");
        if path == "." {
            format!("{} options: {msg}", m.estimator)
        } else {
            format!("option `{path}`: {msg}")
        }
    })
}

/// Checks that `options` only has known keys.
fn known_options(m: &PlannedModel, known: &[&str]) -> Result<(), String> {
    for k in m.options.keys() {
        if !known.contains(&k.as_str()) {
            return Err(format!(
                "unknown {} option `{k}` (known: {})",
                m.estimator,
                known.join(", ")
            ));
        }
    }
    Ok(())
}

fn opt_str(m: &PlannedModel, key: &str, default: &str) -> Result<String, String> {
    match m.options.get(key) {
        None => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("option `{key}` must be a string, found {other}")),
    }
}

/// Rows of the model's sample: the panel rows its `sample` filter keeps.
fn sample_rows(view: &PanelView, m: &PlannedModel) -> Result<Vec<usize>, String> {
    let filter = m
        .sample
        .as_ref()
        .map(|s| crate::expr::parse(s))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(view.select(filter.as_ref()))
}

/// First and last event time plotted.
fn window_of(points: &[EventPoint]) -> (i64, i64) {
    (
        points.first().map_or(0, |p| p.rel_time),
        points.last().map_or(0, |p| p.rel_time),
    )
}

/// The TWFE regression of `y` on `treat_post` with unit and period effects and clustered errors,
/// which supplies the fit statistics of a robust-DID column.
fn twfe_base(
    outcome: &str,
    y: &[f64],
    d: &[f64],
    fe: [(&str, &[u32]); 2],
    cluster: (&str, &[u32]),
) -> Result<OlsResult, String> {
    let data = estimators::OlsData {
        y_name: outcome.to_string(),
        y,
        x: vec![("treat_post".into(), d)],
        fe: fe.map(|(n, c)| (n.to_string(), c)).to_vec(),
        weights: None,
        clusters: vec![(cluster.0.to_string(), cluster.1)],
    };
    estimators::fit(&data, &clustered()).map_err(|e| e.to_string())
}

/// Cluster-robust inference with the default small-sample corrections.
fn clustered() -> OlsOptions {
    OlsOptions {
        vcov: estimators::VcovKind::Cluster,
        ..OlsOptions::default()
    }
}
