//! Helpers shared by the end-to-end tests: a scratch copy of the demo workspace and a way to
//! run the `regspec` binary in it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A scratch workspace: a copy of regspec.yaml, specs/ and the demo panel.
pub fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regspec-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for f in std::fs::read_dir(root().join("specs")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&p, dir.join("specs").join(p.file_name().unwrap())).unwrap();
        }
    }
    for f in ["demo_panel.csv", "demo_panel.csv.meta.json"] {
        std::fs::copy(root().join("data").join(f), dir.join("data").join(f)).unwrap();
    }
    std::fs::copy(root().join("regspec.yaml"), dir.join("regspec.yaml")).unwrap();
    dir
}

/// Runs `regspec ARGS` in `dir`: (success, stdout, stderr).
pub fn regspec(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regspec"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Whether pdflatex is installed; fails when `REGSPEC_REQUIRE_LATEX` is set and it is not.
pub fn have_pdflatex() -> bool {
    let have = Command::new("pdflatex").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("REGSPEC_REQUIRE_LATEX").is_none(),
            "REGSPEC_REQUIRE_LATEX is set but pdflatex is missing"
        );
        eprintln!("SKIPPED: no pdflatex (the LaTeX tables were not compiled; CI requires it)");
    }
    have
}

/// The preamble the tables document (crates/report/templates/table.tex.j2).
pub const PREAMBLE: &str = "\\documentclass{article}\n\\usepackage{booktabs,dcolumn,graphicx}\n";

/// Compiles every .tex table of `reports` in a minimal article under `scratch` and reads the
/// LaTeX log: any error, any "Overfull \\hbox" wider than 1 pt and any "Float too large" fails.
pub fn compile_tables(reports: &Path, scratch: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(reports).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "tex") {
            continue;
        }
        let body = std::fs::read_to_string(&p).unwrap();
        let doc = format!("{PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n");
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        std::fs::write(scratch.join(format!("{name}.tex")), doc).unwrap();
        let out = Command::new("pdflatex")
            .args([
                "-interaction=nonstopmode",
                "-halt-on-error",
                &format!("{name}.tex"),
            ])
            .current_dir(scratch)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}.tex does not compile:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let log = std::fs::read_to_string(scratch.join(format!("{name}.log"))).unwrap();
        let problems = latex_log_problems(&log);
        assert!(problems.is_empty(), "{name}.tex: {}", problems.join("\n"));
        n += 1;
    }
    assert!(n > 0, "no .tex table in {}", reports.display());
}

/// What a LaTeX log says is wrong with the layout: overfull boxes wider than 1 pt and floats
/// too large for the page.
pub fn latex_log_problems(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("Overfull \\hbox (") {
            let pt: f64 = rest
                .split("pt")
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::INFINITY);
            if pt > 1.0 {
                out.push(line.to_string());
            }
        }
        if line.contains("Float too large") || line.starts_with('!') {
            out.push(line.to_string());
        }
    }
    out
}

/// The study workspace's data source: the demo panel, or the raw files when given.
pub fn study_source(raw: Option<PathBuf>) -> regspec::run::DataSource {
    regspec::run::DataSource {
        root: root(),
        raw_data: raw,
        sources: Some(root().join("data/sources.yaml")),
        data: None,
        demo_panel: None,
    }
}
