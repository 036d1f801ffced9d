//! Names that become file names (tables, models, templates) are identifiers, checked before
//! anything runs: letters, digits, `_`, `-` and `.`, not starting with a dot, at most 100
//! characters. No separator, no `..`: a spec from a collaborator cannot write outside `--out`.
//! [`under`] proves it again for every path written.

use std::path::{Component, Path, PathBuf};

/// The longest name accepted.
pub const MAX_LEN: usize = 100;

/// Checks one name; `kind` says what it names ("table", "model", "template").
pub fn check(kind: &str, name: &str) -> Result<(), String> {
    let rule = "letters, digits, `_`, `-` and `.`, not starting with a dot, at most 100 characters";
    if name.is_empty() {
        return Err(format!("the {kind} name is empty ({rule})"));
    }
    if name.chars().count() > MAX_LEN {
        return Err(format!("the {kind} name `{name}` is too long ({rule})"));
    }
    if name.starts_with('.') {
        return Err(format!(
            "the {kind} name `{name}` starts with a dot ({rule})"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "the {kind} name `{name}` contains `{}` ({rule})",
            c.escape_default()
        ));
    }
    Ok(())
}

/// `base` joined with a relative path made of checked names, refused if any part could leave
/// `base` (an absolute path, `..`, a root or a drive prefix).
pub fn under(base: &Path, rel: &str) -> Result<PathBuf, String> {
    let r = Path::new(rel);
    if r.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(format!(
            "refusing to write `{rel}`: not a plain path under {}",
            base.display()
        ));
    }
    Ok(base.join(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers() {
        for ok in ["baseline", "rob_drop-2013.v2", "A1", "_x"] {
            assert!(check("table", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "/abs/path",
            "a/b",
            ".hidden",
            "a b",
            "a\\b",
            "x\0",
        ] {
            assert!(check("table", bad).is_err(), "{bad:?}");
        }
        assert!(check("model", &"x".repeat(101)).is_err());
    }

    #[test]
    fn paths_stay_under_the_output() {
        let out = Path::new("reports");
        assert_eq!(
            under(out, "figures/a_b.svg").unwrap(),
            Path::new("reports/figures/a_b.svg")
        );
        for bad in ["../x.json", "/etc/x", "figures/../../x", "./x"] {
            assert!(under(out, bad).is_err(), "{bad}");
        }
    }
}
