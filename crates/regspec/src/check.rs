//! Validation before any estimation: every spec against the panel's columns. Collects every
//! problem of every file, each with file, line, column, model and a snippet.

use crate::diag::{suggest, Diagnostic};
use crate::exec::{Keys, Needs};
use crate::frame::PanelView;
use crate::plan::{self, PlannedModel};
use crate::spec::{self, LoadedSpec};
use std::path::Path;

mod vcov;

/// Loads and plans every file and checks the plan against the panel; returns the loaded
/// files, the plan and every diagnostic.
pub fn load_and_plan(
    files: &[std::path::PathBuf],
    view: &PanelView,
) -> (Vec<LoadedSpec>, Vec<PlannedModel>, Vec<Diagnostic>) {
    let (loaded, mut models, mut diags) = load_static(files);
    diags.extend(check_plan(&loaded, &mut models, view));
    (loaded, models, diags)
}

/// What can be known without the data: every file parsed and planned, table names unique.
/// Each planned model carries its cache key (`PlannedModel::hash` of the plan as written).
pub fn load_static(
    files: &[std::path::PathBuf],
) -> (Vec<LoadedSpec>, Vec<PlannedModel>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut loaded = Vec::new();
    let mut models = Vec::new();
    for f in files {
        match spec::load(f) {
            Err(d) => diags.push(d),
            Ok(ls) => {
                diags.extend(ls.problems.iter().cloned());
                let (pms, ds) = plan::plan_file_partial(&ls);
                diags.extend(ds);
                models.extend(pms);
                loaded.push(ls);
            }
        }
    }
    // Names become file names: identifiers only (see `names`).
    for ls in &loaded {
        let at = |d: Diagnostic, key: &str| match ls
            .text
            .lines()
            .position(|l| l.starts_with(&format!("{key}:")))
        {
            Some(i) => d.at(&ls.text, i + 1, 1),
            None => d,
        };
        if let Err(e) = crate::names::check("table", &ls.table) {
            diags.push(at(Diagnostic::new(&ls.path, e), "table"));
        }
        if let Some(t) = &ls.spec.template {
            if let Err(e) = crate::names::check("template", t) {
                diags.push(at(Diagnostic::new(&ls.path, e), "template"));
            }
        }
    }
    for m in &models {
        if let Err(e) = crate::names::check("model", &m.name) {
            let ls = loaded
                .iter()
                .find(|l| l.path.display().to_string() == m.spec_file);
            let d = Diagnostic::new(Path::new(&m.spec_file), e).model(&m.name);
            diags.push(
                match ls.and_then(|l| spec::locate(&l.text, &m.name, None).map(|p| (l, p))) {
                    Some((l, (line, col))) => d.at(&l.text, line, col),
                    None => d,
                },
            );
        }
    }
    // Table names must be unique across files: each writes reports/<table>.json.
    for (i, a) in loaded.iter().enumerate() {
        if let Some(b) = loaded[..i].iter().find(|b| b.table == a.table) {
            diags.push(Diagnostic::new(
                &a.path,
                format!(
                    "table `{}` is also defined in {}",
                    a.table,
                    b.path.display()
                ),
            ));
        }
    }
    (loaded, models, diags)
}

