//! The workspace file `regspec.yaml`: which data a workspace runs on and the variables it
//! declares. Without the file, a workspace is the study's layout (the simulated demo panel
//! `data/demo_panel.csv`, keys `iso3` and `year`; `--raw-data` builds the real panel from
//! `data/sources.yaml`).
//!
//! ```yaml
//! data:
//!   file: data/states.csv      # .csv, .parquet or .dta, relative to the workspace
//!   unit: state                # any name, text or integer
//!   time: year                 # integer periods, or a date with `period: year|quarter|month`
//!   delimiter: ";"             # a CSV's separator when it is not `,` (`regspec init` finds it)
//!   decimal: ","               # a CSV's decimal mark when it is not `.` (with `;` or tab)
//! variables:                   # computed in order; later ones may use earlier ones
//!   ln_income: log(income)
//!   cohort: first_treated(treated)
//!   rel: rel_time(cohort)
//! datasets:                    # further datasets; a spec file picks one with `data: firms`
//!   firms:
//!     file: data/firms.parquet
//!     unit: firm_id
//!     time: year
//!     variables: {ln_sales: log(sales)}
//! limits: {grid_models: 1000000}   # raise a cap (see `limits`)
//! slurm: {partition: short, mem: 4G, time: "01:00:00", max_concurrent: 20}   # `regspec slurm`
//! ```

use crate::diag::Diagnostic;
use ingest::{DatasetSpec, Period};
use measures::vars::{Definitions, VarError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The workspace file name.
pub const FILE_NAME: &str = "regspec.yaml";

/// The data declaration of a workspace.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataDecl {
    /// The data file (relative to the workspace root).
    pub file: Option<PathBuf>,
    /// Name of the unit key column.
    pub unit: Option<String>,
    /// Name of the time key column.
    pub time: Option<String>,
    /// Name of the group column (the level at which a treatment is assigned).
    pub group: Option<String>,
    /// How a date time key becomes periods (year, quarter, month, day).
    pub period: Option<Period>,
    /// Field delimiter of a CSV file (default: comma).
    pub delimiter: Option<char>,
    /// Decimal mark of a CSV file's numbers (default `.`; `,` with another delimiter).
    pub decimal: Option<char>,
    /// The declaration of raw sources that `--raw-data DIR` builds a panel from.
    pub sources: Option<PathBuf>,
    /// Variables of a named dataset (the default dataset's are the top-level `variables`).
    #[serde(default)]
    pub variables: Definitions,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceFile {
    #[serde(default)]
    data: DataDecl,
    #[serde(default)]
    variables: Definitions,
    #[serde(default)]
    datasets: std::collections::BTreeMap<String, DataDecl>,
    #[serde(default)]
    limits: crate::limits::Limits,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    estimation: Estimation,
    #[serde(default)]
    slurm: SlurmConfig,
    #[serde(default)]
    format: Option<serde_json::Value>,
}

/// Workspace-wide estimation settings (`estimation:` in regspec.yaml); a spec's own fields win.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estimation {
    /// The FE solver of every model that absorbs fixed effects and leaves `demean` out.
    #[serde(default)]
    pub demean: estimators::demean::DemeanMethod,
}

static ESTIMATION: std::sync::RwLock<Estimation> = std::sync::RwLock::new(Estimation {
    demean: estimators::demean::DemeanMethod::Auto,
});

/// The workspace's default FE solver (set when regspec.yaml is read, like the limits).
pub fn default_demean() -> estimators::demean::DemeanMethod {
    ESTIMATION.read().unwrap_or_else(|e| e.into_inner()).demean
}

fn configure_estimation(e: Estimation) {
    *ESTIMATION.write().unwrap_or_else(|e| e.into_inner()) = e;
}

