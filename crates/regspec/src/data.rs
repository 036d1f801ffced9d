//! Where a run's data come from: the workspace's datasets (a file, `--data`, or the study's
//! raw-source build), their variables, the check of the plan against each, and the keys that
//! let a cached run skip reading them.

use crate::check;
use crate::frame::PanelView;
use crate::plan::PlannedModel;
use crate::workspace::{self, Workspace};
use ingest::Panel;
use std::path::{Path, PathBuf};

/// Where the panel of a run comes from, as the command line and `regspec.yaml` decide.
#[derive(Debug, Clone)]
pub struct DataSource {
    /// The workspace root (where `regspec.yaml` is).
    pub root: PathBuf,
    /// `--raw-data DIR`: build the study panel from raw files.
    pub raw_data: Option<PathBuf>,
    /// `--sources FILE`: the raw sources declaration, overriding the workspace's
    /// `data.sources` (default `data/sources.yaml`).
    pub sources: Option<PathBuf>,
    /// `--data FILE`: a data file overriding the workspace's.
    pub data: Option<PathBuf>,
    /// `--demo-panel FILE`: the panel used when the workspace declares no data file (default
    /// the simulated `data/demo_panel.csv`). Refused when the workspace declares one.
    pub demo_panel: Option<PathBuf>,
}

/// The simulated demo panel of the study's layout.
pub const DEMO_PANEL: &str = "data/demo_panel.csv";

