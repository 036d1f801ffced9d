//! `regspec status`: which tables of a report set no longer follow from the specs, the data and
//! the program, and why (a spec field changed, naming it; the data file; a variable definition
//! the model reads, directly or through another variable; the program's version; a model added
//! or removed), without estimating anything. The plan is checked against the data as
//! `regspec check` does; each table record in `<out>/<table>.json` carries what it was estimated
//! from (each model's cache key, data key and planned fields; the hashes of the data file and of
//! each variable definition), which is compared with what the specs and data say now.

use crate::plan::PlannedModel;
use crate::run::{self, DataSource};
use report::TableRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the data now are: the dataset's key, the hashes of its parts, and its variable
/// definitions in order.
#[derive(Default, Clone)]
struct DataNow {
    key: String,
    parts: BTreeMap<String, String>,
    variables: Vec<(String, String)>,
}

/// The columns a model reads: its own fields, its estimator's option columns, its sample.
fn columns_read(m: &PlannedModel) -> Vec<String> {
    let mut cols = m.columns();
    if let Some(Ok(more)) = crate::exec::lookup(&m.estimator).map(|e| e.check(m)) {
        cols.extend(more);
    }
    if let Some(e) = m
        .sample
        .as_deref()
        .and_then(|s| measures::expr::parse(s).ok())
    {
        e.columns(&mut cols);
    }
    cols
}

