//! Callaway-Sant'Anna group-time ATTs, their aggregations and the multiplier bootstrap.

use super::*;

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

pub(crate) fn callaway_santanna(
    view: &PanelView,
    m: &PlannedModel,
) -> Result<(OlsResult, Extras), String> {
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
