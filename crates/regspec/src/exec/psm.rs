//! PSM-DID: propensity-score matching on pre-period covariates, then the DID on the matched sample.

use super::*;

/// PSM-DID settings: `{covariates: [...], pre_period: "year <= 2012", caliper: 0.2,
/// replacement: true, treated: treat, unit: iso3}`.
pub struct PsmSettings {
    pub covariates: Vec<String>,
    pub pre_period: String,
    pub psm: PsmOptions,
    pub treated: String,
    pub unit: String,
}

pub fn psm_options(m: &PlannedModel) -> Result<PsmSettings, String> {
    known_options(
        m,
        &[
            "covariates",
            "pre_period",
            "caliper",
            "replacement",
            "treated",
            "unit",
        ],
    )?;
    let covariates: Vec<String> = match m.options.get("covariates") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or("option `covariates` must list column names".to_string()))
            .collect::<Result<_, _>>()?,
        _ => return Err("psm_did needs option `covariates: [col, ...]` (pre-period covariates of the propensity score)".into()),
    };
    let caliper = match m.options.get("caliper") {
        None => 0.2,
        Some(v) => v.as_f64().filter(|c| *c >= 0.0).ok_or(
            "option `caliper` must be a number >= 0 (standard deviations of the logit score; 0 = none)",
        )?,
    };
    let replacement = match m.options.get("replacement") {
        None => true,
        Some(v) => v
            .as_bool()
            .ok_or("option `replacement` must be true or false")?,
    };
    Ok(PsmSettings {
        covariates,
        pre_period: opt_str(m, "pre_period", "year <= 2012")?,
        psm: PsmOptions {
            caliper,
            replacement,
        },
        treated: opt_str(m, "treated", "treat")?,
        unit: opt_str(m, "unit", "iso3")?,
    })
}

pub(crate) fn psm_did(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let ps = psm_options(m)?;
    let pre =
        crate::expr::parse(&ps.pre_period).map_err(|e| format!("option `pre_period`: {e}"))?;
    let frame = ModelFrame::build(view, m, vec![])?;
    let unit = view.codes(&ps.unit, &frame.rows);
    let n_units = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    // Unit-level treatment (ever treated) and pre-period covariate means.
    let mut treated = vec![false; n_units];
    for (i, &r) in frame.rows.iter().enumerate() {
        if view.get(&ps.treated, r).is_some_and(|v| v != 0.0) {
            treated[unit[i] as usize] = true;
        }
    }
    let covariates = ps
        .covariates
        .iter()
        .map(|c| {
            let (mut sum, mut cnt) = (vec![0.0; n_units], vec![0usize; n_units]);
            for (i, &r) in frame.rows.iter().enumerate() {
                let in_pre = pre.eval(&|col| view.get(col, r)).is_some_and(|v| v != 0.0);
                if let (true, Some(v)) = (in_pre, view.get(c, r)) {
                    sum[unit[i] as usize] += v;
                    cnt[unit[i] as usize] += 1;
                }
            }
            let mean = sum
                .iter()
                .zip(&cnt)
                .map(|(s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
                .collect();
            (c.clone(), mean)
        })
        .collect();
    let units = estimators::UnitData {
        treated,
        covariates,
    };
    let (r, p) = estimators::psm_did(&frame.data(&m.outcome), &options(m), &unit, &units, ps.psm)
        .map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            psm: Some(p),
            ..Extras::default()
        },
    ))
}
