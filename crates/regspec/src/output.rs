//! Writing a run's results: JSON per table, then LaTeX and Markdown tables, event-study
//! figures and `index.md`. Everything is rendered in memory first, then written as one set
//! (`reportset::commit`): a failure or a kill leaves the previous set as it was.

use crate::names::under;
use report::TableRecord;
use report::{Format, Templates};
use std::path::{Path, PathBuf};

/// Renders `tables` and writes them as the new report set of `out`. The caller holds the lock
/// of `out` (`reportset::lock`).
pub fn write_outputs(
    out: &Path,
    tables: &[TableRecord],
    templates: &Templates,
) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut figs = Figures {
        reuse: std::fs::read_to_string(out.join(FIGURES_KEY)).is_ok_and(|k| k == FIGURES),
        ..Figures::default()
    };
    let derived: Vec<TableRecord> = tables.iter().map(report::curve::derive).collect();
    let mut sections: Vec<(&TableRecord, String)> = Vec::new();
    for t in &derived {
        // Adjusted p-values and the curve come from all the table's models, recomputed above.
        let json = serde_json::to_string_pretty(t).map_err(|e| e.to_string())? + "\n";
        // Names were checked by `check`; every path is proven to stay under `out` again here,
        // for records read back from JSON (`regspec table`, `merge`).
        crate::names::check("table", &t.table)?;
        files.push((under(out, &format!("{}.json", t.table))?, json.into_bytes()));
        for fmt in [Format::Latex, Format::Markdown, Format::Html, Format::Typst] {
            let text = report::render_table(t, fmt, templates).map_err(|e| e.to_string())?;
            if fmt == Format::Html {
                sections.push((t, text.clone()));
            }
            files.push((
                under(out, &format!("{}.{}", t.table, fmt.extension()))?,
                text.into_bytes(),
            ));
        }
        files.push((
            under(out, &format!("{}.docx", t.table))?,
            report::docx::table_docx(t).map_err(|e| e.to_string())?,
        ));
        figs.table = t.table.clone();
        table_figures(t, out, &mut files, &mut figs)?;
        for m in &t.models {
            crate::names::check("model", &m.name)?;
            let label = |v: &str| plain(&t.labels.get(v).cloned().unwrap_or_else(|| v.to_string()));
            // The outcome by its label, else by its panel's title (Panel A: HOMIC), else its name.
            let outcome = match (t.labels.get(&m.outcome), &m.panel) {
                (Some(l), _) => plain(l),
                (None, Some(p)) => plain(p),
                // A column labelled by its outcome (`HOMIC`, `HOMIC (country-year cl.)`).
                (None, None)
                    if label(&m.label)
                        .to_lowercase()
                        .starts_with(&m.outcome.to_lowercase()) =>
                {
                    label(&m.label)
                }
                (None, None) => m.outcome.clone(),
            };
            // What the figure shows: the outcome, and the estimator or the column's own label.
            let what = match crate::exec::lookup(&m.estimator).and_then(|e| e.display_name()) {
                Some(e)
                    if label(&m.label).eq_ignore_ascii_case(&outcome)
                        || e.to_lowercase().contains(&label(&m.label).to_lowercase())
                        || label(&m.label).to_lowercase().contains(&e.to_lowercase()) =>
                {
                    e.to_string()
                }
                Some(e) => format!("{e}, {}", label(&m.label)),
                None => label(&m.label),
            };
            let mut figure_at = |svg: String, title: String, rel: String| -> Result<(), String> {
                push_figure(out, rel, svg, title, &mut files, &mut figs)
            };
            let default_rel = format!("figures/{}_{}.svg", t.table, m.name);
            let fail = |e: String| format!("{}: model `{}`: {e}", t.spec_file, m.name);
            if let Some(es) = &m.event_study {
                let x = t
                    .labels
                    .get("rel_time")
                    .cloned()
                    .unwrap_or_else(|| "Periods relative to treatment".into());
                // A figure without an omitted period says so.
                let omitted = es.window.0 <= es.reference && es.reference <= es.window.1;
                let title = if omitted {
                    format!("{outcome}: {what}")
                } else {
                    format!("{outcome}: {what} (no period omitted)")
                };
                let svg = report::figure::event_study_svg(es, &title, &x, "Coefficient and 95% CI")
                    .map_err(fail)?;
                figure_at(svg, title, default_rel.clone())?;
            }
            for h in &m.honest {
                let what = match h.analysis.restriction {
                    estimators::honest::Restriction::RelativeMagnitudes => "relative magnitudes",
                    estimators::honest::Restriction::Smoothness => "smoothness",
                };
                let title = format!("{outcome}: HonestDiD, {what}, {}", h.target);
                let svg = report::figure::honest_svg(h, &title).map_err(fail)?;
                let rel = format!(
                    "figures/{}_{}_honest_{}.svg",
                    t.table,
                    m.name,
                    what.replace(' ', "_")
                );
                figure_at(svg, title, rel)?;
            }
            // The estimator's own figures; the first takes the model's figure name unless its
            // event study has it.
            for (k, spec) in m.figures.iter().enumerate() {
                let what = match spec {
                    report::FigureSpec::Draws { what, .. }
                    | report::FigureSpec::Scatter { what, .. } => what,
                };
                let title = format!("{outcome}: {what}");
                let svg = report::figure::spec_svg(spec, &title, &label).map_err(fail)?;
                let n = k + usize::from(m.event_study.is_some());
                let rel = if n == 0 {
                    default_rel.clone()
                } else {
                    format!("figures/{}_{}_{}.svg", t.table, m.name, n + 1)
                };
                figure_at(svg, title, rel)?;
            }
        }
    }
    // Every figure for the indexes; each table's figures, in order, for the Word document.
    let (figures, doc_figures) = figs.convert(out, &mut files)?;
    if let Some(e) = &figs.no_pdf {
        eprintln!("warning: figures written as SVG only: {e}");
    }
    if !tables.is_empty() {
        files.push((
            out.join("index.md"),
            report::index(tables, &figures).into_bytes(),
        ));
        // The browsable page: every table and, inline, every figure.
        let svgs: Vec<(String, String, String)> = figures
            .iter()
            .filter_map(|(title, rel)| {
                let path = out.join(rel);
                let svg = files.iter().find(|(p, _)| *p == path)?;
                Some((
                    title.clone(),
                    rel.clone(),
                    String::from_utf8_lossy(&svg.1).into_owned(),
                ))
            })
            .collect();
        files.push((
            out.join("index.html"),
            report::index_html(&sections, &svgs).into_bytes(),
        ));
        // One Word document with every table and, after each, its figures.
        files.push((
            out.join("results.docx"),
            report::docx::document_docx(&derived, &doc_figures).map_err(|e| e.to_string())?,
        ));
    }
    let rel: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(path, bytes)| {
            let r = path.strip_prefix(out).map_err(|_| {
                format!(
                    "refusing to write {} outside {}",
                    path.display(),
                    out.display()
                )
            })?;
            Ok((r.to_string_lossy().to_string(), bytes))
        })
        .collect::<Result<_, String>>()?;
    let written = crate::reportset::commit(out, &rel)?;
    // The figures' PDF and PNG now in the set were made by this build's converters.
    let _ = std::fs::write(out.join(FIGURES_KEY), FIGURES);
    Ok(written)
}

