//! Callaway-Sant'Anna group-time ATTs, their aggregations and the multiplier bootstrap, on a
//! panel (units followed over time) or on repeated cross-sections (each row one observation,
//! cohorts set at the `unit` option's level: the dataset's `group` by default).

use super::*;

/// Callaway and Sant'Anna's group-time effects (`estimator: callaway_santanna`).
pub(crate) struct CallawaySantAnna;

impl Estimator for CallawaySantAnna {
    fn name(&self) -> &'static str {
        "callaway_santanna"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Callaway-Sant'Anna")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    /// A panel when `unit` is the dataset's unit key (`did`'s `panel = TRUE`), else repeated
    /// cross-sections with cohorts at the `unit` option's level (`panel = FALSE`).
    fn needs(&self) -> Needs {
        Needs::Cohorts
    }

    /// Standard errors from the influence function: by unit, or clustered by `cluster:`.
    fn honours_vcov(&self, vcov: estimators::VcovKind) -> bool {
        vcov == estimators::VcovKind::Cluster
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        let o = cs_options(m)?;
        let mut cols = vec![o.adopt, o.unit, o.time];
        cols.extend(o.covariates);
        Ok(cols)
    }

    fn check_data(&self, view: &PanelView, m: &PlannedModel) -> Result<(), String> {
        cs_check_data(view, m, &cs_options(m)?)
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        callaway_santanna(view, m)
    }
}

/// The options of `callaway_santanna` as written in a spec file. Serde rejects unknown and
/// ill-typed options (with the names it knows); defaults are here and nowhere else.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CsYaml {
    adopt: String,
    unit: String,
    time: String,
    #[serde(default = "default_control")]
    control: estimators::CsControl,
    #[serde(default)]
    anticipation: u32,
    #[serde(default = "default_method")]
    method: estimators::CsMethod,
    #[serde(default)]
    covariates: Vec<String>,
    #[serde(default)]
    bootstrap: Option<CsBootYaml>,
    #[serde(default)]
    base_period: estimators::CsBasePeriod,
    #[serde(default)]
    allow_unbalanced_panel: bool,
    #[serde(default)]
    honest: Option<sensitivity::HonestOptions>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CsBootYaml {
    #[serde(default = "default_draws")]
    draws: u64,
    #[serde(default = "default_seed")]
    seed: u64,
}

fn default_control() -> estimators::CsControl {
    estimators::CsControl::NeverTreated
}
fn default_method() -> estimators::CsMethod {
    estimators::CsMethod::Dr
}
fn default_draws() -> u64 {
    999
}
fn default_seed() -> u64 {
    1
}

/// Callaway-Sant'Anna settings, every one validated here (so `regspec check` finds what `run`
/// would): `{adopt, unit, time, control: never_treated | not_yet_treated, anticipation: k >= 0,
/// method: dr | ipw | or, covariates: [...], base_period: varying | universal,
/// allow_unbalanced_panel: bool, bootstrap: {draws: n >= 1, seed}}`, plus the model's `weights`
/// (one per unit) and `cluster` (the unit or one variable constant within units). Fields the
/// estimator cannot honour are refused: it has no fixed effects, treatment or controls. What
/// depends on the shape of the data (see [`repeated`]) is checked in [`cs_check_data`].
pub struct CsOptions {
    /// Column of the first treated period.
    pub adopt: String,
    /// The unit key.
    pub unit: String,
    /// The time key.
    pub time: String,
    /// Control group, anticipation, method, base period, balance.
    pub settings: estimators::CsSettings,
    /// Base-period covariates.
    pub covariates: Vec<String>,
    /// (draws, seed) of the multiplier bootstrap.
    pub bootstrap: Option<(usize, u64)>,
    /// The model's `cluster`, if any (on a panel, naming the unit is the default).
    pub cluster: Option<String>,
    /// HonestDiD sensitivity of the dynamic effects.
    pub honest: Option<sensitivity::HonestOptions>,
}

/// Parses and validates the options of a `callaway_santanna` model.
pub fn cs_options(m: &PlannedModel) -> Result<CsOptions, String> {
    let o: CsYaml = typed_options(m)?;
    if !m.regressors.is_empty() {
        return Err(
            "callaway_santanna here is unconditional: no treatment, regressors or controls (use option `covariates`)".into(),
        );
    }
    if !m.fe.is_empty() {
        return Err(format!(
            "callaway_santanna has no fixed effects (it compares groups and periods directly): remove `fe: {:?}`",
            m.fe
        ));
    }
    if m.cluster.len() > 1 {
        return Err(format!(
            "callaway_santanna clusters by one variable, the unit or one above it: `cluster: {:?}` is not supported",
            m.cluster
        ));
    }
    let cluster = m.cluster.first().cloned();
    crate::limits::window("option `anticipation`", i64::from(o.anticipation))?;
    let bootstrap = match o.bootstrap {
        None => None,
        Some(b) => {
            if b.draws == 0 {
                return Err("bootstrap `draws` must be an integer of at least 1".into());
            }
            crate::limits::draws("bootstrap `draws`", b.draws)?;
            Some((b.draws as usize, b.seed))
        }
    };
    if let Some(h) = &o.honest {
        sensitivity::check(h)?;
        if o.base_period != estimators::CsBasePeriod::Universal {
            return Err("option `honest` needs every pre-period effect measured against t = -1: set `base_period: universal` (with a varying base period the pre-period effects compare adjacent periods)".into());
        }
    }
    Ok(CsOptions {
        adopt: o.adopt,
        unit: o.unit,
        time: o.time,
        settings: estimators::CsSettings {
            control: o.control,
            anticipation: i64::from(o.anticipation),
            method: o.method,
            base_period: o.base_period,
            allow_unbalanced: o.allow_unbalanced_panel,
        },
        covariates: o.covariates,
        bootstrap,
        cluster,
        honest: o.honest,
    })
}

/// Whether the model runs on repeated cross-sections: unless `unit` is the key of a panel
/// dataset (one row per unit and period), each row is one observation.
fn repeated(view: &PanelView, o: &CsOptions) -> bool {
    view.panel()
        .panel_keys()
        .is_none_or(|(unit, _)| unit != o.unit)
}

impl CsOptions {
    /// The cluster of the standard errors beyond the default: on a panel a cluster above the
    /// unit (naming the unit is the default); on repeated cross-sections any cluster (without
    /// one each observation is independent, as `did`'s `panel = FALSE`).
    fn cluster_above(&self, repeated: bool) -> Option<&str> {
        self.cluster
            .as_deref()
            .filter(|c| repeated || *c != self.unit)
    }
}

/// What `check` can see in the data before estimating. On a panel the cluster and the weights
/// must be constant within units (Callaway-Sant'Anna resamples and weights units, not rows); on
/// repeated cross-sections the cohort must be constant within the `unit` option's groups (the
/// level at which treatment is assigned), and panel-only options are refused.
fn cs_check_data(view: &PanelView, m: &PlannedModel, o: &CsOptions) -> Result<(), String> {
    let repeated = repeated(view, o);
    if let (Some(_), Some(c)) = (o.bootstrap, o.cluster_above(repeated)) {
        let by = if repeated { "observation" } else { "unit" };
        return Err(format!(
            "callaway_santanna's multiplier bootstrap draws by {by}: with `cluster: {c}` use the analytic standard errors (remove `bootstrap`)"
        ));
    }
    if repeated && o.settings.allow_unbalanced {
        return Err(format!(
            "option `allow_unbalanced_panel` is for panels; these are repeated cross-sections (`{}` is not the dataset's unit key), where every observation is used: remove it",
            o.unit
        ));
    }
    let Ok(rows) = sample_rows(view, m) else {
        return Ok(()); // a broken filter is reported on its own
    };
    let units = view.codes(&o.unit, &rows);
    if repeated {
        let adopt = view.numeric(&o.adopt, &rows);
        let mut seen: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        // NaN (never treated) compares by its bits, so a group mixing it with a year differs.
        if let Some(i) = (0..rows.len())
            .find(|&i| seen.entry(units[i]).or_insert(adopt[i]).to_bits() != adopt[i].to_bits())
        {
            return Err(format!(
                "`adopt: {}` varies within {} = {}: on repeated cross-sections cohorts are set at the level of option `unit` (the dataset's group); compute the cohort there, e.g. `first_treated(d, by = {})`",
                o.adopt,
                o.unit,
                view.label(&o.unit, rows[i]),
                o.unit
            ));
        }
        return Ok(());
    }
    let constant = |values: &[f64]| -> Option<usize> {
        let mut seen: std::collections::HashMap<u32, f64> = std::collections::HashMap::new();
        (0..rows.len()).find(|&i| {
            values[i].is_finite() && *seen.entry(units[i]).or_insert(values[i]) != values[i]
        })
    };
    if let Some(c) = &o.cluster {
        let codes: Vec<f64> = view.codes(c, &rows).iter().map(|&c| f64::from(c)).collect();
        if let Some(i) = constant(&codes) {
            return Err(format!(
                "`cluster: {c}` varies within unit {}: Callaway-Sant'Anna clusters by the unit or by a variable constant within units",
                view.label(&o.unit, rows[i])
            ));
        }
    }
    if let Some(w) = &m.weights {
        if let Some(i) = constant(&view.numeric(w, &rows)) {
            return Err(format!(
                "`weights: {w}` varies within unit {}: Callaway-Sant'Anna takes one sampling weight per unit",
                view.label(&o.unit, rows[i])
            ));
        }
    }
    Ok(())
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
    let weights = m.weights.as_ref().map(|w| view.numeric(w, &rows));
    let repeated = repeated(view, &o);
    let above = o.cluster_above(repeated);
    // The table's cluster: the one given, else a panel's unit (none on repeated cross-sections).
    let cluster_name = above.or((!repeated).then_some(unit.as_str()));
    let cluster = cluster_name.map(|c| view.codes(c, &rows));
    let data = estimators::CsData {
        unit: &units,
        time: &times,
        adopt: &adopts,
        y: &y,
        covariates: &covariates,
        weights: weights.as_deref(),
        cluster: above.and(cluster.as_deref()),
        repeated,
    };
    let mut cs = estimators::callaway_santanna(&data, o.settings).map_err(|e| {
        let e = e.to_string();
        if e.contains("unbalanced") {
            format!("{e}: set option `allow_unbalanced_panel: true` to use every observed unit and period (each ATT(g,t) then uses the units observed in t or in its base period)")
        } else {
            e
        }
    })?;
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
    // Rows with the outcome: the sample the TWFE layout (observations, clusters) describes.
    let keep: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_finite()).collect();
    let sub_f = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let sub_u = |v: &[u32]| keep.iter().map(|&i| v[i]).collect::<Vec<u32>>();
    let cluster_codes = cluster.as_deref().map(sub_u);
    let base = twfe_base(
        &m.outcome,
        &sub_f(&y),
        &sub_f(&d),
        [(unit, &sub_u(&units)), (time, &sub_u(&twfe_codes))],
        cluster_name.zip(cluster_codes.as_deref()),
    )?;
    // The TWFE base gives the sample, clusters and layout; CS defines no R².
    let mut r = cs
        .as_result(&base, "rel_time", 0.95)
        .without_fit_statistics();
    if repeated && above.is_none() {
        // Not the TWFE layout's HC1: each observation's own influence.
        r.inference = estimators::Inference::InfluenceFunction;
    }
    let points = event_points(&r.coefficients);
    let window = window_of(&points);
    // With a varying base period there is no omitted period (-1 is an estimate like the
    // others); with a universal one the base event time is the omitted reference.
    let es = EventStudy {
        reference: cs.reference().unwrap_or(window.0 - 1),
        window,
        points,
        pretrend: None,
    };
    let extras = with_honest(
        Extras {
            stats: vec![overall_row(cs.simple.att, cs.simple.std_error)],
            overall: overall(cs.simple.att, cs.simple.std_error),
            notes: std::iter::once(match cs.reference() {
                Some(r) => format!("Callaway-Sant'Anna: every effect compared with the cohort's last pre-treatment period (universal base period); t = {r} is omitted"),
                None => "Callaway-Sant'Anna: pre-treatment effects compare adjacent periods (varying base period), so no period is omitted".into(),
            })
            .chain(repeated.then(|| format!(
                "Callaway-Sant'Anna on repeated cross-sections: each of the {} observations is seen once, cohorts are set by {unit}; {}",
                cs.n_units,
                match above {
                    Some(c) => format!("standard errors clustered by {c}"),
                    None => "standard errors treat observations as independent".into(),
                }
            )))
            .collect(),
            event_study: Some(es),
            ..Extras::default()
        }
        .detail("callaway_santanna", &cs)?,
        &r,
        "rel_time",
        o.honest.as_ref(),
    )?;
    Ok((r, extras))
}
