//! The summary under a specification curve's table: shares positive and significant, the
//! median, the range.

use super::latex_escape;
use crate::format::{fmt_num, tex_minus, thousands};
use serde::Serialize;

#[derive(Debug, Serialize)]
/// The summary of a specification curve: label and value rows.
pub struct CurveView {
    /// Rows.
    pub rows: Vec<CurveRowView>,
}

#[derive(Debug, Serialize)]
/// One row of the curve summary.
pub struct CurveRowView {
    /// Label for LaTeX.
    pub label_tex: String,
    /// Label for Markdown.
    pub label_md: String,
    /// The value for LaTeX.
    pub value_tex: String,
    /// The value for Markdown.
    pub value_md: String,
}

/// The summary rows of a curve, numbers with `d` digits, shares in percent.
pub(super) fn curve_view(c: &crate::curve::Curve, d: usize) -> CurveView {
    let s = &c.summary;
    let pct = |v: f64| {
        if v.is_finite() {
            format!("{:.1}%", 100.0 * v)
        } else {
            String::new()
        }
    };
    let level = |l: f64| format!("{}%", (100.0 * l * 10.0).round() / 10.0);
    let mut rows: Vec<(String, String)> = vec![(
        "Specifications".into(),
        if c.skipped.is_empty() {
            thousands(s.n)
        } else {
            format!(
                "{} ({} without a key estimate left out)",
                thousands(s.n),
                c.skipped.len()
            )
        },
    )];
    rows.push((
        "Share of estimates above zero".into(),
        pct(s.share_positive),
    ));
    for (l, v) in &s.share_significant {
        rows.push((format!("Share significant at {}", level(*l)), pct(*v)));
    }
    for (l, v) in &s.share_significant_positive {
        rows.push((
            format!("Share positive and significant at {}", level(*l)),
            pct(*v),
        ));
    }
    rows.push(("Median estimate".into(), fmt_num(s.median, d)));
    rows.push((
        "Range".into(),
        format!("[{}, {}]", fmt_num(s.range.0, d), fmt_num(s.range.1, d)),
    ));
    CurveView {
        rows: rows
            .into_iter()
            .map(|(l, v)| CurveRowView {
                label_tex: latex_escape(&l),
                label_md: l,
                value_tex: tex_minus(&latex_escape(&v)),
                value_md: v,
            })
            .collect(),
    }
}
