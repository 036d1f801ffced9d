//! The spec format (documented in specs/README.md): one YAML file per table, file-level
//! defaults, models that may `extends` another model or a fragment, and grids that expand a
//! model over lists of values. This module turns files into [`ModelSpec`]s; `plan` resolves
//! them into estimable models.

mod expand;

use crate::diag::{suggest, Diagnostic};
pub use expand::expand;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A string or a list of strings (`cluster: iso3` or `cluster: [iso3, year]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single name.
    One(String),
    /// A list of names.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// Every field a model, a default block, a fragment or a grid template may set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Model name (required except in defaults and fragments).
    pub name: Option<String>,
    /// Column header in the table.
    pub label: Option<String>,
    /// Inherit every unset field from this model (same file) or fragment.
    pub extends: Option<String>,
    /// fixest-style alternative to outcome/regressors/fe: `y ~ x1 + x2:x3 | fe1 + fe2^fe3`.
    pub formula: Option<String>,
    /// One outcome, or a list that expands into one model per outcome.
    pub outcome: Option<OneOrMany>,
    /// The coefficient of interest, listed first.
    pub treatment: Option<String>,
    /// Further regressors; `a:b` is a product.
    pub regressors: Option<Vec<String>>,
    /// Controls.
    pub controls: Option<Vec<String>>,
    /// Absorbed fixed effects; `a^b` interacts two.
    pub fe: Option<Vec<String>>,
    /// One or two cluster variables.
    pub cluster: Option<OneOrMany>,
    /// iid | hetero | cluster (default: cluster when `cluster` is set, else iid) | DK(lag) |
    /// NW(lag) | conley(cutoff_km, kernel = .., lag = .., lat = .., lon = ..).
    pub vcov: Option<String>,
    /// A filter expression over panel columns.
    pub sample: Option<String>,
    /// A short name of the sample, for tables and model names.
    pub sample_label: Option<String>,
    /// Weights column.
    pub weights: Option<String>,
    /// ols (default), event_study, placebo, ...
    pub estimator: Option<String>,
    /// Estimator-specific options.
    pub options: Option<BTreeMap<String, serde_json::Value>>,
    /// Small-sample corrections (fixest's `ssc`).
    pub ssc: Option<estimators::Ssc>,
    /// How fixed effects are absorbed: auto (default), map or krylov.
    pub demean: Option<estimators::demean::DemeanMethod>,
    /// Table panel this model belongs to (Panel A, Panel B).
    pub panel: Option<String>,
    /// Estimate even when the treatment is dropped (absorbed or collinear): the table and the
    /// terminal then carry a warning instead of the run failing.
    pub allow_dropped_treatment: Option<bool>,
}

impl ModelSpec {
    /// Fields set here win; unset fields come from `base`. Options merge key by key.
    pub fn over(&self, base: &ModelSpec) -> ModelSpec {
        let options = match (&self.options, &base.options) {
            (Some(a), Some(b)) => {
                let mut m = b.clone();
                m.extend(a.clone());
                Some(m)
            }
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        ModelSpec {
            name: self.name.clone(),
            label: self.label.clone().or_else(|| base.label.clone()),
            extends: None,
            formula: self.formula.clone().or_else(|| base.formula.clone()),
            outcome: self.outcome.clone().or_else(|| base.outcome.clone()),
            treatment: self.treatment.clone().or_else(|| base.treatment.clone()),
            regressors: self.regressors.clone().or_else(|| base.regressors.clone()),
            controls: self.controls.clone().or_else(|| base.controls.clone()),
            fe: self.fe.clone().or_else(|| base.fe.clone()),
            cluster: self.cluster.clone().or_else(|| base.cluster.clone()),
            vcov: self.vcov.clone().or_else(|| base.vcov.clone()),
            sample: self.sample.clone().or_else(|| base.sample.clone()),
            sample_label: self
                .sample_label
                .clone()
                .or_else(|| base.sample_label.clone()),
            weights: self.weights.clone().or_else(|| base.weights.clone()),
            estimator: self.estimator.clone().or_else(|| base.estimator.clone()),
            options,
            ssc: self.ssc.or(base.ssc),
            demean: self.demean.or(base.demean),
            panel: self.panel.clone().or_else(|| base.panel.clone()),
            allow_dropped_treatment: self
                .allow_dropped_treatment
                .or(base.allow_dropped_treatment),
        }
    }
}

/// A grid: the template expanded over every combination of the `vary` lists, like fixest's
/// `sw()`/`split`. Values are lists, or maps from a short name to a value (for samples).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Name template with `{field}` placeholders, e.g. `rob_{outcome}_{sample}`.
    pub name: String,
    /// Label template, same placeholders.
    pub label: Option<String>,
    /// Field -> values to expand over (every combination).
    pub vary: BTreeMap<String, GridValues>,
    #[serde(default)]
    /// The template model the grid varies.
    pub model: ModelSpec,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
/// The values a grid varies a field over.
pub enum GridValues {
    /// Plain values.
    List(Vec<String>),
    /// Values with short names, for model names (`{name: value}`).
    Named(BTreeMap<String, String>),
}

impl GridValues {
    /// (short name, value) pairs in declaration order.
    fn pairs(&self) -> Vec<(String, String)> {
        match self {
            GridValues::List(v) => v.iter().map(|s| (s.clone(), s.clone())).collect(),
            GridValues::Named(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
/// One spec file: one table of models.
pub struct SpecFile {
    /// Table name; defaults to the file stem.
    pub table: Option<String>,
    /// Table title.
    pub title: Option<String>,
    /// Free text for the table notes.
    pub notes: Option<String>,
    /// Variable labels for the report: column name -> label.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Coefficients to show, in order (default: every treatment and regressor).
    pub keep: Option<Vec<String>>,
    #[serde(default)]
    /// Coefficients to hide.
    pub drop: Vec<String>,
    /// Template override for this table (file name under the templates directory).
    pub template: Option<String>,
    /// Number formatting: `{digits: 3, below: se | t | ci, stars: [[0.1, "*"], ...]}`.
    pub format: Option<serde_json::Value>,
    #[serde(default)]
    /// Fields every model of the file inherits.
    pub defaults: ModelSpec,
    #[serde(default)]
    /// Named partial models to `extends` from.
    pub fragments: BTreeMap<String, ModelSpec>,
    #[serde(default)]
    /// The models.
    pub models: Vec<ModelSpec>,
    #[serde(default)]
    /// Grids of models.
    pub grid: Vec<GridSpec>,
    /// Variables this file adds to the panel (computed after the workspace's).
    #[serde(default)]
    pub variables: measures::vars::Definitions,
    /// The dataset of `regspec.yaml` this file's models run on (default: the default dataset).
    pub data: Option<String>,
    /// A specification curve of the models' key estimates: `curve: true` or
    /// `curve: {levels: [0.1, 0.05, 0.01], max_points: 500}`.
    #[serde(default)]
    pub curve: Option<CurveSpec>,
    /// Multiple-testing adjustments of the key p-values across the models: `[bonferroni, holm]`.
    #[serde(default)]
    pub adjust: Vec<report::curve::Adjust>,
    /// A coefficient plot of the models' key estimates.
    #[serde(default)]
    pub coefplot: bool,
    /// The wild cluster bootstrap behind `adjust: [romano_wolf]`: `{draws: 9999, seed: 1}`.
    #[serde(default)]
    pub romano_wolf: Option<RomanoWolfSpec>,
}

/// Settings of the bootstrap shared by a table's columns for Romano-Wolf's stepdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RomanoWolfSpec {
    /// Bootstrap draws.
    #[serde(default = "default_rw_draws")]
    pub draws: usize,
    /// Seed: the same draws for every column.
    #[serde(default = "default_rw_seed")]
    pub seed: u64,
}

fn default_rw_draws() -> usize {
    9999
}
fn default_rw_seed() -> u64 {
    1
}

/// `curve:` as written: a switch or the options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CurveSpec {
    /// `curve: true` (defaults) or `false`.
    Flag(bool),
    /// The options.
    Options(report::curve::CurveOptions),
}

impl CurveSpec {
    /// The options when a curve is asked for.
    pub fn options(&self) -> Option<report::curve::CurveOptions> {
        match self {
            CurveSpec::Flag(true) => Some(report::curve::CurveOptions::default()),
            CurveSpec::Flag(false) => None,
            CurveSpec::Options(o) => Some(o.clone()),
        }
    }
}

/// A spec file as loaded: its text (for diagnostics) and its parsed content.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The file.
    pub path: PathBuf,
    /// Its text, for diagnostics.
    pub text: String,
    /// Its content.
    pub spec: SpecFile,
    /// The table name (the file stem unless `table:` says otherwise).
    pub table: String,
    /// Problems found while loading that did not stop it (misspelt keys, reported with the
    /// others by `check`).
    pub problems: Vec<Diagnostic>,
    /// Whether the file writes models as formulas (diagnostics then point at `formula:`);
    /// found once here, not per model, so that checking a grid stays linear in its size.
    pub uses_formula: bool,
}

const MODEL_FIELDS: &[&str] = &[
    "name",
    "label",
    "extends",
    "formula",
    "outcome",
    "treatment",
    "regressors",
    "controls",
    "fe",
    "cluster",
    "vcov",
    "sample",
    "sample_label",
    "weights",
    "estimator",
    "options",
    "ssc",
    "demean",
    "panel",
    "allow_dropped_treatment",
];
const FILE_FIELDS: &[&str] = &[
    "format",
    "table",
    "title",
    "notes",
    "labels",
    "keep",
    "drop",
    "template",
    "defaults",
    "fragments",
    "models",
    "grid",
    "variables",
    "data",
    "curve",
    "adjust",
    "coefplot",
    "romano_wolf",
];

/// Reads and parses a spec file; a YAML error is located at its line and column.
pub fn load(path: &Path) -> Result<LoadedSpec, Diagnostic> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::new(path, format!("cannot read spec file: {e}")))?;
    let describe = |e: crate::yaml::YamlError| {
        let mut msg = e.message.clone();
        if let Some(word) = unknown_field(&msg) {
            let all = MODEL_FIELDS.iter().chain(FILE_FIELDS).copied();
            if let Some(s) = suggest(&word, all) {
                msg = format!("{msg}; did you mean `{s}`?");
            }
        }
        let d = Diagnostic::new(path, msg);
        match (e.line, e.column) {
            (Some(l), Some(c)) => d.at(&text, l, c),
            _ => d,
        }
    };
    let mut problems = Vec::new();
    let spec: SpecFile = match crate::yaml::from_str(&text) {
        Ok(s) => s,
        // A misspelt key: report it, drop every unknown key and go on, so that `check` also
        // finds the file's other problems (unknown columns, options) in the same pass.
        Err(e) if unknown_field(&e.message).is_some() => {
            match crate::yaml::from_str_lenient::<SpecFile>(&text, &known_keys) {
                Ok((spec, removed)) if !removed.is_empty() => {
                    for (key, _) in removed {
                        problems.push(unknown_key(path, &text, &key));
                    }
                    spec
                }
                _ => return Err(describe(e)),
            }
        }
        Err(e) => return Err(describe(e)),
    };
    let table = spec.table.clone().unwrap_or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("table")
            .to_string()
    });
    Ok(LoadedSpec {
        path: path.to_path_buf(),
        uses_formula: text.contains("formula:"),
        text,
        spec,
        table,
        problems,
    })
}

fn unknown_field(msg: &str) -> Option<String> {
    let i = msg.find("unknown field `")? + "unknown field `".len();
    let rest = &msg[i..];
    Some(rest[..rest.find('`')?].to_string())
}

