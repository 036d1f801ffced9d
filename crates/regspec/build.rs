//! Fingerprints the source of every crate that computes a result (ingest, measures, estimators,
//! regspec), so the model cache is keyed by the code that wrote it: a change of an estimator
//! between two builds of the same version can never serve a stale result. A second fingerprint
//! covers what turns a figure's SVG into PDF and PNG (the report crate's figure code and the
//! locked versions of every dependency): a rerun reuses a figure's PDF and PNG only when it was
//! written by the same.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// FNV-1a over (path, content) pairs of `all`: stable across builds and toolchains.
fn fingerprint(crates: &Path, mut all: Vec<PathBuf>) -> u64 {
    all.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in &all {
        // Paths relative to crates/ (the lock file by its name): the same in every checkout.
        let rel = p
            .strip_prefix(crates)
            .unwrap_or_else(|_| Path::new(p.file_name().unwrap_or_default()))
            .to_string_lossy()
            .replace('\\', "/");
        for b in rel.bytes().chain(std::fs::read(p).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn main() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    for c in ["ingest", "measures", "estimators", "regspec"] {
        let src = crates.join(c).join("src");
        println!("cargo:rerun-if-changed={}", src.display());
        files(&src, &mut all);
    }
    let h = fingerprint(&crates, all);
    println!("cargo:rustc-env=REGSPEC_ENGINE={h:016x}");
    let mut figures = Vec::new();
    let figure_src = crates.join("report/src/figure");
    println!("cargo:rerun-if-changed={}", figure_src.display());
    files(&figure_src, &mut figures);
    let lock = crates.join("../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    figures.push(lock);
    let f = fingerprint(&crates, figures);
    println!("cargo:rustc-env=REGSPEC_FIGURES={f:016x}");
}
