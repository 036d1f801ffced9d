//! The catalogue of bad inputs and faults (`tests/fixtures/catalogue/*.yaml`, plus every spec of
//! `tests/fixtures/broken/` run for real): each case starts from a workspace whose report set was
//! already written, applies its edits, runs `regspec`, and must
//! - exit non-zero (or zero with a warning, where the case says so),
//! - never panic,
//! - say what is wrong in the user's terms (its message pinned by an insta snapshot, with file,
//!   line and column, or spec, model and column),
//! - leave the previous report set byte-identical (every file checksummed; the cache may only
//!   gain entries).
//!
//! A case file: `about` (what it shows), `args`, then optional `write` (path -> content),
//! `edit` (operations on files, below) and `expect: fail | ok`. Edits: `from_fixture: path`
//! (a file of `tests/fixtures` copied as is, bytes and all: nothing else applies),
//! `copy_from: path` (first),
//! `duplicate_line: N`,
//! `set_cell: {line, column, value}`, `clear_column: name`, `keep_lines: N`,
//! `truncate_line: {line, keep_fields}` (the file ends mid-row), `replace: [from, to]`,
//! `repeat: [marker, text, times]`. Optional `env` (variables of the command) and `absent`
//! (paths that must not exist afterwards).

mod common;

use common::{copy_dir, regspec, root, workspace};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    args: Vec<String>,
    #[serde(default)]
    write: BTreeMap<String, String>,
    #[serde(default)]
    edit: Vec<Edit>,
    #[serde(default = "fail")]
    expect: String,
    /// Environment variables of the command (`PATH: /nonexistent`).
    #[serde(default)]
    env: BTreeMap<String, String>,
    /// Paths (relative to the workspace) that must not exist afterwards: nothing was written.
    #[serde(default)]
    absent: Vec<String>,
}

fn fail() -> String {
    "fail".into()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    file: String,
    #[serde(default)]
    from_fixture: Option<String>,
    #[serde(default)]
    copy_from: Option<String>,
    #[serde(default)]
    duplicate_line: Option<usize>,
    #[serde(default)]
    set_cell: Option<SetCell>,
    #[serde(default)]
    clear_column: Option<String>,
    #[serde(default)]
    keep_lines: Option<usize>,
    #[serde(default)]
    truncate_line: Option<Truncate>,
    #[serde(default)]
    replace: Option<(String, String)>,
    /// `[marker, text, times]`: the marker replaced by the text repeated (generated inputs too
    /// large to write out: 10,000 parentheses, a sum of 100,000 terms).
    #[serde(default)]
    repeat: Option<(String, String, usize)>,
}

#[derive(serde::Deserialize)]
struct SetCell {
    line: usize,
    column: String,
    value: String,
}

#[derive(serde::Deserialize)]
struct Truncate {
    line: usize,
    keep_fields: usize,
}

