//! The two batch scripts of a Slurm run and the resources they ask for: the array of shard
//! tasks and the job that finishes the run (merge, retry or report) once they have ended.

use super::SlurmConfig;
use std::path::Path;

/// Resources of one shard task.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Resources {
    /// `--mem`, in megabytes.
    pub mem_mb: u64,
    /// `--time`, in minutes.
    pub minutes: u64,
    /// `--cpus-per-task`.
    pub cpus: u32,
}

/// What a shard task holds in memory and how long it runs, from the plan: the panels it reads
/// (8 bytes a cell, several working copies while a model is demeaned and its vcov formed), and
/// its models (bootstrap and placebo draws counted as work). Generous on purpose: a task that
/// runs out of memory is retried once with twice the request, a task out of time is not.
pub fn estimate(models_per_task: usize, cells: u64, draws: u64, cfg: &SlurmConfig) -> Resources {
    let data_mb = cells * 8 / (1 << 20);
    let mem_mb = (512 + 6 * data_mb).div_ceil(256) * 256;
    // About 20 ms a model on a small panel, 1 s per million cells, plus the draws' work.
    let seconds = 60.0
        + models_per_task as f64 * (0.02 + cells as f64 / 1e6)
        + draws as f64 * cells as f64 / 2e8;
    let minutes = ((3.0 * seconds / 60.0).ceil() as u64).max(10);
    Resources {
        mem_mb: cfg.mem.as_deref().and_then(parse_mem).unwrap_or(mem_mb),
        minutes: cfg
            .time
            .as_deref()
            .and_then(parse_minutes)
            .unwrap_or(minutes),
        cpus: cfg.cpus_per_task.unwrap_or(2),
    }
}

/// Megabytes of a Slurm memory size: `4000`, `4000M`, `4G`.
pub fn parse_mem(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], s[i..].to_ascii_uppercase()),
        None => (s, "M".to_string()),
    };
    let n: f64 = num.trim().parse().ok().filter(|n: &f64| *n > 0.0)?;
    let factor = match unit.trim_end_matches('B') {
        "K" => 1.0 / 1024.0,
        "M" => 1.0,
        "G" => 1024.0,
        "T" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some((n * factor).ceil() as u64)
}

/// Minutes of a Slurm time: `30`, `1:30:00`, `2-00:00:00`, `90:00`.
pub fn parse_minutes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (d.parse::<u64>().ok()?, r),
        None => (0, s),
    };
    let parts: Vec<u64> = rest
        .split(':')
        .map(|p| p.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    let minutes = match parts.as_slice() {
        [m] if days == 0 => *m,
        [h] => h * 60,
        [m, sec] if days == 0 => m + sec.div_ceil(60),
        [h, m] => h * 60 + m,
        [h, m, sec] => h * 60 + m + sec.div_ceil(60),
        _ => return None,
    };
    Some(days * 24 * 60 + minutes).filter(|m| *m > 0)
}

/// `HH:MM:00` (or `D-HH:MM:00`) for `--time`.
pub fn format_minutes(m: u64) -> String {
    let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
    if d > 0 {
        format!("{d}-{h:02}:{min:02}:00")
    } else {
        format!("{h:02}:{min:02}:00")
    }
}

/// Quoted for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `#SBATCH` lines every job of the run shares: name, partition, account.
fn common(name: &str, cfg: &SlurmConfig) -> String {
    let mut s = format!("#SBATCH --job-name={name}\n");
    if let Some(p) = &cfg.partition {
        s += &format!("#SBATCH --partition={p}\n");
    }
    if let Some(a) = &cfg.account {
        s += &format!("#SBATCH --account={a}\n");
    }
    s
}

/// The array task: one shard (`SLURM_ARRAY_TASK_ID`), run by `regspec slurm task`. Memory and
/// array indices are given on the `sbatch` command line (a retry asks for more).
pub fn task_script(
    regspec: &Path,
    workspace: &Path,
    dir: &Path,
    r: &Resources,
    cfg: &SlurmConfig,
) -> String {
    format!(
        "#!/bin/bash\n# Written by `regspec slurm`: one shard of the run per array task.\n{}#SBATCH --cpus-per-task={}\n#SBATCH --time={}\n#SBATCH --output={}/logs/task-%A_%a.out\ncd {}\nexec {} slurm task --dir {}\n",
        common("regspec", cfg),
        r.cpus,
        format_minutes(r.minutes),
        dir.display(),
        sh(&workspace.display().to_string()),
        sh(&regspec.display().to_string()),
        sh(&dir.display().to_string()),
    )
}

/// The finishing job: after every task has ended (`afterany`), `regspec slurm finish` merges
/// the shards into the report set, resubmits shards killed for memory once, or reports.
pub fn finish_script(regspec: &Path, workspace: &Path, dir: &Path, cfg: &SlurmConfig) -> String {
    format!(
        "#!/bin/bash\n# Written by `regspec slurm`: merge the shards once every task has ended.\n{}#SBATCH --cpus-per-task=1\n#SBATCH --mem=1024M\n#SBATCH --time=00:30:00\n#SBATCH --output={}/logs/finish-%j.out\ncd {}\nexec {} slurm finish --dir {}\n",
        common("regspec-finish", cfg),
        dir.display(),
        sh(&workspace.display().to_string()),
        sh(&regspec.display().to_string()),
        sh(&dir.display().to_string()),
    )
}

/// Array indices as Slurm writes them: runs as ranges, `1-8` or `2,5-7`.
pub fn index_list(indices: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            indices[i].to_string()
        } else {
            format!("{}-{}", indices[i], indices[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_as_slurm_writes_them() {
        assert_eq!(parse_mem("4G"), Some(4096));
        assert_eq!(parse_mem("1500"), Some(1500));
        assert_eq!(parse_mem("512MB"), Some(512));
        assert_eq!(parse_mem("lots"), None);
        assert_eq!(parse_minutes("30"), Some(30));
        assert_eq!(parse_minutes("1:30:00"), Some(90));
        assert_eq!(parse_minutes("2-00:00:00"), Some(2880));
        assert_eq!(format_minutes(90), "01:30:00");
        assert_eq!(format_minutes(2890), "2-00:10:00");
        assert_eq!(index_list(&[1, 2, 3, 5, 7, 8]), "1-3,5,7-8");
    }
}
