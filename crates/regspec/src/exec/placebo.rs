//! Placebo and randomization inference.

use super::*;

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

pub(crate) fn placebo(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
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
