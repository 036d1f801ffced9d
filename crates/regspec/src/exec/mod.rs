//! Estimating one planned model. Every estimator is one module here implementing
//! [`Estimator`] (its name, typed options validated by `check`, the columns they name, checks on
//! the data, and the estimation) and one line in [`ESTIMATORS`]; `check`, the plan and the
//! runner reach estimators only through that list, so adding one touches no other file of this
//! crate. Helpers the estimators share (typed options, sample rows, event points, the TWFE base
//! fit of robust-DID columns) stay in this file.

use crate::frame::{ModelFrame, PanelView};
use crate::model::PlannedModel;
use estimators::{OlsOptions, OlsResult};
use report::{EventPoint, EventStudy, StatRow, StatValue};
use serde_json::Value;

mod bacon;
mod cs;
mod dcdh;
mod etwfe;
mod event_study;
mod glm;
mod imputation;
mod lpdid;
mod ols;
mod placebo;
mod ppml;
mod psm;
mod sdid;
pub mod sensitivity;
mod sunab;

/// One estimator of the `estimator:` field.
///
/// Invariants: `check` validates everything `estimate` reads (options, option columns, refused
/// fields), so a plan that passes `regspec check` fails in `estimate` only on the numbers; and
/// the model's cache key (the hash of the whole [`PlannedModel`]) covers every field that
/// changes a fit.
pub trait Estimator: Sync {
    /// The name in spec files (`estimator: name`).
    fn name(&self) -> &'static str;
    /// How figures and prose name the estimator (None: a plain regression, named by its column).
    fn display_name(&self) -> Option<&'static str> {
        None
    }
    /// Which dataset keys fill the `unit` and `time` options when a spec leaves them out.
    fn keys(&self) -> Keys {
        Keys::None
    }
    /// The shape of data the estimator can honour; `check` refuses it on other data, saying
    /// what to declare.
    fn needs(&self) -> Needs {
        Needs::Rows
    }
    /// Validates the options and the model's fields without data; returns the columns the
    /// options name (checked against the panel by `check`). Fields the estimator cannot honour
    /// (fixed effects, weights, a cluster) are refused here, never ignored.
    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String>;
    /// Checks that need the data (every column the model and options name exists by then).
    fn check_data(&self, _view: &PanelView, _m: &PlannedModel) -> Result<(), String> {
        Ok(())
    }
    /// Estimates the model: the table's coefficients and what the report shows beyond them.
    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String>;
    /// Whether the model's fixed effects are absorbed with the `demean:` solver it names
    /// ([`options`]); an estimator with its own absorption says false and `check` refuses
    /// `demean: map | krylov` for it.
    fn honours_demean(&self) -> bool {
        true
    }
    /// Whether the estimator computes its standard errors as `vcov` says. An estimator with its
    /// own inference (an influence function, by unit or summed within `cluster:`) says false
    /// for what it cannot do, and a spec that writes such a `vcov` is refused, not ignored.
    /// Conley errors need the frame's coordinates ([`ModelFrame::data`]): only linear models
    /// estimated from the frame say yes to them.
    fn honours_vcov(&self, vcov: estimators::VcovKind) -> bool {
        !matches!(vcov, estimators::VcovKind::Conley { .. })
    }
    /// Models with the same group may share work (see [`share_key`]); `None`: estimated alone.
    fn share_group(&self, _m: &PlannedModel) -> Option<String> {
        None
    }
}

/// The data an estimator can honour, from the least to the most demanding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Rows of any shape: a cross-section, repeated cross-sections, spells, a panel.
    Rows,
    /// Cohorts over time: its `unit` option (a panel's unit, or the dataset's `group` on
    /// repeated cross-sections) and `time`; several rows per (unit, time) are fine.
    Cohorts,
    /// Units followed over time: (unit, time) unique in the data.
    Panel,
    /// A balanced panel: (unit, time) unique and every unit in every period.
    BalancedPanel,
}

