//! Fingerprints the source of every crate that computes a result (ingest, measures, estimators,
//! regspec), so the model cache is keyed by the code that wrote it: a change of an estimator
//! between two builds of the same version can never serve a stale result.

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

fn main() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut all = Vec::new();
    for c in ["ingest", "measures", "estimators", "regspec"] {
        let src = crates.join(c).join("src");
        println!("cargo:rerun-if-changed={}", src.display());
        files(&src, &mut all);
    }
    all.sort();
    // FNV-1a over (path, content) pairs: stable across builds and toolchains.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in &all {
        let rel = p
            .strip_prefix(&crates)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/");
        for b in rel.bytes().chain(std::fs::read(p).unwrap_or_default()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=REGSPEC_ENGINE={h:016x}");
}