/// A dataset read and its variables computed, with what the reports say about it.
pub struct LoadedPanel {
    /// The panel.
    pub panel: Panel,
    /// Human description of the data (file, rows, keys), printed in every table.
    pub description: String,
    /// True for the simulated demo panel.
    pub simulated: bool,
    /// The data key (see `data_key`).
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
    if let (None, Some(d), Some(f)) = (name, &src.demo_panel, &declared) {
        return Err(format!(
            "--demo-panel {} is for a workspace without data; regspec.yaml declares {}: use --data to run on another file",
            d.display(),
            f.display()
        ));
    }
    Ok(match (name, &src.data, declared) {
        (None, Some(f), _) => (f.clone(), ws.dataset()),
        (_, _, Some(f)) => (f, workspace::spec_of(decl)),
        (_, _, None) => (
            src.demo_panel
                .clone()
                .unwrap_or_else(|| rooted(&src.root, Path::new(DEMO_PANEL))),
            ws.dataset(),
        ),
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
            // `--sources` wins over the workspace's declaration, which wins over the default.
            let sources = src.sources.clone().unwrap_or_else(|| {
                rooted(
                    &src.root,
                    ws.data
                        .sources
                        .as_deref()
                        .unwrap_or(Path::new("data/sources.yaml")),
                )
            });
            let cfg = measures::study::SourcesConfig::load(&sources).map_err(|e| e.to_string())?;
            let inputs = measures::study::load(dir, &cfg).map_err(|e| e.to_string())?;
            let p = measures::study::build_panel(&inputs).map_err(|e| e.to_string())?;
            // No filesystem path in a table note: where the raw files sit is the reader's
            // business, which files they are is in the sources declaration.
            let d = format!(
                "real public data, built from the raw files declared in {} (outcome: {})",
                sources.file_name().map_or_else(
                    || sources.display().to_string(),
                    |f| f.to_string_lossy().to_string()
                ),
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
                let group = p
                    .group
                    .as_ref()
                    .map_or(String::new(), |g| format!(", group {g}"));
                let keys = match (&p.unit, &p.time) {
                    (Some(u), Some(t)) => format!("unit {u}, time {t}"),
                    (None, Some(t)) => format!("repeated cross-sections by {t}{group}"),
                    (_, None) => format!("a cross-section{group}"),
                };
                format!("{} ({} rows; {keys})", file.display(), p.nrows())
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
    /// The spec files as loaded.
    pub loaded: Vec<crate::spec::LoadedSpec>,
    /// Every model, completed from the data.
    pub plan: Vec<PlannedModel>,
    /// The datasets the models run on.
    pub prepared: Vec<Prepared>,
    /// The workspace file they were checked under.
    pub ws: Workspace,
}

/// Problems found by [`check_workspace`]: every diagnostic, and whether all of them are about
/// the data or its variables (for the closing line).
pub struct CheckFailure {
    /// Every problem found.
    pub diags: Vec<crate::diag::Diagnostic>,
    /// True when every problem is about the data or its variables.
    pub data_only: bool,
}

/// Plans every spec file and checks it against every dataset it uses, collecting every
/// problem of every stage.
pub fn check_workspace(
    src: &DataSource,
    files: &[PathBuf],
    templates: &Path,
) -> Result<Checked, CheckFailure> {
    let ws = Workspace::load(&src.root).map_err(|d| CheckFailure {
        diags: vec![d],
        data_only: true,
    })?;
    let (loaded, mut plan, mut diags) = check::load_static(files);
    diags.extend(check_datasets(&ws, &loaded));
    diags.extend(check::check_tables(
        &loaded,
        &crate::output::templates(templates),
    ));
    let static_problems = !diags.is_empty();
    let names = datasets_of(&loaded, &plan.iter().collect::<Vec<_>>());
    let names = if names.is_empty() { vec![None] } else { names };
    match prepare_all(src, &ws, &loaded, &mut plan, &names) {
        Ok(prepared) if !static_problems => Ok(Checked {
            loaded,
            plan,
            prepared,
            ws,
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
    /// The dataset's name (None: the default dataset).
    pub name: Option<String>,
    /// Its panel.
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
    // A panel's keys are hashed as they always were; other shapes say which keys they lack.
    match p.panel_keys() {
        Some((u, t)) => {
            h.update(u.as_bytes());
            h.update(t.as_bytes());
        }
        None => h.update(format!("time={:?};", p.time).as_bytes()),
    }
    if let Some(g) = &p.group {
        h.update(format!("group={g};").as_bytes());
    }
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

/// What the reports say about the data, cached beside the results so that a rerun that needs
/// no estimation needs no data either.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DataInfo {
    /// Human description of the data.
    pub description: String,
    /// True for the simulated demo panel.
    pub simulated: bool,
    /// The key of the data in the cache.
    pub hash: String,
    /// What the key is made of, hashed (see [`data_parts`]).
    #[serde(default)]
    pub parts: std::collections::BTreeMap<String, String>,
    /// Labels the data file gives its columns (Stata variable labels), as plain text; a spec's
    /// own `labels` win over them.
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
}

/// What a dataset's key is made of, each hashed: the file (its bytes, how it is read, its path
/// and meta file) as `data file`, and each variable definition that applies to it as
/// `variable <name>`. Empty for the raw-source build.
pub fn data_parts(
    src: &DataSource,
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    name: Option<&str>,
    cache_dir: &Path,
) -> std::collections::BTreeMap<String, String> {
    use xxhash_rust::xxh3::Xxh3;
    let mut out = std::collections::BTreeMap::new();
    if src.raw_data.is_some() && name.is_none() {
        return out;
    }
    let Ok((file, spec)) = data_file(src, ws, name) else {
        return out;
    };
    let mut f = Xxh3::new();
    if let Some(d) = crate::cache::file_digest(&file, cache_dir) {
        f.update(&d.to_le_bytes());
    }
    f.update(serde_json::to_string(&spec).unwrap_or_default().as_bytes());
    f.update(file.display().to_string().as_bytes());
    f.update(&std::fs::read(ingest::panel::meta_path(&file)).unwrap_or_default());
    out.insert("data file".to_string(), format!("{:016x}", f.digest()));
    for (var, def) in variables_for(ws, loaded, name) {
        let mut v = Xxh3::new();
        v.update(def.as_bytes());
        out.insert(format!("variable {var}"), format!("{:016x}", v.digest()));
    }
    out
}

/// Every variable definition that applies to a dataset: the workspace's, then the spec files'
/// (in file order), as (name, expression).
pub fn variables_for(
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    name: Option<&str>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ws.variables_of(name).0.clone();
    for ls in loaded.iter().filter(|l| l.spec.data.as_deref() == name) {
        out.extend(ls.spec.variables.0.iter().cloned());
    }
    out
}

/// The cache key of a dataset without reading it as a table: the file's bytes (their hash
/// remembered in `cache_dir` while the file is unchanged, [`crate::cache::file_digest`]), how
/// it is keyed, and every variable definition that applies to it. `None` for the raw-source build,
/// whose key is the hash of the built panel.
pub fn data_key(
    src: &DataSource,
    ws: &Workspace,
    loaded: &[crate::spec::LoadedSpec],
    name: Option<&str>,
    cache_dir: &Path,
) -> Option<String> {
    use xxhash_rust::xxh3::Xxh3;
    if src.raw_data.is_some() && name.is_none() {
        return None;
    }
    let (file, spec) = data_file(src, ws, name).ok()?;
    let mut h = Xxh3::new();
    h.update(&crate::cache::file_digest(&file, cache_dir)?.to_le_bytes());
    h.update(serde_json::to_string(&spec).ok()?.as_bytes());
    h.update(file.display().to_string().as_bytes());
    h.update(&std::fs::read(ingest::panel::meta_path(&file)).unwrap_or_default());
    h.update(
        serde_json::to_string(ws.variables_of(name))
            .ok()?
            .as_bytes(),
    );
    // Only spec files that define variables: adding a table keeps every cached fit.
    for ls in loaded
        .iter()
        .filter(|l| l.spec.data.as_deref() == name && !l.spec.variables.0.is_empty())
    {
        h.update(serde_json::to_string(&ls.spec.variables).ok()?.as_bytes());
    }
    Some(format!("f{:015x}", h.digest() >> 4))
}