/// Why a model's results no longer follow, in a reader's words. `was` is what its table
/// recorded of the data's parts.
fn reasons(
    m: &PlannedModel,
    rec: &report::ModelRecord,
    was: &BTreeMap<String, String>,
    now: &DataNow,
) -> Vec<String> {
    let mut out = Vec::new();
    if m.key != rec.spec_hash {
        let current = serde_json::to_value(m).unwrap_or_default();
        let fields = changed_fields(&rec.plan, &current);
        out.push(if fields.is_empty() {
            "spec changed".to_string()
        } else {
            format!(
                "spec field{} {} changed",
                if fields.len() > 1 { "s" } else { "" },
                fields
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    }
    if now.key != rec.data_hash {
        if was.is_empty() || now.parts.is_empty() {
            out.push("the data changed".into());
        } else if was.get("data file") != now.parts.get("data file") {
            out.push("the data file changed".into());
        } else {
            // The variables whose definition changed, then those computed from them.
            let mut changed: Vec<String> = was
                .keys()
                .chain(now.parts.keys())
                .filter_map(|k| k.strip_prefix("variable "))
                .filter(|v| {
                    let k = format!("variable {v}");
                    was.get(&k) != now.parts.get(&k)
                })
                .map(str::to_string)
                .collect();
            changed.sort();
            changed.dedup();
            for (name, def) in &now.variables {
                let mut used = Vec::new();
                if let Ok(e) = measures::expr::parse(def) {
                    e.columns(&mut used);
                }
                if !changed.contains(name) && used.iter().any(|u| changed.contains(u)) {
                    changed.push(name.clone());
                }
            }
            let read = columns_read(m);
            let mine: Vec<&String> = changed.iter().filter(|c| read.contains(c)).collect();
            if !mine.is_empty() {
                out.push(format!(
                    "variable definition{} {} changed",
                    if mine.len() > 1 { "s" } else { "" },
                    mine.iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    out
}

/// The fields whose values differ between two planned models (`options.seed` for an option).
fn changed_fields(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let (Some(a), Some(b)) = (old.as_object(), new.as_object()) else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for k in keys {
        let (x, y) = (a.get(k), b.get(k));
        if x == y {
            continue;
        }
        match (x.and_then(|v| v.as_object()), y.and_then(|v| v.as_object())) {
            (Some(xo), Some(yo)) if k == "options" => {
                let mut sub: Vec<&String> = xo.keys().chain(yo.keys()).collect();
                sub.sort();
                sub.dedup();
                out.extend(
                    sub.into_iter()
                        .filter(|s| xo.get(*s) != yo.get(*s))
                        .map(|s| format!("options.{s}")),
                );
            }
            _ => out.push(k.clone()),
        }
    }
    out
}

/// Up to three names, then how many more.
fn some(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    if names.len() > 3 {
        format!("{}, and {} more", shown.join(", "), names.len() - 3)
    } else {
        shown.join(", ")
    }
}

/// The status of every table of the specs in `out`: the report, and whether everything is up
/// to date.
pub fn status(
    specs: &[PathBuf],
    spec_dir: &Path,
    source: &DataSource,
    templates: &Path,
    out: &Path,
) -> Result<(String, bool), String> {
    let files = crate::check::spec_files(specs, spec_dir).map_err(|d| d.to_string())?;
    let c = run::check_workspace(source, &files, templates).map_err(|f| {
        f.diags.iter().map(|d| d.to_string()).collect::<String>()
            + &format!(
                "{} problem(s): the specs do not check, so nothing can be compared",
                f.diags.len()
            )
    })?;
    let ws = &c.ws;
    let cache_dir = out.join(".cache");
    // Each dataset's key, its parts and its variables now.
    let mut data: BTreeMap<Option<String>, DataNow> = BTreeMap::new();
    for p in &c.prepared {
        let name = p.name.as_deref();
        let now = DataNow {
            key: run::data_key(source, ws, &c.loaded, name, &cache_dir)
                .unwrap_or_else(|| p.lp.hash.clone()),
            parts: crate::data::data_parts(source, ws, &c.loaded, name, &cache_dir),
            variables: crate::data::variables_for(ws, &c.loaded, name),
        };
        data.insert(p.name.clone(), now);
    }
    let mut tables: Vec<&str> = Vec::new();
    for m in &c.plan {
        if !tables.contains(&m.table.as_str()) {
            tables.push(&m.table);
        }
    }
    let mut report = String::new();
    let mut all_current = true;
    for t in tables {
        let models: Vec<&PlannedModel> = c.plan.iter().filter(|m| m.table == t).collect();
        let path = out.join(format!("{t}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            all_current = false;
            report += &format!(
                "{t}: out of date: not in {} (never run): {} model(s)\n",
                out.display(),
                models.len()
            );
            continue;
        };
        let rec: TableRecord = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a regspec table: {e}", path.display()))?;
        // Reason -> the models it applies to, in plan order.
        let mut why: Vec<(String, Vec<String>)> = Vec::new();
        let mut add = |reason: String, model: &str| match why.iter_mut().find(|(r, _)| *r == reason)
        {
            Some((_, v)) => v.push(model.to_string()),
            None => why.push((reason, vec![model.to_string()])),
        };
        if rec.program_version != crate::VERSION {
            add(
                format!(
                    "estimated by regspec {}, this is {}",
                    rec.program_version,
                    crate::VERSION
                ),
                "all",
            );
        }
        for m in &models {
            let dataset = crate::data::dataset_of(&c.loaded, m);
            let now = data.get(&dataset).cloned().unwrap_or_default();
            match rec.models.iter().find(|r| r.name == m.name) {
                None => add("new in the spec".into(), &m.name),
                Some(r) => {
                    for reason in reasons(m, r, &rec.inputs, &now) {
                        add(reason, &m.name);
                    }
                }
            }
        }
        for r in &rec.models {
            if !models.iter().any(|m| m.name == r.name) {
                add("no longer in the spec".into(), &r.name);
            }
        }
        if why.is_empty() {
            report += &format!("{t}: up to date ({} model(s))\n", models.len());
        } else {
            all_current = false;
            report += &format!("{t}: out of date\n");
            for (reason, names) in &why {
                if names == &["all"] {
                    report += &format!("  {reason}\n");
                } else {
                    report += &format!("  {reason}: {} model(s): {}\n", names.len(), some(names));
                }
            }
        }
    }
    Ok((report, all_current))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_name_options_one_by_one() {
        let a = serde_json::json!({"sample": "x > 1", "options": {"seed": 1, "draws": 10}, "fe": ["a"]});
        let b = serde_json::json!({"sample": "x > 2", "options": {"seed": 2, "draws": 10}, "fe": ["a"]});
        assert_eq!(changed_fields(&a, &b), vec!["options.seed", "sample"]);
    }
}
