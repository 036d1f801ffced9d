//! Estimating one planned model: dispatch on `estimator`, build the frame, call the estimators
//! crate. Estimators that are OLS with generated regressors (event study) build them here.

use crate::frame::{ModelFrame, PanelView};
use crate::plan::PlannedModel;
use estimators::{
    EventPoint, EventStudy, OlsOptions, OlsResult, Placebo, PlaceboMode, Psm, PsmOptions,
};
use serde_json::Value;

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

/// Wild cluster bootstrap settings of an OLS model:
/// `options: {wild_bootstrap: {draws: 9999, weights: rademacher | webb, seed: 1}}`.
pub struct BootOptions {
    pub draws: usize,
    pub weights: estimators::BootWeights,
    pub seed: u64,
}

pub fn bootstrap_options(m: &PlannedModel) -> Result<Option<BootOptions>, String> {
    known_options(m, &["wild_bootstrap"])?;
    let Some(v) = m.options.get("wild_bootstrap") else {
        return Ok(None);
    };
    let o = v
        .as_object()
        .ok_or("option `wild_bootstrap` must be a map: {draws, weights, seed}")?;
    for k in o.keys() {
        if !["draws", "weights", "seed"].contains(&k.as_str()) {
            return Err(format!(
                "unknown wild_bootstrap option `{k}` (known: draws, weights, seed)"
            ));
        }
    }
    let weights = match o
        .get("weights")
        .and_then(|w| w.as_str())
        .unwrap_or("rademacher")
    {
        "rademacher" => estimators::BootWeights::Rademacher,
        "webb" => estimators::BootWeights::Webb,
        other => {
            return Err(format!(
                "wild_bootstrap `weights` must be rademacher or webb, found `{other}`"
            ))
        }
    };
    let draws = o
        .get("draws")
        .map_or(Some(9999), |d| d.as_u64())
        .ok_or("wild_bootstrap `draws` must be an integer")? as usize;
    if draws == 0 {
        return Err("wild_bootstrap `draws` must be at least 1".into());
    }
    crate::limits::draws("wild_bootstrap `draws`", draws as u64)?;
    if m.treatment.is_none() || m.cluster.is_empty() {
        return Err("wild_bootstrap tests the `treatment` coefficient and needs `cluster`".into());
    }
    Ok(Some(BootOptions {
        draws,
        weights,
        seed: o.get("seed").and_then(|s| s.as_u64()).unwrap_or(1),
    }))
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
    let wb =
        estimators::wild_cluster_bootstrap(&bi, &treatment, bo.weights, bo.draws, bo.seed, 0.95)
            .map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            bootstrap: Some(wb),
            ..Extras::default()
        },
    ))
}

/// Goodman-Bacon settings: `{adopt: sign_year, unit: iso3, time: year}`; the model is the TWFE
/// `outcome ~ treatment | unit + time` (no controls: the decomposition is exact only then).
pub fn bacon_options(m: &PlannedModel) -> Result<(String, String, String), String> {
    known_options(m, &["adopt", "unit", "time"])?;
    if m.treatment.is_none() || m.regressors.len() != 1 {
        return Err("bacon decomposes the TWFE coefficient of `treatment` alone: no other regressors or controls".into());
    }
    if m.weights.is_some() {
        return Err(
            "bacon decomposes the unweighted TWFE coefficient: `weights` are not supported".into(),
        );
    }
    Ok((
        opt_str(m, "adopt", "sign_year")?,
        opt_str(m, "unit", "iso3")?,
        opt_str(m, "time", "year")?,
    ))
}

fn bacon(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let (adopt, unit, time) = bacon_options(m)?;
    let frame = ModelFrame::build(view, m, vec![])?;
    let r = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let units = view.codes(&unit, &frame.rows);
    let times: Vec<i64> = view
        .numeric(&time, &frame.rows)
        .iter()
        .map(|t| t.round() as i64)
        .collect();
    let adopts: Vec<Option<i64>> = view
        .numeric(&adopt, &frame.rows)
        .iter()
        .map(|a| a.is_finite().then(|| a.round() as i64))
        .collect();
    let b = estimators::bacon(&units, &times, &adopts, &frame.y).map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            bacon: Some(b),
            ..Extras::default()
        },
    ))
}