/// The workspace's `slurm:` block in regspec.yaml: what every submission asks of the cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmConfig {
    /// Partition (`--partition`).
    pub partition: Option<String>,
    /// Account (`--account`).
    pub account: Option<String>,
    /// Time limit of a task (`--time`, e.g. `02:00:00`; default: estimated from the plan).
    pub time: Option<String>,
    /// Memory of a task (`--mem`, e.g. `4G`; default: estimated from the plan).
    pub mem: Option<String>,
    /// Tasks running at once (`--array=...%N`).
    pub max_concurrent: Option<u32>,
    /// CPUs of a task (`--cpus-per-task`, default 2): the task's threads.
    pub cpus_per_task: Option<u32>,
    /// Array tasks (shards) when `--tasks` is not given (default 8).
    pub tasks: Option<usize>,
    /// Further `sbatch` arguments of the array job, as words (`[--qos=short, --hold]`).
    #[serde(default)]
    pub extra_args: Vec<String>,
}

/// A loaded workspace.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// `regspec.yaml`, when the workspace has one.
    pub file: Option<PathBuf>,
    /// Its text, for diagnostics.
    pub text: String,
    /// The default dataset.
    pub data: DataDecl,
    /// Variables of the default dataset.
    pub variables: Definitions,
    /// Named datasets besides the default one.
    pub datasets: std::collections::BTreeMap<String, DataDecl>,
    /// The caps on draws, event windows and grids (`limits:`; see [`crate::limits`]).
    pub limits: crate::limits::Limits,
    /// How every table names these columns (`labels:`; a spec's own labels win, and these win
    /// over a data file's variable labels).
    pub labels: std::collections::BTreeMap<String, String>,
    /// What `regspec slurm` asks of the cluster (`slurm:`).
    pub slurm: SlurmConfig,
    /// Every table's `format` (a journal style, digits, ...) unless its spec file sets the key
    /// (`format:`; see `report::Style::merge`).
    pub format: Option<serde_json::Value>,
}

impl Workspace {
    /// Reads `regspec.yaml` in `root`, or the study defaults when there is none.
    pub fn load(root: &Path) -> Result<Workspace, Diagnostic> {
        let path = if root == Path::new(".") {
            PathBuf::from(FILE_NAME)
        } else {
            root.join(FILE_NAME)
        };
        if !path.exists() {
            crate::limits::configure(crate::limits::DEFAULT);
            configure_estimation(Estimation::default());
            return Ok(Workspace::default());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Diagnostic::new(&path, format!("cannot read: {e}")))?;
        let wf: WorkspaceFile = crate::yaml::from_str(&text).map_err(|e| {
            let mut msg = e.message.clone();
            if msg.contains("unknown field") {
                msg.push_str(
                    " (a workspace file has `data`, `variables`, `datasets`, `labels`, `limits`, `estimation`, `slurm` and `format`)",
                );
            }
            let d = Diagnostic::new(&path, msg);
            match (e.line, e.column) {
                (Some(l), Some(c)) => d.at(&text, l, c),
                _ => d,
            }
        })?;
        if !wf.data.variables.0.is_empty() {
            let d = Diagnostic::new(
                &path,
                "the default dataset's variables go in the top-level `variables:` block",
            );
            return Err(
                match text
                    .lines()
                    .position(|l| l.trim_start().starts_with("variables:") && l.starts_with(' '))
                {
                    Some(i) => d.at(&text, i + 1, 3),
                    None => d,
                },
            );
        }
        for (name, decl) in &wf.datasets {
            if decl.sources.is_some() {
                return Err(Diagnostic::new(
                    &path,
                    format!("dataset `{name}`: `sources` (the raw-source build) belongs to the default `data:` only"),
                ));
            }
            if decl.file.is_none() {
                return Err(Diagnostic::new(
                    &path,
                    format!("dataset `{name}` needs a `file` (and the keys it has: `unit` and `time` for a panel, `time` for repeated cross-sections, none for a cross-section)"),
                ));
            }
        }
        if let Some(f) = &wf.format {
            if let Err(e) = report::Style::from_value(f) {
                let d = Diagnostic::new(&path, e);
                return Err(match text.lines().position(|l| l.starts_with("format:")) {
                    Some(i) => d.at(&text, i + 1, 1),
                    None => d,
                });
            }
        }
        crate::limits::configure(wf.limits);
        configure_estimation(wf.estimation);
        Ok(Workspace {
            file: Some(path),
            text,
            data: wf.data,
            variables: wf.variables,
            datasets: wf.datasets,
            limits: wf.limits,
            labels: wf.labels,
            slurm: wf.slurm,
            format: wf.format,
        })
    }

