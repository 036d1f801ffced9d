//! Extended TWFE (`estimator: etwfe`; Wooldridge): cohort x period effects from one
//! regression with unit and period FE, their averages by event time in the table and the
//! figures, the simple ATT as the model's overall estimate, by cohort and by period in the
//! JSON.

use super::*;

/// Extended two-way fixed effects (R's `etwfe` with `emfx`, Stata's `jwdid`).
pub(crate) struct Etwfe;

/// ETWFE options: `{adopt: sign_year, unit: iso3, time: year}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct EtwfeOptions {
    adopt: String,
    unit: String,
    time: String,
}

fn etwfe_options(m: &PlannedModel) -> Result<EtwfeOptions, String> {
    let o: EtwfeOptions = typed_options(m)?;
    if !m.regressors.is_empty() {
        return Err("etwfe here has no covariates: no treatment, regressors or controls (the cohort x period cells are built from `adopt`)".into());
    }
    if !m.fe.is_empty() && !fe_are_unit_and_time(m, &o.unit, &o.time) {
        return Err(format!(
            "etwfe absorbs unit and period effects (`{}`, `{}`) only: `fe: {:?}` is not supported",
            o.unit, o.time, m.fe
        ));
    }
    if m.weights.is_some() {
        return Err("etwfe does not support `weights`".into());
    }
    Ok(o)
}

impl Estimator for Etwfe {
    fn name(&self) -> &'static str {
        "etwfe"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Extended TWFE")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    fn needs(&self) -> Needs {
        Needs::Cohorts
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        etwfe_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        let o = etwfe_options(m)?;
        let d = Adoption::read(view, m, &o.unit, &o.time, &o.adopt)?;
        let input = estimators::etwfe::EtwfeInput {
            y_name: &m.outcome,
            y: &d.y,
            units: (&o.unit, &d.units),
            periods: (&o.time, &d.periods),
            times: &d.times,
            adopt: &d.adopt,
            clusters: d.cluster_refs(),
        };
        let (e, fit) = estimators::etwfe::etwfe(&input, &options(m)).map_err(|e| e.to_string())?;
        let r = e.as_result(fit, "rel_time");
        let points = event_points(&r.coefficients);
        let window = window_of(&points);
        let s = &e.simple;
        Extras {
            overall: overall(s.estimate, s.std_error),
            stats: vec![overall_row(s.estimate, s.std_error)],
            notes: vec![
                "Extended TWFE (Wooldridge): one regression with a dummy per treated cohort x period and unit and period FE, not-yet-treated and never-treated observations as the comparison; effects by event time and the overall ATT average the cells with their observation counts (delta-method standard errors, normal inference)".into(),
            ],
            event_study: Some(EventStudy {
                reference: -1,
                window,
                points,
                pretrend: None,
            }),
            ..Extras::default()
        }
        .detail("etwfe", &e)
        .map(|x| (r, x))
    }
}
