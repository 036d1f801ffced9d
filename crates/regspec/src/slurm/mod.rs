//! `regspec slurm`: a run as a Slurm job array. The plan is split into N deterministic shards
//! (`run --shard K/N`), one array task each, each writing its own directory under
//! `<dir>/shards/K`; a finishing job that depends on the whole array (`afterany`) checks every
//! shard, resubmits once (with twice the memory) the tasks killed for memory, and merges the
//! shards into the report set, all or nothing, or says which shard failed, with its job id and
//! log. A shard is done when its directory holds a marker with the shard's fingerprint (the
//! program version, the data keys and the cache keys of its models): submitting again runs only
//! the shards whose results are missing or stale.
//!
//! Everything the jobs need is in `<dir>/state.json` (tasks, spec files, data options, the
//! submissions and their job ids), written before anything is submitted.

mod script;

use crate::run::{self, DataSource};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::workspace::SlurmConfig;
pub use script::{estimate, Resources};

/// The spec files and data options every job of the run re-plans with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunArgs {
    /// Spec files (empty: every file of `spec_dir`).
    pub specs: Vec<PathBuf>,
    /// Directory of spec files.
    pub spec_dir: PathBuf,
    /// Templates directory.
    pub templates: PathBuf,
    /// `--data`.
    pub data: Option<PathBuf>,
    /// `--raw-data`.
    pub raw_data: Option<PathBuf>,
    /// `--sources`.
    pub sources: Option<PathBuf>,
    /// `--demo-panel`.
    pub demo_panel: Option<PathBuf>,
}

impl RunArgs {
    fn source(&self) -> DataSource {
        DataSource {
            root: PathBuf::from("."),
            raw_data: self.raw_data.clone(),
            sources: self.sources.clone(),
            data: self.data.clone(),
            demo_panel: self.demo_panel.clone(),
        }
    }
}

/// One `sbatch` of the array (the first, or a retry) and its finishing job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The array job's id (empty when no shard needed running).
    pub array_job: String,
    /// The shards (array indices) it ran.
    pub shards: Vec<usize>,
    /// Memory asked of each task, MB.
    pub mem_mb: u64,
    /// The finishing job's id.
    pub finish_job: String,
    /// Why it was submitted: `submit` or `retry (memory)`.
    pub reason: String,
}

/// `<dir>/state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Number of shards.
    pub tasks: usize,
    /// The report set the shards merge into.
    pub out: PathBuf,
    /// How every job plans.
    pub args: RunArgs,
    /// The workspace's `slurm:` block at submission.
    pub config: SlurmConfig,
    /// Resources of a first attempt.
    pub resources: Resources,
    /// Every submission, in order.
    pub submissions: Vec<Submission>,
}

/// What a task writes in its shard directory when its shard is done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    /// The shard's fingerprint when it ran.
    pub fingerprint: String,
    /// Its models.
    pub models: usize,
    /// The Slurm job that ran it (`array_task`).
    pub job: String,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Peak resident memory of the task, MB.
    pub max_rss_mb: f64,
    /// The node-local directory it was estimated in, if any.
    #[serde(default)]
    pub scratch: Option<PathBuf>,
}

/// Not `.json`: the merge reads every `.json` of a shard directory as a table.
const DONE: &str = ".slurm-done";

pub use crate::limits::allocated_cpus;

fn read_json<T: for<'de> Deserialize<'de>>(p: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))
}

/// Writes through a temporary file and a rename: a reader sees the old file or the new one.
fn write_json<T: Serialize>(p: &Path, v: &T) -> Result<(), String> {
    let tmp = p.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, text + "\n").map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, p).map_err(|e| format!("{}: {e}", p.display()))
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

/// Loads `<dir>/state.json`, or says that nothing was written there.
pub fn load_state(dir: &Path) -> Result<State, String> {
    let p = state_path(dir);
    if !p.exists() {
        return Err(format!(
            "{} has no Slurm run (no {}): start one with `regspec slurm --submit`",
            dir.display(),
            p.display()
        ));
    }
    read_json(&p)
}