fn apply(dir: &Path, e: &Edit) {
    let path = dir.join(&e.file);
    if let Some(from) = &e.from_fixture {
        std::fs::copy(root().join("tests/fixtures").join(from), &path).unwrap();
        return;
    }
    if let Some(from) = &e.copy_from {
        std::fs::copy(dir.join(from), &path).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let col_of = |name: &str, header: &str| {
        header
            .split(',')
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    if let Some(n) = e.duplicate_line {
        let l = lines[n - 1].clone();
        lines.insert(n, l);
    }
    if let Some(c) = &e.set_cell {
        let j = col_of(&c.column, &lines[0]);
        let mut f: Vec<String> = lines[c.line - 1].split(',').map(String::from).collect();
        f[j] = c.value.clone();
        lines[c.line - 1] = f.join(",");
    }
    if let Some(name) = &e.clear_column {
        let j = col_of(name, &lines[0]);
        for l in lines.iter_mut().skip(1) {
            let mut f: Vec<String> = l.split(',').map(String::from).collect();
            f[j] = String::new();
            *l = f.join(",");
        }
    }
    if let Some(n) = e.keep_lines {
        lines.truncate(n);
    }
    let mut out = lines.join("\n") + "\n";
    if let Some(t) = &e.truncate_line {
        lines.truncate(t.line);
        let last: Vec<&str> = lines[t.line - 1].split(',').take(t.keep_fields).collect();
        let cut = last.join(",");
        lines[t.line - 1] = cut;
        out = lines.join("\n");
    }
    if let Some((from, to)) = &e.replace {
        assert!(out.contains(from.as_str()), "{}: no `{from}`", e.file);
        out = out.replacen(from.as_str(), to, 1);
    }
    if let Some((marker, text, times)) = &e.repeat {
        assert!(out.contains(marker.as_str()), "{}: no `{marker}`", e.file);
        out = out.replacen(marker.as_str(), &text.repeat(*times), 1);
    }
    std::fs::write(&path, out).unwrap();
}

/// Every file of the report set, with the SHA-256 of its bytes (the cache included).
fn checksums(out: &Path) -> BTreeMap<String, String> {
    use sha2::Digest;
    fn walk(base: &Path, dir: &Path, acc: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                walk(base, &p, acc);
            } else {
                let d = sha2::Sha256::digest(std::fs::read(&p).unwrap());
                acc.insert(rel, d.iter().map(|b| format!("{b:02x}")).collect());
            }
        }
    }
    let mut acc = BTreeMap::new();
    walk(out, out, &mut acc);
    acc
}

/// The message as a reader sees it, with this run's scratch path removed.
fn normalise(text: &str, dir: &Path) -> String {
    text.replace(&dir.display().to_string(), "<workspace>")
}

fn base(name: &str) -> PathBuf {
    let dir = workspace(&format!("catalogue-base-{name}"));
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    dir
}

fn run_case(base: &Path, name: &str, args: &[String], prepare: impl Fn(&Path)) -> (bool, String) {
    run_case_env(base, name, args, &BTreeMap::new(), &[], prepare)
}

fn run_case_env(
    base: &Path,
    name: &str,
    args: &[String],
    env: &BTreeMap<String, String>,
    absent: &[String],
    prepare: impl Fn(&Path),
) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("regspec-cat-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(base, &dir);
    prepare(&dir);
    // The set as the command finds it (a case may hand-edit a report, for `verify`).
    let before = checksums(&dir.join("reports"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out, err) = common::regspec_env(&dir, &args, env);
    let text = normalise(&format!("{out}{err}"), &dir);
    for p in absent {
        assert!(!dir.join(p).exists(), "{name}: {p} was written");
    }
    assert!(!text.contains("panicked"), "{name}: panicked\n{text}");
    // The set is byte-identical. The cache may gain entries (results of models that did
    // estimate, the description of data that was read: content-addressed, never wrong), but no
    // entry changes or disappears.
    let after = checksums(&dir.join("reports"));
    let changed: Vec<&String> = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, _)| k)
        .chain(
            after
                .keys()
                .filter(|k| !k.starts_with(".cache/") && !before.contains_key(*k)),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "{name}: the previous report set changed: {changed:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    (ok, text)
}

#[test]
fn catalogue_of_bad_inputs() {
    let base = base("catalogue");
    let dir = root().join("tests/fixtures/catalogue");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} cases", files.len());
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let case: Case = serde_yaml::from_str(&std::fs::read_to_string(f).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (ok, text) = run_case_env(&base, &name, &case.args, &case.env, &case.absent, |dir| {
            for (p, content) in &case.write {
                let path = dir.join(p);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, content).unwrap();
            }
            for e in &case.edit {
                apply(dir, e);
            }
        });
        assert_eq!(
            ok,
            case.expect == "ok",
            "{name} ({}): exit status\n{text}",
            case.about
        );
        insta::assert_snapshot!(format!("catalogue_{name}"), text, &case.about);
    }
}

