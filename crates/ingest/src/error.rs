//! One error type for everything that reads a file, so every message names the file, the line
//! and the column the researcher has to open and fix.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
/// A problem with a raw file, located as precisely as possible.
pub struct IngestError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line in the file, when the problem is tied to one.
    pub line: Option<u64>,
    /// The column, when the problem is tied to one.
    pub column: Option<String>,
    /// What is wrong, in the user's terms.
    pub message: String,
}

impl IngestError {
    /// A problem with a whole file.
    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        IngestError {
            file: file.to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// A problem at a line (and column) of a file.
    pub fn at(file: &Path, line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        IngestError {
            file: file.to_path_buf(),
            line: Some(line),
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ": column `{col}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for IngestError {}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, IngestError>;
