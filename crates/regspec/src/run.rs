//! One `regspec run`: panel, specs, plan, cache, parallel estimation, atomic outputs.

use crate::check;
use crate::exec;
use crate::frame::PanelView;
use crate::plan::PlannedModel;
use crate::workspace::Workspace;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use report::{ModelRecord, TableRecord};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cache::{cache_file, read_cached, seal, unseal, writable, Cached};
pub use crate::data::{
    check_datasets, check_workspace, data_key, dataset_of, datasets_of, load_data, panel_hash,
    prepare, prepare_all, prepare_dataset, CheckFailure, Checked, DataInfo, DataSource,
    LoadedPanel, Prepared,
};
pub use crate::records::merge;
use crate::records::{merge_into_previous, tables};

/// The program version, part of every cache key and table record.
pub use crate::VERSION;

/// What `regspec run` was asked to do.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Spec files named on the command line (empty: every file of `spec_dir`).
    pub specs: Vec<PathBuf>,
    /// Directory of spec files.
    pub spec_dir: PathBuf,
    /// Run only these models (`--only`).
    pub only: Vec<String>,
    /// Worker threads (`--jobs`; default: the CPUs of a Slurm allocation, else all cores).
    pub jobs: Option<usize>,
    /// Where the data come from.
    pub source: DataSource,
    /// The report set written (`--out`).
    pub out: PathBuf,
    /// No progress output.
    pub quiet: bool,
    /// A line per model on the terminal or in a log, instead of the progress bar.
    pub verbose: bool,
    /// Run every N-th model (`--shard K/N`).
    pub shard: Option<(usize, usize)>,
    /// Workspace templates overriding the built-in defaults, when the directory exists.
    pub templates: PathBuf,
}

pub use crate::output::templates;

/// What was done, for the closing message.
pub struct RunSummary {
    /// Models estimated in this run.
    pub estimated: usize,
    /// Models read from the cache.
    pub cached: usize,
    /// Datasets read as tables (none when every model was in the cache).
    pub datasets_read: usize,
    /// Files written.
    pub tables: Vec<PathBuf>,
    /// The tables of the report set.
    pub records: Vec<TableRecord>,
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old file or
/// the new one, never a half-written one. A write that fails (a full disk) removes its
/// temporary: a failed run leaves nothing behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    let written = std::fs::write(&tmp, bytes)
        .map_err(|e| format!("{}: {e}", tmp.display()))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display())));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Runs the specs: plan, check, estimate (in parallel, with the cache), write the report set