/// Every broken spec of `tests/fixtures/broken/` (whose `check` messages `tests/cli.rs` pins)
/// also fails `regspec run` without a panic and leaves the previous set byte-identical.
#[test]
fn broken_specs_fail_run_and_keep_the_set() {
    let base = base("broken");
    let broken = root().join("tests/fixtures/broken");
    let mut n = 0;
    for e in std::fs::read_dir(&broken).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        let args = vec!["run".to_string(), p.display().to_string()];
        let (ok, text) = run_case(&base, &format!("broken-{name}"), &args, |_| {});
        assert!(!ok, "{name}: run must fail\n{text}");
        n += 1;
    }
    assert!(n >= 40, "{n} broken specs");
}

/// A full disk and a read-only file system, on a small tmpfs mounted for the test (this needs
/// the right to mount, as root in a container usually has; where `mount` is refused the test
/// says so and checks nothing else). Filled up to a few kilobytes, a run that must rewrite the
/// set fails with the disk's own error and the previous set stays byte-identical with no stray
/// staging directory; remounted read-only, the run is refused before estimating.
#[test]
fn full_disk_and_read_only_out_keep_the_set() {
    use std::process::Command;
    let dir = workspace("catalogue-disk");
    let mnt = dir.join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("full_disk_and_read_only_out_keep_the_set: cannot mount a tmpfs here; not run");
        return;
    }
    let umount = |mnt: &Path| {
        let _ = Command::new("umount").arg(mnt).status();
    };
    let result = std::panic::catch_unwind(|| {
        let out = "mnt/reports";
        let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--out", out]);
        assert!(ok, "{err}");
        let before = checksums(&mnt.join("reports"));
        // Fill the file system to within 4 KB.
        let filler = mnt.join("filler");
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 4096];
        use std::io::Write;
        while f.write_all(&block).is_ok() {}
        drop(f);
        let len = std::fs::metadata(&filler).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .unwrap()
            .set_len(len.saturating_sub(4096))
            .unwrap();
        // A changed title: every table is rendered again and the set must be rewritten.
        let spec = dir.join("specs/baseline.yaml");
        let text = std::fs::read_to_string(&spec).unwrap();
        std::fs::write(
            &spec,
            text.replacen("title:", "title: \"Changed\"\n# was:", 1),
        )
        .unwrap();
        let (ok, stdout, err) = regspec(&dir, &["run", "--quiet", "--out", out]);
        assert!(!ok, "a full disk must fail the run\n{stdout}{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("No space left on device"),
            "the disk's own error is shown: {err}"
        );
        assert_eq!(checksums(&mnt.join("reports")), before, "the set changed");
        let stray: Vec<String> = std::fs::read_dir(&mnt)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n != "reports" && n != "filler" && !n.starts_with(".reports.lock"))
            .collect();
        assert!(stray.is_empty(), "staging left behind: {stray:?}");
        // A first run into a fresh directory on the full disk: its cache writes fail too, and
        // none leaves a temporary file behind.
        let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--out", "mnt/fresh"]);
        assert!(!ok && !err.contains("panicked"), "{err}");
        let mut files = Vec::new();
        common::walk_files(&mnt, &mut files);
        let tmp: Vec<String> = files
            .iter()
            .map(|p| p.display().to_string())
            .filter(|p| p.ends_with(".tmp"))
            .collect();
        assert!(tmp.is_empty(), "temporaries left behind: {tmp:?}");
        let _ = std::fs::remove_dir_all(mnt.join("fresh"));
        // Read-only: refused before estimating, the set untouched.
        std::fs::remove_file(&filler).unwrap();
        let ro = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&mnt)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ro, "remount read-only");
        let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--out", out]);
        assert!(!ok, "a read-only --out must fail the run");
        assert!(
            err.contains("Read-only file system") && err.contains("nothing was estimated"),
            "{err}"
        );
        assert_eq!(checksums(&mnt.join("reports")), before, "the set changed");
    });
    umount(&mnt);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
