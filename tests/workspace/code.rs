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
/// `overall`); fixest's calls as formulas (`fepois(...)`, `feglm(..., family = ...)`) are read
/// in `exec` too. The exceptions are two table-level features built on one estimator's
/// details: the PSM balance table and Romano-Wolf (the wild bootstrap's draws).
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

/// The runner's modules form layers without cycles: a module's `crate::x` references point
/// only down (the spec language and leaf helpers at the bottom, then the model, the frame and the
/// estimators, the plan and check, the outputs and records, `run` on top). A cycle, such as the
/// plan and the estimators naming each other, fails here with the cycle named.
#[test]
fn runner_modules_have_no_cycles() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = root().join("crates/regspec/src");
    let mut files = Vec::new();
    common::walk_files(&src, &mut files);
    // Module of a file: its first path component (`exec/ols.rs` -> exec, `spec/mod.rs` -> spec).
    let module_of = |p: &Path| -> String {
        let rel = p.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .to_string();
        first.trim_end_matches(".rs").to_string()
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
    {
        let m = module_of(f);
        if m == "main" || m == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        let deps = edges.entry(m.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != m && name.chars().next().unwrap().is_lowercase() {
                deps.insert(name);
            }
        }
    }
    assert!(edges.len() >= 20, "{} modules", edges.len());
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_string());
        for d in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(d, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(c) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!("a cycle among the runner's modules: {}", c.join(" -> "));
        }
    }
}