/// Every `.yaml`/`.yml` spec file in a directory, sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::new(dir, format!("cannot read spec directory: {e}")))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Where in the file a model (and one of its keys) is, for diagnostics: the line of
/// `name: <model>` (or of a grid's name template), then the first `key:` after it.
pub fn locate(text: &str, model: &str, key: Option<&str>) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let is_name_line = |l: &str| {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        t.strip_prefix("name:")
            .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == model)
    };
    let Some(start) = lines.iter().position(|l| is_name_line(l)) else {
        return locate_flow(&lines, model, key);
    };
    let indent = |l: &str| l.len() - l.trim_start().trim_start_matches("- ").len();
    let model_indent = indent(lines[start]);
    if let Some(key) = key {
        // The model's block: from the name line back to its `- ` and forward to the next item.
        let mut begin = start;
        while begin > 0
            && !lines[begin].trim_start().starts_with("- ")
            && indent(lines[begin - 1]) >= model_indent
        {
            begin -= 1;
        }
        for (i, l) in lines.iter().enumerate().skip(begin) {
            if i > start && l.trim_start().starts_with("- ") && indent(l) <= model_indent {
                break;
            }
            let t = l.trim_start().trim_start_matches("- ");
            if t.starts_with(&format!("{key}:")) {
                return Some((i + 1, l.len() - t.len() + 1));
            }
        }
    }
    let l = lines[start];
    Some((
        start + 1,
        l.len() - l.trim_start().trim_start_matches("- ").len() + 1,
    ))
}

