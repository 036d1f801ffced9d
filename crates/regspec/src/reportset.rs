//! A report set is written all or nothing. Every file of the new set is written into a staging
//! directory next to `--out`, then the two directories are swapped by two renames: a reader
//! sees the old set, then (for an instant) no directory, then the new set, never a mix. A
//! failure or a kill before the swap leaves the old set untouched; a kill between the two
//! renames is undone by the next run ([`recover`]), which restores the old set.
//!
//! What the set does not own is carried over: the model cache (`.cache/`, moved by one rename)
//! and any file a user put there (hard-linked, or copied). The set's own files are listed in
//! `.regspec-set`, so the next run knows which files are its to replace.
//!
//! A lock file next to `--out` keeps a second run from writing the same directory.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The list of files that belong to the set, inside `--out`.
pub const MANIFEST: &str = ".regspec-set";
const CACHE: &str = ".cache";

/// A sibling of `out`: `<parent>/.<name>.<what>`.
fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "reports".into());
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(format!(".{name}.{what}"))
}

/// Held while a run writes `out`; removed when dropped.
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Takes the lock of `out`, or says which run holds it. A lock whose process is gone is stale
/// and taken over.
pub fn lock(out: &Path) -> Result<Lock, String> {
    let path = sibling(out, "lock");
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                return Ok(Lock { path });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                let pid = pid.trim();
                let alive = !pid.is_empty() && Path::new("/proc").join(pid).exists();
                if alive {
                    return Err(format!(
                        "another regspec run (process {pid}) is writing {}; wait for it to finish (or remove {} if that process is gone)",
                        out.display(),
                        path.display()
                    ));
                }
                let _ = std::fs::remove_file(&path); // stale: its process is gone
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: cannot take the lock", path.display()))
}

/// Undoes what a killed run left: a swap half done (the old set is restored), a staging
/// directory (removed, after giving back the cache it held), an old set already replaced
/// (removed). Call it holding the lock.
pub fn recover(out: &Path) -> Result<(), String> {
    let old = sibling(out, "old");
    let staging = sibling(out, "staging");
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if old.exists() {
        if !out.exists() {
            // Killed between the two renames: the old set goes back.
            std::fs::rename(&old, out).map_err(|e| io(&old, e))?;
        } else {
            std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
        }
    }
    if staging.exists() {
        let cache = staging.join(CACHE);
        if cache.exists() && !out.join(CACHE).exists() && out.exists() {
            std::fs::rename(&cache, out.join(CACHE)).map_err(|e| io(&cache, e))?;
        }
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    Ok(())
}

/// The files of the current set, from its manifest.
pub fn current(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join(MANIFEST))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Test hook for the fault-injection tests: abort at a named point of the commit.
fn crash_point(name: &str) {
    if std::env::var("REGSPEC_TEST_CRASH").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

/// Writes `files` (paths relative to `out`, already proven to stay under it) as the new set and
/// swaps it in. Returns the paths written, under `out`.
pub fn commit(out: &Path, files: &[(String, Vec<u8>)]) -> Result<Vec<PathBuf>, String> {
    let staging = sibling(out, "staging");
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| io(&staging, e))?;
    let result = (|| {
        for (rel, bytes) in files {
            let p = staging.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d).map_err(|e| io(d, e))?;
            }
            std::fs::write(&p, bytes).map_err(|e| io(&p, e))?;
        }
        let manifest: String = files.iter().map(|(r, _)| format!("{r}\n")).collect();
        std::fs::write(staging.join(MANIFEST), manifest)
            .map_err(|e| io(&staging.join(MANIFEST), e))?;
        // Carry over what the set does not own: files a user put in `out`.
        if out.is_dir() {
            let mine: Vec<String> = current(out);
            carry(out, &staging, Path::new(""), &mine)?;
        }
        Ok::<(), String>(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(format!("{e}; the previous reports are unchanged"));
    }
    crash_point("staged");
    // The cache moves last, by one rename; then the swap.
    if out.join(CACHE).exists() {
        std::fs::rename(out.join(CACHE), staging.join(CACHE))
            .map_err(|e| io(&out.join(CACHE), e))?;
    }
    let old = sibling(out, "old");
    if out.exists() {
        std::fs::rename(out, &old).map_err(|e| io(out, e))?;
    }
    crash_point("swapping");
    std::fs::rename(&staging, out).map_err(|e| io(&staging, e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| io(&old, e))?;
    }
    Ok(files.iter().map(|(r, _)| out.join(r)).collect())
}

/// Hard-links (or copies) every file of `from` that is not the set's own and not the cache
/// into `to`, keeping the relative layout.
fn carry(from: &Path, to: &Path, rel: &Path, mine: &[String]) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    let dir = from.join(rel);
    for e in std::fs::read_dir(&dir).map_err(|e| io(&dir, e))? {
        let e = e.map_err(|e| io(&dir, e))?;
        let r = rel.join(e.file_name());
        let r_str = r.to_string_lossy().to_string();
        if r_str == CACHE || r_str == MANIFEST || mine.contains(&r_str) {
            continue;
        }
        let src = from.join(&r);
        let dst = to.join(&r);
        if src.is_dir() {
            std::fs::create_dir_all(&dst).map_err(|e| io(&dst, e))?;
            carry(from, to, &r, mine)?;
        } else if !dst.exists() && std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(|e| io(&src, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("regspec-set-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_set_replaces_the_old_one_and_keeps_what_is_not_its_own() {
        let root = tmp("swap");
        let out = root.join("reports");
        commit(
            &out,
            &[
                ("a.md".into(), b"old a".to_vec()),
                ("b.md".into(), b"old b".to_vec()),
            ],
        )
        .unwrap();
        std::fs::write(out.join("README.md"), "mine").unwrap();
        std::fs::create_dir_all(out.join(".cache")).unwrap();
        std::fs::write(out.join(".cache/x.json"), "cached").unwrap();
        commit(&out, &[("a.md".into(), b"new a".to_vec())]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.md")).unwrap(), "new a");
        assert!(!out.join("b.md").exists(), "the old set's files are gone");
        assert_eq!(
            std::fs::read_to_string(out.join("README.md")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(out.join(".cache/x.json")).unwrap(),
            "cached"
        );
        assert!(!sibling(&out, "staging").exists() && !sibling(&out, "old").exists());
    }

    #[test]
    fn a_half_done_swap_is_undone() {
        let root = tmp("recover");
        let out = root.join("reports");
        commit(&out, &[("a.md".into(), b"old".to_vec())]).unwrap();
        // As if killed between the two renames.
        std::fs::rename(&out, sibling(&out, "old")).unwrap();
        std::fs::create_dir_all(sibling(&out, "staging")).unwrap();
        recover(&out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.md")).unwrap(), "old");
        assert!(!sibling(&out, "staging").exists());
    }

    #[test]
    fn a_second_run_is_refused_while_the_first_holds_the_lock() {
        let root = tmp("lock");
        let out = root.join("reports");
        let held = lock(&out).unwrap();
        let e = lock(&out).err().unwrap();
        assert!(e.contains("another regspec run"), "{e}");
        drop(held);
        assert!(lock(&out).is_ok());
        // A lock left by a process that is gone is taken over.
        std::fs::write(sibling(&out, "lock"), "999999999\n").unwrap();
        assert!(lock(&out).is_ok());
    }
}