    /// The declaration of a dataset: the default one (`None`) or a named one.
    pub fn decl(&self, name: Option<&str>) -> Result<&DataDecl, String> {
        match name {
            None => Ok(&self.data),
            Some(n) => self.datasets.get(n).ok_or_else(|| {
                let hint = crate::diag::suggest(n, self.datasets.keys().map(String::as_str))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let known: Vec<&str> = self.datasets.keys().map(String::as_str).collect();
                format!(
                    "unknown dataset `{n}` (regspec.yaml declares: {}){hint}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            }),
        }
    }

    /// The variables of a dataset.
    pub fn variables_of(&self, name: Option<&str>) -> &Definitions {
        match name.and_then(|n| self.datasets.get(n)) {
            Some(d) => &d.variables,
            None => &self.variables,
        }
    }

    /// How to read the default dataset's file: the keys it declares, and no others.
    pub fn dataset(&self) -> DatasetSpec {
        spec_of(&self.data)
    }
}

/// How to read a declared file.
pub fn spec_of(d: &DataDecl) -> DatasetSpec {
    DatasetSpec {
        file: d.file.clone(),
        unit: d.unit.clone(),
        time: d.time.clone(),
        group: d.group.clone(),
        period: d.period,
        delimiter: d.delimiter,
        decimal: d.decimal,
    }
}

/// Turns variable errors into diagnostics at `file:line:col` of the definition.
pub fn var_diagnostics(
    file: &Path,
    text: &str,
    defs: &Definitions,
    errs: &[VarError],
) -> Vec<Diagnostic> {
    errs.iter()
        .map(|e| {
            let d = Diagnostic::new(file, format!("variable `{}`: {}", e.name, e.message));
            match locate_variable(text, &e.name) {
                Some((line, col)) => {
                    // Point into the expression when the error knows where.
                    let expr = &defs.0[e.index].1;
                    // Without a position, point at the first name the message quotes.
                    let pos = e.pos.or_else(|| {
                        let quoted = e.message.split('`').nth(1)?;
                        expr.find(quoted).map(|i| expr[..i].chars().count())
                    });
                    let col = match (pos, text.lines().nth(line - 1)) {
                        (Some(p), Some(l)) => l
                            .find(expr.as_str())
                            .map(|i| l[..i].chars().count() + p + 1)
                            .unwrap_or(col),
                        _ => col,
                    };
                    d.at(text, line, col)
                }
                None => d,
            }
        })
        .collect()
}

/// The line and column of `name:` inside a `variables:` block.
fn locate_variable(text: &str, name: &str) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "variables:" || l.starts_with("variables:"))?;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        let t = l.trim_start();
        if !l.is_empty() && !l.starts_with(' ') && !l.starts_with('#') {
            break; // the next top-level key
        }
        let key = t.trim_start_matches(['"', '\'']);
        if key.starts_with(&format!("{name}:"))
            || key.starts_with(&format!("{name}\":"))
            || key.starts_with(&format!("{name}':"))
        {
            return Some((i + 1, l.len() - t.len() + 1));
        }
    }
    Some((start + 1, 1))
}

