//! Placebo and randomization inference.

use super::*;
use estimators::PlaceboMode;

/// Placebo treatment dates and randomization inference (`estimator: placebo`).
pub(crate) struct Placebo;

impl Estimator for Placebo {
    fn name(&self) -> &'static str {
        "placebo"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("placebo")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    /// Treatment is reassigned at the level of the `unit` option: a panel's units, or on
    /// repeated cross-sections the dataset's group (each state's adoption date is permuted
    /// across states, and every individual of a state follows it).
    fn needs(&self) -> Needs {
        Needs::Cohorts
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        placebo_options(m).map(|p| vec![p.sign, p.unit, p.time])
    }

    fn check_data(&self, view: &PanelView, m: &PlannedModel) -> Result<(), String> {
        placebo_check_data(view, m, &placebo_options(m)?)
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        placebo(view, m)
    }
}

/// Placebo settings: `{mode: permute | nonparticipants | permute_units, draws: 1000,
/// seed: 20231129, sign, unit, time}` (`unit` and `time` default to the dataset's keys; on
/// repeated cross-sections `unit` is the group).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceboOptions {
    /// How placebo treatments are drawn.
    #[serde(default = "default_mode")]
    pub mode: PlaceboMode,
    /// Placebo draws.
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Seed of the draws.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Column of the signing (adoption) period.
    pub sign: String,
    /// The unit key.
    pub unit: String,
    /// The time key.
    pub time: String,
}

fn default_mode() -> PlaceboMode {
    PlaceboMode::Permute
}
fn default_draws() -> usize {
    1000
}
fn default_seed() -> u64 {
    20231129
}

/// Parses and validates the options of a placebo model.
pub fn placebo_options(m: &PlannedModel) -> Result<PlaceboOptions, String> {
    let o: PlaceboOptions = typed_options(m)?;
    if o.draws == 0 {
        return Err("option `draws` must be at least 1".into());
    }
    crate::limits::draws("option `draws`", o.draws as u64)?;
    if m.treatment.is_none() {
        return Err(
            "a placebo needs `treatment` (the coefficient whose assignment is randomised)".into(),
        );
    }
    Ok(o)
}

/// What is permuted must be set at the permutation level: the adoption date (`sign`) constant
/// within each unit, and, when whole treatment paths are permuted, the treatment constant
/// within each (unit, period); else a draw would silently keep one row's value.
fn placebo_check_data(
    view: &PanelView,
    m: &PlannedModel,
    o: &PlaceboOptions,
) -> Result<(), String> {
    let Ok(rows) = sample_rows(view, m) else {
        return Ok(()); // a broken filter is reported on its own
    };
    let units = view.codes(&o.unit, &rows);
    let sign = view.numeric(&o.sign, &rows);
    let mut seen: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
    // A missing date (never adopting) compares by its bits, so it differs from any year.
    if let Some(i) = (0..rows.len())
        .find(|&i| *seen.entry(units[i]).or_insert(sign[i].to_bits()) != sign[i].to_bits())
    {
        return Err(format!(
            "`sign: {}` varies within {} = {}: a placebo permutes one adoption date per {}; compute it at that level, e.g. `first_treated(d, by = {})`",
            o.sign,
            o.unit,
            view.label(&o.unit, rows[i]),
            o.unit,
            o.unit
        ));
    }
    if o.mode == PlaceboMode::PermuteUnits {
        if let Some(t) = &m.treatment {
            let times = view.numeric(&o.time, &rows);
            let d = view.numeric(t, &rows);
            let mut path: std::collections::HashMap<(u32, u64), u64> =
                std::collections::HashMap::new();
            if let Some(i) = (0..rows.len()).find(|&i| {
                *path
                    .entry((units[i], times[i].to_bits()))
                    .or_insert(d[i].to_bits())
                    != d[i].to_bits()
            }) {
                return Err(format!(
                    "`mode: permute_units` moves each {}'s treatment path, but `{t}` varies within ({}, {}) = ({}, {}): use `mode: permute` (adoption dates)",
                    o.unit,
                    o.unit,
                    o.time,
                    view.label(&o.unit, rows[i]),
                    view.label(&o.time, rows[i])
                ));
            }
        }
    }
    Ok(())
}

fn placebo(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
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
    let stats = vec![
        StatRow::new(
            "Placebo design",
            StatValue::text(
                serde_json::to_value(p.mode)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                    .unwrap_or_default(),
            ),
        ),
        StatRow::new("Placebo draws", StatValue::Count(p.estimates.len())),
        StatRow::new(
            "Placebo mean (s.d.)",
            StatValue::Seq(vec![
                StatValue::num(p.mean),
                StatValue::text(" ("),
                StatValue::num(p.sd),
                StatValue::text(")"),
            ]),
        ),
        StatRow::new("RI p-value", StatValue::num(p.p_value)),
    ];
    let design = match p.mode {
        PlaceboMode::Permute => "signing years permuted",
        PlaceboMode::Nonparticipants => "false treatment of non-participants",
        PlaceboMode::PermuteUnits => "treatment paths permuted across units",
    };
    let figure = report::FigureSpec::Draws {
        what: format!("placebo, {design}"),
        values: p.estimates.clone(),
        actual: p.actual,
        x_label: "Placebo estimate of".into(),
        x_var: m.treatment.clone(),
        y_label: "Number of placebo draws".into(),
    };
    let extras = Extras {
        stats,
        figures: vec![figure],
        ..Extras::default()
    };
    Ok((r, extras.detail("placebo", &p)?))
}
