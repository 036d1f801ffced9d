//! The model cache in `<out>/.cache/<2 hex digits>/`: one entry per (model, data, version), each sealed with a
//! header naming the key it answers and a checksum of its content, so an edited or copied entry
//! is never used.

use crate::model::PlannedModel;
use crate::VERSION;

/// Fingerprint of the source that computes results (see build.rs): part of every cache key.
const ENGINE: &str = env!("REGSPEC_ENGINE");
use report::ModelRecord;
use std::path::{Path, PathBuf};

/// A model's entry, in one of 256 subdirectories by the first two hex digits of its key: a
/// grid of 100,000 models does not put 100,000 files in one directory, whose lock the threads
/// writing entries would contend for.
pub(crate) fn cache_file(dir: &Path, m: &PlannedModel, data: &str) -> PathBuf {
    let shard = m.key.get(..2).unwrap_or("00");
    dir.join(shard)
        .join(format!("{}-{data}-{VERSION}-{ENGINE}.json", m.key))
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

/// What the state file of a data file remembers: the file's identity when it was last hashed,
/// and the hash of its bytes then.
#[derive(serde::Serialize, serde::Deserialize, PartialEq)]
struct FileState {
    path: String,
    size: u64,
    mtime_ns: i128,
    inode: u64,
    digest: u64,
}

impl FileState {
    /// The identity of `path` now (its digest left at 0).
    fn of(path: &Path) -> Option<FileState> {
        let meta = std::fs::metadata(path).ok()?;
        let mtime = meta.modified().ok()?;
        let mtime_ns = match mtime.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_nanos() as i128,
            Err(e) => -(e.duration().as_nanos() as i128),
        };
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(FileState {
            path: std::fs::canonicalize(path).ok()?.display().to_string(),
            size: meta.len(),
            mtime_ns,
            inode,
            digest: 0,
        })
    }
}

/// The xxh3 hash of a file's bytes, remembered in `<cache>/file-<hash of its path>.json` by its
/// path, size, modification time and inode (as DVC's state cache does): a rerun on an unchanged
/// file does not read it again, and any change of those four hashes it anew. A file modified in
/// the last two seconds is not remembered (its next change could keep the same time stamp on a
/// coarse file system). `None` when the file cannot be read.
pub(crate) fn file_digest(path: &Path, cache_dir: &Path) -> Option<u64> {
    let now = FileState::of(path)?;
    let state_path = cache_dir.join(format!(
        "file-{:016x}.json",
        xxhash_rust::xxh3::xxh3_64(now.path.as_bytes())
    ));
    if let Cached::Hit(known) = unseal::<FileState>(&state_path) {
        if (FileState { digest: 0, ..known }) == now {
            return Some(known.digest);
        }
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    // Streamed: a 1e8-row file is hashed without holding it in memory.
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 22];
    loop {
        let k = std::io::Read::read(&mut f, &mut buf).ok()?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    let digest = h.digest();
    let fresh = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(true, |d| {
            (d.as_nanos() as i128) - now.mtime_ns < 2_000_000_000
        });
    // The file must not have changed while it was read.
    if !fresh && FileState::of(path).as_ref() == Some(&now) {
        let state = FileState { digest, ..now };
        if let Ok(json) = serde_json::to_string(&state) {
            // Written beside and renamed: a reader sees the old state or the new one. Failing
            // to remember costs only a rehash next time.
            let tmp = state_path.with_extension(format!("tmp{}", std::process::id()));
            let written = std::fs::write(&tmp, seal(&state_path, &json))
                .and_then(|()| std::fs::rename(&tmp, &state_path));
            if written.is_err() {
                // A full disk: leave nothing behind.
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }
    Some(digest)
}