/// The checked plan and each shard's fingerprint.
struct Planned {
    plan: Vec<crate::plan::PlannedModel>,
    fingerprints: Vec<String>,
    cells: u64,
    draws: u64,
}

fn plan(args: &RunArgs, tasks: usize) -> Result<Planned, String> {
    let files = crate::check::spec_files(&args.specs, &args.spec_dir).map_err(|d| d.to_string())?;
    let c = run::check_workspace(&args.source(), &files, &args.templates).map_err(|f| {
        f.diags.iter().map(|d| d.to_string()).collect::<String>()
            + &format!(
                "{} problem(s): fix them with `regspec check`",
                f.diags.len()
            )
    })?;
    let mut data: Vec<&str> = c.prepared.iter().map(|p| p.lp.hash.as_str()).collect();
    data.sort_unstable();
    let fingerprints = (0..tasks)
        .map(|k| {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(crate::VERSION.as_bytes());
            for d in &data {
                h.update(d.as_bytes());
            }
            for (_, m) in c.plan.iter().enumerate().filter(|(i, _)| i % tasks == k) {
                h.update(m.hash().as_bytes());
            }
            h.finalize()
                .iter()
                .take(8)
                .map(|b| format!("{b:02x}"))
                .collect()
        })
        .collect();
    let cells = c
        .prepared
        .iter()
        .map(|p| (p.lp.panel.nrows() * p.lp.panel.columns.len()) as u64)
        .max()
        .unwrap_or(0);
    let draws = c
        .plan
        .iter()
        .map(|m| {
            ["draws", "reps"]
                .iter()
                .filter_map(|k| m.options.get(*k).and_then(|v| v.as_u64()))
                .sum::<u64>()
        })
        .sum();
    Ok(Planned {
        plan: c.plan,
        fingerprints,
        cells,
        draws,
    })
}

/// The shard directory of shard `k` (1-based).
fn shard_dir(dir: &Path, k: usize) -> PathBuf {
    dir.join("shards").join(k.to_string())
}

/// Whether shard `k` is done with the current fingerprint.
fn is_done(dir: &Path, k: usize, fingerprint: &str) -> bool {
    read_json::<Done>(&shard_dir(dir, k).join(DONE)).is_ok_and(|d| d.fingerprint == fingerprint)
}

/// Options of `regspec slurm` (write, and with `submit`, submit).
pub struct SlurmOptions {
    /// How to plan.
    pub args: RunArgs,
    /// Shards (`--tasks`; default the config's, else 8).
    pub tasks: Option<usize>,
    /// Where the shards, scripts, logs and state go.
    pub dir: PathBuf,
    /// The report set the shards merge into.
    pub out: PathBuf,
    /// Submit through `sbatch` (else only write).
    pub submit: bool,
}

