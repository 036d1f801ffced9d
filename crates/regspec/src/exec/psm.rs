//! PSM-DID: propensity-score matching on pre-period covariates, then the DID on the matched sample.

use super::*;
use estimators::PsmOptions;

/// Propensity-score matching, then the DID on the matched sample (`estimator: psm_did`).
pub(crate) struct PsmDid;

impl Estimator for PsmDid {
    fn name(&self) -> &'static str {
        "psm_did"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("PSM-DID")
    }

    fn keys(&self) -> Keys {
        Keys::Unit
    }

    fn needs(&self) -> Needs {
        Needs::Panel
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        let p = psm_options(m)?;
        let mut cols = p.covariates.clone();
        cols.push(p.treated);
        cols.push(p.unit);
        crate::expr::parse(&p.pre_period)
            .map_err(|e| format!("option `pre_period` `{}` does not parse: {e}", p.pre_period))?
            .columns(&mut cols);
        Ok(cols)
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        psm_did(view, m)
    }
}

/// PSM-DID options as written: `{covariates: [...], pre_period: "year <= 2012", caliper: 0.2,
/// replacement: true, treated: treat, unit: iso3}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PsmYaml {
    #[serde(default)]
    covariates: Vec<String>,
    pre_period: String,
    #[serde(default = "default_caliper")]
    caliper: f64,
    #[serde(default = "default_replacement")]
    replacement: bool,
    treated: String,
    unit: String,
}

fn default_caliper() -> f64 {
    0.2
}
fn default_replacement() -> bool {
    true
}

/// Validated PSM-DID settings.
pub struct PsmSettings {
    /// Pre-period covariates of the propensity score (unit means).
    pub covariates: Vec<String>,
    /// Filter of the pre-period rows.
    pub pre_period: String,
    /// Caliper and replacement.
    pub psm: PsmOptions,
    /// Column marking treated units.
    pub treated: String,
    /// The unit key.
    pub unit: String,
}

/// Parses and validates the options of a PSM-DID model.
pub fn psm_options(m: &PlannedModel) -> Result<PsmSettings, String> {
    let o: PsmYaml = typed_options(m)?;
    if o.covariates.is_empty() {
        return Err("psm_did needs option `covariates: [col, ...]` (pre-period covariates of the propensity score)".into());
    }
    if !(o.caliper >= 0.0 && o.caliper.is_finite()) {
        return Err(
            "option `caliper` must be a number >= 0 (standard deviations of the logit score; 0 = none)"
                .into(),
        );
    }
    Ok(PsmSettings {
        covariates: o.covariates,
        pre_period: o.pre_period,
        psm: PsmOptions {
            caliper: o.caliper,
            replacement: o.replacement,
        },
        treated: o.treated,
        unit: o.unit,
    })
}

fn psm_did(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
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
    let in_pre: Vec<bool> = frame
        .rows
        .iter()
        .map(|&r| pre.eval(&|col| view.get(col, r)).is_some_and(|v| v != 0.0))
        .collect();
    let covariates = ps
        .covariates
        .iter()
        .map(|c| {
            let values = view.numeric(c, &frame.rows);
            let means = estimators::psm::unit_means(&unit, n_units, &values, &in_pre);
            (c.clone(), means)
        })
        .collect();
    let units = estimators::UnitData {
        treated,
        covariates,
    };
    let (r, p) = estimators::psm_did(&frame.data(&m.outcome), &options(m), &unit, &units, ps.psm)
        .map_err(|e| e.to_string())?;
    let stats = vec![
        StatRow::new(
            "Matching",
            StatValue::text(if p.options.replacement {
                "with repl."
            } else {
                "without repl."
            }),
        ),
        StatRow::new(
            "Matched treated / controls",
            StatValue::text(format!("{} / {}", p.n_matched_treated, p.n_controls_used)),
        ),
    ];
    let extras = Extras {
        stats,
        ..Extras::default()
    };
    Ok((r, extras.detail("psm", &p)?))
}
