//! One `regspec run`: panel, specs, plan, cache, parallel estimation, atomic outputs.

use crate::check;
use crate::exec;
use crate::frame::PanelView;
use crate::plan::PlannedModel;
use crate::workspace::{self, Workspace};
use estimators::{ModelRecord, TableRecord};
use indicatif::{ProgressBar, ProgressStyle};
use ingest::Panel;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct RunOptions {
    pub specs: Vec<PathBuf>,
    pub spec_dir: PathBuf,
    pub only: Vec<String>,
    pub jobs: Option<usize>,
    pub source: DataSource,
    pub out: PathBuf,
    pub quiet: bool,
    /// A line per model on the terminal or in a log, instead of the progress bar.
    pub verbose: bool,
    pub shard: Option<(usize, usize)>,
    /// Workspace templates overriding the built-in defaults, when the directory exists.
    pub templates: PathBuf,
}

/// Where the panel of a run comes from, as the command line and `regspec.yaml` decide.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// The workspace root (where `regspec.yaml` is).
    pub root: PathBuf,
    /// `--raw-data DIR`: build the study panel from raw files.
    pub raw_data: Option<PathBuf>,
    /// The raw sources declaration (`--sources`, or the workspace's `data.sources`).
    pub sources: PathBuf,
    /// `--data FILE`: a data file overriding the workspace's.
    pub data: Option<PathBuf>,
    /// The panel used when no data is declared (the simulated demo).
    pub demo_panel: PathBuf,
}

pub fn templates(dir: &Path) -> report::Templates {
    report::Templates {
        dir: dir.is_dir().then(|| dir.to_path_buf()),
    }
}

pub struct LoadedPanel {
    pub panel: Panel,
    pub description: String,
    pub simulated: bool,
    pub hash: String,
}