/// The fingerprint of the code and dependency versions that turn SVG into PDF and PNG
/// (`build.rs`), and where a set's cache records the one that made its figures.
const FIGURES: &str = env!("REGSPEC_FIGURES");
const FIGURES_KEY: &str = ".cache/figures.key";

/// A label written for LaTeX tables (`Treat $\\times$ Post`, `R$^2$`) as plain text for a figure.
fn plain(label: &str) -> String {
    report::plain(label)
}

/// The tables of the current report set of `out` (its JSON records), in the set's order.
pub fn current_tables(out: &Path) -> Result<Vec<TableRecord>, String> {
    let mut tables = Vec::new();
    let mut set = crate::reportset::current(out);
    if set.is_empty() {
        // A set written before manifests existed: its tables are the JSON files at the top.
        if let Ok(rd) = std::fs::read_dir(out) {
            set = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
                .collect();
            set.sort();
        }
    }
    for rel in set {
        if rel.contains('/') || !rel.ends_with(".json") {
            continue;
        }
        let path = under(out, &rel)?;
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let t: TableRecord = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a regspec table: {e}", path.display()))?;
        tables.push(t);
    }
    Ok(tables)
}

/// `regspec table NAME`: re-renders tables from their JSON results, estimating nothing. The
/// whole set is written again, so `index.md` keeps listing every table.
pub fn rerender(
    out: &Path,
    names: &[String],
    templates: &Templates,
) -> Result<Vec<PathBuf>, String> {
    for n in names {
        crate::names::check("table", n)?;
    }
    let _lock = crate::reportset::lock(out)?;
    crate::reportset::recover(out)?;
    let tables = current_tables(out)?;
    for n in names {
        if !tables.iter().any(|t| &t.table == n) {
            return Err(format!(
                "{}: no table `{n}` in this report set (run `regspec run` first)",
                out.display()
            ));
        }
    }
    let written = write_outputs(out, &tables, templates)?;
    Ok(written
        .into_iter()
        .filter(|p| {
            names.iter().any(|n| {
                p.file_stem()
                    .is_some_and(|s| s.to_string_lossy() == n.as_str())
                    || p.to_string_lossy().contains(&format!("figures/{n}_"))
            })
        })
        .collect())
}

