//! de Chaisemartin and D'Haultfoeuille's event study (`estimator: dcdh`; Stata/R
//! `did_multiplegt_dyn`): effects of having been exposed to a weakly higher treatment for ℓ
//! periods and placebos, for treatments that switch on and off or take many values.

use super::*;

/// The intertemporal DID estimators of de Chaisemartin and D'Haultfoeuille.
pub(crate) struct Dcdh;

/// dCDH options: `{treatment: policy, unit: region, time: year, effects: 4, placebo: 3,
/// normalized: false, switchers: both | in | out}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DcdhOptions {
    /// The treatment column (any values; it may switch off again).
    treatment: String,
    unit: String,
    time: String,
    #[serde(default = "one")]
    effects: u32,
    #[serde(default)]
    placebo: u32,
    #[serde(default)]
    normalized: bool,
    #[serde(default = "both")]
    switchers: estimators::dcdh::Switchers,
}

fn one() -> u32 {
    1
}

fn both() -> estimators::dcdh::Switchers {
    estimators::dcdh::Switchers::Both
}

fn dcdh_options(m: &PlannedModel) -> Result<DcdhOptions, String> {
    let o: DcdhOptions = typed_options(m)?;
    if !m.regressors.is_empty() {
        return Err("dcdh here has no covariates: no treatment, regressors or controls fields (the treatment is the option `treatment`)".into());
    }
    if !m.fe.is_empty() {
        return Err("dcdh takes no `fe`: it compares groups with the same status-quo treatment, period by period".into());
    }
    if m.weights.is_some() {
        return Err("dcdh does not support `weights`".into());
    }
    if m.cluster.len() > 1 {
        return Err("dcdh clusters by one variable (constant within units)".into());
    }
    if o.effects == 0 {
        return Err("option `effects` must be at least 1".into());
    }
    crate::limits::window("option `effects`", i64::from(o.effects))?;
    if o.placebo > o.effects {
        return Err(format!(
            "option `placebo: {}` exceeds `effects: {}`: as did_multiplegt_dyn, there are at most as many placebos as effects",
            o.placebo, o.effects
        ));
    }
    Ok(o)
}

impl Estimator for Dcdh {
    fn name(&self) -> &'static str {
        "dcdh"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("de Chaisemartin-D'Haultfoeuille")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    /// Each group's treatment and outcome path: one row per (unit, period).
    fn needs(&self) -> Needs {
        Needs::Panel
    }

    fn honours_vcov(&self, vcov: estimators::VcovKind) -> bool {
        vcov == estimators::VcovKind::Cluster
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        dcdh_options(m).map(|o| vec![o.treatment, o.unit, o.time])
    }

    fn check_data(&self, view: &PanelView, m: &PlannedModel) -> Result<(), String> {
        let o = dcdh_options(m)?;
        let rows = sample_rows(view, m)?;
        let d = view.numeric(&o.treatment, &rows);
        if let Some(i) = d.iter().position(|v| !v.is_finite()) {
            return Err(format!(
                "dcdh needs the treatment in every row: `{}` is missing for {}",
                o.treatment,
                view.describe_row(rows[i])
            ));
        }
        if let Some(c) = m.cluster.first() {
            let units = view.codes(&o.unit, &rows);
            let clusters = view.codes(c, &rows);
            let mut seen: std::collections::HashMap<u32, u32> = Default::default();
            for (i, (u, k)) in units.iter().zip(&clusters).enumerate() {
                if *seen.entry(*u).or_insert(*k) != *k {
                    return Err(format!(
                        "`cluster: {c}` varies within {} {}: dcdh clusters groups, by a variable constant within units",
                        o.unit,
                        view.label(&o.unit, rows[i])
                    ));
                }
            }
        }
        Ok(())
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        let o = dcdh_options(m)?;
        let rows = sample_rows(view, m)?;
        let units = view.codes(&o.unit, &rows);
        let times = view.numeric(&o.time, &rows);
        let d = view.numeric(&o.treatment, &rows);
        let y = view.numeric(&m.outcome, &rows);
        let periods = crate::frame::time_ranks(&times);
        let n_periods = periods.iter().max().map_or(0, |p| *p as usize + 1);
        let cluster = m.cluster.first().map(|c| view.codes(c, &rows));
        let input = estimators::dcdh::DcdhInput {
            groups: &units,
            periods: &periods,
            n_periods,
            d: &d,
            y: &y,
            cluster: cluster.as_deref(),
        };
        let settings = estimators::dcdh::DcdhSettings {
            effects: o.effects as usize,
            placebo: o.placebo as usize,
            normalized: o.normalized,
            switchers: o.switchers,
            moderndid_cluster_count: false,
        };
        let e = estimators::dcdh::dcdh(&input, &settings).map_err(|e| e.to_string())?;
        let periods_codes = view.codes(&o.time, &rows);
        let base = twfe_base(
            &m.outcome,
            &y,
            &d,
            [(&o.unit, &units), (&o.time, &periods_codes)],
            m.cluster
                .first()
                .map(String::as_str)
                .zip(cluster.as_deref()),
        )?;
        let mut r = e.as_result(&base, "rel_time", 0.95);
        if cluster.is_none() {
            // Each group's influence is independent: clustered by the unit.
            r.inference = estimators::Inference::Cluster {
                by: vec![o.unit.clone()],
            };
            r.n_clusters = vec![e.n_groups];
        }
        let points = event_points(&r.coefficients);
        let window = window_of(&points);
        // One sentence every dCDH column shares, one for what differs between columns.
        let which = match (o.switchers, o.normalized) {
            (estimators::dcdh::Switchers::Both, false) => "Switchers in and out, switchers out's effects with the sign flipped",
            (estimators::dcdh::Switchers::In, false) => "Switchers in only",
            (estimators::dcdh::Switchers::Out, false) => "Switchers out only, effects with the sign flipped",
            (estimators::dcdh::Switchers::Both, true) => "Switchers in and out (out sign-flipped), normalised by their average cumulated treatment change",
            (estimators::dcdh::Switchers::In, true) => "Switchers in only, normalised by their average cumulated treatment change",
            (estimators::dcdh::Switchers::Out, true) => "Switchers out only (sign-flipped), normalised by their average cumulated treatment change",
        };
        Extras {
            stats: vec![
                StatRow::new(
                    "Switchers in / out",
                    StatValue::text(format!("{} / {}", e.n_switchers_in, e.n_switchers_out)),
                ),
                StatRow::new("Groups", StatValue::text(e.n_groups.to_string())),
            ],
            notes: vec![
                "de Chaisemartin-D'Haultfoeuille (did_multiplegt_dyn): each switcher's outcome change since the period before its first switch (t = -1) against the groups with the same initial treatment that have not switched yet; t = 0 is the first switched period, placebos before t = -1; did_multiplegt_dyn's analytic standard errors, normal inference".into(),
                which.into(),
            ],
            event_study: Some(EventStudy {
                reference: -1,
                window,
                points,
                pretrend: None,
            }),
            ..Extras::default()
        }
        .detail("dcdh", &e)
        .map(|x| (r, x))
    }
}
