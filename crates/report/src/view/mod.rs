//! The view model a template sees: a table's columns, panels of coefficient rows, statistic
//! rows and notes, every number already formatted. Templates decide layout only.

pub use crate::format::latex_escape;
use crate::format::{fmt_num, stat_value, tex_minus, tex_num, thousands};
use crate::record::{ModelRecord, TableRecord};
use crate::style::{Below, DesignRows, Style};
use serde::Serialize;

mod balance;
mod curve;
mod notes;
mod parts;

pub use balance::{BalanceRowView, BalanceView};
use curve::curve_view;
pub use curve::{CurveRowView, CurveView};
use notes::{capitalise, display_name};
pub use parts::{build_parts, columns_of};

#[derive(Debug, Serialize)]
/// Everything a template needs to lay out one table, every number already formatted.
pub struct TableView {
    /// Table name.
    pub name: String,
    /// Title.
    pub title: String,
    /// One entry per column.
    pub columns: Vec<ColumnView>,
    /// Column headers for LaTeX (the models' labels), when no spanning header shows them.
    pub headers_tex: Vec<String>,
    /// Spanning headers over adjacent columns with the same dependent variable.
    pub groups: Vec<GroupView>,
    /// Panels of rows (one unnamed panel when the table has none).
    pub panels: Vec<PanelView>,
    /// Notes under the table.
    pub notes: Vec<NoteView>,
    /// True on simulated data (templates say so).
    pub simulated: bool,
    /// Covariate balance of PSM models: one table per model.
    pub balance: Vec<BalanceView>,
    /// The summary of the specification curve, when the table draws one.
    pub curve: Option<CurveView>,
    /// The provenance line, when the record has one (LaTeX and Markdown).
    pub provenance: Option<NoteView>,
}
#[derive(Debug, Serialize)]
/// One column of the table.
pub struct ColumnView {
    /// 1-based column number.
    pub index: usize,
    /// Header (the model's label).
    pub header: String,
    /// Model name.
    pub model: String,
}

#[derive(Debug, Serialize)]
/// A header spanning adjacent columns.
pub struct GroupView {
    /// Its label.
    pub label: String,
    /// Columns spanned.
    pub span: usize,
    /// 1-based first and last column.
    pub start: usize,
    /// Last column (1-based).
    pub end: usize,
}

#[derive(Debug, Serialize)]
/// A panel of rows.
pub struct PanelView {
    /// Panel title (Panel A: ...).
    pub title: Option<String>,
    /// Coefficient rows.
    pub rows: Vec<RowView>,
    /// Statistics rows (FE, observations, R², estimator statistics).
    pub stats: Vec<StatView>,
}

#[derive(Debug, Serialize)]
/// One coefficient row.
pub struct RowView {
    /// Coefficient name.
    pub name: String,
    /// Label for LaTeX.
    pub label_tex: String,
    /// Label for Markdown.
    pub label_md: String,
    /// One cell per column.
    pub cells: Vec<CellView>,
}

#[derive(Debug, Serialize, Default)]
/// One estimate and what is printed below it.
pub struct CellView {
    /// Estimate with stars, for LaTeX.
    pub estimate_tex: String,
    /// Standard error (or t, or interval), for LaTeX.
    pub below_tex: String,
    /// Estimate with stars, for Markdown.
    pub estimate_md: String,
    /// Below-line, for Markdown.
    pub below_md: String,
    /// Estimate with stars as math-mode text, for decimal-aligned (dcolumn `D`) columns.
    pub estimate_math: String,
    /// Below-line for `D` columns: math-mode text, or a centred cell for intervals.
    pub below_math: String,
}

#[derive(Debug, Serialize)]
/// One statistics row.
pub struct StatView {
    /// Label for LaTeX.
    pub label_tex: String,
    /// Label for Markdown.
    pub label_md: String,
    /// The cells as text (Markdown).
    pub cells: Vec<String>,
    /// The cells for LaTeX: special characters escaped, a leading minus in math mode.
    pub cells_tex: Vec<String>,
}

impl StatView {
    fn new(label_tex: String, label_md: String, cells: Vec<String>) -> StatView {
        let cells_tex = cells.iter().map(|c| tex_minus(&latex_escape(c))).collect();
        StatView {
            label_tex,
            label_md,
            cells,
            cells_tex,
        }
    }
}