/// Sun-Abraham settings: `{adopt: sign_year, unit: iso3, time: year}` (the cohort is the first
/// period a unit is observed treated, 1[time >= adopt]; units never treated within the sample are
/// the controls; relative period -1 is the reference).
pub fn sunab_options(m: &PlannedModel) -> Result<(String, String, String), String> {
    let known: &[&str] = if m.estimator == "imputation" {
        &["adopt", "unit", "time", "pretrend_leads"]
    } else {
        &["adopt", "unit", "time"]
    };
    known_options(m, known)?;
    let (adopt, unit, time) = (
        opt_str(m, "adopt", "sign_year")?,
        opt_str(m, "unit", "iso3")?,
        opt_str(m, "time", "year")?,
    );
    if m.estimator == "imputation" {
        // The imputation model's fixed effects are the unit and the period; say so or say nothing.
        let mut fe = m.fe.clone();
        fe.sort();
        let mut keys = vec![unit.clone(), time.clone()];
        keys.sort();
        if !fe.is_empty() && fe != keys {
            return Err(format!(
                "imputation absorbs unit and period effects (`{unit}`, `{time}`) only: `fe: {:?}` is not supported",
                m.fe
            ));
        }
        if m.weights.is_some() {
            return Err("imputation does not support `weights`".into());
        }
        if m.cluster.len() > 1 {
            return Err("imputation clusters by one variable (Gardner's SEs): two-way `cluster` is not supported".into());
        }
        if let Some(v) = m.options.get("pretrend_leads") {
            if v.as_u64().is_none() {
                return Err("option `pretrend_leads` must be a non-negative integer".into());
            }
        }
    }
    Ok((adopt, unit, time))
}

fn sun_abraham(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let (adopt, unit, time) = sunab_options(m)?;
    let n = view.nrows();
    let units = view.codes(&unit, &(0..n).collect::<Vec<_>>());
    let times: Vec<f64> = (0..n)
        .map(|r| view.get(&time, r).unwrap_or(f64::NAN))
        .collect();
    let in_sample = sample_rows(view, m)?;
    // Cohort: the first sample period in which the unit is treated.
    let n_units = units.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let mut cohort: Vec<Option<i64>> = vec![None; n_units];
    for &r in &in_sample {
        if let Some(a) = view.get(&adopt, r) {
            let t = times[r];
            if t >= a {
                let c = &mut cohort[units[r] as usize];
                *c = Some(c.map_or(t as i64, |c| c.min(t as i64)));
            }
        }
    }
    let cell = |r: usize| cohort[units[r] as usize].map(|g| (g, times[r] as i64 - g));
    let mut cells: Vec<estimators::sunab::CohortCell> = Vec::new();
    for &r in &in_sample {
        if let Some((g, l)) = cell(r) {
            if l != -1 && !cells.iter().any(|c| c.cohort == g && c.rel == l) {
                cells.push(estimators::sunab::CohortCell {
                    name: format!("sa::{g}::{l}"),
                    cohort: g,
                    rel: l,
                });
            }
        }
    }
    cells.sort_by_key(|c| (c.cohort, c.rel));
    let dummies: Vec<(String, Vec<f64>)> = cells
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                (0..n)
                    .map(|r| f64::from(u8::from(cell(r) == Some((c.cohort, c.rel)))))
                    .collect(),
            )
        })
        .collect();
    let frame = ModelFrame::build(view, m, dummies)?;
    let fit = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let rows: Vec<(i64, i64, bool)> = frame
        .rows
        .iter()
        .filter_map(|&r| cell(r).map(|(g, l)| (g, l, l >= 0)))
        .collect();
    let weights = estimators::sunab::period_weights(&rows);
    let agg = estimators::sunab::aggregate(&fit, &cells, &weights, "rel_time", 0.95);
    let mut points = event_points(&agg.coefficients);
    points.push(EventPoint {
        rel_time: -1,
        estimate: 0.0,
        std_error: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
    });
    points.sort_by_key(|p| p.rel_time);
    let pre: Vec<String> = agg
        .coefficients
        .iter()
        .filter(|c| c.name.contains("::-"))
        .map(|c| c.name.clone())
        .collect();
    let pretrend = estimators::wald_subset(&agg, &pre);
    let window = window_of(&points);
    let es = EventStudy {
        reference: -1,
        window,
        points,
        pretrend,
    };
    Ok((
        agg,
        Extras {
            event_study: Some(es),
            ..Extras::default()
        },
    ))
}

