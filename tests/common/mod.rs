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

/// A scratch workspace: a copy of specs/ and the demo panel.
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
