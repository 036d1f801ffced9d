//! The TWFE event study: relative-period dummies, binned endpoints, the reference omitted.

use super::*;

/// Event-study settings from the model's `options`.
pub struct EventOptions {
    pub rel_time: String,
    pub window: (i64, i64),
    pub reference: i64,
}

pub fn event_options(m: &PlannedModel) -> Result<EventOptions, String> {
    let o = &m.options;
    for k in o.keys() {
        if !["rel_time", "window", "ref"].contains(&k.as_str()) {
            return Err(format!(
                "unknown event_study option `{k}` (known: rel_time, window, ref)"
            ));
        }
    }
    let rel_time = o
        .get("rel_time")
        .and_then(|v| v.as_str())
        .unwrap_or("rel_time")
        .to_string();
    let window = match o.get("window") {
        None => (-5, 5),
        Some(v) => {
            let a = v
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or("option `window` must be [first, last]")?;
            let lo = a[0].as_i64().ok_or("option `window` must hold integers")?;
            let hi = a[1].as_i64().ok_or("option `window` must hold integers")?;
            (lo, hi)
        }
    };
    let reference = match o.get("ref") {
        None => -1,
        Some(v) => v.as_i64().ok_or("option `ref` must be an integer")?,
    };
    if window.1 - window.0 + 1 > crate::limits::MAX_EVENT_PERIODS {
        return Err(format!(
            "option `window` {window:?} spans {} periods; the limit is {} (bin the endpoints instead)",
            window.1 - window.0 + 1,
            crate::limits::MAX_EVENT_PERIODS
        ));
    }
    if !(window.0 < reference && reference <= window.1) {
        return Err(format!("option `ref` ({reference}) must lie inside the window {window:?}, after its first period"));
    }
    Ok(EventOptions {
        rel_time,
        window,
        reference,
    })
}

/// Treat x relative-period dummies, endpoints binned, the reference period omitted;
/// never-treated rows (missing relative time) have every dummy zero.
pub(crate) fn event_study(
    view: &PanelView,
    m: &PlannedModel,
) -> Result<(OlsResult, Option<EventStudy>), String> {
    let eo = event_options(m)?;
    let n = view.nrows();
    let periods: Vec<i64> = (eo.window.0..=eo.window.1)
        .filter(|&k| k != eo.reference)
        .collect();
    let name = |k: i64| format!("{}::{k}", eo.rel_time);
    let dummies: Vec<(String, Vec<f64>)> = periods
        .iter()
        .map(|&k| {
            let v = (0..n)
                .map(|r| match view.get(&eo.rel_time, r) {
                    None => 0.0,
                    Some(t) => {
                        let t = (t.round() as i64).clamp(eo.window.0, eo.window.1);
                        if t == k {
                            1.0
                        } else {
                            0.0
                        }
                    }
                })
                .collect();
            (name(k), v)
        })
        .collect();
    let frame = ModelFrame::build(view, m, dummies)?;
    let r = estimators::fit(&frame.data(&m.outcome), &options(m)).map_err(|e| e.to_string())?;
    let mut points = Vec::new();
    for &k in &periods {
        if let Some(c) = r.coef(&name(k)) {
            points.push(EventPoint {
                rel_time: k,
                estimate: c.estimate,
                std_error: c.std_error,
                ci_low: c.ci_low,
                ci_high: c.ci_high,
            });
        }
    }
    points.push(EventPoint {
        rel_time: eo.reference,
        estimate: 0.0,
        std_error: 0.0,
        ci_low: 0.0,
        ci_high: 0.0,
    });
    points.sort_by_key(|p| p.rel_time);
    let pre: Vec<String> = periods
        .iter()
        .filter(|&&k| k < 0)
        .map(|&k| name(k))
        .collect();
    let pretrend = estimators::wald_subset(&r, &pre);
    Ok((
        r,
        Some(EventStudy {
            reference: eo.reference,
            window: eo.window,
            points,
            pretrend,
        }),
    ))
}