/// Callaway-Sant'Anna settings: `{adopt: sign_year, unit: iso3, time: year,
/// control: never_treated | not_yet_treated}`.
/// Callaway-Sant'Anna settings, every one validated here (so `regspec check` finds what `run`
/// would): `{adopt, unit, time, control: never_treated | not_yet_treated, anticipation: k >= 0,
/// method: dr | ipw | or, covariates: [...], bootstrap: {draws: n >= 1, seed}}`. Fields the
/// estimator cannot honour are refused: it has no fixed effects or weights, and its standard
/// errors are clustered by the unit.
pub struct CsOptions {
    pub adopt: String,
    pub unit: String,
    pub time: String,
    pub settings: estimators::CsSettings,
    pub covariates: Vec<String>,
    /// (draws, seed) of the multiplier bootstrap.
    pub bootstrap: Option<(usize, u64)>,
}

pub fn cs_options(m: &PlannedModel) -> Result<CsOptions, String> {
    known_options(
        m,
        &[
            "adopt",
            "unit",
            "time",
            "control",
            "anticipation",
            "bootstrap",
            "covariates",
            "method",
        ],
    )?;
    let control = match opt_str(m, "control", "never_treated")?.as_str() {
        "never_treated" => estimators::CsControl::NeverTreated,
        "not_yet_treated" => estimators::CsControl::NotYetTreated,
        other => {
            return Err(format!(
                "option `control` must be never_treated or not_yet_treated, found `{other}`"
            ))
        }
    };
    if !m.regressors.is_empty() {
        return Err(
            "callaway_santanna here is unconditional: no treatment, regressors or controls (use option `covariates`)".into(),
        );
    }
    let unit = opt_str(m, "unit", "iso3")?;
    if !m.fe.is_empty() {
        return Err(format!(
            "callaway_santanna has no fixed effects (it compares groups and periods directly): remove `fe: {:?}`",
            m.fe
        ));
    }
    if m.weights.is_some() {
        return Err("callaway_santanna does not support `weights` yet".into());
    }
    if !(m.cluster.is_empty() || m.cluster == [unit.clone()]) {
        return Err(format!(
            "callaway_santanna's standard errors are clustered by the unit (`{unit}`) only: `cluster: {:?}` is not supported",
            m.cluster
        ));
    }
    let anticipation = match m.options.get("anticipation") {
        None => 0,
        Some(v) => v
            .as_i64()
            .filter(|a| *a >= 0)
            .ok_or("option `anticipation` must be a non-negative integer")?,
    };
    let method = match opt_str(m, "method", "dr")?.as_str() {
        "dr" => estimators::CsMethod::Dr,
        "ipw" => estimators::CsMethod::Ipw,
        "or" | "reg" => estimators::CsMethod::Or,
        other => {
            return Err(format!(
                "option `method` must be dr, ipw or or, found `{other}`"
            ))
        }
    };
    let covariates: Vec<String> = match m.options.get("covariates") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_string)
                    .ok_or("option `covariates` must list column names".to_string())
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("option `covariates` must list column names".into()),
    };
    let bootstrap = match m.options.get("bootstrap") {
        None => None,
        Some(Value::Object(b)) => {
            if let Some(k) = b.keys().find(|k| !["draws", "seed"].contains(&k.as_str())) {
                return Err(format!(
                    "unknown bootstrap option `{k}` (known: draws, seed)"
                ));
            }
            let draws = match b.get("draws") {
                None => 999,
                Some(d) => d
                    .as_u64()
                    .filter(|d| *d >= 1)
                    .ok_or("bootstrap `draws` must be an integer of at least 1")?,
            };
            crate::limits::draws("bootstrap `draws`", draws)?;
            let seed = match b.get("seed") {
                None => 1,
                Some(d) => d
                    .as_u64()
                    .ok_or("bootstrap `seed` must be a non-negative integer")?,
            };
            Some((draws as usize, seed))
        }
        Some(_) => return Err("option `bootstrap` is a map: `{draws: 999, seed: 1}`".into()),
    };
    Ok(CsOptions {
        adopt: opt_str(m, "adopt", "sign_year")?,
        unit,
        time: opt_str(m, "time", "year")?,
        settings: estimators::CsSettings {
            control,
            anticipation,
            method,
        },
        covariates,
        bootstrap,
    })
}

