//! Covariate balance tables of PSM-DID models: one per distinct matching.

use super::label;
use crate::format::fmt_num;
use crate::record::TableRecord;
use serde::Serialize;

#[derive(Debug, Serialize)]
/// A covariate balance table of one matching.
pub struct BalanceView {
    /// The model.
    pub model: String,
    /// Its column header.
    pub label: String,
    /// One row per covariate.
    pub rows: Vec<BalanceRowView>,
}

#[derive(Debug, Serialize)]
/// One covariate's balance.
pub struct BalanceRowView {
    /// Label for LaTeX.
    pub label_tex: String,
    /// Label for Markdown.
    pub label_md: String,
    /// Treated mean, control mean before and after matching, standardised differences (%).
    pub cells: Vec<String>,
}

/// One balance table per distinct matching (models that differ only in the outcome share it),
/// numbers with `d` digits.
pub(super) fn balance(t: &TableRecord, d: usize) -> Vec<BalanceView> {
    let mut balance: Vec<BalanceView> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for m in &t.models {
        let Some(p) = m.detail::<estimators::Psm>("psm") else {
            continue;
        };
        let key = serde_json::to_string(&p.balance).unwrap_or_default();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let rows = p
            .balance
            .iter()
            .map(|b| {
                let (lt, lm) = label(t, &b.variable);
                BalanceRowView {
                    label_tex: lt,
                    label_md: lm,
                    cells: vec![
                        fmt_num(b.mean_treated, d),
                        fmt_num(b.mean_control_before, d),
                        fmt_num(b.mean_control_after, d),
                        fmt_num(b.std_diff_before, 1),
                        fmt_num(b.std_diff_after, 1),
                    ],
                }
            })
            .collect();
        let how = if p.options.replacement {
            "with replacement"
        } else {
            "without replacement"
        };
        let cal = if p.options.caliper > 0.0 {
            format!(", caliper {} s.d. of the logit score", p.options.caliper)
        } else {
            String::new()
        };
        balance.push(BalanceView {
            model: m.name.clone(),
            label: format!(
                "nearest neighbour {how}{cal}; {} of {} treated matched",
                p.n_matched_treated, p.n_treated
            ),
            rows,
        });
    }
    balance
}