/// atomically.
pub fn run(o: &RunOptions) -> Result<RunSummary, String> {
    let files = check::spec_files(&o.specs, &o.spec_dir).map_err(|d| d.to_string())?;
    let ws = Workspace::load(&o.source.root).map_err(|d| d.to_string())?;
    let (loaded, mut plan, mut diags) = check::load_static(&files);
    diags.extend(check_datasets(&ws, &loaded));
    diags.extend(check::check_tables(&loaded, &templates(&o.templates)));
    if !diags.is_empty() {
        return Err(problems(&diags, "in the specs"));
    }
    if files.is_empty() {
        return Err(format!(
            "no spec files in {}: nothing to estimate",
            o.spec_dir.display()
        ));
    }
    if plan.is_empty() {
        return Err(format!(
            "the spec files ({}) declare no models: nothing to estimate",
            files.len()
        ));
    }
    // Every `--only` name must name a table or a model.
    for n in &o.only {
        if !plan.iter().any(|m| &m.name == n || &m.table == n) {
            let names = plan
                .iter()
                .flat_map(|m| [m.name.as_str(), m.table.as_str()]);
            let hint = crate::diag::suggest(n, names)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(format!(
                "--only `{n}`: no table or model has this name{hint}"
            ));
        }
    }
    let mut selected: Vec<usize> = plan
        .iter()
        .enumerate()
        .filter(|(_, m)| o.only.is_empty() || o.only.iter().any(|n| n == &m.name || n == &m.table))
        .map(|(i, _)| i)
        .collect();
    if let Some((k, n)) = o.shard {
        selected = selected
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, m)| m)
            .collect();
    }
    // One run at a time writes a report set; what a killed run left is undone first (before
    // anything, the cache directory included, is created in `--out`).
    let cant_write = |e: String| {
        format!(
            "--out {}: cannot write there ({e}); nothing was estimated",
            o.out.display()
        )
    };
    let _lock = crate::reportset::lock(&o.out).map_err(|e| {
        if e.starts_with("another regspec run") {
            e
        } else {
            cant_write(e)
        }
    })?;
    crate::reportset::recover(&o.out).map_err(cant_write)?;
    let cache_dir = o.out.join(".cache");
    writable(&cache_dir).map_err(|e| {
        let what = if cache_dir.exists() && !cache_dir.is_dir() {
            format!(
                "{} is a file, not the cache directory (move it away)",
                cache_dir.display()
            )
        } else if o.out.is_dir() {
            format!("cache {}: {e}", cache_dir.display())
        } else {
            e
        };
        cant_write(what)
    })?;
    let names = datasets_of(
        &loaded,
        &selected.iter().map(|&i| &plan[i]).collect::<Vec<_>>(),
    );
    // A dataset whose every selected model is cached is not read at all.
    let mut infos: BTreeMap<Option<String>, DataInfo> = BTreeMap::new();
    let mut by_index: BTreeMap<usize, ModelRecord> = BTreeMap::new();
    let mut need: Vec<Option<String>> = Vec::new();
    // Each dataset's key is computed once (it hashes the data file's bytes).
    let keys: BTreeMap<Option<String>, Option<String>> = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                data_key(&o.source, &ws, &loaded, n.as_deref(), &cache_dir),
            )
        })
        .collect();
    for name in &names {
        let mine: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&i| dataset_of(&loaded, &plan[i]) == *name)
            .collect();
        let hit = keys[name].as_ref().and_then(|k| {
            let info: DataInfo = match unseal(&cache_dir.join(format!("data-{k}.json"))) {
                Cached::Hit(i) => i,
                _ => return None,
            };
            let recs: Option<Vec<(usize, ModelRecord)>> = mine
                .iter()
                .map(|&i| read_cached(&cache_file(&cache_dir, &plan[i], k)).map(|r| (i, r)))
                .collect();
            Some((info, recs?))
        });
        match hit {
            Some((info, recs)) => {
                infos.insert(name.clone(), info);
                by_index.extend(recs);
            }
            None => need.push(name.clone()),
        }
    }
    let cached_without_data = by_index.len();
    // Every other dataset is read and every model on it checked before anything is estimated.
    let prepared = prepare_all(&o.source, &ws, &loaded, &mut plan, &need)
        .map_err(|d| problems(&d, "with the specs or the data; nothing was estimated"))?;
    let total = selected.len();
    let show_bar = !o.quiet && !o.verbose && std::io::stderr().is_terminal();
    let bar = if show_bar {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} models {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b.inc(cached_without_data as u64);
        Some(b)
    } else {
        None
    };
    let cached = AtomicUsize::new(cached_without_data);
    let done = AtomicUsize::new(cached_without_data);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.jobs.or_else(crate::limits::allocated_cpus).unwrap_or(0))
        .build()
        .map_err(|e| e.to_string())?;
    let progress = |m: &PlannedModel| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        match &bar {
            Some(b) => b.inc(1),
            None if o.verbose => eprintln!("[{n}/{total}] {} / {}", m.table, m.name),
            None => {}
        }
    };
    let mut errors = Vec::new();
    for p in &prepared {
        let key = keys[&p.name].clone();
        let info = DataInfo {
            description: p.lp.description.clone(),
            simulated: p.lp.simulated,
            hash: key.clone().unwrap_or_else(|| p.lp.hash.clone()),
            parts: crate::data::data_parts(&o.source, &ws, &loaded, p.name.as_deref(), &cache_dir),
            labels: ingest::table::column_labels(&p.lp.panel),
        };
        let view = PanelView::new(&p.lp.panel);
        let mine: Vec<(usize, &PlannedModel)> = selected
            .iter()
            .filter(|&&i| dataset_of(&loaded, &plan[i]) == p.name)
            .map(|&i| (i, &plan[i]))
            .collect();
        let results = estimate_all(&view, &info, &mine, &cache_dir, &pool, &progress, &cached);
        for r in results {
            match r {
                Ok((i, rec)) => {
                    by_index.insert(i, rec);
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(k) = &key {
            let json = serde_json::to_string(&info).map_err(|e| e.to_string())?;
            let path = cache_dir.join(format!("data-{k}.json"));
            write_atomic(&path, seal(&path, &json).as_bytes())?;
        }
        infos.insert(p.name.clone(), info);
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if !errors.is_empty() {
        return Err(format!(
            "{} model(s) failed; no report was written\n  {}",
            errors.len(),
            errors.join("\n  ")
        ));
    }
    let mut records = tables(
        &loaded,
        &plan,
        by_index,
        &infos,
        &ws.labels,
        ws.format.as_ref(),
    );
    // A partial run (`--only`, some spec files, a shard) merges into the existing set.
    if !o.only.is_empty() || !o.specs.is_empty() || o.shard.is_some() {
        records = merge_into_previous(&o.out, records, &plan)?;
    }
    let written = crate::output::write_outputs(&o.out, &records, &templates(&o.templates))?;
    let cached = cached.into_inner();
    Ok(RunSummary {
        estimated: total - cached,
        cached,
        datasets_read: prepared.len(),
        tables: written,
        records,
    })
}

/// A result never says more than was estimated: a treatment that was dropped (absorbed by the
/// fixed effects or collinear with the regressors) or an outcome the regressors fit exactly is
/// an error, not a table row.
fn problems(diags: &[crate::diag::Diagnostic], what: &str) -> String {
    let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    format!("{} problem(s) {what}\n{}", diags.len(), text.join(""))
}

/// Estimates the models of one dataset: cache hits first, then the misses in parallel, models
/// that can share demeaned columns together. Each result is written to the cache.
fn estimate_all(
    view: &PanelView,
    info: &DataInfo,
    selected: &[(usize, &PlannedModel)],
    cache_dir: &Path,
    pool: &rayon::ThreadPool,
    progress: &(dyn Fn(&PlannedModel) + Sync),
    cached: &AtomicUsize,
) -> Vec<Result<(usize, ModelRecord), String>> {
    let mut results: Vec<Result<(usize, ModelRecord), String>> = Vec::new();
    let mut todo: Vec<(usize, &PlannedModel, PathBuf)> = Vec::new();
    for (i, m) in selected {
        let cache_file = cache_file(cache_dir, m, &info.hash);
        match unseal(&cache_file) {
            Cached::Hit(rec) => {
                cached.fetch_add(1, Ordering::Relaxed);
                progress(m);
                results.push(Ok((*i, rec)));
            }
            Cached::Miss => todo.push((*i, m, cache_file)),
            Cached::Corrupt(why) => {
                eprintln!(
                    "warning: cache entry {} of model `{}` is not used ({why}); estimating again",
                    cache_file.display(),
                    m.name
                );
                todo.push((*i, m, cache_file))
            }
        }
    }
    // Models with the same sample, FE, clusters and weights share their demeaned columns.
    let mut candidates: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (j, (_, m, _)) in todo.iter().enumerate() {
        match exec::share_group(m) {
            Some(g) => candidates.entry(g).or_default().push(j),
            None => groups.push(vec![j]),
        }
    }
    let mut shared: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for js in candidates.into_values() {
        if js.len() == 1 {
            groups.push(js);
            continue;
        }
        for j in js {
            match exec::share_key(view, todo[j].1) {
                Some(key) => shared.entry(key).or_default().push(j),
                None => groups.push(vec![j]),
            }
        }
    }
    groups.extend(shared.into_values());
    let estimated: Vec<Vec<Result<(usize, ModelRecord), String>>> = pool.install(|| {
        groups
            .par_iter()
            .map(|g| {
                let models: Vec<&PlannedModel> = g.iter().map(|&j| todo[j].1).collect();
                let outs = if models.len() > 1 {
                    exec::estimate_shared(view, &models)
                } else {
                    vec![exec::estimate(view, models[0])]
                };
                g.iter()
                    .zip(outs)
                    .map(|(&j, out)| {
                        let (i, m, cache_file) = &todo[j];
                        let (result, extras) = out
                            .map_err(|e| crate::honest::explain(view, m, e))
                            .and_then(|(r, x)| crate::honest::honest(view, m, r).map(|r| (r, x)))
                            .map_err(|e| {
                                format!("{}: model `{}` ({}): {e}", m.spec_file, m.name, m.table)
                            })?;
                        let rec = record(m, info, result, extras);
                        let json = serde_json::to_string(&rec).map_err(|e| e.to_string())?;
                        write_atomic(cache_file, seal(cache_file, &json).as_bytes())?;
                        progress(m);
                        Ok((*i, rec))
                    })
                    .collect()
            })
            .collect()
    });
    results.extend(estimated.into_iter().flatten());
    results
}

fn record(
    m: &PlannedModel,
    info: &DataInfo,
    result: estimators::OlsResult,
    extras: exec::Extras,
) -> ModelRecord {
    ModelRecord {
        name: m.name.clone(),
        label: m.label.clone(),
        table: m.table.clone(),
        spec_file: m.spec_file.clone(),
        spec_hash: m.key.clone(),
        data_hash: info.hash.clone(),
        plan: serde_json::to_value(m).unwrap_or_default(),
        estimator: m.estimator.clone(),
        outcome: m.outcome.clone(),
        treatment: m.treatment.clone(),
        controls: m.controls.clone(),
        fe: m.fe.clone(),
        cluster: m.cluster.clone(),
        weights: m.weights.clone(),
        sample: m.sample.clone(),
        sample_label: m.sample_label.clone(),
        panel: m.panel.clone(),
        result,
        stats: extras.stats,
        notes: extras.notes,
        event_study: extras.event_study,
        details: extras.details,
        figures: extras.figures,
        honest: extras.honest,
        overall: extras.overall,
    }
}
