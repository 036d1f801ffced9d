//! Diagnostics: a problem in a spec file, with file, line, column, model and a snippet of the
//! YAML, so `regspec check` can list every problem at once.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
/// A problem in a spec or workspace file, located for the reader: file, line, column, model.
pub struct Diagnostic {
    /// The file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The model concerned, when one is.
    pub model: Option<String>,
    /// What is wrong and, where possible, how to fix it.
    pub message: String,
    /// The offending source line, when known.
    pub snippet: Option<String>,
    /// A warning is printed but stops nothing (a filter that drops no row, say).
    pub warning: bool,
}

impl Diagnostic {
    /// A problem with `file`, not yet located.
    pub fn new(file: &std::path::Path, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: None,
            column: None,
            model: None,
            message: message.into(),
            snippet: None,
            warning: false,
        }
    }

    /// Marks the diagnostic as a warning.
    pub fn warn(mut self) -> Self {
        self.warning = true;
        self
    }

    /// Attaches a position and the source line it points into.
    pub fn at(mut self, text: &str, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self.snippet = text.lines().nth(line.saturating_sub(1)).map(str::to_string);
        self
    }

    /// The problem concerns model `name`.
    pub fn model(mut self, name: &str) -> Self {
        self.model = Some(name.to_string());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A problem with no file of its own (the message names the data file) prints bare.
        if self.file.as_os_str().is_empty() {
            return writeln!(f, "{}", self.message);
        }
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if let Some(m) = &self.model {
            write!(f, ": model `{m}`")?;
        }
        let kind = if self.warning { "warning: " } else { "" };
        writeln!(f, ": {kind}{}", self.message)?;
        if let (Some(s), Some(l)) = (&self.snippet, self.line) {
            let width = l.to_string().len();
            writeln!(f, "{:>width$} | {s}", l)?;
            if let Some(c) = self.column {
                writeln!(f, "{:>width$} | {}^", "", " ".repeat(c.saturating_sub(1)))?;
            }
        }
        Ok(())
    }
}

pub use ingest::suggest;

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_close_words() {
        assert_eq!(
            super::suggest("outcom", ["outcome", "label"]),
            Some("outcome")
        );
        assert_eq!(super::suggest("zzz", ["outcome"]), None);
    }
}
