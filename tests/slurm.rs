//! `regspec slurm` against a running Slurm cluster (in CI, the single-node cluster
//! `tests/slurm/start_cluster.sh` starts; `SLURM_CONF` names it). On a generated grid of 10,000
//! models on the demo panel:
//! - the run as 8 array tasks and a merge job gives a report set byte-identical to one
//!   `regspec run` (every file but the cache);
//! - a task killed by `scancel` leaves the set unwritten, `slurm status` and the merge job's
//!   log name the shard, its job id and state; submitting again runs only that shard, and the
//!   set is then identical;
//! - tasks over their memory request are resubmitted once with twice the memory, then
//!   reported as out of memory.
//!
//! Without a cluster the test says so and passes, unless `REGSPEC_REQUIRE_SLURM` is set (CI),
//! where it fails.

mod common;

use common::{copy_dir, regspec, root};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Whether a Slurm controller answers; fails when one is required and does not.
fn have_cluster() -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !up && std::env::var_os("REGSPEC_REQUIRE_SLURM").is_some() {
        panic!("REGSPEC_REQUIRE_SLURM is set but no Slurm cluster answers (sinfo failed): start one with tests/slurm/start_cluster.sh and export the SLURM_CONF it prints");
    }
    if !up {
        eprintln!("no Slurm cluster (sinfo failed): the Slurm test checks nothing here");
    }
    up
}

/// A workspace with the demo panel and one spec file of 10 outcomes x 1,000 samples.
fn grid_workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regspec-slurm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    copy_dir(&root().join("data"), &dir.join("data"));
    std::fs::copy(root().join("regspec.yaml"), dir.join("regspec.yaml")).unwrap();
    let mut spec = String::from("title: \"A grid of 10,000 models\"\ndefaults: {treatment: treat_post, fe: [iso3, year], cluster: iso3}\ngrid:\n  - name: \"g_{outcome}_{sample}\"\n    vary:\n      outcome: [homic, hosic, sd, cd, pgdp, adv, labor, urban, open, coop]\n      sample:\n");
    for k in 0..1000 {
        spec += &format!("        s{k}: \"gni_pc > {}\"\n", 1000 + k);
    }
    std::fs::write(dir.join("specs/grid.yaml"), spec).unwrap();
    dir
}

/// Runs a command in `dir`, its standard output.
fn sh(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The run's submissions (array job, shards, memory) from its state.
fn submissions(dir: &Path, slurm: &str) -> Vec<serde_json::Value> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(slurm).join("state.json")).unwrap())
            .unwrap();
    state["submissions"].as_array().unwrap().clone()
}

/// The run's job ids (array jobs and finishing jobs).
fn job_ids(dir: &Path, slurm: &str) -> Vec<String> {
    submissions(dir, slurm)
        .iter()
        .flat_map(|s| [s["array_job"].as_str(), s["finish_job"].as_str()])
        .flatten()
        .filter(|j| !j.is_empty())
        .map(str::to_string)
        .collect()
}

