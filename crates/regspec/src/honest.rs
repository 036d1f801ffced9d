//! Results that say no more than was done: a fit whose treatment was dropped (absorbed by fixed
//! effects or collinear) is an error naming why, or a warning carried by the result when the model
//! allows it; an exact fit is an error.

use crate::frame::PanelView;
use crate::model::PlannedModel;
use std::collections::BTreeMap;

/// A result that says nothing about the treatment is an error: a dropped treatment (with why:
/// which fixed effect absorbs it, or the regressors it is collinear with) unless the model allows
/// it, when it becomes a warning carried by the result; an exact fit always.
pub fn honest(
    view: &PanelView,
    m: &PlannedModel,
    mut r: estimators::OlsResult,
) -> Result<estimators::OlsResult, String> {
    if let Some(t) = &m.treatment {
        if let Some(d) = r.dropped.iter().find(|d| &d.name == t) {
            let why = why_dropped(view, m, t, &d.reason);
            let msg = format!("the treatment `{t}` was dropped: {why}");
            if !m.allow_dropped_treatment {
                return Err(format!(
                    "{msg}; the model says nothing about it (set `allow_dropped_treatment: true` to keep the column with a warning)"
                ));
            }
            r.warnings.push(msg);
        }
    }
    if r.r2.is_finite() && r.r2 >= 1.0 - 1e-12 && !r.coefficients.is_empty() {
        return Err(format!(
            "the regressors fit `{}` exactly (R² = 1): is the outcome one of the regressors?",
            m.outcome
        ));
    }
    Ok(r)
}

/// Why a regressor was dropped, in the user's terms: the single fixed effect within whose levels
/// it is constant, else all of them together; or the other regressors it is collinear with.
fn why_dropped(view: &PanelView, m: &PlannedModel, t: &str, reason: &str) -> String {
    let others: Vec<&str> = m
        .regressors
        .iter()
        .filter(|r| r.as_str() != t)
        .map(String::as_str)
        .collect();
    if !reason.starts_with("absorbed") {
        return format!(
            "collinear with the other regressors ({})",
            others.join(", ")
        );
    }
    let filter = m.sample.as_ref().and_then(|s| crate::expr::parse(s).ok());
    let rows: Vec<usize> = view
        .select(filter.as_ref())
        .into_iter()
        .filter(|&r| view.get(t, r).is_some() && view.get(&m.outcome, r).is_some())
        .collect();
    let x = view.numeric(t, &rows);
    for f in &m.fe {
        let codes = view.codes(f, &rows);
        let mut first: BTreeMap<u32, f64> = BTreeMap::new();
        if codes
            .iter()
            .zip(&x)
            .all(|(c, v)| *first.entry(*c).or_insert(*v) == *v)
        {
            return format!("absorbed by the `{f}` fixed effects (`{t}` does not vary within {f})");
        }
    }
    format!(
        "absorbed by the fixed effects together ({})",
        m.fe.join(" + ")
    )
}

/// An estimation error in the user's terms: when every regressor was dropped and the model has a
/// treatment, say why the treatment went (which fixed effect absorbs it).
pub fn explain(view: &PanelView, m: &PlannedModel, err: String) -> String {
    match &m.treatment {
        Some(t) if err.starts_with("every regressor is absorbed") => {
            let reason = if err.contains(&format!("{t} (absorbed")) {
                "absorbed"
            } else {
                "collinear"
            };
            format!(
                "the treatment `{t}` was dropped: {}; the model has nothing left to estimate",
                why_dropped(view, m, t, reason)
            )
        }
        _ => err,
    }
}