/// Runs a command, its standard output, or an error naming it.
fn command(program: &str, args: &[String]) -> Result<String, String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("`{program}` could not be run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Whether `program` is on the PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// Submits the array for `shards` with `mem_mb` per task and a finishing job after it.
fn submit_array(
    dir: &Path,
    state: &State,
    shards: &[usize],
    mem_mb: u64,
) -> Result<(String, String), String> {
    let array = if shards.is_empty() {
        String::new()
    } else {
        let mut a = vec![
            format!(
                "--array={}{}",
                script::index_list(shards),
                state
                    .config
                    .max_concurrent
                    .map(|m| format!("%{m}"))
                    .unwrap_or_default()
            ),
            format!("--mem={mem_mb}M"),
            "--parsable".into(),
        ];
        a.extend(state.config.extra_args.iter().cloned());
        a.push(dir.join("task.sh").display().to_string());
        command("sbatch", &a)?
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut f = vec!["--parsable".to_string()];
    if !array.is_empty() {
        f.push(format!("--dependency=afterany:{array}"));
    }
    f.push(dir.join("finish.sh").display().to_string());
    let finish = command("sbatch", &f)?
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string();
    Ok((array, finish))
}

/// `regspec slurm`: plans, writes the scripts and the state, and with `submit` submits the
/// array of the shards not yet done and the finishing job. Nothing is written when `sbatch` is
/// needed and missing, or when the specs do not check.
pub fn write_and_submit(o: &SlurmOptions) -> Result<String, String> {
    if o.submit && !on_path("sbatch") {
        return Err("`sbatch` is not on the PATH: `regspec slurm --submit` runs on a Slurm login node (without --submit it writes the job scripts only); nothing was written".into());
    }
    let ws = crate::workspace::Workspace::load(Path::new(".")).map_err(|d| d.to_string())?;
    let config = ws.slurm.clone();
    let tasks = o.tasks.or(config.tasks).unwrap_or(8);
    if tasks == 0 || tasks > 100_000 {
        return Err(format!("--tasks {tasks}: need 1 to 100000 array tasks"));
    }
    let p = plan(&o.args, tasks)?;
    let models_per_task = p.plan.len().div_ceil(tasks);
    let resources = estimate(models_per_task, p.cells, p.draws, &config);
    let dir = std::path::absolute(&o.dir).map_err(|e| e.to_string())?;
    let out = std::path::absolute(&o.out).map_err(|e| e.to_string())?;
    for d in [dir.join("logs"), dir.join("shards")] {
        std::fs::create_dir_all(&d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let previous = load_state(&dir)
        .ok()
        .filter(|s| s.tasks == tasks && s.args == o.args);
    let mut state = State {
        tasks,
        out,
        args: o.args.clone(),
        config: config.clone(),
        resources: resources.clone(),
        submissions: previous.map(|s| s.submissions).unwrap_or_default(),
    };
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let root = std::env::current_dir().map_err(|e| e.to_string())?;
    let scripts = [
        (
            "task.sh",
            script::task_script(&exe, &root, &dir, &resources, &config),
        ),
        (
            "finish.sh",
            script::finish_script(&exe, &root, &dir, &config),
        ),
    ];
    for (name, text) in scripts {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    let pending: Vec<usize> = (1..=tasks)
        .filter(|&k| !is_done(&dir, k, &p.fingerprints[k - 1]))
        .collect();
    write_json(&state_path(&dir), &state)?;
    let mut msg = format!(
        "{} model(s) in {tasks} shard(s); {} to run, {} done; each task: {} CPU(s), {}M, {}\nwrote {}/task.sh, {}/finish.sh, {}\n",
        p.plan.len(),
        pending.len(),
        tasks - pending.len(),
        resources.cpus,
        resources.mem_mb,
        script::format_minutes(resources.minutes),
        dir.display(),
        dir.display(),
        state_path(&dir).display()
    );
    if o.submit {
        let (array, finish) = submit_array(&dir, &state, &pending, resources.mem_mb)?;
        state.submissions.push(Submission {
            array_job: array.clone(),
            shards: pending.clone(),
            mem_mb: resources.mem_mb,
            finish_job: finish.clone(),
            reason: "submit".into(),
        });
        write_json(&state_path(&dir), &state)?;
        msg += &if array.is_empty() {
            format!("every shard is done: submitted the merge as job {finish}\n")
        } else {
            format!(
                "submitted array job {array} (shards {}) and job {finish}, which merges into {} once they end\nfollow with: regspec slurm status --dir {}\n",
                script::index_list(&pending),
                state.out.display(),
                o.dir.display()
            )
        };
    } else {
        msg += &format!(
            "submit with: regspec slurm --submit --tasks {tasks} (or sbatch --array={} {}/task.sh)\n",
            script::index_list(&pending),
            dir.display()
        );
    }
    Ok(msg)
}

mod track;
pub use track::{finish, status, task};
