//! Sun-Abraham interaction-weighted event study (options shared with `imputation`).

use super::*;

/// Sun-Abraham options: the staggered design's columns and the HonestDiD sensitivity.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SunabOptions {
    /// Column of the first treated period (missing: never treated).
    pub adopt: String,
    /// The unit key.
    pub unit: String,
    /// The time key.
    pub time: String,
    /// HonestDiD sensitivity of the event-time effects.
    #[serde(default)]
    pub honest: Option<sensitivity::HonestOptions>,
}

/// The Sun-Abraham interaction-weighted event study (`estimator: sun_abraham`): cohort x
/// relative-period cells, the cohort being the first period a unit is observed treated
/// (1[time >= adopt]); units never treated within the sample are the controls; relative period
/// -1 is the reference.
pub(crate) struct SunAbraham;

impl Estimator for SunAbraham {
    fn name(&self) -> &'static str {
        "sun_abraham"
    }

    /// Every vcov, Conley's included: the model is estimated from the frame.
    fn honours_vcov(&self, _vcov: estimators::VcovKind) -> bool {
        true
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Sun-Abraham")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    fn needs(&self) -> Needs {
        Needs::Cohorts
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        sunab_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        sun_abraham(view, m)
    }
}

/// Parses and validates the options of a Sun-Abraham model. Weights are refused: the cohort
/// shares that aggregate the cells are unweighted.
pub fn sunab_options(m: &PlannedModel) -> Result<SunabOptions, String> {
    let o: SunabOptions = typed_options(m)?;
    if let Some(h) = &o.honest {
        sensitivity::check(h)?;
    }
    if m.weights.is_some() {
        return Err("sun_abraham aggregates cells with unweighted cohort shares: `weights` are not supported".into());
    }
    Ok(o)
}

fn sun_abraham(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let SunabOptions {
        adopt,
        unit,
        time,
        honest,
    } = sunab_options(m)?;
    let n = view.nrows();
    let all: Vec<usize> = (0..n).collect();
    let units = view.codes(&unit, &all);
    let times = view.numeric(&time, &all);
    let adopts = view.numeric(&adopt, &all);
    let in_sample = sample_rows(view, m)?;
    let estimators::sunab::Saturated {
        cells,
        row_cell,
        dummies,
    } = estimators::sunab::saturate(&units, &times, &adopts, &in_sample);
    let frame = ModelFrame::build(view, m, dummies)?;
    let fit = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let rows: Vec<(i64, i64, bool)> = frame
        .rows
        .iter()
        .filter_map(|&r| row_cell[r].map(|(g, l)| (g, l, l >= 0)))
        .collect();
    let weights = estimators::sunab::period_weights(&rows);
    let att = estimators::sunab::overall_att(&fit, &cells, &rows);
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
    let extras = with_honest(
        Extras {
            stats: att
                .map(|(a, se)| overall_row(a, se))
                .into_iter()
                .chain(pretrend_row(es.pretrend.as_ref()))
                .collect(),
            overall: att.and_then(|(a, se)| overall(a, se)),
            notes: vec!["Sun-Abraham: cohort-by-period effects averaged with the cohorts' shares; t = -1 is omitted (the reference)".into()],
            event_study: Some(es),
            ..Extras::default()
        },
        &agg,
        "rel_time",
        honest.as_ref(),
    )?;
    Ok((agg, extras))
}