fn callaway_santanna(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let o = cs_options(m)?;
    let (unit, time) = (&o.unit, &o.time);
    let rows = sample_rows(view, m)?;
    let units = view.codes(unit, &rows);
    let times: Vec<i64> = view
        .numeric(time, &rows)
        .iter()
        .map(|t| t.round() as i64)
        .collect();
    let adopts: Vec<Option<i64>> = view
        .numeric(&o.adopt, &rows)
        .iter()
        .map(|a| a.is_finite().then(|| a.round() as i64))
        .collect();
    let y = view.numeric(&m.outcome, &rows);
    // Covariates (their base-period values) enter through `method`, when they are given.
    let covariates: Vec<Vec<f64>> = o
        .covariates
        .iter()
        .map(|c| view.numeric(c, &rows))
        .collect();
    let mut cs =
        estimators::callaway_santanna(&units, &times, &adopts, &y, &covariates, o.settings)
            .map_err(|e| e.to_string())?;
    if let Some((draws, seed)) = o.bootstrap {
        let atts: Vec<f64> = cs.dynamic.iter().map(|d| d.att).collect();
        cs.bootstrap = Some(estimators::multiplier_bootstrap(
            &cs.dynamic_if,
            &atts,
            draws,
            seed,
            0.95,
        ));
    }
    // Fit statistics of the table come from the TWFE regression on the same sample.
    let d: Vec<f64> = times
        .iter()
        .zip(&adopts)
        .map(|(t, a)| f64::from(u8::from(a.is_some_and(|a| *t >= a))))
        .collect();
    let twfe_codes = view.codes(time, &rows);
    let base = twfe_base(
        &m.outcome,
        &y,
        &d,
        [(unit, &units), (time, &twfe_codes)],
        (unit, &units),
    )?;
    // The TWFE base gives the sample, clusters and layout; CS defines no R².
    let r = cs
        .as_result(&base, "rel_time", 0.95)
        .without_fit_statistics();
    let points = event_points(&r.coefficients);
    let window = window_of(&points);
    // With a varying base period there is no omitted period; -1 is an estimate like the others.
    let es = EventStudy {
        reference: window.0 - 1,
        window,
        points,
        pretrend: None,
    };
    Ok((
        r,
        Extras {
            cs: Some(cs),
            event_study: Some(es),
            ..Extras::default()
        },
    ))
}

