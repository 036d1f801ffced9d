//! The notes under a table: the standard errors and their clustering, the stars, the fits'
//! warnings, the estimators' own sentences, adjusted p-values, the user's note and the data.

use super::{latex_escape, NoteView};
use crate::record::{ModelRecord, TableRecord};
use crate::style::{Below, Style};

/// How a FE or cluster variable is named in prose: its label (the spec's, the workspace's or
/// the data file's), else its name; `a^b` is "a-b".
pub(super) fn display_name(t: &TableRecord, var: &str) -> String {
    if let Some(l) = t.labels.get(var) {
        return l.clone();
    }
    var.split('^')
        .map(|p| t.labels.get(p).cloned().unwrap_or_else(|| p.to_string()))
        .collect::<Vec<_>>()
        .join("-")
}

/// The first letter in upper case.
pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn vcov_note(t: &TableRecord, m: &ModelRecord) -> String {
    use estimators::Inference;
    match &m.result.inference {
        // The clusters the estimator used (a default cluster, such as Callaway-Sant'Anna's unit,
        // is not written in the spec).
        Inference::Cluster { by } => format!(
            "clustered by {}",
            by.iter()
                .map(|c| display_name(t, c))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Inference::Hetero => "heteroskedasticity-robust (HC1)".into(),
        Inference::DriscollKraay { lag } => {
            format!("Driscoll-Kraay, Bartlett kernel over {lag} period(s)")
        }
        Inference::NeweyWest { lag } => {
            format!("Newey-West within units, Bartlett kernel over {lag} period(s)")
        }
        Inference::Conley {
            cutoff_km,
            kernel,
            lag,
            by_period,
        } => {
            let kernel = match kernel {
                estimators::ConleyKernel::Bartlett => "Bartlett",
                estimators::ConleyKernel::Uniform => "uniform",
            };
            let within = if *by_period { " within periods" } else { "" };
            let serial = if *lag > 0 {
                format!(", and within units over {lag} period(s) (Bartlett)")
            } else {
                String::new()
            };
            format!("Conley spatial HAC, {kernel} kernel up to {cutoff_km} km{within}{serial}")
        }
        Inference::Placebo { draws } => {
            format!("from {draws} placebo assignments among the controls")
        }
        Inference::Jackknife => "jackknife, leaving out one unit at a time".into(),
        Inference::InfluenceFunction => {
            "from the influence function, each observation independent".into()
        }
        Inference::Iid => "conventional (iid)".into(),
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

/// (note, column) pairs grouped by note, in the order the notes first appear, each with its
/// columns as a sorted set (columns repeat across panels). Sorted once at the end rather than
/// searched per column, so a table of 100,000 columns stays linear.
fn by_note(pairs: impl Iterator<Item = (String, usize)>) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (n, col) in pairs {
        match out.iter_mut().find(|(k, _)| *k == n) {
            Some((_, cols)) => cols.push(col),
            None => out.push((n, vec![col])),
        }
    }
    for (_, cols) in &mut out {
        cols.sort_unstable();
        cols.dedup();
    }
    out
}

/// The notes of table `t`: its panels' titles and models, and the number of columns.
pub(super) fn notes(
    t: &TableRecord,
    style: &Style,
    panel_names: &[Option<String>],
    panels_models: &[Vec<&ModelRecord>],
    ncols: usize,
) -> Vec<NoteView> {
    let mut notes = Vec::new();
    // One entry per kind of standard error; when columns differ, each names its columns.
    let kinds = by_note(panels_models.iter().flat_map(|models| {
        models
            .iter()
            .enumerate()
            .map(|(i, m)| (vcov_note(t, m), i + 1))
    }));
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
    // A style without stars (the AEA journals', Econometrica's) has no legend to give.
    if !legend.is_empty() {
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
    }
    // Warnings of the fits (a treatment kept with `allow_dropped_treatment`, FE that did not
    // converge): the reader sees them next to the numbers they qualify.
    for (title, models) in panel_names.iter().zip(panels_models) {
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
    // The estimators' own sentences and the observations each fit removed (as fixest reports
    // them), each once, naming its columns unless all share it.
    let est_notes = by_note(panels_models.iter().flat_map(|models| {
        models.iter().enumerate().flat_map(|(i, m)| {
            m.notes
                .iter()
                .cloned()
                .chain(m.removed())
                .map(move |n| (n, i + 1))
        })
    }));
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
    // A journal's "Notes:" (in italics in LaTeX) before the first.
    if let (Some(intro), Some(first)) = (&style.notes_intro, notes.first_mut()) {
        first.tex = format!("\\textit{{{}}} {}", latex_escape(intro), first.tex);
        first.md = format!("{intro} {}", first.md);
    }
    notes
}
