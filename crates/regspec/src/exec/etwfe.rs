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
    // Covariates are controls (etwfe's `y ~ x1 + x2`); the treatment is built from `adopt`.
    if m.treatment.is_some() || m.regressors.iter().any(|r| !m.controls.contains(r)) {
        return Err("etwfe builds its cohort x period treatment cells from `adopt`: covariates go in `controls` (no `treatment` or other `regressors`)".into());
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
        let controls: Vec<(String, Vec<f64>)> = m
            .controls
            .iter()
            .map(|c| (c.clone(), view.numeric(c, &d.rows)))
            .collect();
        let input = estimators::etwfe::EtwfeInput {
            y_name: &m.outcome,
            y: &d.y,
            units: (&o.unit, &d.units),
            periods: (&o.time, &d.periods),
            times: &d.times,
            adopt: &d.adopt,
            clusters: d.cluster_refs(),
            controls: controls
                .iter()
                .map(|(n, v)| (n.clone(), v.as_slice()))
                .collect(),
        };
        let (e, fit) = estimators::etwfe::etwfe(&input, &options(m)).map_err(|e| e.to_string())?;
        let r = e.as_result(fit, "rel_time");
        let points = event_points(&r.coefficients);
        let window = window_of(&points);
        let s = &e.simple;
        let mut notes = vec![
            "Extended TWFE (Wooldridge): one regression with a dummy per treated cohort x period and unit and period FE, not-yet-treated and never-treated observations as the comparison; effects by event time and the overall ATT average the cells with their observation counts (delta-method standard errors, normal inference)".to_string(),
        ];
        if !m.controls.is_empty() {
            notes.push(format!("Extended TWFE controls ({}): each interacted with every cell (demeaned within cohorts), with the cohorts and with the periods; a cell's effect is taken at its observations' mean of the controls", m.controls.join(", ")));
        }
        Extras {
            overall: overall(s.estimate, s.std_error),
            stats: vec![overall_row(s.estimate, s.std_error)],
            notes,
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