#[derive(Debug, Serialize)]
/// One note under the table.
pub struct NoteView {
    /// For LaTeX.
    pub tex: String,
    /// For Markdown.
    pub md: String,
}

/// A label as given (user labels are LaTeX), or the escaped variable name.
fn label(t: &TableRecord, name: &str) -> (String, String) {
    if let Some(l) = t.labels.get(name) {
        return (l.clone(), l.clone());
    }
    // Event-time coefficients (`prefix::k`) read "t = k" (or "<prefix label> = k").
    if let Some((prefix, k)) = event_row(t, name) {
        let what = t.labels.get(prefix).cloned().unwrap_or_else(|| "t".into());
        let l = format!("{what} = {k}");
        return (l.replace('-', "$-$").replace("$$-$", "$-"), l);
    }
    (latex_escape(name), name.replace('_', "\\_"))
}

/// (term, event time) of the row `name`: the typed level of that coefficient in any model of
/// the table (set where the coefficient was made; the name is not split here).
fn event_row<'a>(t: &'a TableRecord, name: &str) -> Option<(&'a str, i64)> {
    t.models
        .iter()
        .flat_map(|m| &m.result.coefficients)
        .find(|c| c.name == name)?
        .event_time()
}

/// Coefficients shown by default: every coefficient that is not a control.
fn shown(t: &TableRecord, models: &[&ModelRecord]) -> Vec<String> {
    if let Some(keep) = &t.keep {
        return keep
            .iter()
            .filter(|k| !t.drop.contains(k))
            .cloned()
            .collect();
    }
    let mut out: Vec<String> = Vec::new();
    for m in models {
        for c in &m.result.coefficients {
            if !m.controls.contains(&c.name) && !t.drop.contains(&c.name) && !out.contains(&c.name)
            {
                out.push(c.name.clone());
            }
        }
    }
    // Event-time rows (`prefix::k`) in the order of k, whichever model brought them: each
    // prefix's rows sorted, placed where the prefix first appears.
    let event = |n: &str| event_row(t, n).map(|(p, k)| (p.to_string(), k));
    let mut sorted: Vec<String> = Vec::new();
    for n in &out {
        match event(n) {
            None => sorted.push(n.clone()),
            Some((prefix, _)) => {
                if sorted
                    .iter()
                    .any(|s| event(s).is_some_and(|(p, _)| p == prefix))
                {
                    continue;
                }
                let mut group: Vec<&String> = out
                    .iter()
                    .filter(|o| event(o).is_some_and(|(p, _)| p == prefix))
                    .collect();
                group.sort_by_key(|o| event(o).map(|(_, k)| k));
                sorted.extend(group.into_iter().cloned());
            }
        }
    }
    sorted
}

/// The view of table `t` in `style`.
pub fn build(t: &TableRecord, style: &Style) -> TableView {
    build_in(t, style, t)
}