/// Borusyak-Jaravel-Spiess imputation (options as Sun-Abraham: adopt, unit, time); clustered by
/// the model's first cluster variable (default: the unit). Event-time effects in the table.
fn imputation(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let (adopt, unit, time) = sunab_options(m)?;
    if !m.regressors.is_empty() {
        return Err(
            "imputation here has no covariates: no treatment, regressors or controls".into(),
        );
    }
    let all = sample_rows(view, m)?;
    let rows: Vec<usize> = all
        .into_iter()
        .filter(|&r| view.get(&m.outcome, r).is_some())
        .collect();
    let units = view.codes(&unit, &rows);
    let periods = view.codes(&time, &rows);
    let cl_name = m.cluster.first().cloned().unwrap_or_else(|| unit.clone());
    let cluster = view.codes(&cl_name, &rows);
    let times = view.numeric(&time, &rows);
    let rel: Vec<Option<i64>> = rows
        .iter()
        .zip(&times)
        .map(|(&r, &t)| {
            view.get(&adopt, r)
                .filter(|a| t >= *a)
                .map(|a| (t - a).round() as i64)
        })
        .collect();
    let y = view.numeric(&m.outcome, &rows);
    let imp =
        estimators::imputation(&units, &periods, &rel, &y, &cluster).map_err(|e| e.to_string())?;
    // Fit statistics of the table: the TWFE regression on the same rows.
    let d: Vec<f64> = rel
        .iter()
        .map(|r| f64::from(u8::from(r.is_some())))
        .collect();
    let base = twfe_base(
        &m.outcome,
        &y,
        &d,
        [(&unit, &units), (&time, &periods)],
        (&cl_name, &cluster),
    )?;
    let tdist =
        statrs::distribution::StudentsT::new(0.0, 1.0, base.df_t).map_err(|e| e.to_string())?;
    use statrs::distribution::ContinuousCDF;
    let q = tdist.inverse_cdf(0.975);
    let coefficients: Vec<estimators::Coefficient> = imp
        .effects
        .iter()
        .map(|e| {
            let t = e.estimate / e.std_error;
            estimators::Coefficient {
                name: format!("rel_time::{}", e.event_time.unwrap_or(0)),
                estimate: e.estimate,
                std_error: e.std_error,
                t_stat: t,
                p_value: 2.0 * tdist.sf(t.abs()),
                ci_low: e.estimate - q * e.std_error,
                ci_high: e.estimate + q * e.std_error,
            }
        })
        .collect();
    let points = event_points(&coefficients);
    let window = window_of(&points);
    // BJS's test of parallel trends: on untreated observations only, unit and period FE plus
    // dummies for the last `pretrend_leads` periods before adoption; joint F test of the leads.
    let leads = match m.options.get("pretrend_leads") {
        None => 0,
        Some(v) => {
            v.as_u64()
                .ok_or("option `pretrend_leads` must be a non-negative integer")? as i64
        }
    };
    let pretrend = if leads > 0 {
        let lead_cols: Vec<(String, Vec<f64>)> = (1..=leads)
            .map(|k| {
                let col = rows
                    .iter()
                    .zip(&times)
                    .map(|(&r, &t)| {
                        let untreated_lead = view
                            .get(&adopt, r)
                            .is_some_and(|a| (a - t).round() as i64 == k);
                        f64::from(u8::from(untreated_lead))
                    })
                    .collect();
                (format!("lead::{k}"), col)
            })
            .collect();
        let y_untreated: Vec<f64> = y
            .iter()
            .zip(&rel)
            .map(|(v, r)| if r.is_none() { *v } else { f64::NAN })
            .collect();
        let pdata = estimators::OlsData {
            y_name: m.outcome.clone(),
            y: &y_untreated,
            x: lead_cols
                .iter()
                .map(|(n, c)| (n.clone(), c.as_slice()))
                .collect(),
            fe: vec![(unit.clone(), &units), (time.clone(), &periods)],
            weights: None,
            clusters: vec![(cl_name.clone(), &cluster)],
        };
        let pr = estimators::fit(&pdata, &clustered())
            .map_err(|e| format!("pre-trend regression: {e}"))?;
        let names: Vec<String> = lead_cols.iter().map(|(n, _)| n.clone()).collect();
        estimators::wald_subset(&pr, &names)
    } else {
        None
    };
    let es = EventStudy {
        reference: window.0 - 1,
        window,
        points,
        pretrend,
    };
    // The TWFE base gives the sample, clusters and layout; the imputation defines no R².
    let r = OlsResult {
        coefficients,
        vcov: imp.vcov.clone(),
        ..base
    }
    .without_fit_statistics();
    Ok((
        r,
        Extras {
            imputation: Some(imp),
            event_study: Some(es),
            ..Extras::default()
        },
    ))
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

/// Placebo settings: `{mode: permute | nonparticipants, draws: 1000, seed: 20231129,
/// sign: sign_year, unit: iso3, time: year}`.
pub struct PlaceboOptions {
    pub mode: PlaceboMode,
    pub draws: usize,
    pub seed: u64,
    pub sign: String,
    pub unit: String,
    pub time: String,
}

pub fn placebo_options(m: &PlannedModel) -> Result<PlaceboOptions, String> {
    known_options(m, &["mode", "draws", "seed", "sign", "unit", "time"])?;
    let mode = match opt_str(m, "mode", "permute")?.as_str() {
        "permute" => PlaceboMode::Permute,
        "nonparticipants" => PlaceboMode::Nonparticipants,
        "permute_units" => PlaceboMode::PermuteUnits,
        other => {
            return Err(format!(
                "option `mode` must be permute, nonparticipants or permute_units, found `{other}`"
            ))
        }
    };
    let int = |key: &str, default: u64| -> Result<u64, String> {
        match m.options.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| format!("option `{key}` must be a non-negative integer")),
        }
    };
    let draws = int("draws", 1000)? as usize;
    if draws == 0 {
        return Err("option `draws` must be at least 1".into());
    }
    crate::limits::draws("option `draws`", draws as u64)?;
    if m.treatment.is_none() {
        return Err(
            "a placebo needs `treatment` (the coefficient whose assignment is randomised)".into(),
        );
    }
    Ok(PlaceboOptions {
        mode,
        draws,
        seed: int("seed", 20231129)?,
        sign: opt_str(m, "sign", "sign_year")?,
        unit: opt_str(m, "unit", "iso3")?,
        time: opt_str(m, "time", "year")?,
    })
}

