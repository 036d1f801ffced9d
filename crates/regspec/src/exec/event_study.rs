//! The TWFE event study: relative-period dummies, binned endpoints, the reference omitted.

use super::*;

/// The TWFE event study (`estimator: event_study`).
pub(crate) struct EventStudyTwfe;

impl Estimator for EventStudyTwfe {
    fn name(&self) -> &'static str {
        "event_study"
    }

    /// Every vcov, Conley's included: the model is estimated from the frame.
    fn honours_vcov(&self, _vcov: estimators::VcovKind) -> bool {
        true
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("TWFE event study")
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        let o = event_options(m)?;
        if let Some(h) = &o.honest {
            sensitivity::check(h)?;
            // What the window already decides is found before estimating.
            if o.reference != -1 {
                return Err(format!("option `honest` needs the reference period t = -1 (the last period before treatment); this event study omits t = {}", o.reference));
            }
            if let sensitivity::Target::Period(k) = h.target {
                if k > o.window.1 {
                    return Err(format!(
                        "option `honest.target`: period {k} lies outside the window {:?}",
                        o.window
                    ));
                }
            }
        }
        Ok(vec![o.rel_time])
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        let (r, es) = event_study(view, m)?;
        let o = event_options(m)?;
        let extras = with_honest(
            Extras {
                stats: pretrend_row(es.pretrend.as_ref()),
                notes: vec![format!(
                    "t is the period relative to adoption; t = {} is omitted (the reference) and the endpoints t = {} and t = {} also count every earlier and later period",
                    es.reference, es.window.0, es.window.1
                )],
                event_study: Some(es),
                ..Extras::default()
            },
            &r,
            &o.rel_time,
            o.honest.as_ref(),
        )?;
        Ok((r, extras))
    }
}

/// Event-study settings: `{rel_time: rel_time, window: [-5, 5], ref: -1}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventOptions {
    /// Column of the period relative to adoption (missing for never-treated units).
    #[serde(default = "default_rel_time")]
    pub rel_time: String,
    /// First and last relative period; periods beyond are binned into the endpoints.
    #[serde(default = "default_window")]
    pub window: (i64, i64),
    /// The omitted reference period.
    #[serde(default = "default_ref", rename = "ref")]
    pub reference: i64,
    /// HonestDiD sensitivity of the event-time effects.
    #[serde(default)]
    pub honest: Option<sensitivity::HonestOptions>,
}

fn default_rel_time() -> String {
    "rel_time".into()
}
fn default_window() -> (i64, i64) {
    (-5, 5)
}
fn default_ref() -> i64 {
    -1
}

/// Parses and validates the options of an event study.
pub fn event_options(m: &PlannedModel) -> Result<EventOptions, String> {
    let o: EventOptions = typed_options(m)?;
    let (window, reference) = (o.window, o.reference);
    if window.0 > window.1 {
        return Err(format!(
            "option `window` {window:?} must be [first, last] with first <= last"
        ));
    }
    crate::limits::event_window(window)?;
    if !(window.0 < reference && reference <= window.1) {
        return Err(format!("option `ref` ({reference}) must lie inside the window {window:?}, after its first period"));
    }
    Ok(o)
}

/// Treat x relative-period dummies, endpoints binned, the reference period omitted;
/// never-treated rows (missing relative time) have every dummy zero.
fn event_study(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, EventStudy), String> {
    let eo = event_options(m)?;
    let rel = view.numeric(&eo.rel_time, &(0..view.nrows()).collect::<Vec<_>>());
    let dummies = estimators::event::relative_dummies(&rel, eo.window, eo.reference, &eo.rel_time);
    let periods: Vec<i64> = (eo.window.0..=eo.window.1)
        .filter(|&k| k != eo.reference)
        .collect();
    let name = |k: i64| format!("{}::{k}", eo.rel_time);
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
        EventStudy {
            reference: eo.reference,
            window: eo.window,
            points,
            pretrend,
        },
    ))
}