/// A workspace-relative path as the user wrote it when the root is the current directory.
fn rooted(root: &Path, p: &Path) -> PathBuf {
    if root == Path::new(".") {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// The data file of a dataset: `--data` overrides the default dataset's file.
fn data_file(
    src: &DataSource,
    ws: &Workspace,
    name: Option<&str>,
) -> Result<(PathBuf, ingest::DatasetSpec), String> {
    let decl = ws.decl(name)?;
    let declared = decl.file.as_ref().map(|f| rooted(&src.root, f));
    Ok(match (name, &src.data, declared) {
        (None, Some(f), _) => (f.clone(), ws.dataset()),
        (_, _, Some(f)) => (f, workspace::spec_of(decl)),
        (_, _, None) => (src.demo_panel.clone(), ws.dataset()),
    })
}

/// Loads a dataset (no variables yet): the default one (`None`, which `--raw-data` and `--data`
/// override) or a named one of `regspec.yaml`.
pub fn load_data(
    src: &DataSource,
    ws: &Workspace,
    name: Option<&str>,
) -> Result<LoadedPanel, String> {
    let (panel, description) = match (&src.raw_data, name) {
        (Some(dir), None) => {
            let sources = ws
                .data
                .sources
                .as_ref()
                .map(|s| rooted(&src.root, s))
                .unwrap_or_else(|| src.sources.clone());
            let cfg = ingest::SourcesConfig::load(&sources).map_err(|e| e.to_string())?;
            let inputs = ingest::load(dir, &cfg).map_err(|e| e.to_string())?;
            let p = measures::build_panel(&inputs).map_err(|e| e.to_string())?;
            let d = format!(
                "real public data from {} (outcome: {})",
                dir.display(),
                p.meta.get("outcome_source").cloned().unwrap_or_default()
            );
            (p, d)
        }
        _ => {
            let (file, spec) = data_file(src, ws, name)?;
            let p = ingest::read_panel(&file, &spec).map_err(|e| e.to_string())?;
            let simulated = p.meta.get("data").is_some_and(|d| d.contains("simulated"));
            let d = if simulated {
                format!("SIMULATED demo panel ({}), not real data", file.display())
            } else {
                format!(
                    "{} ({} rows; unit {}, time {})",
                    file.display(),
                    p.nrows(),
                    p.unit,
                    p.time
                )
            };
            (p, d)
        }
    };
    let simulated = panel
        .meta
        .get("data")
        .is_some_and(|d| d.contains("simulated"));
    Ok(LoadedPanel {
        panel,
        description,
        simulated,
        hash: String::new(),
    })
}

/// Loads the default dataset with its variables and those of every spec file on it.
pub fn prepare(
    src: &DataSource,
    spec_files: &[PathBuf],
) -> Result<LoadedPanel, Vec<crate::diag::Diagnostic>> {
    let ws = Workspace::load(&src.root).map_err(|d| vec![d])?;
    let loaded: Vec<crate::spec::LoadedSpec> = spec_files
        .iter()
        .filter_map(|f| crate::spec::load(f).ok())
        .collect();
    prepare_dataset(src, &ws, &loaded, None)
}

/// Loads a dataset, computes the workspace's variables of it and those of the spec files that
/// run on it, and hashes the result. Variable errors come back as diagnostics (all of them).
pub fn prepare_dataset(
    src: &DataSource,
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    name: Option<&str>,
) -> Result<LoadedPanel, Vec<crate::diag::Diagnostic>> {
    let one = |e: String| vec![crate::diag::Diagnostic::new(Path::new(""), e)];
    let mut lp = load_data(src, ws, name).map_err(one)?;
    let mut diags = Vec::new();
    if let Some(f) = &ws.file {
        let defs = ws.variables_of(name);
        if let Err(errs) = measures::vars::apply(&mut lp.panel, defs, workspace::FILE_NAME) {
            diags.extend(workspace::var_diagnostics(f, &ws.text, defs, &errs));
        }
    }
    for ls in loaded.iter().filter(|l| l.spec.data.as_deref() == name) {
        if ls.spec.variables.0.is_empty() {
            continue;
        }
        let origin = ls.path.display().to_string();
        if let Err(errs) = measures::vars::apply(&mut lp.panel, &ls.spec.variables, &origin) {
            diags.extend(workspace::var_diagnostics(
                &ls.path,
                &ls.text,
                &ls.spec.variables,
                &errs,
            ));
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    lp.hash = panel_hash(&lp.panel);
    Ok(lp)
}

/// Every dataset named by a spec file exists in `regspec.yaml`.
pub fn check_datasets(
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
) -> Vec<crate::diag::Diagnostic> {
    loaded
        .iter()
        .filter_map(|ls| {
            let name = ls.spec.data.as_deref()?;
            let e = ws.decl(Some(name)).err()?;
            let d = crate::diag::Diagnostic::new(&ls.path, e);
            Some(match ls.text.lines().position(|l| l.starts_with("data:")) {
                Some(i) => d.at(&ls.text, i + 1, 7),
                None => d,
            })
        })
        .collect()
}

/// The datasets the models use, default first.
pub fn datasets_of(
    loaded: &[crate::spec::LoadedSpec],
    models: &[&PlannedModel],
) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = models.iter().map(|m| dataset_of(loaded, m)).collect();
    out.sort();
    out.dedup();
    out
}

/// The dataset of a model: its spec file's `data:`.
pub fn dataset_of(loaded: &[crate::spec::LoadedSpec], m: &PlannedModel) -> Option<String> {
    loaded
        .iter()
        .find(|l| l.path.display().to_string() == m.spec_file)
        .and_then(|l| l.spec.data.clone())
}

/// Everything `regspec check` and `list` need: the plan checked against every dataset.
pub struct Checked {
    pub loaded: Vec<crate::spec::LoadedSpec>,
    pub plan: Vec<PlannedModel>,
    pub prepared: Vec<Prepared>,
}

/// Problems found by [`check_workspace`]: every diagnostic, and whether all of them are about
/// the data or its variables (for the closing line).
pub struct CheckFailure {
    pub diags: Vec<crate::diag::Diagnostic>,
    pub data_only: bool,
}

/// Plans every spec file and checks it against every dataset it uses, collecting every
/// problem of every stage.
pub fn check_workspace(src: &DataSource, files: &[PathBuf]) -> Result<Checked, CheckFailure> {
    let ws = Workspace::load(&src.root).map_err(|d| CheckFailure {
        diags: vec![d],
        data_only: true,
    })?;
    let (loaded, mut plan, mut diags) = check::load_static(files);
    diags.extend(check_datasets(&ws, &loaded));
    let static_problems = !diags.is_empty();
    let names = datasets_of(&loaded, &plan.iter().collect::<Vec<_>>());
    let names = if names.is_empty() { vec![None] } else { names };
    match prepare_all(src, &ws, &loaded, &mut plan, &names) {
        Ok(prepared) if !static_problems => Ok(Checked {
            loaded,
            plan,
            prepared,
        }),
        Ok(_) => Err(CheckFailure {
            diags,
            data_only: false,
        }),
        Err(d) => {
            let data_only = !static_problems
                && d.iter().all(|x| {
                    x.message.starts_with("variable `")
                        || x.file.as_os_str().is_empty()
                        || x.file.ends_with(workspace::FILE_NAME)
                });
            diags.extend(d);
            Err(CheckFailure { diags, data_only })
        }
    }
}

/// A dataset loaded and its models checked against it.
pub struct Prepared {
    pub name: Option<String>,
    pub lp: LoadedPanel,
}

/// Loads every named dataset, computes its variables and checks the plan's models on it
/// (completing them: default keys, `i()` levels). Every problem of every dataset is returned.
pub fn prepare_all(
    src: &DataSource,
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    plan: &mut [PlannedModel],
    names: &[Option<String>],
) -> Result<Vec<Prepared>, Vec<crate::diag::Diagnostic>> {
    let mut diags = check_datasets(ws, loaded);
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut out = Vec::new();
    for name in names {
        match prepare_dataset(src, ws, loaded, name.as_deref()) {
            Err(d) => diags.extend(d),
            Ok(lp) => {
                let view = PanelView::new(&lp.panel);
                let mine: Vec<crate::spec::LoadedSpec> = loaded
                    .iter()
                    .filter(|l| l.spec.data == *name)
                    .cloned()
                    .collect();
                let (warnings, errors): (Vec<_>, Vec<_>) = check::check_plan(&mine, plan, &view)
                    .into_iter()
                    .partition(|d| d.warning);
                // Warnings stop nothing: they are printed as they are found.
                for w in warnings {
                    eprint!("{w}");
                }
                diags.extend(errors);
                drop(view);
                out.push(Prepared {
                    name: name.clone(),
                    lp,
                });
            }
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// A hash of every key and value of the panel (xxh3: fast enough to hash 1e8 cells in well
/// under a second, and only used to key the cache, not for security).
pub fn panel_hash(p: &Panel) -> String {
    use xxhash_rust::xxh3::Xxh3;
    let mut h = Xxh3::new();
    h.update(p.unit.as_bytes());
    h.update(p.time.as_bytes());
    let mut buf: Vec<u8> = Vec::with_capacity(8 * 4096);
    for c in &p.columns {
        h.update(c.name.as_bytes());
        h.update(&[0]);
        match &c.data {
            ingest::Data::Num(v) => {
                for chunk in v.chunks(4096) {
                    buf.clear();
                    for x in chunk {
                        // Every NaN hashes alike: missing is missing.
                        let bits = if x.is_nan() { u64::MAX } else { x.to_bits() };
                        buf.extend_from_slice(&bits.to_le_bytes());
                    }
                    h.update(&buf);
                }
            }
            ingest::Data::Cat { codes, levels } => {
                for l in levels {
                    h.update(l.as_bytes());
                    h.update(&[0]);
                }
                for chunk in codes.chunks(8192) {
                    buf.clear();
                    for k in chunk {
                        buf.extend_from_slice(&k.to_le_bytes());
                    }
                    h.update(&buf);
                }
            }
        }
    }
    format!("{:016x}", h.digest())
}

/// What was done, for the closing message.
pub struct RunSummary {
    pub estimated: usize,
    pub cached: usize,
    pub tables: Vec<PathBuf>,
    pub records: Vec<TableRecord>,
}

/// Writes `bytes` to `path` through a temporary file and a rename: readers see the old file or
/// the new one, never a half-written one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// What the reports say about the data, cached beside the results so that a rerun that needs
/// no estimation needs no data either.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DataInfo {
    pub description: String,
    pub simulated: bool,
    /// The key of the data in the cache.
    pub hash: String,
}

/// The cache key of a dataset without reading it as a table: the file's bytes, how it is
/// keyed, and every variable definition that applies to it. `None` for the raw-source build,
/// whose key is the hash of the built panel.
pub fn data_key(
    src: &DataSource,
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    name: Option<&str>,
) -> Option<String> {
    use xxhash_rust::xxh3::Xxh3;
    if src.raw_data.is_some() && name.is_none() {
        return None;
    }
    let (file, spec) = data_file(src, ws, name).ok()?;
    let mut h = Xxh3::new();
    // Streamed: a 1e8-row file is hashed without holding it in memory.
    let mut f = std::fs::File::open(&file).ok()?;
    let mut buf = vec![0u8; 1 << 22];
    loop {
        let k = std::io::Read::read(&mut f, &mut buf).ok()?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    h.update(serde_json::to_string(&spec).ok()?.as_bytes());
    h.update(file.display().to_string().as_bytes());
    h.update(&std::fs::read(ingest::panel::meta_path(&file)).unwrap_or_default());
    h.update(
        serde_json::to_string(ws.variables_of(name))
            .ok()?
            .as_bytes(),
    );
    for ls in loaded.iter().filter(|l| l.spec.data.as_deref() == name) {
        h.update(serde_json::to_string(&ls.spec.variables).ok()?.as_bytes());
    }
    Some(format!("f{:015x}", h.digest() >> 4))
}

fn cache_file(dir: &Path, m: &PlannedModel, data: &str) -> PathBuf {
    dir.join(format!("{}-{data}-{VERSION}.json", m.key))
}

/// Proves a directory can be written (created if needed) before any model is estimated.
fn writable(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| e.to_string())?;
    std::fs::remove_file(&probe).map_err(|e| e.to_string())
}

/// What a cache entry holds, as read.
enum Cached<T> {
    Hit(T),
    Miss,
    /// Present but not to be trusted: edited, truncated, or copied from another entry.
    Corrupt(String),
}

/// A cache entry: a header line naming the key it answers and the checksum of the content
/// below it, then the JSON. An entry whose checksum or key does not match is never used.
fn seal(path: &Path, json: &str) -> String {
    let key = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let sum = xxhash_rust::xxh3::xxh3_64(json.as_bytes());
    format!("regspec-cache 1 {key} {sum:016x}\n{json}")
}

fn unseal<T: serde::de::DeserializeOwned>(path: &Path) -> Cached<T> {
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

fn read_cached(path: &Path) -> Option<ModelRecord> {
    match unseal(path) {
        Cached::Hit(r) => Some(r),
        _ => None,
    }
}

pub fn run(o: &RunOptions) -> Result<RunSummary, String> {
    let files = check::spec_files(&o.specs, &o.spec_dir).map_err(|d| d.to_string())?;
    let ws = Workspace::load(&o.source.root).map_err(|d| d.to_string())?;
    let (loaded, mut plan, mut diags) = check::load_static(&files);
    diags.extend(check_datasets(&ws, &loaded));
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
        format!(
            "--out {}: cannot write there ({e}); nothing was estimated",
            o.out.display()
        )
    })?;
    let names = datasets_of(
        &loaded,
        &selected.iter().map(|&i| &plan[i]).collect::<Vec<_>>(),
    );
    // A dataset whose every selected model is cached is not read at all.
    let mut infos: BTreeMap<Option<String>, DataInfo> = BTreeMap::new();
    let mut by_index: BTreeMap<usize, ModelRecord> = BTreeMap::new();
    let mut need: Vec<Option<String>> = Vec::new();
    for name in &names {
        let mine: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&i| dataset_of(&loaded, &plan[i]) == *name)
            .collect();
        let hit = data_key(&o.source, &ws, &loaded, name.as_deref()).and_then(|k| {
            let info: DataInfo = serde_json::from_str(
                &std::fs::read_to_string(cache_dir.join(format!("data-{k}.json"))).ok()?,
            )
            .ok()?;
            let recs: Option<Vec<(usize, ModelRecord)>> = mine
                .iter()
                .map(|&i| read_cached(&cache_file(&cache_dir, &plan[i], &k)).map(|r| (i, r)))
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
        .num_threads(o.jobs.unwrap_or(0))
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
        let key = data_key(&o.source, &ws, &loaded, p.name.as_deref());
        let info = DataInfo {
            description: p.lp.description.clone(),
            simulated: p.lp.simulated,
            hash: key.clone().unwrap_or_else(|| p.lp.hash.clone()),
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
    let mut records = tables(&loaded, &plan, by_index, &infos);
    // A partial run (`--only`, some spec files, a shard) merges into the existing set.
    if !o.only.is_empty() || !o.specs.is_empty() || o.shard.is_some() {
        records = merge_into_previous(&o.out, records, &plan)?;
    }
    let written = crate::output::write_outputs(&o.out, &records, &templates(&o.templates))?;
    let cached = cached.into_inner();
    Ok(RunSummary {
        estimated: total - cached,
        cached,
        tables: written,
        records,
    })
}

/// A result never says more than was estimated: a treatment that was dropped (absorbed by the
/// fixed effects or collinear with the regressors) or an outcome the regressors fit exactly is
/// an error, not a table row.
fn honest(m: &PlannedModel, r: &estimators::OlsResult) -> Result<(), String> {
    if let Some(t) = &m.treatment {
        if let Some(d) = r.dropped.iter().find(|d| &d.name == t) {
            return Err(format!(
                "the treatment `{t}` was dropped ({}): the model says nothing about it",
                d.reason
            ));
        }
    }
    if r.r2.is_finite() && r.r2 >= 1.0 - 1e-12 && !r.coefficients.is_empty() {
        return Err(format!(
            "the regressors fit `{}` exactly (R² = 1): is the outcome one of the regressors?",
            m.outcome
        ));
    }
    Ok(())
}

fn problems(diags: &[crate::diag::Diagnostic], what: &str) -> String {
    let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    format!("{} problem(s) {what}\n{}", diags.len(), text.join(""))
}

/// The new tables merged with the existing set of `out`: tables this run did not touch are kept
/// as they were; in a table it touched, the models it did not run keep their previous results.
/// Data never mix: a table whose previous results came from other data is refused.
fn merge_into_previous(
    out: &Path,
    new: Vec<TableRecord>,
    plan: &[PlannedModel],
) -> Result<Vec<TableRecord>, String> {
    let previous = crate::output::current_tables(out)?;
    let rank: BTreeMap<(&str, &str), usize> = plan
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.table.as_str(), m.name.as_str()), i))
        .collect();
    let mut merged: Vec<TableRecord> = Vec::new();
    let mut new = new;
    for p in previous {
        match new.iter().position(|t| t.table == p.table) {
            None => merged.push(p),
            Some(k) => {
                let mut t = new.remove(k);
                if t.data_source != p.data_source {
                    return Err(format!(
                        "table `{}` in {} was made from {}; this run uses {}: a partial run would mix data (run every spec without --only, or write to another --out)",
                        t.table,
                        out.display(),
                        p.data_source,
                        t.data_source
                    ));
                }
                for m in p.models {
                    if !t.models.iter().any(|x| x.name == m.name)
                        && rank.contains_key(&(t.table.as_str(), m.name.as_str()))
                    {
                        t.models.push(m);
                    }
                }
                t.models.sort_by_key(|m| {
                    rank.get(&(t.table.as_str(), m.name.as_str()))
                        .copied()
                        .unwrap_or(usize::MAX)
                });
                merged.push(t);
            }
        }
    }
    merged.extend(new);
    Ok(merged)
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
                        let (result, extras) =
                            out.and_then(|o| honest(m, &o.0).map(|_| o)).map_err(|e| {
                                format!("{}: model `{}` ({}): {e}", m.spec_file, m.name, m.table)
                            })?;
                        let rec = record(m, &info.hash, result, extras);
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
    data_hash: &str,
    result: estimators::OlsResult,
    extras: exec::Extras,
) -> ModelRecord {
    ModelRecord {
        name: m.name.clone(),
        label: m.label.clone(),
        table: m.table.clone(),
        spec_file: m.spec_file.clone(),
        spec_hash: m.key.clone(),
        data_hash: data_hash.to_string(),
        estimator: m.estimator.clone(),
        outcome: m.outcome.clone(),
        treatment: m.treatment.clone(),
        controls: m.controls.clone(),
        fe: m.fe.clone(),
        cluster: m.cluster.clone(),
        sample: m.sample.clone(),
        sample_label: m.sample_label.clone(),
        panel: m.panel.clone(),
        result,
        event_study: extras.event_study,
        placebo: extras.placebo,
        psm: extras.psm,
        bootstrap: extras.bootstrap,
        bacon: extras.bacon,
        callaway_santanna: extras.cs,
        imputation: extras.imputation,
    }
}

/// Groups model records into their tables, in plan order; tables with no selected model are
/// not written.
fn tables(
    loaded: &[crate::spec::LoadedSpec],
    plan: &[PlannedModel],
    mut recs: BTreeMap<usize, ModelRecord>,
    infos: &BTreeMap<Option<String>, DataInfo>,
) -> Vec<TableRecord> {
    let mut out = Vec::new();
    for ls in loaded {
        let models: Vec<ModelRecord> = plan
            .iter()
            .enumerate()
            .filter(|(_, m)| m.table == ls.table)
            .filter_map(|(i, _)| recs.remove(&i))
            .collect();
        if models.is_empty() {
            continue;
        }
        let s = &ls.spec;
        let Some(lp) = infos.get(&s.data) else {
            continue;
        };
        out.push(TableRecord {
            table: ls.table.clone(),
            title: s.title.clone(),
            notes: s.notes.clone(),
            spec_file: ls.path.display().to_string(),
            labels: s.labels.clone(),
            keep: s.keep.clone(),
            drop: s.drop.clone(),
            template: s.template.clone(),
            format: s.format.clone().unwrap_or(serde_json::Value::Null),
            data_source: lp.description.clone(),
            data_simulated: lp.simulated,
            program_version: VERSION.to_string(),
            models,
        });
    }
    out
}

/// Combines the per-table outputs of shard runs into one, models in plan order.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    order: &[PlannedModel],
    tpl: &report::Templates,
) -> Result<Vec<PathBuf>, String> {
    let mut tables: BTreeMap<String, TableRecord> = BTreeMap::new();
    for d in dirs {
        let rd = std::fs::read_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
            let t: TableRecord = serde_json::from_str(&text)
                .map_err(|e| format!("{}: not a regspec table: {e}", f.display()))?;
            match tables.get_mut(&t.table) {
                None => {
                    tables.insert(t.table.clone(), t);
                }
                Some(acc) => {
                    if acc.data_source != t.data_source {
                        return Err(format!("{}: shards ran on different data", f.display()));
                    }
                    for m in t.models {
                        if acc.models.iter().any(|a| a.name == m.name) {
                            return Err(format!(
                                "{}: model `{}` appears in two shards",
                                f.display(),
                                m.name
                            ));
                        }
                        acc.models.push(m);
                    }
                }
            }
        }
    }
    let rank: BTreeMap<(&str, &str), usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| ((m.table.as_str(), m.name.as_str()), i))
        .collect();
    for t in tables.values_mut() {
        t.models.sort_by_key(|m| {
            rank.get(&(m.table.as_str(), m.name.as_str()))
                .copied()
                .unwrap_or(usize::MAX)
        });
    }
    let records: Vec<TableRecord> = tables.into_values().collect();
    let _lock = crate::reportset::lock(out)?;
    crate::reportset::recover(out)?;
    crate::output::write_outputs(out, &records, tpl)
}