/// Waits until none of the run's jobs is queued or running, a finishing job's retry included
/// (at most 10 minutes).
fn wait(dir: &Path, slurm: &str) {
    let start = Instant::now();
    loop {
        let ids = job_ids(dir, slurm);
        let queue = sh(dir, "squeue", &["-h", "-o", "%i"]);
        let busy = queue.lines().any(|l| {
            let l = l.trim();
            ids.iter()
                .any(|id| l == id || l.starts_with(&format!("{id}_")))
        });
        if !busy && job_ids(dir, slurm) == ids {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "Slurm jobs still queued after 10 minutes:\n{queue}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

/// Every file of `a` (the cache aside) is in `b` with the same bytes, and no other.
fn assert_same_set(a: &Path, b: &Path) {
    let mut fa = Vec::new();
    common::walk_files(a, &mut fa);
    let mut n = 0;
    for p in &fa {
        let rel = p.strip_prefix(a).unwrap();
        if rel.starts_with(".cache") {
            continue;
        }
        let other = b.join(rel);
        assert!(
            other.exists(),
            "{} missing from {}",
            rel.display(),
            b.display()
        );
        assert!(
            std::fs::read(p).unwrap() == std::fs::read(&other).unwrap(),
            "{} differs",
            rel.display()
        );
        n += 1;
    }
    let mut fb = Vec::new();
    common::walk_files(b, &mut fb);
    let extra = fb
        .iter()
        .filter(|p| !p.strip_prefix(b).unwrap().starts_with(".cache"))
        .count();
    assert_eq!(n, extra, "file counts differ");
    assert!(n >= 4, "{n} files compared");
}

fn finish_logs(dir: &Path, slurm: &str) -> String {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join(slurm).join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("finish-")
        })
        .collect();
    logs.sort();
    logs.iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("")
}

#[test]
fn a_grid_runs_as_a_job_array_and_resumes_after_a_killed_task() {
    if !have_cluster() {
        return;
    }
    let dir = grid_workspace("array");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--out", "single"]);
    assert!(ok, "{err}");

    // The whole grid as 8 tasks and a merge, each task on a node-local scratch directory
    // (the environment of the submission is the jobs').
    let scratch = dir.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let env = std::collections::BTreeMap::from([(
        "REGSPEC_SCRATCH".to_string(),
        scratch.display().to_string(),
    )]);
    let (ok, out, err) = common::regspec_env(
        &dir,
        &["slurm", "--tasks", "8", "--submit", "--out", "merged"],
        &env,
    );
    assert!(ok, "{err}");
    assert!(out.contains("8 to run"), "{out}");
    wait(&dir, "slurm");
    assert!(
        finish_logs(&dir, "slurm").contains("merged 8 shard(s)"),
        "{}",
        finish_logs(&dir, "slurm")
    );
    assert_same_set(&dir.join("single"), &dir.join("merged"));
    let (ok, status, _) = regspec(&dir, &["slurm", "status"]);
    assert!(ok && status.starts_with("8 of 8 shard(s) done"), "{status}");
    let marker: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("slurm/shards/4/.slurm-done")).unwrap(),
    )
    .unwrap();
    assert!(
        marker["scratch"]
            .as_str()
            .is_some_and(|s| s.starts_with(&*scratch.display().to_string())),
        "{marker}"
    );
    assert_eq!(
        std::fs::read_dir(&scratch).unwrap().count(),
        0,
        "scratch left behind"
    );

    // A task killed: the array is held, task 3 cancelled, the rest released.
    let yaml = std::fs::read_to_string(dir.join("regspec.yaml")).unwrap();
    std::fs::write(
        dir.join("regspec.yaml"),
        format!("{yaml}\nslurm: {{extra_args: [--hold]}}\n"),
    )
    .unwrap();
    let (ok, _, err) = regspec(
        &dir,
        &[
            "slurm", "--tasks", "8", "--submit", "--out", "killed", "--dir", "slurm2",
        ],
    );
    assert!(ok, "{err}");
    let array = submissions(&dir, "slurm2")[0]["array_job"]
        .as_str()
        .unwrap()
        .to_string();
    sh(&dir, "scancel", &[&format!("{array}_3")]);
    sh(&dir, "scontrol", &["release", &array]);
    wait(&dir, "slurm2");
    assert!(
        !dir.join("killed").exists(),
        "a set was written with a shard missing"
    );
    let log = finish_logs(&dir, "slurm2");
    assert!(
        log.contains("1 of 8 shard(s) are not done")
            && log.contains("shard 3: ")
            && log.contains(&format!("job {array}_3")),
        "{log}"
    );
    let (_, status, _) = regspec(&dir, &["slurm", "status", "--dir", "slurm2"]);
    assert!(
        status.starts_with("7 of 8 shard(s) done") && status.contains("shard 3: NOT RUN"),
        "{status}"
    );
    // Submitted again (the hold removed): only shard 3 runs, and the set is whole.
    std::fs::write(dir.join("regspec.yaml"), &yaml).unwrap();
    let (ok, out, err) = regspec(
        &dir,
        &[
            "slurm", "--tasks", "8", "--submit", "--out", "killed", "--dir", "slurm2",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("1 to run, 7 done"), "{out}");
    let last = submissions(&dir, "slurm2").last().unwrap().clone();
    assert_eq!(last["shards"], serde_json::json!([3]), "{last}");
    wait(&dir, "slurm2");
    assert_same_set(&dir.join("single"), &dir.join("killed"));

    // Out of memory: 30 MB a task, retried once with 60 MB, then reported.
    std::fs::write(
        dir.join("regspec.yaml"),
        format!("{yaml}\nslurm: {{mem: 30M}}\n"),
    )
    .unwrap();
    let (ok, _, err) = regspec(
        &dir,
        &[
            "slurm", "--tasks", "2", "--submit", "--out", "oom", "--dir", "slurm3",
        ],
    );
    assert!(ok, "{err}");
    wait(&dir, "slurm3");
    let subs = submissions(&dir, "slurm3");
    assert_eq!(subs.len(), 2, "{subs:?}");
    assert_eq!(subs[1]["reason"], "retry (memory)");
    assert_eq!(subs[1]["mem_mb"], 60);
    let log = finish_logs(&dir, "slurm3");
    assert!(
        log.contains("were killed for memory: resubmitted")
            && log.contains("shard 1: OUT OF MEMORY"),
        "{log}"
    );
    assert!(!dir.join("oom").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
