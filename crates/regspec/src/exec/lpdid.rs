//! Local-projections DiD (`estimator: lpdid`): one clean-control regression per horizon,
//! event-time effects in the table and the figures, the pooled post-treatment effect as the
//! model's overall estimate.

use super::*;

/// LP-DiD (Dube, Girardi, Jordà and Taylor; pyfixest's `lpdid`).
pub(crate) struct LpDid;

/// LP-DiD options: `{adopt: sign_year, unit: iso3, time: year, pre_window: 5, post_window: 4,
/// reweight: false}`
/// (windows default to every relative period the data have).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LpDidOptions {
    adopt: String,
    unit: String,
    time: String,
    #[serde(default)]
    pre_window: Option<u32>,
    #[serde(default)]
    post_window: Option<u32>,
    /// The equally weighted version (each period's rows weighted by rows over controls).
    #[serde(default)]
    reweight: bool,
}

fn lpdid_options(m: &PlannedModel) -> Result<LpDidOptions, String> {
    let o: LpDidOptions = typed_options(m)?;
    if !m.regressors.is_empty() {
        return Err("lpdid here has no covariates: no treatment, regressors or controls (the switch into treatment is built from `adopt`)".into());
    }
    if !m.fe.is_empty() && m.fe != [o.time.clone()] {
        return Err(format!(
            "lpdid absorbs period effects (`{}`) only, as each horizon's regression does: `fe: {:?}` is not supported",
            o.time, m.fe
        ));
    }
    if m.weights.is_some() {
        return Err(
            "lpdid does not support `weights` (for the equally weighted version set `options: {reweight: true}`)".into(),
        );
    }
    for (name, w) in [("pre_window", o.pre_window), ("post_window", o.post_window)] {
        if let Some(w) = w {
            crate::limits::window(&format!("option `{name}`"), i64::from(w))?;
        }
    }
    Ok(o)
}

impl Estimator for LpDid {
    fn name(&self) -> &'static str {
        "lpdid"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("LP-DiD")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    /// Leads and lags of a unit's outcome: one row per (unit, period).
    fn needs(&self) -> Needs {
        Needs::Panel
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        lpdid_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        let o = lpdid_options(m)?;
        let d = Adoption::read(view, m, &o.unit, &o.time, &o.adopt)?;
        // The windows default to every relative period of the treated rows.
        let rel: Vec<i64> = d
            .times
            .iter()
            .zip(&d.adopt)
            .filter(|(_, a)| !a.is_nan())
            .map(|(t, a)| (t - a).round() as i64)
            .collect();
        let pre = o
            .pre_window
            .map_or_else(|| -rel.iter().copied().min().unwrap_or(0), i64::from);
        let post = o
            .post_window
            .map_or_else(|| rel.iter().copied().max().unwrap_or(0), i64::from);
        let input = estimators::lpdid::LpDidInput {
            y_name: &m.outcome,
            y: &d.y,
            units: &d.units,
            times: &d.times,
            periods: (&o.time, &d.periods),
            adopt: &d.adopt,
            clusters: d.cluster_refs(),
        };
        let (lp, pooled) =
            estimators::lpdid::lpdid(&input, pre.max(0), post.max(0), o.reweight, &options(m))
                .map_err(|e| e.to_string())?;
        let r = lp.as_result(&pooled, "rel_time");
        let points = event_points(&r.coefficients);
        let window = window_of(&points);
        let es = EventStudy {
            reference: -1,
            window,
            points,
            pretrend: None,
        };
        let p = &lp.pooled;
        Extras {
            overall: overall(p.estimate, p.std_error),
            stats: vec![overall_row(p.estimate, p.std_error)],
            notes: vec![format!(
                "LP-DiD (Dube, Girardi, Jorda and Taylor){}: one regression of the outcome's change since t-1 on the switch into treatment, with period FE, per horizon, on the newly treated and the units still untreated at the horizon; t = -1 is the reference; the overall ATT pools t = 0..{post}, and Observations are its regression's (the newly treated and the clean controls with the outcome from t-1 to t+{post}); each horizon has its own sample (its observations in the JSON)",
                if o.reweight {
                    ", equally weighted (each period's rows weighted by its rows over its controls; periods without a switch or a control left out)"
                } else {
                    ""
                }
            )],
            event_study: Some(es),
            ..Extras::default()
        }
        .detail("lpdid", &lp)
        .map(|e| (r, e))
    }
}
