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
        eprintln!("skipped: pdflatex not installed");
    }
    have
}

/// Compiles every .tex table of `reports` in a minimal article under `scratch`.
pub fn compile_tables(reports: &Path, scratch: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    for e in std::fs::read_dir(reports).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "tex") {
            continue;
        }
        let body = std::fs::read_to_string(&p).unwrap();
        let doc = format!("\\documentclass{{article}}\n\\usepackage{{booktabs}}\n\\usepackage{{graphicx}}\n\\begin{{document}}\n{body}\n\\end{{document}}\n");
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
    }
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
