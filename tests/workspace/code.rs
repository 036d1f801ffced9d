//! The code's own rules, checked on its source: small files, and estimators named only in
//! their own modules.

use super::*;

/// The code stays in small modules: a source file under `crates/` or `tests/` over 600 lines
/// says at its top why it is one file (the words "600 lines" in its module documentation).
#[test]
fn long_source_files_say_why() {
    fn walk(dir: &Path, acc: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, acc);
            } else if p.extension().is_some_and(|e| e == "rs") {
                acc.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("crates"), &mut files);
    walk(&root().join("tests"), &mut files);
    assert!(files.len() > 50, "{} source files", files.len());
    let unexplained: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let lines = text.lines().count();
            let doc: String = text
                .lines()
                .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
                .collect();
            (lines > 600 && !doc.contains("600 lines"))
                .then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "too long, no reason given: {unexplained:?}"
    );
}

/// Estimators are open: outside `crates/regspec/src/exec/` nothing names an estimator other
/// than OLS (the default) or one of its result types, so a new estimator's details, figures and
/// key estimate travel through the shared mechanism (`Extras::detail`, `FigureSpec`,
/// `overall`). The exceptions are the formula shorthands `fepois(...)`/`feols(...)` in the plan
/// and two table-level features built on one estimator's details: the PSM balance table and
/// Romano-Wolf (the wild bootstrap's draws).
#[test]
fn only_exec_names_an_estimator() {
    let names = regspec::exec::names();
    assert!(names.len() >= 9, "{names:?}");
    let types = [
        "Bacon",
        "Placebo",
        "PlaceboMode",
        "CallawaySantAnna",
        "Imputation",
        "Psm",
        "WildBootstrap",
    ];
    let allowed = [
        ("crates/regspec/src/plan.rs", "\"ppml\""),
        ("crates/report/src/view/balance.rs", "estimators::Psm"),
        ("crates/report/src/curve.rs", "estimators::WildBootstrap"),
    ];
    let mut files = Vec::new();
    common::walk_files(&root().join("crates/report/src"), &mut files);
    for e in std::fs::read_dir(root().join("crates/regspec/src")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        }
    }
    assert!(files.len() > 20, "{} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(f).unwrap();
        let needles = names
            .iter()
            .filter(|n| **n != "ols")
            .map(|n| format!("\"{n}\""))
            .chain(types.iter().map(|t| format!("estimators::{t}")));
        for needle in needles {
            let ok = allowed.iter().any(|(file, n)| rel == *file && needle == *n);
            if text.contains(&needle) && !ok {
                found.push(format!("{rel}: {needle}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "estimators named outside exec/: {found:?}"
    );
}

/// The flagship study's own code (raw files, its measures, the demo panel) is one module,
/// `measures::study`; no generic code uses it. Only the runner's entry points reach it: the
/// raw-data build (`data.rs`) and the `panel` and `simulate` commands (`main.rs`).
#[test]
fn study_code_stays_in_its_module() {
    let mut files = Vec::new();
    common::walk_files(&root().join("crates"), &mut files);
    let allowed = [
        "crates/measures/src/lib.rs",
        "crates/regspec/src/data.rs",
        "crates/regspec/src/main.rs",
    ];
    let uses_study = |text: &str| {
        text.match_indices("study::").any(|(i, _)| {
            !text[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        }) || text.contains("STUDY_KEYS")
    };
    let mut found = Vec::new();
    let mut n = 0;
    for f in &files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        if !rel.ends_with(".rs")
            || !rel.contains("/src/")
            || rel.starts_with("crates/measures/src/study/")
            || allowed.contains(&rel.as_str())
        {
            continue;
        }
        n += 1;
        if uses_study(&std::fs::read_to_string(f).unwrap()) {
            found.push(rel);
        }
    }
    assert!(n > 50, "{n} files");
    assert!(found.is_empty(), "generic code uses the study: {found:?}");
}