impl Needs {
    /// What the estimator needs, in a check message.
    pub fn describe(self) -> &'static str {
        match self {
            Needs::Rows => "any rows",
            Needs::Cohorts => "units or groups over time (its `unit` and `time` options)",
            Needs::Panel => "a panel: one row per (unit, time)",
            Needs::BalancedPanel => {
                "a balanced panel: one row per (unit, time), every unit in every period"
            }
        }
    }
}

/// Dataset keys an estimator takes as defaults of its `unit` and `time` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// No panel keys.
    None,
    /// `unit` only.
    Unit,
    /// `unit` and `time`.
    UnitTime,
}

/// Every estimator, in the order `regspec` lists them.
pub const ESTIMATORS: &[&dyn Estimator] = &[
    &ols::Ols,
    &event_study::EventStudyTwfe,
    &placebo::Placebo,
    &psm::PsmDid,
    &bacon::Bacon,
    &sunab::SunAbraham,
    &cs::CallawaySantAnna,
    &imputation::Imputation,
    &ppml::Ppml,
    &glm::LOGIT,
    &glm::PROBIT,
    &lpdid::LpDid,
    &etwfe::Etwfe,
    &sdid::Sdid,
    &dcdh::Dcdh,
];

/// A formula wrapped in a fixest estimation call: `fepois(...)` (PPML), `feols(...)` (OLS) or
/// `feglm(..., family = logit | probit | binomial | poisson)`; the estimator's name and the
/// formula inside. `Err` for a `feglm` call without a family regspec estimates.
pub(crate) fn fixest_call(f: &str) -> Result<Option<(&'static str, String)>, String> {
    let called = [("fepois(", "ppml"), ("feols(", "ols")]
        .into_iter()
        .find_map(|(call, est)| {
            let inner = f.strip_prefix(call)?.strip_suffix(')')?;
            Some((est, inner.trim().to_string()))
        });
    if called.is_some() {
        return Ok(called);
    }
    let Some(inner) = f.strip_prefix("feglm(").and_then(|r| r.strip_suffix(')')) else {
        return Ok(None);
    };
    let family = inner.rsplit_once(',').and_then(|(formula, arg)| {
        let value = arg
            .trim()
            .strip_prefix("family")?
            .trim_start()
            .strip_prefix('=')?;
        Some((formula.trim(), value.trim().trim_matches(['"', '\''])))
    });
    match family {
        Some((formula, "logit" | "binomial")) => Ok(Some(("logit", formula.to_string()))),
        Some((formula, "probit")) => Ok(Some(("probit", formula.to_string()))),
        Some((formula, "poisson")) => Ok(Some(("ppml", formula.to_string()))),
        Some((_, other)) => Err(format!(
            "`feglm(..., family = {other})`: the families estimated are logit (also `binomial`), probit and poisson"
        )),
        None => Err(
            "`feglm(...)` needs its family last: `feglm(y ~ x | fe, family = logit)` (or probit, poisson)"
                .into(),
        ),
    }
}

/// The estimator called `name`.
pub fn lookup(name: &str) -> Option<&'static dyn Estimator> {
    ESTIMATORS.iter().copied().find(|e| e.name() == name)
}

/// The names of every estimator.
pub fn names() -> Vec<&'static str> {
    ESTIMATORS.iter().map(|e| e.name()).collect()
}

/// What an estimator returns beyond the fit shown in tables: typed details written to the
/// table's JSON, and `stats`, rows the report prints under the coefficients as they are (a new
/// estimator needs no change to the report).
#[derive(Default)]
pub struct Extras {
    /// Rows of statistics under the coefficients, in this order.
    pub stats: Vec<StatRow>,
    /// Sentences for the table's notes (identical ones are merged across columns).
    pub notes: Vec<String>,
    /// The estimator's typed details, serialised under its own name (see [`Extras::detail`]).
    pub details: std::collections::BTreeMap<String, Value>,
    /// Figures the estimator draws beyond its event study.
    pub figures: Vec<report::FigureSpec>,
    /// Event-time estimates (drawn as a figure).
    pub event_study: Option<EventStudy>,
    /// HonestDiD sensitivity analyses of the event study.
    pub honest: Vec<report::HonestRecord>,
    /// The overall ATT of a heterogeneity-robust estimator.
    pub overall: Option<report::record::Overall>,
}

