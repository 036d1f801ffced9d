//! Where a table came from, for its footer and `regspec provenance`: the program version, short
//! hashes of the spec file and of the data, the workspace's git commit (with a `dirty` mark when
//! tracked files differ from it) and the date of the run. `SOURCE_DATE_EPOCH` (the
//! reproducible-builds convention) fixes the date, so a rerun can be byte-identical.

use report::record::Provenance;
use std::path::Path;

/// The provenance of a table written now from `spec_text`, whose models ran on `data_hashes`.
pub fn of_table(spec_text: &str, data_hashes: &[&str], root: &Path) -> Provenance {
    use sha2::{Digest, Sha256};
    let spec: String = Sha256::digest(spec_text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut data: Vec<String> = data_hashes
        .iter()
        .map(|h| h.chars().take(12).collect())
        .collect();
    data.sort();
    data.dedup();
    let (git_commit, git_dirty) = match git(root) {
        Some((c, d)) => (Some(c), d),
        None => (None, false),
    };
    Provenance {
        version: crate::VERSION.to_string(),
        spec_hash: spec,
        data_hash: data.join("+"),
        git_commit,
        git_dirty,
        date: today(),
    }
}

/// The workspace's commit and whether tracked files differ from it; None outside a repository
/// or without git.
fn git(root: &Path) -> Option<(String, bool)> {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "--short=12", "HEAD"])?;
    let dirty =
        run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some((commit, dirty))
}

/// Today's date (UTC) as YYYY-MM-DD, or that of `SOURCE_DATE_EPOCH`.
fn today() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `regspec provenance TABLE`: the full record of a table of the report set in `out`: its
/// provenance, the data it ran on, every model as its spec file plans it now (every field and
/// option), and the definitions of the variables the models name. Says so when the spec file
/// changed since the table was written.
pub fn describe(out: &Path, name: &str, root: &Path) -> Result<String, String> {
    use std::fmt::Write as _;
    crate::names::check("table", name)?;
    let tables = crate::output::current_tables(out)?;
    let t = tables.iter().find(|t| t.table == name).ok_or_else(|| {
        format!(
            "{}: no table `{name}` in this report set (run `regspec run` first)",
            out.display()
        )
    })?;
    let mut s = String::new();
    let _ = writeln!(s, "table: {}", t.table);
    let _ = writeln!(s, "title: {}", t.title.as_deref().unwrap_or(&t.table));
    let _ = writeln!(s, "spec file: {}", t.spec_file);
    match &t.provenance {
        Some(p) => {
            let _ = writeln!(s, "regspec version: {}", p.version);
            let _ = writeln!(s, "spec hash: {}", p.spec_hash);
            let _ = writeln!(s, "data key: {}", p.data_hash);
            let _ = writeln!(
                s,
                "git commit: {}",
                match &p.git_commit {
                    Some(c) if p.git_dirty => format!("{c} (dirty: tracked files differed)"),
                    Some(c) => c.clone(),
                    None => "none (the workspace is not a git repository)".into(),
                }
            );
            let _ = writeln!(s, "run date: {}", p.date);
        }
        None => {
            let _ = writeln!(
                s,
                "provenance: not recorded (written by regspec {})",
                t.program_version
            );
        }
    }
    let _ = writeln!(s, "data: {}", t.data_source);
    let spec_path = Path::new(&t.spec_file);
    let ls = crate::spec::load(spec_path).map_err(|d| d.to_string())?;
    if let Some(p) = &t.provenance {
        let now = of_table(&ls.text, &[], root).spec_hash;
        if now != p.spec_hash {
            let _ = writeln!(
                s,
                "warning: {} changed since the table was written (spec hash now {now}); the models below are as it plans them now",
                t.spec_file
            );
        }
    }
    let planned = crate::plan::plan_file(&ls).map_err(|ds| {
        ds.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let ws = crate::workspace::Workspace::load(root).map_err(|d| d.to_string())?;
    let defs: Vec<&(String, String)> = ws.variables.0.iter().chain(&ls.spec.variables.0).collect();
    let mut named: Vec<String> = Vec::new();
    let _ = writeln!(s, "models:");
    for m in planned.iter().filter(|m| m.table == t.table) {
        let mut v = serde_json::to_value(m).map_err(|e| e.to_string())?;
        if let Some(o) = v.as_object_mut() {
            o.remove("key");
        }
        let yaml = serde_yaml::to_string(&v).map_err(|e| e.to_string())?;
        let _ = writeln!(s, "  - {}", yaml.trim_end().replace('\n', "\n    "));
        let mut names: Vec<String> = std::iter::once(m.outcome.clone())
            .chain(m.treatment.clone())
            .chain(m.regressors.iter().cloned())
            .chain(m.controls.iter().cloned())
            .chain(m.weights.clone())
            .chain(
                m.options
                    .values()
                    .filter_map(|v| v.as_str().map(str::to_string)),
            )
            .collect();
        if let Some(f) = &m.sample {
            names.extend(
                f.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            );
        }
        for n in names {
            if !named.contains(&n) {
                named.push(n);
            }
        }
    }
    let _ = writeln!(s, "variables:");
    for n in &named {
        if let Some((_, expr)) = defs.iter().find(|(d, _)| d == n) {
            let _ = writeln!(s, "  {n}: {expr}");
        }
    }
    let undefined: Vec<&String> = named
        .iter()
        .filter(|n| {
            !defs.iter().any(|(d, _)| d == *n)
                && n.chars().next().is_some_and(|c| c.is_alphabetic())
                && t.models.iter().any(|m| {
                    &m.outcome == *n || m.treatment.as_ref() == Some(*n) || m.controls.contains(n)
                })
        })
        .collect();
    if !undefined.is_empty() {
        let _ = writeln!(
            s,
            "  # columns of the data itself (see its source above): {}",
            undefined
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn dates_from_day_counts() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_423), (2025, 12, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
