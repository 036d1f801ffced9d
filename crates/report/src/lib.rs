//! `report`: paper-ready tables (LaTeX with booktabs, Typst, Markdown, HTML, Word) and figures
//! (SVG, PDF, PNG) from a run's [`TableRecord`]s. The text formats' layout lives in minijinja
//! templates (defaults shipped in `crates/report/templates/`, overridable from a workspace's
//! `templates/` directory or per table); Rust builds the view model (`view`), draws figures
//! (`figure`) and writes Word files from the same view model (`docx`). Its input
//! contract is `record.rs`: what a run writes per model and per table.

#![warn(missing_docs)]

pub mod curve;
pub mod docx;
pub mod figure;
mod format;
pub mod record;
pub mod style;
pub mod view;

use minijinja::{Environment, UndefinedBehavior};
pub use record::{
    EventPoint, EventStudy, FigureSpec, HonestRecord, ModelRecord, StatRow, StatValue, TableRecord,
};
use std::path::{Path, PathBuf};

pub use format::{latex_escape, plain};
pub use style::Style;

const DEFAULT_TEX: &str = include_str!("../templates/table.tex.j2");
const DEFAULT_MD: &str = include_str!("../templates/table.md.j2");
const DEFAULT_HTML: &str = include_str!("../templates/table.html.j2");
const DEFAULT_TYP: &str = include_str!("../templates/table.typ.j2");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// An output format of tables.
pub enum Format {
    /// LaTeX (booktabs).
    Latex,
    /// Markdown (pipe tables).
    Markdown,
    /// HTML (a section of `index.html`).
    Html,
    /// Typst (a `#figure` with a table).
    Typst,
}

impl Format {
    /// The file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Latex => "tex",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Typst => "typ",
        }
    }
}

/// `s` (Markdown text of the view) as plain text: Markdown's escapes undone, line breaks as
/// spaces, LaTeX in labels (`Treat $\\times$ Post`) as the plain text figures use.
pub fn md_text(s: &str) -> String {
    format::plain(
        &s.replace("\\*", "*")
            .replace("\\_", "_")
            .replace("\\|", "|")
            .replace("<br>", " "),
    )
}