/// The figures of a run so far, each kept as SVG until [`Figures::convert`] turns every one into
/// PDF and PNG in parallel, and why PDFs could not be made, if they could not.
#[derive(Default)]
struct Figures {
    /// The table whose figures are being added.
    table: String,
    pending: Vec<Pending>,
    /// The set's PDF and PNG were made by this build's converters (its `figures.key`).
    reuse: bool,
    no_pdf: Option<String>,
}

/// One figure before its conversion.
struct Pending {
    title: String,
    /// The SVG's path in the set.
    rel: String,
    table: String,
    svg: String,
    /// Its PDF and PNG bytes kept from the set, when they can be.
    pdf: Option<Vec<u8>>,
    png: Option<Vec<u8>>,
}

/// Adds a figure as SVG; its PDF and PNG (print resolution) follow in [`Figures::convert`]. The
/// PDF and PNG of a figure whose SVG is the one already in the set are the ones already there
/// when the same converters made them: a rerun from the cache does not convert (and load the
/// fonts) again, and a new build's converters never leave an old PNG behind.
fn push_figure(
    out: &Path,
    rel: String,
    svg: String,
    title: String,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
    figs: &mut Figures,
) -> Result<(), String> {
    let unchanged =
        figs.reuse && std::fs::read(under(out, &rel)?).is_ok_and(|old| old == svg.as_bytes());
    let old = |ext: &str| -> Result<Option<Vec<u8>>, String> {
        let p = under(out, &rel.replace(".svg", ext))?;
        Ok(unchanged.then(|| std::fs::read(p).ok()).flatten())
    };
    let (pdf, png) = (old(".pdf")?, old(".png")?);
    files.push((under(out, &rel)?, svg.clone().into_bytes()));
    figs.pending.push(Pending {
        title,
        rel,
        table: figs.table.clone(),
        svg,
        pdf,
        png,
    });
    Ok(())
}

impl Figures {
    /// Every figure's PDF and PNG (those not kept from the set, converted on every core), added
    /// to `files`. Returns (title, SVG path) of every figure for the indexes, and the figures
    /// for the Word document, table by table.
    fn convert(
        &mut self,
        out: &Path,
        files: &mut Vec<(PathBuf, Vec<u8>)>,
    ) -> Result<Converted, String> {
        use rayon::prelude::*;
        let converted: Vec<(Pending, Result<Vec<u8>, String>, PngResult)> =
            std::mem::take(&mut self.pending)
                .into_par_iter()
                .map(|mut f| {
                    let pdf = f
                        .pdf
                        .take()
                        .map_or_else(|| report::figure::svg_to_pdf(&f.svg), Ok);
                    let png = match f
                        .png
                        .take()
                        .and_then(|b| png_size(&b).map(|(w, h)| (b, w, h)))
                    {
                        Some(p) => Ok(p),
                        None => report::figure::svg_to_png(&f.svg),
                    };
                    (f, pdf, png)
                })
                .collect();
        let mut list = Vec::new();
        let mut doc = Vec::new();
        for (f, pdf, png) in converted {
            match pdf {
                Ok(pdf) => files.push((under(out, &f.rel.replace(".svg", ".pdf"))?, pdf)),
                Err(e) => self.no_pdf = Some(e),
            }
            match png {
                Ok((png, width_px, height_px)) => {
                    files.push((under(out, &f.rel.replace(".svg", ".png"))?, png.clone()));
                    doc.push(report::docx::DocxFigure {
                        table: f.table,
                        title: f.title.clone(),
                        png,
                        width_px,
                        height_px,
                    });
                }
                Err(e) => self.no_pdf = Some(e),
            }
            list.push((f.title, f.rel));
        }
        Ok((list, doc))
    }
}

/// What a run's figures became: (title, SVG path) of each for the indexes, and the Word
/// document's figures.
type Converted = (Vec<(String, String)>, Vec<report::docx::DocxFigure>);

/// A figure's PNG with its width and height, or why not.
type PngResult = Result<(Vec<u8>, u32, u32), String>;

/// Width and height of a PNG, from its header chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[1..4] != b"PNG" || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(&png[16..20]), be(&png[20..24])))
}