impl Extras {
    /// Adds the estimator's details under `key` (its name in the model's JSON, where the report
    /// and readers find it with `ModelRecord::detail`).
    pub fn detail(mut self, key: &str, details: &impl serde::Serialize) -> Result<Self, String> {
        let v = serde_json::to_value(details).map_err(|e| format!("{key}: {e}"))?;
        self.details.insert(key.to_string(), v);
        Ok(self)
    }
}

/// Adds the HonestDiD analyses that `o` asks for (`honest:` of an event-study estimator) to
/// `extras`: a breakdown row per analysis, a note, and the details the figure draws. The
/// event-time coefficients are `prefix::k` of `r`, with `r`'s vcov.
fn with_honest(
    mut extras: Extras,
    r: &OlsResult,
    prefix: &str,
    o: Option<&sensitivity::HonestOptions>,
) -> Result<Extras, String> {
    let Some(o) = o else {
        return Ok(extras);
    };
    let es = extras
        .event_study
        .as_ref()
        .ok_or("HonestDiD needs an event study")?;
    let a = sensitivity::run(r, es, prefix, o)?;
    extras.stats.extend(sensitivity::rows(&a.results));
    extras.notes.push(sensitivity::note(&a.results, o));
    extras.honest = a
        .results
        .into_iter()
        .map(|analysis| report::HonestRecord {
            target: sensitivity::target_words(o),
            analysis,
            event_times: a.event_times.clone(),
            beta: a.coefs.beta.clone(),
            sigma: a.coefs.sigma.clone(),
        })
        .collect();
    Ok(extras)
}

/// The OLS options of the model (vcov and small-sample corrections).
pub fn options(m: &PlannedModel) -> OlsOptions {
    OlsOptions {
        vcov: m.vcov,
        ssc: m.ssc,
        demean: m.demean,
        ..OlsOptions::default()
    }
}

/// Estimates one model with its estimator.
pub fn estimate(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    lookup(&m.estimator)
        .ok_or_else(|| format!("unknown estimator `{}`", m.estimator))?
        .estimate(view, m)
}

/// The part of [`share_key`] that needs no data (see [`Estimator::share_group`]).
pub fn share_group(m: &PlannedModel) -> Option<String> {
    lookup(&m.estimator)?.share_group(m)
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
        coords: None,
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
            let (_, l) = c.event_time()?;
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

/// The fixed effects are exactly the unit and the period (in either order).
fn fe_are_unit_and_time(m: &PlannedModel, unit: &str, time: &str) -> bool {
    let mut fe: Vec<&str> = m.fe.iter().map(String::as_str).collect();
    fe.sort_unstable();
    let mut keys = vec![unit, time];
    keys.sort_unstable();
    fe == keys
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
            .replace("expected u64", "expected a non-negative integer")
            .replace("expected usize", "expected a non-negative integer")
            .replace("a tuple of size 2", "two integers [first, last]");
        if path == "." {
            format!("{} options: {msg}", m.estimator)
        } else {
            format!("option `{path}`: {msg}")
        }
    })
}

/// The row of an overall average effect: "ATT (s.e.)".
/// The overall ATT as the estimator reports it (for `Extras::overall`).
fn overall(att: f64, se: f64) -> Option<report::record::Overall> {
    Some(report::record::Overall {
        estimate: att,
        std_error: se,
    })
}

fn overall_row(att: f64, se: f64) -> StatRow {
    StatRow::new(
        "Overall ATT (s.e.)",
        StatValue::Seq(vec![
            StatValue::num(att),
            StatValue::text(" ("),
            StatValue::num(se),
            StatValue::text(")"),
        ]),
    )
}