/// The view of `t`, a part of table `whole` (or the whole itself): which statistics rows a
/// panel has (FE, controls, sample, fit statistics, the estimators' rows, clusters) is decided
/// by the whole table's models of that panel, so that every part of a table set in parts has
/// the same rows.
pub(super) fn build_in(t: &TableRecord, style: &Style, whole: &TableRecord) -> TableView {
    let d = style.digits;
    // Panels in order of first appearance; models without a panel form one unnamed panel.
    let mut panel_names: Vec<Option<String>> = Vec::new();
    for m in &t.models {
        if !panel_names.contains(&m.panel) {
            panel_names.push(m.panel.clone());
        }
    }
    let panels_models: Vec<Vec<&ModelRecord>> = panel_names
        .iter()
        .map(|p| t.models.iter().filter(|m| &m.panel == p).collect())
        .collect();
    let ncols = panels_models.iter().map(Vec::len).max().unwrap_or(0);
    // Model labels and sample names may be variable names with a label of their own.
    let relabel = |s: &str| t.labels.get(s).cloned().unwrap_or_else(|| s.to_string());
    let first = &panels_models[0];
    let multi = panel_names.len() > 1;
    let columns: Vec<ColumnView> = (0..ncols)
        .map(|i| ColumnView {
            index: i + 1,
            // In multi-panel tables a column has a header when every panel agrees on it.
            header: if multi
                && !panels_models
                    .iter()
                    .all(|ms| ms.get(i).map(|m| &m.label) == first.get(i).map(|m| &m.label))
            {
                String::new()
            } else {
                first.get(i).map(|m| relabel(&m.label)).unwrap_or_default()
            },
            model: first.get(i).map(|m| m.name.clone()).unwrap_or_default(),
        })
        .collect();
    // Column groups: adjacent columns with the same label (single-panel tables).
    let mut groups: Vec<GroupView> = Vec::new();
    if !multi {
        for (i, m) in first.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if g.label == relabel(&m.label) => {
                    g.span += 1;
                    g.end = i + 1;
                }
                _ => groups.push(GroupView {
                    label: relabel(&m.label),
                    span: 1,
                    start: i + 1,
                    end: i + 1,
                }),
            }
        }
    }
    let all_fe: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for m in &whole.models {
            for f in &m.fe {
                if !v.contains(f) {
                    v.push(f.clone());
                }
            }
        }
        v
    };
    let panels = panel_names
        .iter()
        .zip(&panels_models)
        .map(|(title, models)| {
            // The models that decide which statistics rows this panel has.
            let present: Vec<&ModelRecord> =
                whole.models.iter().filter(|m| &m.panel == title).collect();
            let cell = |m: Option<&&ModelRecord>, name: &str| -> CellView {
                let Some(c) = m.and_then(|m| m.result.coef(name)) else {
                    return CellView::default();
                };
                let stars = style.stars_for(c.p_value);
                let est = fmt_num(c.estimate, d);
                let below = match style.below {
                    Below::Se => format!("({})", fmt_num(c.std_error, d)),
                    Below::T => format!("({})", fmt_num(c.t_stat, d.min(2))),
                    Below::Ci => format!("[{}, {}]", fmt_num(c.ci_low, d), fmt_num(c.ci_high, d)),
                };
                let below_tex = match style.below {
                    Below::Ci => format!(
                        "[{}, {}]",
                        tex_num(&fmt_num(c.ci_low, d)),
                        tex_num(&fmt_num(c.ci_high, d))
                    ),
                    _ => below.replace('-', "$-$"),
                };
                // Decimal-aligned columns are in math mode: a plain minus, stars as a superscript;
                // an interval has two numbers and is centred instead.
                let below_math = match style.below {
                    Below::Ci => format!("\\multicolumn{{1}}{{c}}{{{below_tex}}}"),
                    _ => below.clone(),
                };
                CellView {
                    estimate_tex: format!(
                        "{}{}",
                        tex_num(&est),
                        if stars.is_empty() {
                            String::new()
                        } else {
                            format!("$^{{{stars}}}$")
                        }
                    ),
                    estimate_md: format!("{est}{}", stars.replace('*', "\\*")),
                    below_tex,
                    estimate_math: format!(
                        "{est}{}",
                        if stars.is_empty() {
                            String::new()
                        } else {
                            format!("^{{{stars}}}")
                        }
                    ),
                    below_math,
                    below_md: below,
                }
            };
            let rows = shown(t, models)
                .into_iter()
                .filter(|name| models.iter().any(|m| m.result.coef(name).is_some()))
                .map(|name| {
                    let (lt, lm) = label(t, &name);
                    RowView {
                        cells: (0..ncols).map(|i| cell(models.get(i), &name)).collect(),
                        name,
                        label_tex: lt,
                        label_md: lm,
                    }
                })
                .collect();
            let per = |f: &dyn Fn(&ModelRecord) -> String| -> Vec<String> {
                (0..ncols)
                    .map(|i| models.get(i).map(|m| f(m)).unwrap_or_default())
                    .collect()
            };
            let yes = |b: bool| {
                if b {
                    "Yes".to_string()
                } else {
                    "No".to_string()
                }
            };
            // The design rows (what each column controls for), then or after them the fit
            // statistics, as the style orders them.
            let mut design = Vec::new();
            for f in &all_fe {
                let fe_label = capitalise(&display_name(t, f));
                let cells = per(&|m: &ModelRecord| yes(m.fe.contains(f)));
                design.push(StatView::new(
                    style.fe_label.replace("{}", &latex_escape(&fe_label)),
                    style.fe_label.replace("{}", &fe_label),
                    cells,
                ));
            }
            let mut row = |tex: &str, md: &str, cells: Vec<String>| {
                design.push(StatView::new(tex.to_string(), md.to_string(), cells));
            };
            if present.iter().any(|m| !m.controls.is_empty()) {
                row(
                    "Controls",
                    "Controls",
                    per(&|m: &ModelRecord| yes(!m.controls.is_empty())),
                );
            }
            if present.iter().any(|m| m.weights.is_some()) {
                row(
                    "Weights",
                    "Weights",
                    per(&|m: &ModelRecord| {
                        m.weights
                            .as_deref()
                            .map(|w| display_name(t, w))
                            .unwrap_or_else(|| "none".into())
                    }),
                );
            }
            if present.iter().any(|m| m.sample_label.is_some()) {
                row(
                    "Sample",
                    "Sample",
                    per(&|m: &ModelRecord| {
                        m.sample_label
                            .as_deref()
                            .map(relabel)
                            .unwrap_or_else(|| "all".into())
                    }),
                );
            }
            let mut stats = Vec::new();
            if style.design_rows == DesignRows::First {
                stats.append(&mut design);
            }
            let mut stat = |tex: &str, md: &str, cells: Vec<String>| {
                stats.push(StatView::new(tex.to_string(), md.to_string(), cells));
            };
            stat(
                "Observations",
                "Observations",
                per(&|m: &ModelRecord| thousands(m.result.nobs)),
            );
            if present.iter().any(|m| m.result.r2.is_finite()) {
                stat(
                    "R$^2$",
                    "R²",
                    per(&|m: &ModelRecord| fmt_num(m.result.r2, d)),
                );
            }
            if present.iter().any(|m| m.result.within_r2.is_some()) {
                stat(
                    "Within R$^2$",
                    "Within R²",
                    per(&|m: &ModelRecord| {
                        m.result
                            .within_r2
                            .map(|v| fmt_num(v, d))
                            .unwrap_or_default()
                    }),
                );
            }
            // Rows the estimators add (placebo draws, RI p-values, bootstrap, matching, Bacon
            // weights, pre-trend tests, ...), in order of first appearance.
            let mut labels: Vec<(&str, Option<&str>)> = Vec::new();
            for m in &present {
                for r in &m.stats {
                    if !labels.iter().any(|(l, _)| *l == r.label) {
                        labels.push((&r.label, r.label_tex.as_deref()));
                    }
                }
            }
            for (label, label_tex) in labels {
                let cells = per(&|m: &ModelRecord| {
                    m.stats
                        .iter()
                        .find(|r| r.label == label)
                        .map(|r| stat_value(&r.value, d))
                        .unwrap_or_default()
                });
                let tex = label_tex.map_or_else(|| latex_escape(label), str::to_string);
                stat(&tex, label, cells);
            }
            if present.iter().any(|m| !m.result.n_clusters.is_empty()) {
                stat(
                    "Clusters",
                    "Clusters",
                    per(&|m: &ModelRecord| {
                        m.result
                            .n_clusters
                            .iter()
                            .map(|g| thousands(*g))
                            .collect::<Vec<_>>()
                            .join(" / ")
                    }),
                );
            }
            stats.append(&mut design);
            PanelView {
                title: title.as_ref().map(|p| {
                    format!(
                        "Panel {}: {p}",
                        (b'A'
                            + panel_names
                                .iter()
                                .position(|x| x.as_ref() == Some(p))
                                .unwrap_or(0) as u8) as char
                    )
                }),
                rows,
                stats,
            }
        })
        .collect();

    let notes = notes::notes(t, style, &panel_names, &panels_models, ncols);
    let balance = balance::balance(t, d);
    // Without spanning headers (several panels), the columns' own labels head them.
    let headers_tex: Vec<String> =
        if groups.is_empty() && columns.iter().any(|c| !c.header.is_empty()) {
            columns.iter().map(|c| latex_escape(&c.header)).collect()
        } else {
            Vec::new()
        };
    TableView {
        headers_tex,
        balance,
        curve: t.curve_result.as_ref().map(|c| curve_view(c, d)),
        provenance: t.provenance.as_ref().map(|p| {
            let line = p.line();
            NoteView {
                tex: latex_escape(&line),
                md: line,
            }
        }),
        name: t.table.clone(),
        title: t.title.clone().unwrap_or_else(|| t.table.clone()),
        columns,
        groups,
        panels,
        notes,
        simulated: t.data_simulated,
    }
}