/// Table-level choices that only the report reads, checked before anything runs: the number
/// `format` of each spec file and that its `template` exists (in `templates`, for every format).
pub fn check_tables(loaded: &[LoadedSpec], templates: &report::Templates) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for ls in loaded {
        let at = |d: Diagnostic, key: &str| match ls
            .text
            .lines()
            .position(|l| l.starts_with(&format!("{key}:")))
        {
            Some(i) => d.at(&ls.text, i + 1, 1),
            None => d,
        };
        if let Some(f) = &ls.spec.format {
            if let Err(e) = report::Style::from_value(f) {
                diags.push(at(Diagnostic::new(&ls.path, e), "format"));
            }
        }
        if let Err(e) = templates.check(&ls.table, ls.spec.template.as_deref()) {
            diags.push(at(Diagnostic::new(&ls.path, e.to_string()), "template"));
        }
        if let Some(o) = ls.spec.curve.as_ref().and_then(|c| c.options()) {
            if let Some(l) = o.levels.iter().find(|l| !(**l > 0.0 && **l < 1.0)) {
                diags.push(at(
                    Diagnostic::new(
                        &ls.path,
                        format!("`curve.levels`: {l} is not a significance level in (0, 1)"),
                    ),
                    "curve",
                ));
            }
            if o.max_points < 3 {
                diags.push(at(
                    Diagnostic::new(
                        &ls.path,
                        format!("`curve.max_points` ({}) must be at least 3", o.max_points),
                    ),
                    "curve",
                ));
            }
        }
    }
    diags
}

/// Completes the plan from the data (default keys, `i()` levels) and checks every model
/// against the panel's columns.
pub fn check_plan(
    loaded: &[LoadedSpec],
    models: &mut [PlannedModel],
    view: &PanelView,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for m in models.iter_mut() {
        let Some(ls) = loaded
            .iter()
            .find(|l| l.path.display().to_string() == m.spec_file)
        else {
            continue;
        };
        if let Err((key, e)) = complete(m, view) {
            diags.push(at_model(ls, &m.name, key, e));
            continue;
        }
        match crate::terms::expand_terms(&m.regressors, view) {
            Ok(r) => m.regressors = r,
            Err(e) => {
                let key = if ls.uses_formula {
                    "formula"
                } else {
                    "regressors"
                };
                diags.push(at_model(ls, &m.name, key, e));
                continue;
            }
        }
        diags.extend(check_model(ls, m, view));
    }
    diags.extend(check_keep(loaded, models));
    diags
}

