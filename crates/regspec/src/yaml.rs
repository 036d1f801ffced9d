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

/// Parses `text` into `T` after removing every mapping key that `known` does not list for its
/// place, so that one misspelt key does not hide the file's other problems. `known` receives the
/// path of a mapping (`[]` for the top, `["models", "[]"]` for a model, `["fragments", "*"]` for
/// a fragment) and returns its keys, or `None` where any key goes. Returns the value and the
/// removed keys (name, path).
pub fn from_str_lenient<T: DeserializeOwned>(
    text: &str,
    known: &dyn Fn(&[&str]) -> Option<&'static [&'static str]>,
) -> Result<(T, Vec<(String, String)>), YamlError> {
    fn strip(
        v: &mut serde_yaml::Value,
        path: &mut Vec<&'static str>,
        known: &dyn Fn(&[&str]) -> Option<&'static [&'static str]>,
        removed: &mut Vec<(String, String)>,
    ) {
        match v {
            serde_yaml::Value::Mapping(m) => {
                if let Some(keys) = known(path) {
                    let bad: Vec<serde_yaml::Value> = m
                        .keys()
                        .filter(|k| !k.as_str().is_some_and(|k| keys.contains(&k)))
                        .cloned()
                        .collect();
                    for k in bad {
                        let name = k.as_str().map_or_else(|| format!("{k:?}"), str::to_string);
                        removed.push((name, path.join(".")));
                        m.remove(&k);
                    }
                }
                for (k, child) in m.iter_mut() {
                    // Only the places `known` describes are walked (their names are static).
                    let step: &'static str = match k.as_str() {
                        Some("models") => "models",
                        Some("defaults") => "defaults",
                        Some("fragments") => "fragments",
                        Some("grid") => "grid",
                        Some("model") => "model",
                        _ if path.last() == Some(&"fragments") => "*",
                        _ => continue,
                    };
                    path.push(step);
                    strip(child, path, known, removed);
                    path.pop();
                }
            }
            serde_yaml::Value::Sequence(s) => {
                for item in s {
                    path.push("[]");
                    strip(item, path, known, removed);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut value: serde_yaml::Value = from_str(text)?;
    let mut removed = Vec::new();
    strip(&mut value, &mut Vec::new(), known, &mut removed);
    let t = serde_yaml::from_value(value).map_err(|e| YamlError {
        line: None,
        column: None,
        message: e.to_string(),
    })?;
    Ok((t, removed))
}