/// What `regspec init DATAFILE` writes: a workspace file with guessed keys, a first spec.
pub fn init(data: &Path, root: &Path) -> Result<Vec<PathBuf>, String> {
    let ws_file = root.join(FILE_NAME);
    if ws_file.exists() {
        return Err(format!(
            "{} exists already; edit it, or run `regspec init` in an empty directory",
            ws_file.display()
        ));
    }
    // A text file separated by `;`, a tab or `|` is read (and declared) that way.
    let delimiter = ingest::table::sniff_delimiter(data);
    let decimal = ingest::table::sniff_decimal(data, delimiter);
    // Read every column as it is, keys unchecked, to guess them.
    let cols = ingest::table::read_columns(data, delimiter).map_err(|e| e.to_string())?;
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    let file_rel = pathdiff(data, root);
    let guessed = guess_keys(data, &names, delimiter, decimal)?;
    let panel = &guessed.panel;
    let numeric: Vec<&str> = panel
        .variables()
        .filter(|c| !c.is_text() && !panel.is_key(&c.name))
        .map(|c| c.name.as_str())
        .collect();
    let outcome = numeric.first().copied().unwrap_or("y");
    let regressor = numeric.get(1).copied().unwrap_or("x");
    let line = |k: &str, v: &Option<String>| {
        v.as_ref()
            .map_or(String::new(), |v| format!("  {k}: {v}\n"))
    };
    let keys =
        line("unit", &panel.unit) + &line("time", &panel.time) + &line("group", &panel.group);
    let variables = match panel.panel_keys() {
        Some(_) => format!("variables:\n  {outcome}_l1: lag({outcome}, 1)\n"),
        None => format!("variables:\n  ln_{outcome}: log({outcome})\n"),
    };
    let yaml = format!(
        "# regspec workspace (written by `regspec init`): the data and the variables every spec sees.\n\
         {}\
         data:\n  file: {}\n{keys}{}\
         # Variables computed from the data, in order (see specs/README.md for the functions).\n\
         {variables}",
        guessed.why.lines().map(|l| format!("# {l}\n")).collect::<String>(),
        file_rel.display(),
        delimiter.map_or_else(String::new, |c| format!(
            "  delimiter: \"{}\"\n",
            c.escape_default()
        )) + if decimal.is_some() { "  decimal: \",\"\n" } else { "" }
    );
    // The first models: pooled, then with the fixed effects the keys suggest, clustered at the
    // level of the unit (a panel) or the group (repeated cross-sections); robust errors on a
    // cross-section without a group.
    let level = panel.unit.as_ref().or(panel.group.as_ref());
    let inference = match level {
        Some(l) => format!("cluster: {l}"),
        None => "vcov: hetero".to_string(),
    };
    let fe: Vec<&String> = [level, panel.time.as_ref()].into_iter().flatten().collect();
    let mut first = format!(
        "# A first table (written by `regspec init`): edit the outcome and regressors.\n\
         title: \"First regressions\"\n\
         models:\n  - name: pooled\n    outcome: {outcome}\n    regressors: [{regressor}]\n    {inference}\n"
    );
    if !fe.is_empty() {
        let fe: Vec<&str> = fe.iter().map(|s| s.as_str()).collect();
        first.push_str(&format!(
            "  - name: fe\n    extends: pooled\n    fe: [{}]\n",
            fe.join(", ")
        ));
    }
    let spec_dir = root.join("specs");
    std::fs::create_dir_all(&spec_dir).map_err(|e| format!("{}: {e}", spec_dir.display()))?;
    let spec_file = spec_dir.join("first.yaml");
    if spec_file.exists() {
        return Err(format!("{} exists already", spec_file.display()));
    }
    std::fs::write(&ws_file, yaml).map_err(|e| format!("{}: {e}", ws_file.display()))?;
    std::fs::write(&spec_file, first).map_err(|e| format!("{}: {e}", spec_file.display()))?;
    Ok(vec![ws_file, spec_file])
}

/// The keys `regspec init` found, the file read with them, and why (written into
/// `regspec.yaml` as comments).
struct Guessed {
    panel: ingest::Panel,
    why: String,
}

