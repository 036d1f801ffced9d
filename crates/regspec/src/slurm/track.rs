//! What the jobs of a Slurm run do, and what `regspec slurm status` reads: a task runs its
//! shard and leaves a marker; the finishing job merges, retries or reports; each shard's state
//! comes from its marker, else from Slurm (`scontrol`) and the task's log.

use super::*;

/// How a shard stands.
#[derive(Debug, Clone, PartialEq)]
enum Standing {
    Done(Done),
    /// Not done: the last job that ran it (if any), its Slurm state, its log, and whether it
    /// was killed for memory.
    Open {
        job: Option<String>,
        state: String,
        log: Option<PathBuf>,
        oom: bool,
        attempts: usize,
        mem_mb: u64,
    },
}

/// The Slurm state of a job (`scontrol show job`), `UNKNOWN` when Slurm no longer knows it.
fn job_state(job: &str) -> String {
    command("scontrol", &["show".into(), "job".into(), job.into()])
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .find_map(|w| w.strip_prefix("JobState=").map(str::to_string))
        })
        .unwrap_or_else(|| "UNKNOWN".into())
}

/// Whether a task's log says it was killed for memory (the cgroup's OUT_OF_MEMORY state, or
/// the accounting poller's "exceeded memory limit" where memory is not confined by cgroups).
fn killed_for_memory(state: &str, log: Option<&Path>) -> bool {
    state == "OUT_OF_MEMORY"
        || log
            .and_then(|l| std::fs::read_to_string(l).ok())
            .is_some_and(|t| {
                let t = t.to_ascii_lowercase();
                t.contains("exceeded memory limit")
                    || t.contains("exceeded job memory limit")
                    || t.contains("oom-kill")
                    || t.contains("out of memory")
            })
}

fn standing(dir: &Path, st: &State, k: usize, fingerprint: &str) -> Standing {
    if let Ok(d) = read_json::<Done>(&shard_dir(dir, k).join(DONE)) {
        if d.fingerprint == fingerprint {
            return Standing::Done(d);
        }
    }
    let mine: Vec<&Submission> = st
        .submissions
        .iter()
        .filter(|s| s.shards.contains(&k) && !s.array_job.is_empty())
        .collect();
    let Some(last) = mine.last() else {
        return Standing::Open {
            job: None,
            state: "NOT SUBMITTED".into(),
            log: None,
            oom: false,
            attempts: 0,
            mem_mb: st.resources.mem_mb,
        };
    };
    let job = format!("{}_{k}", last.array_job);
    let state = job_state(&job);
    let log = dir.join("logs").join(format!("task-{job}.out"));
    let log = log.exists().then_some(log);
    Standing::Open {
        oom: killed_for_memory(&state, log.as_deref()),
        job: Some(job),
        state,
        log,
        attempts: mine.len(),
        mem_mb: last.mem_mb,
    }
}

/// One line per shard, for `status` and for the finishing job's log.
fn describe(k: usize, s: &Standing) -> String {
    match s {
        Standing::Done(d) => format!(
            "shard {k}: done by job {} ({} model(s), {:.1} s, peak {:.0} MB)",
            d.job, d.models, d.seconds, d.max_rss_mb
        ),
        Standing::Open {
            job,
            state,
            log,
            oom,
            ..
        } => format!(
            "shard {k}: {}{}{}{}",
            match (oom, state.as_str(), log) {
                (true, ..) => "OUT OF MEMORY".to_string(),
                (false, "UNKNOWN", None) =>
                    "NOT RUN (cancelled before it started, or no longer known to Slurm)".to_string(),
                (false, "UNKNOWN", Some(_)) => "ENDED WITHOUT ITS RESULTS".to_string(),
                _ => state.clone(),
            },
            job.as_ref()
                .map(|j| format!(", job {j}"))
                .unwrap_or_default(),
            log.as_ref()
                .map(|l| format!(", log {}", l.display()))
                .unwrap_or_default(),
            if state == "COMPLETED" {
                " (finished without its results: see the log)"
            } else {
                ""
            }
        ),
    }
}