/// [`locate`] for a model written in flow style (`- {name: a, outcome: y}` or
/// `models: [{name: a}, ...]`): the position of `key:` inside the model's braces when it is
/// there, else of its `name:`.
fn locate_flow(lines: &[&str], model: &str, key: Option<&str>) -> Option<(usize, usize)> {
    let quoted = [
        format!("name: {model}"),
        format!("name: \"{model}\""),
        format!("name: '{model}'"),
    ];
    for (i, l) in lines.iter().enumerate() {
        for q in &quoted {
            let mut from = 0;
            while let Some(at) = l[from..].find(q.as_str()).map(|a| a + from) {
                from = at + q.len();
                // The name must end there (`name: a` is not `name: ab`).
                let end = l[from..].trim_start().chars().next();
                if !matches!(end, Some(',') | Some('}') | None) {
                    continue;
                }
                // The model's braces: from the `{` before the name to its `}`.
                let open = l[..at].rfind('{').unwrap_or(0);
                let close = l[at..].find('}').map_or(l.len(), |c| c + at);
                if let Some(k) = key {
                    if let Some(kp) = l[open..close].find(&format!("{k}:")) {
                        return Some((i + 1, open + kp + 1));
                    }
                }
                return Some((i + 1, at + 1));
            }
        }
    }
    None
}

