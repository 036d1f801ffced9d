//! The one place that touches the YAML library (serde_yaml is deprecated upstream; today the
//! maintained `yaml_serde` fork is used under that name). Swap it here and nowhere else.

use serde::de::DeserializeOwned;

#[derive(Debug, Clone)]
/// A YAML error with its position.
pub struct YamlError {
    /// 1-based line and column, when the parser knows them.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The parser's message.
    pub message: String,
}

/// Parses YAML text into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        let mut message = e.to_string();
        // The library appends " at line L column C"; we report the position separately.
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        YamlError {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message,
        }
    })
}