/// Peak resident memory of this process, MB (Linux `VmHWM`).
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// A node-local scratch directory the site gives the job (`SLURM_TMPDIR`, or `REGSPEC_SCRATCH`
/// set by the user), when it exists.
fn scratch() -> Option<PathBuf> {
    ["REGSPEC_SCRATCH", "SLURM_TMPDIR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find(|p| p.is_dir())
}

/// Copies a directory tree (files and directories only).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for e in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

/// Replaces `dest` by `work` (a directory elsewhere, perhaps on another file system): copied
/// next to `dest`, then swapped in by renames, so `dest` is the old shard or the new one.
fn install(work: &Path, dest: &Path) -> Result<(), String> {
    let incoming = dest.with_extension("incoming");
    let old = dest.with_extension("old");
    for p in [&incoming, &old] {
        if p.exists() {
            std::fs::remove_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    copy_tree(work, &incoming)?;
    if dest.exists() {
        std::fs::rename(dest, &old).map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    std::fs::rename(&incoming, dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| format!("{}: {e}", old.display()))?;
    }
    Ok(())
}

/// `regspec slurm task`: the array task's shard (`SLURM_ARRAY_TASK_ID`), its threads from
/// `SLURM_CPUS_PER_TASK`, no progress output; on success the shard's marker. Where the site
/// gives a node-local scratch directory (`SLURM_TMPDIR`, or `REGSPEC_SCRATCH`), the shard is
/// estimated there (its thousands of small cache files stay off the shared file system) from a
/// copy of the shard's previous results, then copied back in one swap.
pub fn task(dir: &Path) -> Result<String, String> {
    let st = load_state(dir)?;
    let k: usize = std::env::var("SLURM_ARRAY_TASK_ID")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|k| (1..=st.tasks).contains(k))
        .ok_or_else(|| {
            format!(
                "`regspec slurm task` runs inside a Slurm array task (SLURM_ARRAY_TASK_ID from 1 to {})",
                st.tasks
            )
        })?;
    let started = std::time::Instant::now();
    let p = plan(&st.args, st.tasks)?;
    let out = shard_dir(dir, k);
    let local = scratch().map(|s| s.join(format!("regspec-shard-{k}-{}", std::process::id())));
    if let Some(l) = &local {
        if out.is_dir() {
            copy_tree(&out, l)?;
        }
    }
    let summary = run::run(&run::RunOptions {
        specs: st.args.specs.clone(),
        spec_dir: st.args.spec_dir.clone(),
        only: Vec::new(),
        jobs: None,
        source: st.args.source(),
        out: local.clone().unwrap_or_else(|| out.clone()),
        quiet: true,
        verbose: false,
        shard: Some((k, st.tasks)),
        templates: st.args.templates.clone(),
    })?;
    if let Some(l) = &local {
        install(l, &out)?;
        let _ = std::fs::remove_dir_all(l);
    }
    let done = Done {
        fingerprint: p.fingerprints[k - 1].clone(),
        models: summary.estimated + summary.cached,
        job: format!(
            "{}_{k}",
            std::env::var("SLURM_ARRAY_JOB_ID").unwrap_or_default()
        ),
        seconds: started.elapsed().as_secs_f64(),
        max_rss_mb: peak_rss_mb(),
        scratch: local.clone(),
    };
    write_json(&out.join(DONE), &done)?;
    Ok(describe(k, &Standing::Done(done)))
}

/// Every shard's standing under the current plan, and that plan (the merge orders by it).
fn standings(dir: &Path, st: &State) -> Result<(Vec<Standing>, Planned), String> {
    let p = plan(&st.args, st.tasks)?;
    let all = (1..=st.tasks)
        .map(|k| standing(dir, st, k, &p.fingerprints[k - 1]))
        .collect();
    Ok((all, p))
}

/// `regspec slurm status`: every shard, done or not (its Slurm state, job id and log).
pub fn status(dir: &Path) -> Result<String, String> {
    let st = load_state(dir)?;
    let (all, _) = standings(dir, &st)?;
    let done = all
        .iter()
        .filter(|s| matches!(s, Standing::Done(_)))
        .count();
    let mut out = format!("{done} of {} shard(s) done\n", st.tasks);
    for (i, s) in all.iter().enumerate() {
        out += &describe(i + 1, s);
        out.push('\n');
    }
    if let Some(last) = st.submissions.last() {
        out += &format!(
            "merge job {}: {} (into {})\n",
            last.finish_job,
            job_state(&last.finish_job),
            st.out.display()
        );
    }
    Ok(out)
}

/// `regspec slurm finish`, the finishing job: merges every shard into the report set when all
/// are done; else resubmits once, with twice the memory, the shards killed for memory (and a
/// new finishing job); else fails naming every shard that is not done.
pub fn finish(dir: &Path) -> Result<String, String> {
    let started = std::time::Instant::now();
    let mut st = load_state(dir)?;
    // Planned once: the standings and the merge read the data through the same plan.
    let (all, p) = standings(dir, &st)?;
    let retry: Vec<(usize, u64)> = all
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Standing::Open {
                oom: true,
                attempts: 1,
                mem_mb,
                ..
            } => Some((i + 1, *mem_mb)),
            _ => None,
        })
        .collect();
    if !retry.is_empty() {
        let shards: Vec<usize> = retry.iter().map(|r| r.0).collect();
        let mem = retry
            .iter()
            .map(|r| r.1)
            .max()
            .unwrap_or(st.resources.mem_mb)
            * 2;
        let (array, finish) = submit_array(dir, &st, &shards, mem)?;
        st.submissions.push(Submission {
            array_job: array.clone(),
            shards: shards.clone(),
            mem_mb: mem,
            finish_job: finish.clone(),
            reason: "retry (memory)".into(),
        });
        write_json(&state_path(dir), &st)?;
        return Ok(format!(
            "shard(s) {} were killed for memory: resubmitted as array job {array} with {mem}M each; job {finish} finishes the run",
            script::index_list(&shards)
        ));
    }
    let open: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(_, s)| !matches!(s, Standing::Done(_)))
        .map(|(i, s)| describe(i + 1, s))
        .collect();
    if !open.is_empty() {
        return Err(format!(
            "{} of {} shard(s) are not done; {} was not written (submit again to run only them: regspec slurm --submit):\n{}",
            open.len(),
            st.tasks,
            st.out.display(),
            open.join("\n")
        ));
    }
    let dirs: Vec<PathBuf> = (1..=st.tasks).map(|k| shard_dir(dir, k)).collect();
    let written = run::merge(&dirs, &st.out, &p.plan, &run::templates(&st.args.templates))?;
    Ok(format!(
        "merged {} shard(s) into {} ({} file(s)) in {:.2} s",
        st.tasks,
        st.out.display(),
        written.len(),
        started.elapsed().as_secs_f64()
    ))
}
