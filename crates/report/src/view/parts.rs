//! A table set in parts: LaTeX (`format: {columns_per_table: n}`) and Word (as many columns as
//! fit the page) set a wide table as several of at most n columns, numbered on.

use super::{build, build_in, NoteView, TableView};
use crate::record::TableRecord;
use crate::style::Style;

/// Each model's column (0-based): its place among the models of its panel (as in `build`).
pub fn columns_of(t: &TableRecord) -> Vec<usize> {
    let mut seen: Vec<(Option<&String>, usize)> = Vec::new();
    t.models
        .iter()
        .map(
            |m| match seen.iter_mut().find(|(p, _)| *p == m.panel.as_ref()) {
                Some((_, k)) => {
                    *k += 1;
                    *k - 1
                }
                None => {
                    seen.push((m.panel.as_ref(), 1));
                    0
                }
            },
        )
        .collect()
}

/// The views of table `t` as LaTeX sets it: one, or with `columns_per_table: n` and more than
/// `n` columns, one per run of `n` columns. Columns keep their numbers across the parts; the
/// whole table's notes (which name columns by those numbers), its provenance, balance and curve
/// summary go under the last part, and earlier parts point to the next one. Coefficient rows
/// are those of each part's models; statistics rows are the whole table's, so every part has
/// the same.
pub fn build_parts(t: &TableRecord, style: &Style) -> Vec<TableView> {
    let full = build(t, style);
    let n = match style.columns_per_table {
        Some(n) if n > 0 && full.columns.len() > n => n,
        _ => return vec![full],
    };
    let parts = full.columns.len().div_ceil(n);
    let column = columns_of(t);
    let TableView {
        notes,
        balance,
        curve,
        provenance,
        ..
    } = full;
    let mut last = Some((notes, balance, curve, provenance));
    // Each part's record is the table without its models plus the part's: a grid of 10,000
    // models in 1,000 parts clones each model once, not the whole table per part.
    let skeleton = t.without_models();
    (0..parts)
        .map(|k| {
            let mut sub = skeleton.clone();
            sub.models = t
                .models
                .iter()
                .zip(&column)
                .filter(|(_, c)| (k * n..(k + 1) * n).contains(*c))
                .map(|(m, _)| m.clone())
                .collect();
            let mut v = build_in(&sub, style, t);
            for c in &mut v.columns {
                c.index += k * n;
            }
            if k > 0 {
                v.name = format!("{}-{}", t.table, k + 1);
                v.title = format!("{} (continued)", v.title);
            }
            if k + 1 < parts {
                let next = format!("{}-{}", t.table, k + 2);
                v.notes = vec![NoteView {
                    tex: format!("Continued in Table~\\ref{{tab:{next}}}."),
                    md: "Continued in the next table.".into(),
                }];
                v.balance = Vec::new();
                v.curve = None;
                v.provenance = None;
            } else if let Some((notes, balance, curve, provenance)) = last.take() {
                v.notes = notes;
                v.balance = balance;
                v.curve = curve;
                v.provenance = provenance;
            }
            v
        })
        .collect()
}
