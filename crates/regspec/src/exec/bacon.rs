//! The Goodman-Bacon decomposition of the TWFE coefficient.

use super::*;

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

pub(crate) fn bacon(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
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
