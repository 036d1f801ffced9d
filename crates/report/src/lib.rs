//! `report`: paper-ready tables (LaTeX with booktabs, Markdown) and figures (SVG) from a run's
//! [`TableRecord`]s. Layout lives in minijinja templates (defaults shipped in
//! `crates/report/templates/`, overridable from a workspace's `templates/` directory or per
//! table); Rust only builds the view model (`view.rs`) and draws figures (`figure.rs`). Its input
//! contract is `record.rs`: what a run writes per model and per table.

#![warn(missing_docs)]

pub mod curve;
pub mod figure;
mod format;
pub mod record;
pub mod style;
pub mod view;

use minijinja::{Environment, UndefinedBehavior};
pub use record::{
    EventPoint, EventStudy, HonestRecord, ModelRecord, StatRow, StatValue, TableRecord,
};
use std::path::{Path, PathBuf};

pub use format::plain;
pub use style::Style;

const DEFAULT_TEX: &str = include_str!("../templates/table.tex.j2");
const DEFAULT_MD: &str = include_str!("../templates/table.md.j2");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// An output format of tables.
pub enum Format {
    /// LaTeX (booktabs).
    Latex,
    /// Markdown (pipe tables).
    Markdown,
}

impl Format {
    /// The file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Latex => "tex",
            Format::Markdown => "md",
        }
    }
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
        if let Some(t) = &table.template {
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
    let view = view::build(table, &style);
    let (name, src) = templates.source(table, fmt)?;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template_owned(name.clone(), src)
        .map_err(|e| template_error(&name, &e))?;
    let tmpl = env
        .get_template(&name)
        .map_err(|e| template_error(&name, &e))?;
    let mut out = tmpl
        .render(
            minijinja::context! { table => minijinja::Value::from(minijinja::value::Serde(&view)) },
        )
        .map_err(|e| template_error(&name, &e))?;
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
    s.push_str("| table | models | Markdown | LaTeX | JSON |\n|---|---:|---|---|---|\n");
    for t in tables {
        let title = t.title.clone().unwrap_or_else(|| t.table.clone());
        s.push_str(&format!(
            "| {title} | {} | [{n}.md]({n}.md) | [{n}.tex]({n}.tex) | [{n}.json]({n}.json) |\n",
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