/// Figures of a whole table: the specification curve, the coefficient plot, and one overlay
/// of the event studies of different estimators per outcome.
fn table_figures(
    t: &TableRecord,
    out: &Path,
    files: &mut Vec<(PathBuf, Vec<u8>)>,
    figs: &mut Figures,
) -> Result<(), String> {
    let title = t.title.clone().unwrap_or_else(|| t.table.clone());
    let fail = |e: String| format!("{}: {e}", t.spec_file);
    if let (Some(c), Some(o)) = (&t.curve_result, &t.curve) {
        let svg =
            report::figure::curve_svg(c, &format!("{title}: specification curve"), o.max_points)
                .map_err(fail)?;
        let rel = format!("figures/{}_curve.svg", t.table);
        push_figure(
            out,
            rel,
            svg,
            format!("{title}: specification curve"),
            files,
            figs,
        )?;
    }
    if t.coefplot && t.models.len() > 100 {
        return Err(fail(format!(
            "`coefplot: true` draws one row per model, up to 100; this table has {} models: use `curve: true`, which thins",
            t.models.len()
        )));
    }
    if t.coefplot {
        let name = |v: &str| plain(t.labels.get(v).map_or(v, String::as_str));
        let keys: Vec<Option<report::curve::KeyEstimate>> = t
            .models
            .iter()
            .map(|m| report::curve::key_estimate(t, m))
            .collect();
        // Name the key coefficient in each row when it differs across the models.
        let whats: Vec<&str> = keys.iter().flatten().map(|k| k.what.as_str()).collect();
        let mixed = whats.iter().any(|w| *w != whats[0]);
        // Rows are named by the models' labels; where two models share a label, by the
        // choices that vary across the table (outcome, treatment, sample, controls, ...).
        let own: Vec<String> = t.models.iter().map(|m| name(&m.label)).collect();
        let unique = own.iter().enumerate().all(|(i, l)| !own[..i].contains(l));
        let choices = report::curve::choice_labels(t);
        let rows: Vec<(String, f64, f64, f64)> = t
            .models
            .iter()
            .zip(&keys)
            .enumerate()
            .filter_map(|(i, (_, k))| {
                let k = k.as_ref()?;
                let mut label = if unique || choices[i].is_empty() {
                    format!("({}) {}", i + 1, own[i])
                } else {
                    format!("({}) {}", i + 1, choices[i])
                };
                if mixed && (unique || !choices[i].contains(&name(&k.what))) {
                    label = format!("{label}, {}", name(&k.what));
                }
                Some((label, k.estimate, k.ci.0, k.ci.1))
            })
            .collect();
        let x_label = match whats.first() {
            Some(w) if !mixed => format!("{}, estimate and 95% CI", name(w)),
            _ => "Key estimate and 95% CI".to_string(),
        };
        let svg = report::figure::coefplot_svg(&rows, &format!("{title}: key estimates"), &x_label)
            .map_err(fail)?;
        let rel = format!("figures/{}_coefplot.svg", t.table);
        push_figure(
            out,
            rel,
            svg,
            format!("{title}: key estimates"),
            files,
            figs,
        )?;
    }
    // Overlays: per outcome (and panel), the event studies of two or more estimators.
    let mut groups: Vec<(String, Vec<&report::ModelRecord>)> = Vec::new();
    for m in t.models.iter().filter(|m| m.event_study.is_some()) {
        let key = m.panel.clone().unwrap_or_else(|| m.outcome.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(m),
            None => groups.push((key, vec![m])),
        }
    }
    for (key, ms) in groups {
        let mut estimators: Vec<&str> = ms.iter().map(|m| m.estimator.as_str()).collect();
        estimators.sort_unstable();
        estimators.dedup();
        if estimators.len() < 2 {
            continue;
        }
        let series: Vec<(String, &report::EventStudy)> = ms
            .iter()
            .filter_map(|m| Some((plain(&m.label), m.event_study.as_ref()?)))
            .collect();
        let outcome = plain(
            &t.labels
                .get(&ms[0].outcome)
                .cloned()
                .unwrap_or_else(|| key.clone()),
        );
        let fig_title = format!("{outcome}: event studies by estimator");
        let x = t
            .labels
            .get("rel_time")
            .cloned()
            .unwrap_or_else(|| "Periods relative to treatment".into());
        let svg = report::figure::overlay_svg(&series, &fig_title, &x).map_err(fail)?;
        let safe: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let rel = format!("figures/{}_overlay_{safe}.svg", t.table);
        push_figure(out, rel, svg, fig_title, files, figs)?;
    }
    Ok(())
}

/// The templates of a workspace directory `dir`, when it exists.
pub fn templates(dir: &std::path::Path) -> report::Templates {
    report::Templates {
        dir: dir.is_dir().then(|| dir.to_path_buf()),
    }
}