/// Columns that name a period, and columns that name a unit or a group, in order of preference.
const TIME_NAMES: &[&str] = &[
    "year", "time", "period", "date", "quarter", "month", "yr", "t",
];
const UNIT_NAMES: &[&str] = &[
    "id",
    "unit",
    "person",
    "person_id",
    "pid",
    "worker",
    "worker_id",
    "firm",
    "firm_id",
    "iso3",
    "country",
    "state",
    "county",
    "county_id",
    "state_id",
    "code",
    "name",
];
const GROUP_NAMES: &[&str] = &[
    "state",
    "state_id",
    "county",
    "county_id",
    "region",
    "country",
    "iso3",
    "district",
    "province",
    "municipality",
    "school",
    "firm",
    "firm_id",
];

/// Guesses a dataset's keys: a panel when a unit-like column and the time column are unique
/// together; repeated cross-sections (with a group-like column as the group) when the file has a
/// time column but no such unit; a cross-section without a time column. Each guess is read with
/// its keys checked, so the first `regspec check` is not the first to fail.
fn guess_keys(
    data: &Path,
    names: &[&str],
    delimiter: Option<char>,
    decimal: Option<char>,
) -> Result<Guessed, String> {
    let spec = |unit: Option<&String>, time: Option<&String>, group: Option<&String>| DatasetSpec {
        unit: unit.cloned(),
        time: time.cloned(),
        group: group.cloned(),
        delimiter,
        decimal,
        ..DatasetSpec::default()
    };
    let read = |s: &DatasetSpec| ingest::read_panel(data, s).map_err(|e| e.to_string());
    let Some(time) = guess(names, TIME_NAMES) else {
        let group = guess(names, GROUP_NAMES);
        let panel = read(&spec(None, None, group.as_ref()))?;
        return Ok(Guessed {
            why: format!(
                "No column names a period ({}): the data are read as a cross-section.{}",
                TIME_NAMES.join(", "),
                group.as_ref().map_or(String::new(), |g| format!(
                    " `{g}` is the group (the level of clusters)."
                )),
            ),
            panel,
        });
    };
    let mut tried = Vec::new();
    for unit in UNIT_NAMES.iter().filter_map(|u| guess(names, &[u])) {
        if unit == time {
            continue;
        }
        match read(&spec(Some(&unit), Some(&time), None)) {
            Ok(panel) => {
                return Ok(Guessed {
                    why: format!(
                        "`{unit}` and `{time}` are unique together: the data are read as a panel."
                    ),
                    panel,
                })
            }
            Err(e) if e.contains("duplicate (") => tried.push(unit),
            Err(e) => {
                return Err(format!(
                    "{e}\n(guessed unit `{unit}` and time `{time}`; fix them in regspec.yaml)"
                ))
            }
        }
    }
    let group = guess(names, GROUP_NAMES);
    let panel = read(&spec(None, Some(&time), group.as_ref()))
        .map_err(|e| format!("{e}\n(guessed time `{time}`; fix it in regspec.yaml)"))?;
    let why = match tried.is_empty() {
        true => format!("No column names a unit followed over `{time}`: the data are read as repeated cross-sections."),
        false => format!(
            "Several rows share a ({}, {time}) pair: the data are read as repeated cross-sections (no unit key).",
            tried.join(" / ")
        ),
    } + &group.as_ref().map_or(String::new(), |g| {
        format!("\n`{g}` is the group: the level of treatment cohorts and clusters.")
    });
    Ok(Guessed { panel, why })
}

fn guess(names: &[&str], wanted: &[&str]) -> Option<String> {
    wanted.iter().find_map(|w| {
        names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(w))
            .map(|s| s.to_string())
    })
}

/// `data` relative to `root` when it is inside it, else as given.
fn pathdiff(data: &Path, root: &Path) -> PathBuf {
    match (data.canonicalize(), root.canonicalize()) {
        (Ok(d), Ok(r)) => d.strip_prefix(&r).map(Path::to_path_buf).unwrap_or(d),
        _ => data.to_path_buf(),
    }
}