/// `s` (Markdown text of the view) as Typst markup.
pub fn typst_escape(s: &str) -> String {
    let plain = md_text(s);
    let mut out = String::with_capacity(plain.len() + 8);
    for c in plain.chars() {
        if "\\*_#$@<>[]`~/=+-".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An error that names the template file and line (or the table and the bad option).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportError(pub String);

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReportError {}

/// Where templates come from: a workspace directory that may override the built-in defaults.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// The workspace's template directory, when it exists.
    pub dir: Option<PathBuf>,
}

impl Templates {
    /// Checks, before anything runs, that a table's template exists in every format.
    pub fn check(&self, table: &str, template: Option<&str>) -> Result<(), ReportError> {
        let probe = TableRecord {
            table: table.to_string(),
            template: template.map(str::to_string),
            ..TableRecord::default()
        };
        for fmt in [Format::Latex, Format::Markdown] {
            self.source(&probe, fmt)?;
        }
        Ok(())
    }

    /// The template for a table and format: `<dir>/<template>.<ext>.j2` when the table names
    /// one, else `<dir>/table.<ext>.j2`, else the built-in default. Returns (name, source).
    fn source(&self, table: &TableRecord, fmt: Format) -> Result<(String, String), ReportError> {
        let ext = fmt.extension();
        if let Some(dir) = &self.dir {
            let candidates: Vec<PathBuf> = match &table.template {
                // A table's own HTML and Typst templates are optional: its LaTeX and Markdown
                // ones are what `template:` names; the others fall back to the workspace's or
                // the built-in one.
                Some(t) if matches!(fmt, Format::Html | Format::Typst) => vec![
                    dir.join(format!("{t}.{ext}.j2")),
                    dir.join(format!("table.{ext}.j2")),
                ],
                Some(t) => vec![dir.join(format!("{t}.{ext}.j2"))],
                None => vec![dir.join(format!("table.{ext}.j2"))],
            };
            for c in candidates {
                if c.exists() {
                    let src = std::fs::read_to_string(&c)
                        .map_err(|e| ReportError(format!("{}: {e}", c.display())))?;
                    return Ok((c.display().to_string(), src));
                }
            }
        }
        if let Some(t) = table
            .template
            .as_ref()
            .filter(|_| !matches!(fmt, Format::Html | Format::Typst))
        {
            let dir = self.dir.as_deref().unwrap_or(Path::new("templates"));
            return Err(ReportError(format!(
                "table `{}` asks for template `{t}`, but {} does not exist",
                table.table,
                dir.join(format!("{t}.{ext}.j2")).display()
            )));
        }
        let src = match fmt {
            Format::Latex => DEFAULT_TEX,
            Format::Markdown => DEFAULT_MD,
            Format::Html => DEFAULT_HTML,
            Format::Typst => DEFAULT_TYP,
        };
        Ok((
            format!("crates/report/templates/table.{ext}.j2"),
            src.to_string(),
        ))
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> ReportError {
    let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
    let detail = e.detail().map(|d| format!(": {d}")).unwrap_or_default();
    ReportError(format!(
        "{name}{line}: template error: {}{detail}",
        e.kind()
    ))
}

/// Renders one table. Nothing is written here: callers write all outputs once every table
/// rendered, so a template error never leaves a partial table behind.
pub fn render_table(
    table: &TableRecord,
    fmt: Format,
    templates: &Templates,
) -> Result<String, ReportError> {
    let style = Style::from_value(&table.format)
        .map_err(|e| ReportError(format!("{}: {e}", table.spec_file)))?;
    // LaTeX may set a wide table in parts (`columns_per_table`); Markdown and HTML scroll.
    let views = if fmt == Format::Latex {
        view::build_parts(table, &style)
    } else {
        vec![view::build(table, &style)]
    };
    let (name, src) = templates.source(table, fmt)?;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    if fmt == Format::Html {
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    }
    // Label markup as plain text: Markdown escapes (`\*`) and LaTeX math (`$\times$`).
    env.add_filter("plain", |s: String| -> String {
        plain(
            &s.replace("\\*", "*")
                .replace("\\_", "_")
                .replace("\\|", "|"),
        )
    });
    // Text as Typst markup: Markdown's escapes undone, then every character Typst reads as
    // markup escaped (`*` strong, `_` emphasis, `#` code, `$` math, `@` reference, `<>`
    // labels, `[]` content, `` ` `` raw, `~` no-break space, `/` comments, `\` itself).
    env.add_filter("typ", |s: String| -> String { typst_escape(&s) });
    env.add_template_owned(name.clone(), src)
        .map_err(|e| template_error(&name, &e))?;
    let tmpl = env
        .get_template(&name)
        .map_err(|e| template_error(&name, &e))?;
    let mut out = String::new();
    for view in &views {
        out.push_str(
            &tmpl
                .render(minijinja::context! { table => minijinja::Value::from(minijinja::value::Serde(view)) })
                .map_err(|e| template_error(&name, &e))?,
        );
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// `reports/index.md`: every table and figure, with a warning when the data are simulated.
pub fn index(tables: &[TableRecord], figures: &[(String, String)]) -> String {
    let mut s = String::from("# Results\n\n");
    if tables.iter().any(|t| t.data_simulated) {
        s.push_str(
            "> **Simulated data.** These results come from the demo panel, not from real data.\n\n",
        );
    }
    if let Some(t) = tables.first() {
        s.push_str(&format!("Data: {}.\n\n", t.data_source));
    }
    s.push_str("Every table and figure in one Word document: [results.docx](results.docx).\n\n");
    s.push_str("| table | models | Markdown | LaTeX | Typst | Word | JSON |\n|---|---:|---|---|---|---|---|\n");
    for t in tables {
        let title = t.title.clone().unwrap_or_else(|| t.table.clone());
        s.push_str(&format!(
            "| {title} | {} | [{n}.md]({n}.md) | [{n}.tex]({n}.tex) | [{n}.typ]({n}.typ) | [{n}.docx]({n}.docx) | [{n}.json]({n}.json) |\n",
            t.models.len(),
            n = t.table
        ));
    }
    if !figures.is_empty() {
        s.push_str("\n## Figures\n\n");
        for (title, file) in figures {
            s.push_str(&format!("- [{title}]({file})\n"));
        }
    }
    s
}

/// `reports/index.html`: one self-contained page (no server, no network) with every table (its
/// HTML section), the figures of each table inline as SVG, links to the `.tex`, `.md` and `.json`
/// files, and print styles. `sections` are (table, rendered HTML section); `figures` are
/// (title, path relative to the report, SVG text). A small script records on the page whether
/// anything is wider than the window (`data-overflow`), which the browser test reads.
pub fn index_html(
    sections: &[(&TableRecord, String)],
    figures: &[(String, String, String)],
) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut s = String::from(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Results</title>
<style>
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #111; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1.05em; }
.warning { background: #fff3cd; border: 1px solid #e0c36a; padding: 0.5em 1em; }
.scroll { overflow-x: auto; max-width: 100%; }
table.results, table.summary, table.toc { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
table.results th, table.results td, table.summary th, table.summary td, table.toc th, table.toc td { padding: 0.15em 0.6em; white-space: nowrap; }
table.results thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; }
table.results tbody:last-child tr:last-child th, table.results tbody:last-child tr:last-child td { border-bottom: 2px solid #000; }
table.results td { text-align: right; font-variant-numeric: tabular-nums; }
table.results tr.panel th { text-align: left; font-style: italic; border-top: 1px solid #000; }
table.results tr.stat:first-of-type th, table.results tr.stat:first-of-type td { border-top: 1px solid #000; }
table.results th { text-align: left; font-weight: normal; }
.notes { font-size: 0.8em; color: #333; max-width: 60em; }
.provenance { color: #666; }
.links { font-size: 0.85em; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85em; color: #333; }
@media print { body { max-width: none; margin: 0; } .scroll { overflow: visible; } section.table, figure { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
</style>
</head>
<body>
<h1>Results</h1>
"#,
    );
    if sections.iter().any(|(t, _)| t.data_simulated) {
        s.push_str("<p class=\"warning\"><strong>Simulated data.</strong> These results come from the demo panel, not from real data.</p>\n");
    }
    if let Some((t, _)) = sections.first() {
        s.push_str(&format!("<p>Data: {}.</p>\n", esc(&t.data_source)));
    }
    s.push_str("<p class=\"links\">Every table and figure in one Word document: <a href=\"results.docx\">results.docx</a>.</p>\n");
    s.push_str("<table class=\"toc\"><thead><tr><th>Table</th><th>Models</th><th>Files</th></tr></thead><tbody>\n");
    for (t, _) in sections {
        let title = esc(&plain(t.title.as_deref().unwrap_or(&t.table)));
        let n = esc(&t.table);
        s.push_str(&format!(
            "<tr><td><a href=\"#table-{n}\">{title}</a></td><td>{}</td><td><a href=\"{n}.tex\">.tex</a> <a href=\"{n}.typ\">.typ</a> <a href=\"{n}.docx\">.docx</a> <a href=\"{n}.md\">.md</a> <a href=\"{n}.json\">.json</a></td></tr>\n",
            t.models.len()
        ));
    }
    s.push_str("</tbody></table>\n");
    for (t, html) in sections {
        s.push_str(html);
        let n = esc(&t.table);
        s.push_str(&format!(
            "<p class=\"links\">Files: <a href=\"{n}.tex\">{n}.tex</a> · <a href=\"{n}.typ\">{n}.typ</a> · <a href=\"{n}.docx\">{n}.docx</a> · <a href=\"{n}.md\">{n}.md</a> · <a href=\"{n}.json\">{n}.json</a></p>\n"
        ));
        let prefix = format!("figures/{}_", t.table);
        for (title, rel, svg) in figures.iter().filter(|f| f.1.starts_with(&prefix)) {
            let pdf = rel.replace(".svg", ".pdf");
            let png = rel.replace(".svg", ".png");
            s.push_str(&format!(
                "<figure>\n{}\n<figcaption>{} (<a href=\"{}\">SVG</a>, <a href=\"{}\">PDF</a>, <a href=\"{}\">PNG</a>)</figcaption>\n</figure>\n",
                scalable_svg(svg),
                esc(title),
                esc(rel),
                esc(&pdf),
                esc(&png)
            ));
        }
    }
    s.push_str(
        r#"<script>
window.addEventListener("load", function () {
  var d = document.documentElement;
  d.setAttribute("data-overflow", String(d.scrollWidth > d.clientWidth));
});
</script>
</body>
</html>
"#,
    );
    s
}

/// An SVG as an inline element that scales with the page: its XML declaration dropped and a
/// `viewBox` added from its width and height.
fn scalable_svg(svg: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    let attr = |name: &str| -> Option<String> {
        let head = &body[..body.find('>')?];
        let start = head.find(&format!("{name}=\""))? + name.len() + 2;
        let end = head[start..].find('"')? + start;
        Some(head[start..end].to_string())
    };
    match (attr("width"), attr("height"), attr("viewBox")) {
        (Some(w), Some(h), None) => {
            body.replacen("<svg", &format!("<svg viewBox=\"0 0 {w} {h}\""), 1)
        }
        _ => body.to_string(),
    }
}
