//! Writing a run's results: JSON per table, then LaTeX and Markdown tables, event-study
//! figures and `index.md`. Everything is rendered in memory first and written only when all of
//! it rendered, each file through a temporary file and a rename: a failure leaves the previous
//! reports as they were.

use crate::names::under;
use crate::run::write_atomic;
use estimators::TableRecord;
use report::{Format, Templates};
use std::path::{Path, PathBuf};

pub fn write_outputs(
    out: &Path,
    tables: &[TableRecord],
    templates: &Templates,
) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut figures: Vec<(String, String)> = Vec::new();
    for t in tables {
        let json = serde_json::to_string_pretty(t).map_err(|e| e.to_string())? + "\n";
        // Names were checked by `check`; every path is proven to stay under `out` again here,
        // for records read back from JSON (`regspec table`, `merge`).
        crate::names::check("table", &t.table)?;
        files.push((under(out, &format!("{}.json", t.table))?, json));
        for fmt in [Format::Latex, Format::Markdown] {
            let text = report::render_table(t, fmt, templates).map_err(|e| e.to_string())?;
            files.push((
                under(out, &format!("{}.{}", t.table, fmt.extension()))?,
                text,
            ));
        }
        for m in &t.models {
            crate::names::check("model", &m.name)?;
            if let Some(es) = &m.event_study {
                let x = t
                    .labels
                    .get("rel_time")
                    .cloned()
                    .unwrap_or_else(|| "Years relative to treatment".into());
                let title = format!(
                    "{}: event study",
                    t.labels.get(&m.label).unwrap_or(&m.label)
                );
                let svg = report::figure::event_study_svg(es, &title, &x, "Coefficient and 95% CI")
                    .map_err(|e| format!("{}: model `{}`: {e}", t.spec_file, m.name))?;
                let rel = format!("figures/{}_{}.svg", t.table, m.name);
                files.push((under(out, &rel)?, svg));
                figures.push((title, rel));
            }
            let label = t.labels.get(&m.label).unwrap_or(&m.label);
            if let Some(b) = &m.bacon {
                let title = format!("{label}: Goodman-Bacon decomposition");
                let svg = report::figure::bacon_svg(b, &title)
                    .map_err(|e| format!("{}: model `{}`: {e}", t.spec_file, m.name))?;
                let rel = format!("figures/{}_{}.svg", t.table, m.name);
                files.push((under(out, &rel)?, svg));
                figures.push((title, rel));
            }
            if let Some(p) = &m.placebo {
                let design = match p.mode {
                    estimators::PlaceboMode::Permute => "signing years permuted",
                    estimators::PlaceboMode::Nonparticipants => {
                        "false treatment of non-participants"
                    }
                    estimators::PlaceboMode::PermuteUnits => {
                        "treatment paths permuted across units"
                    }
                };
                let title = format!("{label}: placebo, {design}");
                let x = format!(
                    "Placebo estimate of {}",
                    m.treatment.clone().unwrap_or_default()
                );
                let svg = report::figure::placebo_svg(&p.estimates, p.actual, &title, &x)
                    .map_err(|e| format!("{}: model `{}`: {e}", t.spec_file, m.name))?;
                let rel = format!("figures/{}_{}.svg", t.table, m.name);
                files.push((under(out, &rel)?, svg));
                figures.push((title, rel));
            }
        }
    }
    if !tables.is_empty() {
        files.push((out.join("index.md"), report::index(tables, &figures)));
    }
    let mut written = Vec::new();
    for (path, text) in files {
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// `regspec table NAME`: re-renders a table from its JSON results, estimating nothing.
pub fn rerender(
    out: &Path,
    names: &[String],
    templates: &Templates,
) -> Result<Vec<PathBuf>, String> {
    let mut tables = Vec::new();
    for n in names {
        crate::names::check("table", n)?;
        let path = under(out, &format!("{n}.json"))?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e} (run `regspec run` first)", path.display()))?;
        let t: TableRecord = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a regspec table: {e}", path.display()))?;
        tables.push(t);
    }
    // Keep index.md listing every table, not only the re-rendered ones.
    let mut written = Vec::new();
    for t in &tables {
        written.extend(
            write_outputs(out, std::slice::from_ref(t), templates)?
                .into_iter()
                .filter(|p| !p.ends_with("index.md")),
        );
    }
    Ok(written)
}
