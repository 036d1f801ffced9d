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
            let (shown, c) = clip(s, self.column.unwrap_or(1));
            writeln!(f, "{:>width$} | {shown}", l)?;
            if self.column.is_some() {
                writeln!(f, "{:>width$} | {}^", "", " ".repeat(c.saturating_sub(1)))?;
            }
        }
        Ok(())
    }
}

/// The longest source line a snippet shows whole; a longer one (a generated expression of
/// thousands of terms) is shown as a window around the column, its cut ends marked `...`.
const SNIPPET_CHARS: usize = 200;

/// The part of `line` a snippet shows and the column within it.
fn clip(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= SNIPPET_CHARS {
        return (line.to_string(), column);
    }
    let c = column.clamp(1, chars.len()) - 1;
    let start = c.saturating_sub(SNIPPET_CHARS / 2);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut col = c - start + 1;
    if start > 0 {
        shown.insert_str(0, "...");
        col += 3;
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    (shown, col)
}

pub use ingest::suggest;

#[cfg(test)]
mod tests {
    #[test]
    fn long_lines_are_shown_around_the_column() {
        let line = "x".repeat(500) + "^here" + &"y".repeat(500);
        let (shown, col) = super::clip(&line, 501);
        assert!(
            shown.starts_with("...") && shown.ends_with("..."),
            "{shown}"
        );
        assert_eq!(shown.chars().nth(col - 1), Some('^'));
        assert!(shown.chars().count() <= super::SNIPPET_CHARS + 6);
        assert_eq!(super::clip("short", 3), ("short".to_string(), 3));
    }

    #[test]
    fn suggests_close_words() {
        assert_eq!(
            super::suggest("outcom", ["outcome", "label"]),
            Some("outcome")
        );
        assert_eq!(super::suggest("zzz", ["outcome"]), None);
    }
}
