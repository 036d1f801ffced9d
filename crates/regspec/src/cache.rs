//! The model cache in `<out>/.cache`: one entry per (model, data, version), each sealed with a
//! header naming the key it answers and a checksum of its content, so an edited or copied entry
//! is never used.

use crate::model::PlannedModel;
use crate::VERSION;

/// Fingerprint of the source that computes results (see build.rs): part of every cache key.
const ENGINE: &str = env!("REGSPEC_ENGINE");
use report::ModelRecord;
use std::path::{Path, PathBuf};

pub(crate) fn cache_file(dir: &Path, m: &PlannedModel, data: &str) -> PathBuf {
    dir.join(format!("{}-{data}-{VERSION}-{ENGINE}.json", m.key))
}

/// Proves a directory can be written (created if needed) before any model is estimated.
pub(crate) fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| e.to_string())?;
    std::fs::remove_file(&probe).map_err(|e| e.to_string())
}

/// What a cache entry holds, as read.
pub(crate) enum Cached<T> {
    Hit(T),
    Miss,
    /// Present but not to be trusted: edited, truncated, or copied from another entry.
    Corrupt(String),
}

/// A cache entry: a header line naming the key it answers and the checksum of the content
/// below it, then the JSON. An entry whose checksum or key does not match is never used.
pub(crate) fn seal(path: &Path, json: &str) -> String {
    let key = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let sum = xxhash_rust::xxh3::xxh3_64(json.as_bytes());
    format!("regspec-cache 1 {key} {sum:016x}\n{json}")
}

pub(crate) fn unseal<T: serde::de::DeserializeOwned>(path: &Path) -> Cached<T> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Cached::Miss;
    };
    let key = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let Some((header, json)) = text.split_once('\n') else {
        return Cached::Corrupt("no header".into());
    };
    let parts: Vec<&str> = header.split(' ').collect();
    if parts.len() != 4 || parts[0] != "regspec-cache" || parts[1] != "1" {
        return Cached::Corrupt("not a regspec cache entry".into());
    }
    if parts[2] != key {
        return Cached::Corrupt(format!("it answers another key ({})", parts[2]));
    }
    if parts[3] != format!("{:016x}", xxhash_rust::xxh3::xxh3_64(json.as_bytes())) {
        return Cached::Corrupt("its content does not match its checksum".into());
    }
    match serde_json::from_str(json) {
        Ok(v) => Cached::Hit(v),
        Err(e) => Cached::Corrupt(format!("unreadable: {e}")),
    }
}

pub(crate) fn read_cached(path: &Path) -> Option<ModelRecord> {
    match unseal(path) {
        Cached::Hit(r) => Some(r),
        _ => None,
    }
}
