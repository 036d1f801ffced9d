//! The view model a template sees: a table's columns, panels of coefficient rows, statistic
//! rows and notes, every number already formatted. Templates decide layout only.

pub use crate::format::latex_escape;
use crate::format::{fmt_num, stat_value, tex_minus, tex_num, thousands};
use crate::record::{ModelRecord, TableRecord};
use crate::style::{Below, Style};
use serde::Serialize;

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
fn curve_view(c: &crate::curve::Curve, d: usize) -> CurveView {
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
    // Event-time coefficients `prefix::k` read "t = k" (or "<prefix label> = k").
    if let Some((prefix, k)) = name.rsplit_once("::") {
        if let Ok(k) = k.parse::<i64>() {
            let what = t.labels.get(prefix).cloned().unwrap_or_else(|| "t".into());
            let l = format!("{what} = {k}");
            return (l.replace('-', "$-$").replace("$$-$", "$-"), l);
        }
    }
    (latex_escape(name), name.replace('_', "\\_"))
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
    let event = |n: &str| {
        n.rsplit_once("::")
            .and_then(|(p, k)| k.parse::<i64>().ok().map(|k| (p.to_string(), k)))
    };
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

/// How a FE or cluster variable is named in prose: its label, or a default for the panel
/// identifiers (`iso3` is "country", `a^b` is "a-b").
fn display_name(t: &TableRecord, var: &str) -> String {
    if let Some(l) = t.labels.get(var) {
        return l.clone();
    }
    var.split('^')
        .map(|p| match p {
            "iso3" => "country".to_string(),
            other => t
                .labels
                .get(other)
                .cloned()
                .unwrap_or_else(|| other.to_string()),
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn vcov_note(t: &TableRecord, m: &ModelRecord) -> String {
    match m.result.vcov_type.as_str() {
        // The clusters the estimator used (a default cluster, such as Callaway-Sant'Anna's unit,
        // is not written in the spec).
        "cluster" => format!(
            "clustered by {}",
            m.result
                .cluster_vars
                .iter()
                .map(|c| display_name(t, c))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        "hetero" => "heteroskedasticity-robust (HC1)".into(),
        v if v.starts_with("driscoll_kraay(") => format!(
            "Driscoll-Kraay, Bartlett kernel over {} period(s)",
            v.trim_start_matches("driscoll_kraay(")
                .trim_end_matches(')')
        ),
        v if v.starts_with("newey_west(") => format!(
            "Newey-West within units, Bartlett kernel over {} period(s)",
            v.trim_start_matches("newey_west(").trim_end_matches(')')
        ),
        _ => "conventional (iid)".into(),
    }
}

/// Column numbers as a reader writes them: runs of three or more as a range, `(1), (2)`,
/// `(3)-(12)`.
fn column_list(cols: &[usize]) -> String {
    let mut sorted = cols.to_vec();
    sorted.sort_unstable();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("({})-({})", sorted[i], sorted[j]));
        } else {
            parts.extend(sorted[i..=j].iter().map(|c| format!("({c})")));
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// The view of table `t` in `style`.
pub fn build(t: &TableRecord, style: &Style) -> TableView {
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
        for m in &t.models {
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
            let mut stats = Vec::new();
            for f in &all_fe {
                let fe_label = capitalise(&display_name(t, f));
                let cells = per(&|m: &ModelRecord| yes(m.fe.contains(f)));
                stats.push(StatView::new(
                    format!("{} FE", latex_escape(&fe_label)),
                    format!("{fe_label} FE"),
                    cells,
                ));
            }
            let mut stat = |tex: &str, md: &str, cells: Vec<String>| {
                stats.push(StatView::new(tex.to_string(), md.to_string(), cells));
            };
            if models.iter().any(|m| !m.controls.is_empty()) {
                stat(
                    "Controls",
                    "Controls",
                    per(&|m: &ModelRecord| yes(!m.controls.is_empty())),
                );
            }
            if models.iter().any(|m| m.weights.is_some()) {
                stat(
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
            if models.iter().any(|m| m.sample_label.is_some()) {
                stat(
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
            stat(
                "Observations",
                "Observations",
                per(&|m: &ModelRecord| thousands(m.result.nobs)),
            );
            if models.iter().any(|m| m.result.r2.is_finite()) {
                stat(
                    "R$^2$",
                    "R²",
                    per(&|m: &ModelRecord| fmt_num(m.result.r2, d)),
                );
            }
            if models.iter().any(|m| m.result.within_r2.is_some()) {
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
            for m in models {
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
            if models.iter().any(|m| !m.result.n_clusters.is_empty()) {
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

    let mut notes = Vec::new();
    // One entry per kind of standard error; when columns differ, each names its columns.
    let mut kinds: Vec<(String, Vec<usize>)> = Vec::new();
    for models in &panels_models {
        for (i, m) in models.iter().enumerate() {
            let n = vcov_note(t, m);
            match kinds.iter_mut().find(|(k, _)| *k == n) {
                Some((_, cols)) if !cols.contains(&(i + 1)) => cols.push(i + 1),
                Some(_) => {}
                None => kinds.push((n, vec![i + 1])),
            }
        }
    }
    let vc: Vec<String> = if kinds.len() == 1 {
        kinds.into_iter().map(|(k, _)| k).collect()
    } else {
        kinds
            .into_iter()
            .map(|(k, cols)| format!("{}: {k}", column_list(&cols)))
            .collect()
    };
    let below = match style.below {
        Below::Se => "Standard errors",
        Below::T => "t statistics",
        Below::Ci => "95% confidence intervals",
    };
    let se = format!(
        "{below} ({}) in {}.",
        vc.join("; "),
        if style.below == Below::Ci {
            "brackets"
        } else {
            "parentheses"
        }
    );
    notes.push(NoteView {
        tex: latex_escape(&se),
        md: se.clone(),
    });
    let legend = style.legend();
    notes.push(NoteView {
        tex: legend
            .iter()
            .map(|(s, p)| format!("$^{{{s}}}$ p$<${p}"))
            .collect::<Vec<_>>()
            .join(", ")
            + ".",
        md: legend
            .iter()
            .map(|(s, p)| format!("{} p<{p}", s.replace('*', "\\*")))
            .collect::<Vec<_>>()
            .join(", ")
            + ".",
    });
    // Warnings of the fits (a treatment kept with `allow_dropped_treatment`, FE that did not
    // converge): the reader sees them next to the numbers they qualify.
    for (title, models) in panel_names.iter().zip(&panels_models) {
        for (i, m) in models.iter().enumerate() {
            for w in &m.result.warnings {
                let at = match title {
                    Some(p) => format!("{p}, column ({})", i + 1),
                    None => format!("Column ({})", i + 1),
                };
                let text = format!("{at}: {w}.");
                notes.push(NoteView {
                    tex: latex_escape(&text),
                    md: text,
                });
            }
        }
    }
    // The estimators' own sentences, each once, naming its columns unless all share it.
    let mut est_notes: Vec<(String, Vec<usize>)> = Vec::new();
    for models in &panels_models {
        for (i, m) in models.iter().enumerate() {
            for n in &m.notes {
                match est_notes.iter_mut().find(|(x, _)| x == n) {
                    Some((_, cols)) if !cols.contains(&(i + 1)) => cols.push(i + 1),
                    Some(_) => {}
                    None => est_notes.push((n.clone(), vec![i + 1])),
                }
            }
        }
    }
    for (n, cols) in est_notes {
        let text = if cols.len() == ncols {
            format!("{n}.")
        } else {
            let which = if cols.len() == 1 { "Column" } else { "Columns" };
            format!("{which} {}: {n}.", column_list(&cols))
        };
        notes.push(NoteView {
            tex: latex_escape(&text),
            md: text,
        });
    }
    if !t.adjust.is_empty() {
        let tested = t
            .models
            .iter()
            .filter(|m| crate::curve::key_estimate(t, m).is_some())
            .count();
        let how: Vec<&str> = t
            .adjust
            .iter()
            .map(|a| match a {
                crate::curve::Adjust::Bonferroni => "Bonferroni",
                crate::curve::Adjust::Holm => "Holm's step-down",
                crate::curve::Adjust::RomanoWolf => {
                    "Romano-Wolf's step-down on the columns' wild cluster bootstraps"
                }
            })
            .collect();
        let n = format!(
            "Adjusted p-values ({}) control the family-wise error rate across the {tested} columns' key estimates (the treatment coefficient, or the overall ATT).",
            how.join(", ")
        );
        notes.push(NoteView {
            tex: latex_escape(&n),
            md: n,
        });
    }
    if let Some(n) = &t.notes {
        notes.push(NoteView {
            tex: latex_escape(n),
            md: n.clone(),
        });
    }
    let data = if t.data_simulated {
        format!(
            "Data: {}. These numbers are NOT estimates from real data.",
            t.data_source
        )
    } else {
        format!("Data: {}.", t.data_source)
    };
    notes.push(NoteView {
        tex: latex_escape(&data),
        md: data,
    });
    // One balance table per distinct matching (models that differ only in the outcome share it).
    let mut balance: Vec<BalanceView> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for m in &t.models {
        let Some(p) = m.psm.as_ref() else { continue };
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