/// The keys each place of a spec file takes (see [`crate::yaml::from_str_lenient`]).
fn known_keys(path: &[&str]) -> Option<&'static [&'static str]> {
    match path {
        [] => Some(FILE_FIELDS),
        ["defaults"] | ["models", "[]"] | ["fragments", "*"] | ["grid", "[]", "model"] => {
            Some(MODEL_FIELDS)
        }
        ["grid", "[]"] => Some(&["name", "label", "vary", "model"]),
        _ => None,
    }
}

/// An unknown key, located at its first occurrence, with the known keys of its place and a
/// did-you-mean.
fn unknown_key(path: &Path, text: &str, key: &str) -> Diagnostic {
    let all = MODEL_FIELDS.iter().chain(FILE_FIELDS).copied();
    let hint = suggest(key, all)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let d = Diagnostic::new(path, format!("unknown field `{key}`{hint}"));
    let pat = format!("{key}:");
    let at = text.lines().enumerate().find_map(|(i, l)| {
        l.match_indices(&pat)
            .find(|(j, _)| {
                *j == 0 || matches!(l.as_bytes()[j - 1], b' ' | b'{' | b',' | b'-' | b'\t')
            })
            .map(|(j, _)| (i + 1, j + 1))
    });
    match at {
        Some((l, c)) => d.at(text, l, c),
        None => d,
    }
}

/// Splits a product term `a:b` into its factors; `::` (fixest's level separator) is kept.
pub fn factors(term: &str) -> Vec<&str> {
    let b = term.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        if b[i] == b':' {
            if b.get(i + 1) == Some(&b':') {
                i += 2;
                continue;
            }
            out.push(&term[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    out.push(&term[start..]);
    out
}