fn placebo(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let po = placebo_options(m)?;
    let frame = ModelFrame::build(view, m, vec![])?;
    let data = frame.data(&m.outcome);
    let unit = view.codes(&po.unit, &frame.rows);
    let time = view.numeric(&po.time, &frame.rows);
    let sign = view.numeric(&po.sign, &frame.rows);
    let ids = estimators::PanelIds {
        unit: &unit,
        time: &time,
        sign: &sign,
    };
    let opts = options(m);
    let r = estimators::fit(&data, &opts).map_err(|e| e.to_string())?;
    let p = estimators::placebo(&data, &opts, &ids, po.mode, po.draws, po.seed)
        .map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            placebo: Some(p),
            ..Extras::default()
        },
    ))
}

/// PSM-DID settings: `{covariates: [...], pre_period: "year <= 2012", caliper: 0.2,
/// replacement: true, treated: treat, unit: iso3}`.
pub struct PsmSettings {
    pub covariates: Vec<String>,
    pub pre_period: String,
    pub psm: PsmOptions,
    pub treated: String,
    pub unit: String,
}

pub fn psm_options(m: &PlannedModel) -> Result<PsmSettings, String> {
    known_options(
        m,
        &[
            "covariates",
            "pre_period",
            "caliper",
            "replacement",
            "treated",
            "unit",
        ],
    )?;
    let covariates: Vec<String> = match m.options.get("covariates") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or("option `covariates` must list column names".to_string()))
            .collect::<Result<_, _>>()?,
        _ => return Err("psm_did needs option `covariates: [col, ...]` (pre-period covariates of the propensity score)".into()),
    };
    let caliper = match m.options.get("caliper") {
        None => 0.2,
        Some(v) => v.as_f64().filter(|c| *c >= 0.0).ok_or(
            "option `caliper` must be a number >= 0 (standard deviations of the logit score; 0 = none)",
        )?,
    };
    let replacement = match m.options.get("replacement") {
        None => true,
        Some(v) => v
            .as_bool()
            .ok_or("option `replacement` must be true or false")?,
    };
    Ok(PsmSettings {
        covariates,
        pre_period: opt_str(m, "pre_period", "year <= 2012")?,
        psm: PsmOptions {
            caliper,
            replacement,
        },
        treated: opt_str(m, "treated", "treat")?,
        unit: opt_str(m, "unit", "iso3")?,
    })
}

fn psm_did(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let ps = psm_options(m)?;
    let pre =
        crate::expr::parse(&ps.pre_period).map_err(|e| format!("option `pre_period`: {e}"))?;
    let frame = ModelFrame::build(view, m, vec![])?;
    let unit = view.codes(&ps.unit, &frame.rows);
    let n_units = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    // Unit-level treatment (ever treated) and pre-period covariate means.
    let mut treated = vec![false; n_units];
    for (i, &r) in frame.rows.iter().enumerate() {
        if view.get(&ps.treated, r).is_some_and(|v| v != 0.0) {
            treated[unit[i] as usize] = true;
        }
    }
    let covariates = ps
        .covariates
        .iter()
        .map(|c| {
            let (mut sum, mut cnt) = (vec![0.0; n_units], vec![0usize; n_units]);
            for (i, &r) in frame.rows.iter().enumerate() {
                let in_pre = pre.eval(&|col| view.get(col, r)).is_some_and(|v| v != 0.0);
                if let (true, Some(v)) = (in_pre, view.get(c, r)) {
                    sum[unit[i] as usize] += v;
                    cnt[unit[i] as usize] += 1;
                }
            }
            let mean = sum
                .iter()
                .zip(&cnt)
                .map(|(s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
                .collect();
            (c.clone(), mean)
        })
        .collect();
    let units = estimators::UnitData {
        treated,
        covariates,
    };
    let (r, p) = estimators::psm_did(&frame.data(&m.outcome), &options(m), &unit, &units, ps.psm)
        .map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            psm: Some(p),
            ..Extras::default()
        },
    ))
}

