//! Sun-Abraham interaction-weighted event study (options shared with `imputation`).

use super::*;

/// Sun-Abraham settings: `{adopt: sign_year, unit: iso3, time: year}` (the cohort is the first
/// period a unit is observed treated, 1[time >= adopt]; units never treated within the sample are
/// the controls; relative period -1 is the reference).
pub fn sunab_options(m: &PlannedModel) -> Result<(String, String, String), String> {
    let known: &[&str] = if m.estimator == "imputation" {
        &["adopt", "unit", "time", "pretrend_leads"]
    } else {
        &["adopt", "unit", "time"]
    };
    known_options(m, known)?;
    let (adopt, unit, time) = (
        opt_str(m, "adopt", "sign_year")?,
        opt_str(m, "unit", "iso3")?,
        opt_str(m, "time", "year")?,
    );
    if m.estimator == "imputation" {
        // The imputation model's fixed effects are the unit and the period; say so or say nothing.
        let mut fe = m.fe.clone();
        fe.sort();
        let mut keys = vec![unit.clone(), time.clone()];
        keys.sort();
        if !fe.is_empty() && fe != keys {
            return Err(format!(
                "imputation absorbs unit and period effects (`{unit}`, `{time}`) only: `fe: {:?}` is not supported",
                m.fe
            ));
        }
        if m.weights.is_some() {
            return Err("imputation does not support `weights`".into());
        }
        if m.cluster.len() > 1 {
            return Err("imputation clusters by one variable (Gardner's SEs): two-way `cluster` is not supported".into());
        }
        if let Some(v) = m.options.get("pretrend_leads") {
            if v.as_u64().is_none() {
                return Err("option `pretrend_leads` must be a non-negative integer".into());
            }
        }
    }
    Ok((adopt, unit, time))
}

pub(crate) fn sun_abraham(
    view: &PanelView,
    m: &PlannedModel,
) -> Result<(OlsResult, Extras), String> {
    let (adopt, unit, time) = sunab_options(m)?;
    let n = view.nrows();
    let units = view.codes(&unit, &(0..n).collect::<Vec<_>>());
    let times: Vec<f64> = (0..n)
        .map(|r| view.get(&time, r).unwrap_or(f64::NAN))
        .collect();
    let in_sample = sample_rows(view, m)?;
    // Cohort: the first sample period in which the unit is treated.
    let n_units = units.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let mut cohort: Vec<Option<i64>> = vec![None; n_units];
    for &r in &in_sample {
        if let Some(a) = view.get(&adopt, r) {
            let t = times[r];
            if t >= a {
                let c = &mut cohort[units[r] as usize];
                *c = Some(c.map_or(t as i64, |c| c.min(t as i64)));
            }
        }
    }
    let cell = |r: usize| cohort[units[r] as usize].map(|g| (g, times[r] as i64 - g));
    let mut cells: Vec<estimators::sunab::CohortCell> = Vec::new();
    for &r in &in_sample {
        if let Some((g, l)) = cell(r) {
            if l != -1 && !cells.iter().any(|c| c.cohort == g && c.rel == l) {
                cells.push(estimators::sunab::CohortCell {
                    name: format!("sa::{g}::{l}"),
                    cohort: g,
                    rel: l,
                });
            }
        }
    }
    cells.sort_by_key(|c| (c.cohort, c.rel));
    let dummies: Vec<(String, Vec<f64>)> = cells
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                (0..n)
                    .map(|r| f64::from(u8::from(cell(r) == Some((c.cohort, c.rel)))))
                    .collect(),
            )
        })
        .collect();
    let frame = ModelFrame::build(view, m, dummies)?;
    let fit = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let rows: Vec<(i64, i64, bool)> = frame
        .rows
        .iter()
        .filter_map(|&r| cell(r).map(|(g, l)| (g, l, l >= 0)))
        .collect();
    let weights = estimators::sunab::period_weights(&rows);
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
    Ok((
        agg,
        Extras {
            event_study: Some(es),
            ..Extras::default()
        },
    ))
}
