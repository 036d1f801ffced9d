//! A spec file's models after `extends` chains and grids are resolved: every model written
//! out in full, in file order, each located for diagnostics.

use super::{locate, LoadedSpec, ModelSpec, OneOrMany, MODEL_FIELDS};
use crate::diag::{suggest, Diagnostic};
use std::collections::BTreeMap;

/// Models of a file after `extends` and grid expansion (outcome lists are expanded in `plan`).
pub fn expand(ls: &LoadedSpec) -> Result<Vec<ModelSpec>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let named: BTreeMap<&str, &ModelSpec> = ls
        .spec
        .models
        .iter()
        .filter_map(|m| m.name.as_deref().map(|n| (n, m)))
        .collect();
    let at = |name: &str, key: Option<&str>, msg: String| {
        let d = Diagnostic::new(&ls.path, msg).model(name);
        match locate(&ls.text, name, key) {
            Some((l, c)) => d.at(&ls.text, l, c),
            None => d,
        }
    };
    // Resolves `extends` chains (models or fragments), detecting cycles.
    let resolve = |m: &ModelSpec, name: &str| -> Result<ModelSpec, Diagnostic> {
        let mut cur = m.clone();
        let mut seen = vec![name.to_string()];
        while let Some(parent) = cur.extends.clone() {
            if seen.contains(&parent) {
                return Err(at(
                    name,
                    Some("extends"),
                    format!("`extends` forms a cycle: {} -> {parent}", seen.join(" -> ")),
                ));
            }
            let base = named
                .get(parent.as_str())
                .copied()
                .or_else(|| ls.spec.fragments.get(&parent));
            let Some(base) = base else {
                let cands = named
                    .keys()
                    .copied()
                    .chain(ls.spec.fragments.keys().map(String::as_str));
                let hint = suggest(&parent, cands)
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(at(
                    name,
                    Some("extends"),
                    format!("`extends: {parent}` names no model or fragment in this file{hint}"),
                ));
            };
            seen.push(parent);
            let mut merged = cur.over(base);
            merged.extends = base.extends.clone();
            merged.name = cur.name.clone();
            cur = merged;
        }
        Ok(cur.over(&ls.spec.defaults))
    };
    for (i, m) in ls.spec.models.iter().enumerate() {
        let Some(name) = m.name.clone() else {
            diags.push(Diagnostic::new(
                &ls.path,
                format!("model #{} has no `name`", i + 1),
            ));
            continue;
        };
        match resolve(m, &name) {
            Ok(r) => out.push(r),
            Err(d) => diags.push(d),
        }
    }
    for g in &ls.spec.grid {
        let keys: Vec<&String> = g.vary.keys().collect();
        let mut probe = g.name.clone();
        for k in &keys {
            probe = probe.replace(&format!("{{{k}}}"), "");
        }
        if probe.contains('{') {
            diags.push(at(
                &g.name,
                Some("name"),
                format!("grid name `{}` has a placeholder not in `vary`", g.name),
            ));
            continue;
        }
        if let Some(k) = keys.iter().find(|k| g.vary[**k].pairs().is_empty()) {
            diags.push(at(
                &g.name,
                Some("vary"),
                format!(
                    "grid `{}` varies `{k}` over an empty list: it would make no models",
                    g.name
                ),
            ));
            continue;
        }
        if keys.is_empty() {
            diags.push(at(
                &g.name,
                Some("vary"),
                format!(
                    "grid `{}` has an empty `vary`: it would make no models",
                    g.name
                ),
            ));
            continue;
        }
        let size = keys
            .iter()
            .map(|k| g.vary[*k].pairs().len())
            .try_fold(1usize, |a, b| a.checked_mul(b))
            .unwrap_or(usize::MAX);
        if let Err(e) = crate::limits::grid(&g.name, size) {
            diags.push(at(&g.name, Some("vary"), e));
            continue;
        }
        let mut combos: Vec<Vec<(String, String)>> = vec![vec![]];
        for k in &keys {
            let mut next = Vec::new();
            for c in &combos {
                for p in g.vary[*k].pairs() {
                    let mut c2 = c.clone();
                    c2.push(p);
                    next.push(c2);
                }
            }
            combos = next;
        }
        for combo in combos {
            let mut m = g.model.clone();
            let mut name = g.name.clone();
            let mut label = g.label.clone();
            for (k, (short, value)) in keys.iter().zip(&combo) {
                name = name.replace(&format!("{{{k}}}"), short);
                label = label.map(|l| l.replace(&format!("{{{k}}}"), short));
                let set = |field: &mut Option<String>| *field = Some(value.clone());
                match k.as_str() {
                    "outcome" => m.outcome = Some(OneOrMany::One(value.clone())),
                    "treatment" => set(&mut m.treatment),
                    "sample" => {
                        // `full: ""` is the full sample, labelled like the others.
                        if value.trim().is_empty() {
                            m.sample = None;
                        } else {
                            set(&mut m.sample);
                        }
                        m.sample_label = Some(short.clone());
                    }
                    "cluster" => m.cluster = Some(OneOrMany::One(value.clone())),
                    "vcov" => set(&mut m.vcov),
                    "weights" => set(&mut m.weights),
                    "estimator" => set(&mut m.estimator),
                    "panel" => set(&mut m.panel),
                    "extends" => set(&mut m.extends),
                    other => {
                        let hint = suggest(other, MODEL_FIELDS.iter().copied())
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        diags.push(at(
                            &g.name,
                            Some("vary"),
                            format!("grid cannot vary `{other}`{hint}"),
                        ));
                        continue;
                    }
                }
            }
            if name.contains('{') {
                diags.push(at(
                    &g.name,
                    Some("name"),
                    format!("grid name `{name}` has a placeholder not in `vary`"),
                ));
                continue;
            }
            m.name = Some(name.clone());
            m.label = label.or(m.label);
            match resolve(&m, &name) {
                Ok(r) => out.push(r),
                Err(d) => diags.push(d),
            }
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}
