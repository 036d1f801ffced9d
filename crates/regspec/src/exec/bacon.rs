//! The Goodman-Bacon decomposition of the TWFE coefficient.

use super::*;

/// The Goodman-Bacon decomposition of the TWFE coefficient (`estimator: bacon`).
pub(crate) struct Bacon;

impl Estimator for Bacon {
    fn name(&self) -> &'static str {
        "bacon"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Goodman-Bacon")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    fn needs(&self) -> Needs {
        Needs::BalancedPanel
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        bacon_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        bacon(view, m)
    }
}

/// The adoption, unit and time columns of a staggered design (`bacon`, `sun_abraham`,
/// `imputation`): `{adopt: sign_year, unit: iso3, time: year}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaggeredOptions {
    /// Column of the first treated period (missing: never treated).
    pub adopt: String,
    /// The unit key.
    pub unit: String,
    /// The time key.
    pub time: String,
}
/// The model's fixed effects must be exactly the unit and the period.
fn unit_time_fe(m: &PlannedModel, o: &StaggeredOptions, what: &str) -> Result<(), String> {
    if !fe_are_unit_and_time(m, &o.unit, &o.time) {
        return Err(format!(
            "{what} uses unit and period effects (`fe: [{}, {}]`) only: `fe: {:?}` is not supported",
            o.unit, o.time, m.fe
        ));
    }
    Ok(())
}

/// Goodman-Bacon settings; the model is the TWFE `outcome ~ treatment | unit + time` (no
/// controls or weights: the decomposition is exact only then).
pub fn bacon_options(m: &PlannedModel) -> Result<StaggeredOptions, String> {
    let o: StaggeredOptions = typed_options(m)?;
    if m.treatment.is_none() || m.regressors.len() != 1 {
        return Err("bacon decomposes the TWFE coefficient of `treatment` alone: no other regressors or controls".into());
    }
    if m.weights.is_some() {
        return Err(
            "bacon decomposes the unweighted TWFE coefficient: `weights` are not supported".into(),
        );
    }
    unit_time_fe(m, &o, "the Goodman-Bacon decomposition")?;
    Ok(o)
}

fn bacon(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let StaggeredOptions { adopt, unit, time } = bacon_options(m)?;
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
    let stats = [
        estimators::bacon::NEVER,
        estimators::bacon::EARLY_LATE,
        estimators::bacon::LATE_EARLY,
    ]
    .into_iter()
    .map(|kind| {
        let value = b
            .by_kind
            .iter()
            .find(|k| k.kind == kind)
            .map(|k| {
                StatValue::Seq(vec![
                    StatValue::num(k.estimate),
                    StatValue::text(" (w "),
                    StatValue::num_digits(k.weight, 2),
                    StatValue::text(")"),
                ])
            })
            .unwrap_or(StatValue::text(""));
        StatRow::new(&format!("Bacon: {kind}"), value)
    })
    .collect();
    // The figure: every 2x2 estimate against its weight, by kind, the TWFE estimate a line.
    let groups = [
        estimators::bacon::NEVER,
        estimators::bacon::EARLY_LATE,
        estimators::bacon::LATE_EARLY,
    ]
    .iter()
    .map(|&kind| {
        let points = b
            .terms
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| (t.weight, t.estimate))
            .collect();
        (kind.to_string(), points)
    })
    .collect();
    let figure = report::FigureSpec::Scatter {
        what: "Goodman-Bacon decomposition".into(),
        x_label: "Weight".into(),
        y_label: "2x2 DD estimate".into(),
        reference: Some(b.twfe),
        groups,
    };
    let extras = Extras {
        stats,
        figures: vec![figure],
        ..Extras::default()
    };
    Ok((r, extras.detail("bacon", &b)?))
}
