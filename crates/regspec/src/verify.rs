//! `regspec verify`: does a report set (a replication package's committed tables) still follow
//! from the specs and the data? Every model is estimated again from scratch into a scratch set
//! (a cache of its own, so nothing cached in the set is trusted), the tables are written again
//! with the run date and git commit of the set's own records (what a rerun cannot reproduce,
//! only copy), and every file of the set is compared byte for byte with its new version. The
//! set itself is never written.
//!
//! A file listed in the set's manifest but absent on disk (a format not committed, say the
//! figures' PNGs) is not compared, and counted; a file that differs is named with its first
//! differing line; a table the specs no longer make, or make anew, is a difference too.

use crate::reportset::MANIFEST;
use crate::run::RunOptions;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// What `verify` found: the report and whether every committed file is identical.
pub struct Verdict {
    /// Lines for the terminal.
    pub report: String,
    /// Every compared file identical, none missing or new.
    pub identical: bool,
}

/// Verifies the report set `o.out` by estimating `o`'s plan again into a scratch set.
pub fn verify(o: &RunOptions) -> Result<Verdict, String> {
    let committed = &o.out;
    let listed = crate::reportset::current(committed);
    if listed.is_empty() {
        return Err(format!(
            "{}: not a report set (no {MANIFEST}); `regspec run --out {}` writes one",
            committed.display(),
            committed.display()
        ));
    }
    let records = crate::output::current_tables(committed)?;
    let scratch = Scratch::new()?;
    // The whole plan, quietly, into the scratch set.
    let again = RunOptions {
        only: Vec::new(),
        out: scratch.0.clone(),
        quiet: true,
        verbose: false,
        shard: None,
        ..o.clone()
    };
    let summary = crate::run::run(&again)?;
    // The run date and commit are the set's own: a rerun copies them rather than asking
    // whether today is the day the set was written.
    let mut tables = crate::output::current_tables(&scratch.0)?;
    for t in &mut tables {
        let old = records
            .iter()
            .find(|r| r.table == t.table)
            .and_then(|r| r.provenance.as_ref());
        if let (Some(new), Some(old)) = (t.provenance.as_mut(), old) {
            new.date = old.date.clone();
            new.git_commit = old.git_commit.clone();
            new.git_dirty = old.git_dirty;
        }
    }
    {
        let _lock = crate::reportset::lock(&scratch.0)?;
        crate::output::write_outputs(&scratch.0, &tables, &crate::run::templates(&o.templates))?;
    }
    let fresh: BTreeSet<String> = crate::reportset::current(&scratch.0).into_iter().collect();
    let listed: BTreeSet<String> = listed.into_iter().collect();
    let mut differences: Vec<String> = Vec::new();
    let mut compared = 0usize;
    let mut absent = 0usize;
    for rel in &listed {
        let mine = crate::names::under(committed, rel)?;
        if !mine.exists() {
            absent += 1;
            continue;
        }
        if !fresh.contains(rel) {
            differences.push(format!(
                "{}: the specs no longer produce it",
                mine.display()
            ));
            continue;
        }
        let now = std::fs::read(scratch.0.join(rel)).map_err(|e| format!("{rel}: {e}"))?;
        let then = std::fs::read(&mine).map_err(|e| format!("{}: {e}", mine.display()))?;
        compared += 1;
        if now != then {
            differences.push(format!(
                "{}: {}",
                mine.display(),
                first_difference(&then, &now)
            ));
        }
    }
    for rel in fresh.difference(&listed) {
        differences.push(format!(
            "{}: produced now, not in the set",
            committed.join(rel).display()
        ));
    }
    let mut report = String::new();
    let models = summary.estimated + summary.cached;
    if differences.is_empty() {
        report.push_str(&format!(
            "verified: {compared} files of {} tables identical to a fresh estimation of {models} models\n",
            records.len()
        ));
    } else {
        for d in &differences {
            report.push_str(&format!("differs: {d}\n"));
        }
        report.push_str(&format!(
            "{} of {compared} files compared differ from a fresh estimation of {models} models\n",
            differences.len()
        ));
    }
    if absent > 0 {
        report.push_str(&format!(
            "{absent} files of the set's manifest are not in {} and were not compared\n",
            committed.display()
        ));
    }
    Ok(Verdict {
        report,
        identical: differences.is_empty(),
    })
}

/// The first line where two texts differ (with both versions), or the sizes of binary files.
fn first_difference(then: &[u8], now: &[u8]) -> String {
    match (std::str::from_utf8(then), std::str::from_utf8(now)) {
        (Ok(a), Ok(b)) => {
            let short = |s: &str| -> String {
                let s = s.trim();
                if s.chars().count() > 100 {
                    format!("{}...", s.chars().take(100).collect::<String>())
                } else {
                    s.to_string()
                }
            };
            let mut la = a.lines();
            let mut lb = b.lines();
            let mut n = 0;
            loop {
                n += 1;
                match (la.next(), lb.next()) {
                    (Some(x), Some(y)) if x == y => continue,
                    (x, y) => {
                        return format!(
                            "line {n}: the set has `{}`, a fresh estimation gives `{}`",
                            x.map_or("(end of file)".into(), short),
                            y.map_or("(end of file)".into(), short)
                        )
                    }
                }
            }
        }
        _ => format!(
            "the file differs ({} bytes in the set, {} from a fresh estimation)",
            then.len(),
            now.len()
        ),
    }
}

/// A scratch report set (`set/` in a directory of its own, which also holds what a set keeps
/// beside itself: its lock, its staging), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("regspec-verify-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir.join("set")))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn names_the_first_differing_line() {
        let d = first_difference(b"a\nb 0.402\nc\n", b"a\nb 0.412\nc\n");
        assert_eq!(
            d,
            "line 2: the set has `b 0.402`, a fresh estimation gives `b 0.412`"
        );
        let d = first_difference(b"a\n", b"a\nb\n");
        assert!(d.starts_with("line 2: the set has `(end of file)`"), "{d}");
        let d = first_difference(&[0xff, 0], &[0xff]);
        assert!(d.contains("2 bytes in the set, 1 from"), "{d}");
    }
}