/// The row of a joint pre-trend test: "F (p-value)".
fn pretrend_row(w: Option<&estimators::Wald>) -> Vec<StatRow> {
    w.map(|w| {
        StatRow::new(
            "Pre-trend F (p-value)",
            StatValue::Seq(vec![
                StatValue::num_digits(w.stat, 2),
                StatValue::text(" ("),
                StatValue::num(w.p_value),
                StatValue::text(")"),
            ]),
        )
    })
    .into_iter()
    .collect()
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

/// The columns of a staggered-adoption design on the model's sample: unit and period codes,
/// periods, first treated periods (NaN never), the outcome and the cluster codes. Shared by
/// the estimators that build their regressions from `adopt` (LP-DiD, extended TWFE).
struct Adoption<'a> {
    /// The sample's panel rows.
    rows: Vec<usize>,
    units: Vec<u32>,
    periods: Vec<u32>,
    times: Vec<f64>,
    adopt: Vec<f64>,
    y: Vec<f64>,
    clusters: Vec<(String, crate::frame::Shared<'a, u32>)>,
}

impl<'a> Adoption<'a> {
    fn read(
        view: &PanelView<'a>,
        m: &PlannedModel,
        unit: &str,
        time: &str,
        adopt: &str,
    ) -> Result<Adoption<'a>, String> {
        let rows = sample_rows(view, m)?;
        Ok(Adoption {
            units: view.codes(unit, &rows),
            periods: view.codes(time, &rows),
            times: view.numeric(time, &rows),
            adopt: view.numeric(adopt, &rows),
            y: view.numeric(&m.outcome, &rows),
            clusters: view.cluster_codes(m, &rows),
            rows,
        })
    }

    /// The cluster codes as the estimators crate takes them.
    fn cluster_refs(&self) -> Vec<(String, &[u32])> {
        self.clusters
            .iter()
            .map(|(n, c)| (n.clone(), c.as_slice()))
            .collect()
    }
}

/// First and last event time plotted.
fn window_of(points: &[EventPoint]) -> (i64, i64) {
    (
        points.first().map_or(0, |p| p.rel_time),
        points.last().map_or(0, |p| p.rel_time),
    )
}

/// The TWFE regression that gives a robust-DID column its layout (`estimators::ols::twfe`).
fn twfe_base(
    outcome: &str,
    y: &[f64],
    d: &[f64],
    fe: [(&str, &[u32]); 2],
    cluster: Option<(&str, &[u32])>,
) -> Result<OlsResult, String> {
    estimators::ols::twfe(outcome, y, d, fe, cluster).map_err(|e| e.to_string())
}

/// Cluster-robust inference with the default small-sample corrections.
fn clustered() -> OlsOptions {
    OlsOptions {
        vcov: estimators::VcovKind::Cluster,
        ..OlsOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixest_calls_name_their_estimator() {
        assert_eq!(
            fixest_call("fepois(coop ~ x | iso3 + year)"),
            Ok(Some(("ppml", "coop ~ x | iso3 + year".to_string())))
        );
        assert_eq!(
            fixest_call("feols(y ~ x)").unwrap().map(|c| c.0),
            Some("ols")
        );
        assert_eq!(fixest_call("coop ~ fepois"), Ok(None));
        assert_eq!(
            fixest_call("feglm(y ~ i(rel, d) + x | unit, family = \"probit\")"),
            Ok(Some(("probit", "y ~ i(rel, d) + x | unit".to_string())))
        );
        assert_eq!(
            fixest_call("feglm(y ~ x, family = binomial)")
                .unwrap()
                .map(|c| c.0),
            Some("logit")
        );
        assert!(fixest_call("feglm(y ~ i(rel, d))").is_err());
        assert!(fixest_call("feglm(y ~ x, family = gamma)").is_err());
    }
}
