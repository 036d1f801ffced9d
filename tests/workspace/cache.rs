//! The data file's hash is remembered by the file's path, size, modification time and inode
//! (as DVC's state cache), so a rerun on an unchanged file reads none of it; a change of any
//! of the four hashes the file again.

use super::{regspec, states};
use std::time::{Duration, SystemTime};

fn set_mtime(path: &std::path::Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn an_unchanged_data_file_is_not_read_again_and_a_touched_one_is() {
    let dir = states("filestate");
    let data = dir.join("data/states.csv");
    let then = SystemTime::now() - Duration::from_secs(3600);
    set_mtime(&data, then);
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    let states: Vec<String> = std::fs::read_dir(dir.join("reports/.cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("file-"))
        .collect();
    assert_eq!(states.len(), 1, "one remembered file: {states:?}");
    let state = std::fs::read_to_string(dir.join("reports/.cache").join(&states[0])).unwrap();
    assert!(state.contains("states.csv"), "{state}");

    // Same size, same modification time, same inode, other bytes (a value rewritten in
    // place, the time stamp put back): the remembered hash is trusted, nothing is read. This
    // is the trade-off of every state cache, shown here so that it is a decision, not an
    // accident.
    let text = std::fs::read_to_string(&data).unwrap();
    let edited = text.replacen("1.2706850223292201", "9.2706850223292201", 1);
    assert_ne!(text, edited);
    std::fs::write(&data, &edited).unwrap();
    set_mtime(&data, then);
    let (ok, out, err) = regspec(&dir, &["run"]);
    assert!(ok, "{err}");
    assert!(out.contains("cached (data not read)"), "{out}");
    assert!(
        !out.contains("estimated, 0 cached") && out.contains(" 0 estimated"),
        "{out}"
    );

    // A new modification time: hashed again, the models estimated on the new bytes.
    set_mtime(&data, then + Duration::from_secs(1));
    let (ok, out, err) = regspec(&dir, &["run"]);
    assert!(ok, "{err}");
    assert!(
        !out.contains("data not read") && !out.contains(" 0 estimated"),
        "{out}"
    );
}