/// Event-study settings from the model's `options`.
pub struct EventOptions {
    pub rel_time: String,
    pub window: (i64, i64),
    pub reference: i64,
}

pub fn event_options(m: &PlannedModel) -> Result<EventOptions, String> {
    let o = &m.options;
    for k in o.keys() {
        if !["rel_time", "window", "ref"].contains(&k.as_str()) {
            return Err(format!(
                "unknown event_study option `{k}` (known: rel_time, window, ref)"
            ));
        }
    }
    let rel_time = o
        .get("rel_time")
        .and_then(|v| v.as_str())
        .unwrap_or("rel_time")
        .to_string();
    let window = match o.get("window") {
        None => (-5, 5),
        Some(v) => {
            let a = v
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or("option `window` must be [first, last]")?;
            let lo = a[0].as_i64().ok_or("option `window` must hold integers")?;
            let hi = a[1].as_i64().ok_or("option `window` must hold integers")?;
            (lo, hi)
        }
    };
    let reference = match o.get("ref") {
        None => -1,
        Some(v) => v.as_i64().ok_or("option `ref` must be an integer")?,
    };
    if window.1 - window.0 + 1 > crate::limits::MAX_EVENT_PERIODS {
        return Err(format!(
            "option `window` {window:?} spans {} periods; the limit is {} (bin the endpoints instead)",
            window.1 - window.0 + 1,
            crate::limits::MAX_EVENT_PERIODS
        ));
    }
    if !(window.0 < reference && reference <= window.1) {
        return Err(format!("option `ref` ({reference}) must lie inside the window {window:?}, after its first period"));
    }
    Ok(EventOptions {
        rel_time,
        window,
        reference,
    })
}

/// Treat x relative-period dummies, endpoints binned, the reference period omitted;
/// never-treated rows (missing relative time) have every dummy zero.
fn event_study(
    view: &PanelView,
    m: &PlannedModel,
) -> Result<(OlsResult, Option<EventStudy>), String> {
    let eo = event_options(m)?;
    let n = view.nrows();
    let periods: Vec<i64> = (eo.window.0..=eo.window.1)
        .filter(|&k| k != eo.reference)
        .collect();
    let name = |k: i64| format!("{}::{k}", eo.rel_time);
    let dummies: Vec<(String, Vec<f64>)> = periods
        .iter()
        .map(|&k| {
            let v = (0..n)
                .map(|r| match view.get(&eo.rel_time, r) {
                    None => 0.0,
                    Some(t) => {
                        let t = (t.round() as i64).clamp(eo.window.0, eo.window.1);
                        if t == k {
                            1.0
                        } else {
                            0.0
                        }
                    }
                })
                .collect();
            (name(k), v)
        })
        .collect();
    let frame = ModelFrame::build(view, m, dummies)?;
    let r = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let mut points = Vec::new();
    for &k in &periods {
        if let Some(c) = r.coef(&name(k)) {
            points.push(EventPoint {
                rel_time: k,
                estimate: c.estimate,
                std_error: c.std_error,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
            });
        }
    }
    points.push(EventPoint {
        rel_time: eo.reference,
        estimate: 0.0,
        std_error: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
    });
    points.sort_by_key(|p| p.rel_time);
    let pre: Vec<String> = periods
        .iter()
        .filter(|&&k| k < 0)
        .map(|&k| name(k))
        .collect();
    let pretrend = estimators::wald_subset(&r, &pre);
    Ok((
        r,
        Some(EventStudy {
            reference: eo.reference,
            window: eo.window,
            points,
            pretrend,
        }),
    ))
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
