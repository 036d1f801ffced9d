//! From model results to table records: grouping a run's models into their tables (with the
//! data file's labels under the spec's), merging a partial run into the existing report set,
//! and merging shards.

use crate::data::DataInfo;
use crate::plan::PlannedModel;
use crate::VERSION;
use report::{ModelRecord, TableRecord};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The new tables merged with the existing set of `out`: tables this run did not touch are kept
/// as they were; in a table it touched, the models it did not run keep their previous results.
/// Data never mix: a table whose previous results came from other data is refused.
pub(crate) fn merge_into_previous(
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
                // A set of this run's names, not a search per previous model: merging stays
                // linear in the table's size (100,000 columns of a grid).
                let ran: std::collections::HashSet<String> =
                    t.models.iter().map(|x| x.name.clone()).collect();
                for m in p.models {
                    if !ran.contains(&m.name)
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

/// A table's labels: the data file's (escaped for LaTeX: they are the data's text), under the
/// workspace's `labels:`, under the spec's own (both written by the user, as LaTeX).
fn with_data_labels(
    spec: &BTreeMap<String, String>,
    workspace: &BTreeMap<String, String>,
    data: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = data
        .iter()
        .map(|(k, v)| (k.clone(), report::latex_escape(v)))
        .collect();
    out.extend(workspace.iter().map(|(k, v)| (k.clone(), v.clone())));
    out.extend(spec.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// Groups model records into their tables, in plan order; tables with no selected model are
/// not written.
pub(crate) fn tables(
    loaded: &[crate::spec::LoadedSpec],
    plan: &[PlannedModel],
    mut recs: BTreeMap<usize, ModelRecord>,
    infos: &BTreeMap<Option<String>, DataInfo>,
    workspace_labels: &BTreeMap<String, String>,
    workspace_format: Option<&serde_json::Value>,
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
        let provenance = crate::provenance::of_table(
            &ls.text,
            &models
                .iter()
                .map(|m| m.data_hash.as_str())
                .collect::<Vec<_>>(),
            ls.path.parent().unwrap_or(std::path::Path::new(".")),
        );
        out.push(TableRecord {
            table: ls.table.clone(),
            inputs: lp.parts.clone(),
            title: s.title.clone(),
            notes: s.notes.clone(),
            spec_file: ls.path.display().to_string(),
            labels: with_data_labels(&s.labels, workspace_labels, &lp.labels),
            keep: s.keep.clone(),
            drop: s.drop.clone(),
            template: s.template.clone(),
            format: report::Style::merge(workspace_format, s.format.as_ref()),
            data_source: lp.description.clone(),
            data_simulated: lp.simulated,
            program_version: VERSION.to_string(),
            models,
            curve: s.curve.as_ref().and_then(|c| c.options()),
            adjust: s.adjust.clone(),
            coefplot: s.coefplot,
            provenance: Some(provenance),
            curve_result: None,
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
    // A set is whole or not written: every model of the plan must be in some shard.
    let missing: Vec<String> = order
        .iter()
        .filter(|m| {
            !tables
                .get(&m.table)
                .is_some_and(|t| t.models.iter().any(|r| r.name == m.name))
        })
        .map(|m| format!("`{}` of table `{}`", m.name, m.table))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        return Err(format!(
            "{} model(s) of the plan are in none of the {} shard director(ies) given (a shard missing, or one run on other specs): {}{}; nothing was written",
            missing.len(),
            dirs.len(),
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        ));
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