/// Every `keep` entry must name a coefficient some model of the table can have: a term of its
/// models, or a generated name (`rel_time::3`, `sa::...`) when one of its models generates them
/// (an event-time estimator or an `i()` term), else the table would silently be empty.
fn check_keep(loaded: &[LoadedSpec], models: &[PlannedModel]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for ls in loaded {
        let Some(keep) = &ls.spec.keep else { continue };
        let path = ls.path.display().to_string();
        let mine: Vec<&PlannedModel> = models.iter().filter(|m| m.spec_file == path).collect();
        let generates = mine
            .iter()
            .any(|m| m.estimator != "ols" || m.regressors.iter().any(|r| r.contains("::")));
        for k in keep {
            let known = mine
                .iter()
                .any(|m| m.regressors.contains(k) || m.endogenous.contains(k))
                || (generates && k.contains("::"));
            if !known {
                let terms: Vec<&str> = mine
                    .iter()
                    .flat_map(|m| m.regressors.iter().chain(&m.endogenous).map(String::as_str))
                    .collect();
                let hint = suggest(k, terms.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let d = Diagnostic::new(
                    &ls.path,
                    format!("`keep: {k}` names no coefficient of this table's models{hint}"),
                );
                let d = match ls.text.lines().position(|l| l.starts_with("keep:")) {
                    Some(i) => d.at(&ls.text, i + 1, 1),
                    None => d,
                };
                diags.push(d);
            }
        }
    }
    diags
}

/// Estimators that follow units over time default their `unit` and `time` options to the
/// dataset's keys ([`crate::exec::Estimator::keys`]), so a workspace keyed by `state` and
/// `quarter` needs no options; on repeated cross-sections the `unit` of cohorts is the dataset's
/// `group`. Panel HAC takes its periods (and units) from the keys. A model whose estimator or
/// vcov needs keys the dataset does not declare (and the spec does not name) is refused, saying
/// what to declare.
fn complete(m: &mut PlannedModel, view: &PanelView) -> Result<(), (&'static str, String)> {
    let estimator = crate::exec::lookup(&m.estimator);
    let keys = estimator.map_or(Keys::None, |e| e.keys());
    let needs = estimator.map_or(Needs::Rows, |e| e.needs());
    let panel = view.panel();
    let shape = panel.shape().describe();
    vcov::complete(m, view)?;
    let unit = panel.unit.as_ref().or(panel.group.as_ref());
    let o = &mut m.options;
    let mut missing = Vec::new();
    if keys != Keys::None && !o.contains_key("unit") {
        // A panel estimator's units are the panel's: a group is no default for it.
        let default = if matches!(needs, Needs::Panel | Needs::BalancedPanel) {
            panel.unit.as_ref()
        } else {
            unit
        };
        match default {
            Some(u) => {
                o.insert("unit".into(), serde_json::Value::String(u.clone()));
            }
            None => missing.push("unit"),
        }
    }
    if keys == Keys::UnitTime && !o.contains_key("time") {
        match &panel.time {
            Some(t) => {
                o.insert("time".into(), serde_json::Value::String(t.clone()));
            }
            None => missing.push("time"),
        }
    }
    if !missing.is_empty() {
        let declare = match needs {
            Needs::Rows | Needs::Cohorts => "`unit` and `time` (a panel), or `time` and `group` (repeated cross-sections: cohorts at the group level)",
            Needs::Panel | Needs::BalancedPanel => "`unit` and `time` of a file with one row per unit and period",
        };
        return Err((
            "estimator",
            format!(
                "`{}` needs {}; this dataset is {shape}: declare {declare} under `data:` in regspec.yaml, or name the columns in `options: {{{}}}`",
                m.estimator,
                needs.describe(),
                missing.iter().map(|k| format!("{k}: ...")).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(())
}

/// For an estimator that follows units over time ([`Needs::Panel`], [`Needs::BalancedPanel`]):
/// its (unit, time) pairs are unique in the data (and, for a balanced panel, complete). Run
/// once the option columns are known to exist.
fn check_shape(m: &PlannedModel, view: &PanelView, needs: Needs) -> Result<(), String> {
    if !matches!(needs, Needs::Panel | Needs::BalancedPanel) {
        return Ok(());
    }
    let text = |k: &str| {
        m.options
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let Some(unit) = text("unit") else {
        return Ok(());
    };
    let Some(time) = text("time").or_else(|| view.panel().time.clone()) else {
        return Err(format!(
            "`{}` needs {}: declare `time` under `data:` in regspec.yaml",
            m.estimator,
            needs.describe()
        ));
    };
    if !view.has(&unit) || !view.has(&time) {
        return Ok(());
    }
    let all: Vec<usize> = (0..view.nrows()).collect();
    let units = view.codes(&unit, &all);
    let times = view.numeric(&time, &all);
    let nu = units
        .iter()
        .filter(|&&u| u != ingest::MISSING_CODE)
        .max()
        .map_or(0, |&u| u as usize + 1);
    if let Some((first, r)) = ingest::table::first_duplicate(&units, nu, &times) {
        return Err(format!(
            "`{}` needs {}, but ({unit}, {time}) = ({}, {}) appears in two rows ({} and {}); on repeated cross-sections use an estimator with cohorts at the group level (event_study, sun_abraham, imputation)",
            m.estimator,
            needs.describe(),
            view.label(&unit, r),
            view.label(&time, r),
            ingest::table::locate_row(view.panel(), first),
            ingest::table::locate_row(view.panel(), r),
        ));
    }
    if needs == Needs::BalancedPanel {
        let nu = units.iter().collect::<std::collections::HashSet<_>>().len();
        let nt = times
            .iter()
            .map(|t| (t + 0.0).to_bits())
            .collect::<std::collections::HashSet<_>>()
            .len();
        if nu * nt != units.len() {
            // One unit that misses a period, and the first period it misses.
            let mut periods: Vec<f64> = times.clone();
            periods.sort_by(f64::total_cmp);
            periods.dedup();
            let mut seen: std::collections::BTreeMap<u32, Vec<f64>> = Default::default();
            for (u, t) in units.iter().zip(&times) {
                seen.entry(*u).or_default().push(*t);
            }
            let example = seen.iter().find_map(|(u, ts)| {
                let gap = periods.iter().find(|p| !ts.contains(p))?;
                let row = units.iter().position(|v| v == u)?;
                Some(format!(
                    " ({unit} {} has no row for {time} {gap})",
                    view.label(&unit, row)
                ))
            });
            return Err(format!(
                "`{}` needs {}: {nu} units x {nt} periods would be {} rows, the data have {}{}",
                m.estimator,
                needs.describe(),
                nu * nt,
                units.len(),
                example.unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// A problem of model `model`, pointed at its field `key` (or the model itself when the
/// field is not written there: a default or an inherited value).
fn at_model(ls: &LoadedSpec, model: &str, key: &str, msg: String) -> Diagnostic {
    let d = Diagnostic::new(&ls.path, msg).model(model);
    match spec::locate(&ls.text, model, Some(key)).or_else(|| spec::locate(&ls.text, model, None)) {
        Some((l, c)) => d.at(&ls.text, l, c),
        None => d,
    }
}

fn check_model(ls: &LoadedSpec, m: &PlannedModel, view: &PanelView) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let here = |key: &str, msg: String| at_model(ls, &m.name, key, msg);
    let names = view.names();
    let key_of = |default: &'static str| {
        if ls.uses_formula {
            "formula"
        } else {
            default
        }
    };
    let mut term = |key: &str, t: &str, numeric: bool| {
        if let Err(e) = view.check_term(t, numeric) {
            // "unknown column `x` in `key`; did you mean `y`?"
            let msg = match e.split_once("; did you mean") {
                Some((a, b)) => format!("{a} in `{key}`; did you mean{b}"),
                None if e.starts_with("unknown column") => format!("{e} in `{key}`"),
                None => format!("{e} (in `{key}`)"),
            };
            out.push(here(key, msg));
        }
    };
    term(key_of("outcome"), &m.outcome, true);
    for r in &m.regressors {
        let key = if m.treatment.as_deref() == Some(r) {
            "treatment"
        } else if m.controls.contains(r) {
            "controls"
        } else {
            key_of("regressors")
        };
        term(key, r, true);
    }
    for t in m.endogenous.iter().chain(&m.instruments) {
        term("formula", t, true);
    }
    for f in &m.fe {
        term(key_of("fe"), f, false);
    }
    for c in &m.cluster {
        term("cluster", c, false);
    }
    for c in &m.coordinates {
        term("vcov", c, true);
    }
    if let Some(w) = &m.weights {
        term("weights", w, true);
        if view.check_term(w, true).is_ok() {
            // Negative weights are a data error: name the unit and period of the first one.
            let filter = m.sample.as_ref().and_then(|s| crate::expr::parse(s).ok());
            let rows = view.select(filter.as_ref());
            let values = view.numeric(w, &rows);
            if let Some(i) = values.iter().position(|v| *v < 0.0) {
                out.push(here(
                    "weights",
                    format!(
                        "`weights: {w}` is negative ({}) for {}: weights must be non-negative",
                        values[i],
                        view.describe_row(rows[i])
                    ),
                ));
            }
        }
    }
    for msg in vcov::coordinate_problems(m, view) {
        out.push(here("vcov", msg));
    }
    // Everything the estimator reads from its options, validated before anything runs.
    let estimator = crate::exec::lookup(&m.estimator);
    let option_columns: Result<Vec<String>, String> = estimator.map_or(Ok(vec![]), |e| e.check(m));
    match option_columns {
        // A refused field is pointed at where it is written; an option error at `options`.
        Err(e) => {
            let key = ["fe", "weights", "cluster"]
                .into_iter()
                .find(|k| e.contains(&format!("`{k}:")) || e.contains(&format!("`{k}`")))
                .unwrap_or("options");
            out.push(here(key, e))
        }
        Ok(cols) => {
            let all_exist = cols
                .iter()
                .chain(&m.cluster)
                .chain(&m.weights)
                .all(|c| view.has(c));
            if let (true, Some(e)) = (all_exist, estimator) {
                if let Err(e) = check_shape(m, view, e.needs()).and_then(|_| e.check_data(view, m))
                {
                    let key = ["weights", "cluster"]
                        .into_iter()
                        .find(|k| e.contains(&format!("`{k}:")))
                        .unwrap_or("options");
                    out.push(here(key, e));
                }
            }
            for c in cols {
                if !view.has(&c) {
                    let hint = suggest(&c, names.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    out.push(here(
                        "options",
                        format!("unknown column `{c}` in the estimator options{hint}"),
                    ));
                }
            }
        }
    }
    if let Some(s) = &m.sample {
        match crate::expr::parse(s) {
            Err(e) => {
                let mut d = here("sample", format!("sample filter `{s}` does not parse: {e}"));
                if let Some(c) = d.column.as_mut() {
                    // Point into the expression: after `sample: ` (and a quote, if any).
                    let line = d.snippet.clone().unwrap_or_default();
                    if let Some(i) = line.find(s.as_str()) {
                        *c = line[..i].chars().count() + e.pos + 1;
                    }
                }
                out.push(d);
            }
            Ok(e) => {
                let mut cols = Vec::new();
                e.columns(&mut cols);
                let before = out.len();
                for c in &cols {
                    if !view.has(c) {
                        let hint = suggest(c, names.iter().copied())
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        out.push(here(
                            "sample",
                            format!("unknown column `{c}` in the sample filter{hint}"),
                        ));
                    }
                }
                if out.len() == before {
                    match view.try_select(Some(&e)) {
                        Err(err) => out.push(here("sample", format!("sample filter `{s}`: {err}"))),
                        Ok(rows) if rows.is_empty() => out.push(here(
                            "sample",
                            format!("the sample filter `{s}` selects no rows"),
                        )),
                        Ok(rows) if rows.len() == 1 => out.push(here(
                            "sample",
                            format!(
                                "the sample filter `{s}` selects one row: nothing can be estimated on it"
                            ),
                        )),
                        Ok(rows) if rows.len() == view.nrows() => out.push(
                            here(
                                "sample",
                                format!(
                                    "the sample filter `{s}` keeps every row: the model's sample is the full panel"
                                ),
                            )
                            .warn(),
                        ),
                        Ok(_) => {}
                    }
                }
            }
        }
    }
    out
}

/// The plan as an aligned table, for `regspec list`: a header, then one line per model, every
/// column as wide as its widest cell.
pub fn describe(plan: &[PlannedModel]) -> String {
    let join = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join("+")
        }
    };
    let mut rows: Vec<[String; 7]> = vec![[
        "table".into(),
        "model".into(),
        "estimator".into(),
        "outcome".into(),
        "fe".into(),
        "cluster".into(),
        "sample".into(),
    ]];
    for m in plan {
        rows.push([
            m.table.clone(),
            m.name.clone(),
            m.estimator.clone(),
            m.outcome.clone(),
            join(&m.fe),
            join(&m.cluster),
            m.sample_label
                .clone()
                .or_else(|| m.sample.clone())
                .unwrap_or_else(|| "all".into()),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The spec files of a run: those named on the command line, else every `*.yaml` of the spec
/// directory.
pub fn spec_files(
    paths: &[std::path::PathBuf],
    default_dir: &Path,
) -> Result<Vec<std::path::PathBuf>, Diagnostic> {
    if paths.is_empty() {
        spec::discover(default_dir)
    } else {
        Ok(paths.to_vec())
    }
}
