//! The plan: every model of every spec file, resolved into what an estimator needs. Pure data,
//! serialisable, and hashed for the cache.

use crate::diag::Diagnostic;
use crate::spec::{self, LoadedSpec, ModelSpec};
use estimators::demean::DemeanMethod;
use estimators::VcovKind;
use std::collections::BTreeMap;

pub use crate::model::PlannedModel;

/// A panel HAC vcov as fixest writes it: `driscoll_kraay` / `DK`, `newey_west` / `NW`, with an
/// optional bandwidth, `DK(2)` (default floor(T^(1/4)) periods). `None` when not a HAC name.
fn hac(v: &str) -> Option<Result<VcovKind, String>> {
    let (name, lag) = match v.split_once('(') {
        Some((n, rest)) => (n.trim(), Some(rest.trim_end_matches(')').trim())),
        None => (v.trim(), None),
    };
    let dk = match name {
        "driscoll_kraay" | "DK" => true,
        "newey_west" | "NW" => false,
        _ => return None,
    };
    let lag = match lag {
        None => None,
        Some(l) => match l.parse::<u32>() {
            Ok(l) if i64::from(l) <= crate::limits::get().event_periods => Some(l),
            _ => {
                return Some(Err(format!(
                    "vcov `{v}`: the lag must be a whole number of periods, at most {}",
                    crate::limits::get().event_periods
                )))
            }
        },
    };
    Some(Ok(if dk {
        VcovKind::DriscollKraay { lag }
    } else {
        VcovKind::NeweyWest { lag }
    }))
}

/// Conley spatial errors as written: `conley(500)` (cutoff in km, Bartlett kernel), with
/// optional `kernel = bartlett | uniform`, `lag = <periods>` (each unit's serial correlation)
/// and `lat = <column>`, `lon = <column>` (default: columns named lat/latitude and
/// lon/lng/longitude, found when the data are read). `None` when not a Conley vcov; else the
/// vcov and the coordinate columns named (empty: to be found).
fn conley(v: &str) -> Option<Result<(VcovKind, Vec<String>), String>> {
    let rest = v.trim().strip_prefix("conley")?.trim();
    let usage = "write it as `conley(<cutoff in km>)`, optionally with `kernel = bartlett | uniform`, `lag = <periods>`, `lat = <column>` and `lon = <column>`, as in `conley(500, kernel = uniform, lat = latitude, lon = longitude)`";
    let Some(args) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return Some(Err(format!(
            "vcov `{v}`: Conley errors need a distance cutoff; {usage}"
        )));
    };
    let mut parts = args.split(',').map(str::trim);
    let cutoff = parts.next().unwrap_or_default();
    let cutoff_km = match cutoff.trim_end_matches("km").trim().parse::<f64>() {
        Ok(c) if c.is_finite() && c > 0.0 && c <= 20_100.0 => c,
        _ => {
            return Some(Err(format!(
                "vcov `{v}`: the cutoff `{cutoff}` is not a distance in km between 0 and 20,100 (half the Earth's circumference); {usage}"
            )))
        }
    };
    let (mut kernel, mut lag, mut coords) = (estimators::ConleyKernel::Bartlett, 0, [None, None]);
    for p in parts {
        let Some((key, value)) = p.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            return Some(Err(format!(
                "vcov `{v}`: `{p}` is not `name = value`; {usage}"
            )));
        };
        match key {
            "kernel" => {
                kernel = match value {
                    "bartlett" => estimators::ConleyKernel::Bartlett,
                    "uniform" => estimators::ConleyKernel::Uniform,
                    _ => {
                        return Some(Err(format!(
                            "vcov `{v}`: unknown kernel `{value}`; use bartlett or uniform"
                        )))
                    }
                }
            }
            "lag" => match value.parse::<u32>() {
                Ok(l) if i64::from(l) <= crate::limits::get().event_periods => lag = l,
                _ => {
                    return Some(Err(format!(
                        "vcov `{v}`: the lag must be a whole number of periods, at most {}",
                        crate::limits::get().event_periods
                    )))
                }
            },
            "lat" | "lon" => coords[usize::from(key == "lon")] = Some(value.to_string()),
            _ => {
                return Some(Err(format!(
                    "vcov `{v}`: unknown Conley option `{key}`; {usage}"
                )))
            }
        }
    }
    let coordinates = match coords {
        [Some(lat), Some(lon)] => vec![lat, lon],
        [None, None] => Vec::new(),
        _ => {
            return Some(Err(format!(
            "vcov `{v}`: name both coordinates, `lat = <column>` and `lon = <column>`, or neither"
        )))
        }
    };
    Some(Ok((
        VcovKind::Conley {
            cutoff_km,
            kernel,
            lag,
        },
        coordinates,
    )))
}

/// Splits `y ~ a + b:c | f1 + f2^f3` into (outcome, regressors, fe).
pub fn parse_formula(f: &str) -> Result<(String, Vec<String>, Vec<String>), String> {
    let (y, x, fe, _) = parse_formula_iv(f)?;
    Ok((y, x, fe))
}

/// Endogenous regressors and excluded instruments of an IV formula part `d1 + d2 ~ z1 + z2`.
pub type IvPart = (Vec<String>, Vec<String>);

/// A parsed formula: outcome, regressors, fixed effects and the IV part, if any.
pub type ParsedFormula = (String, Vec<String>, Vec<String>, Option<IvPart>);

/// [`parse_formula`] with fixest's IV part: `y ~ x | fe | d ~ z` (or `y ~ x | d ~ z` without
/// FE). `1` on the right of the first `~` is the intercept, implied anyway.
pub fn parse_formula_iv(f: &str) -> Result<ParsedFormula, String> {
    let (lhs, rhs) = f
        .split_once('~')
        .ok_or("a formula needs `~` between the outcome and the regressors")?;
    let mut parts: Vec<&str> = rhs.split('|').collect();
    let iv = match parts.last() {
        Some(last) if parts.len() > 1 && last.contains('~') => {
            let (d, z) = last.split_once('~').unwrap_or((last, ""));
            parts.pop();
            Some((d.to_string(), z.to_string()))
        }
        _ => None,
    };
    if parts.len() > 2 {
        return Err("a formula has at most `y ~ x | fe | endogenous ~ instruments`".into());
    }
    let xs = parts[0];
    let fes = parts.get(1).copied().unwrap_or("");
    let terms = |s: &str| -> Result<Vec<String>, String> {
        split_terms(s)
            .into_iter()
            .map(|t| t.trim().replace(' ', ""))
            .filter(|t| !t.is_empty())
            .map(|t| {
                let call = ["i(", "l(", "f("].iter().any(|p| t.starts_with(p)) && t.ends_with(')');
                if call || t.chars().all(|c| c.is_alphanumeric() || "_:^".contains(c)) {
                    Ok(t)
                } else {
                    Err(format!(
                        "formula term `{t}` is not a column name, `a:b`, `a^b`, `i(...)`, `l(...)` or `f(...)`"
                    ))
                }
            })
            .collect()
    };
    let lhs = lhs.trim();
    if lhs.is_empty() || lhs.contains('+') {
        return Err(
            "a formula has exactly one outcome left of `~` (use `outcome: [a, b]` for several)"
                .into(),
        );
    }
    let iv = match iv {
        None => None,
        Some((d, z)) => {
            let (d, z) = (terms(&d)?, terms(&z)?);
            if d.is_empty() || z.is_empty() {
                return Err("the IV part is `endogenous ~ instruments`, both non-empty".into());
            }
            Some((d, z))
        }
    };
    let xs: Vec<String> = terms(xs)?.into_iter().filter(|t| t != "1").collect();
    Ok((lhs.to_string(), xs, terms(fes)?, iv))
}

/// Splits on `+` outside parentheses and brackets (`i(rel, ref = [-1, -2]) + x`).
fn split_terms(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        if c == '+' && depth == 0 {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// Resolves one file's models into planned models (one per outcome), or diagnostics.
pub fn plan_file(ls: &LoadedSpec) -> Result<Vec<PlannedModel>, Vec<Diagnostic>> {
    let (out, diags) = plan_file_partial(ls);
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The models of a file that plan, and the problems of those that do not: `check` goes on to
/// check the good models against the data, so every problem of a file is reported at once.
pub fn plan_file_partial(ls: &LoadedSpec) -> (Vec<PlannedModel>, Vec<Diagnostic>) {
    let models = match spec::expand(ls) {
        Ok(m) => m,
        Err(d) => return (Vec::new(), d),
    };
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let rw = ls.spec.adjust.contains(&report::curve::Adjust::RomanoWolf);
    if ls.spec.romano_wolf.is_some() && !rw {
        let d = Diagnostic::new(
            &ls.path,
            "`romano_wolf:` sets the bootstrap of `adjust: [romano_wolf]`, which this table does not ask for".to_string(),
        );
        diags.push(
            match ls.text.lines().position(|l| l.starts_with("romano_wolf:")) {
                Some(i) => d.at(&ls.text, i + 1, 1),
                None => d,
            },
        );
    }
    for m in &models {
        match plan_model(ls, m).and_then(|pms| {
            if rw {
                pms.into_iter().map(|pm| with_romano_wolf(ls, pm)).collect()
            } else {
                Ok(pms)
            }
        }) {
            Ok(pms) => {
                for mut pm in pms {
                    *seen.entry(pm.name.clone()).or_default() += 1;
                    pm.key = pm.hash();
                    out.push(pm);
                }
            }
            Err(d) => diags.push(d),
        }
    }
    for (name, n) in seen {
        if n > 1 {
            let d = Diagnostic::new(
                &ls.path,
                format!(
                    "model name `{name}` is used {n} times in table `{}`",
                    ls.table
                ),
            )
            .model(&name);
            diags.push(match spec::locate(&ls.text, &name, None) {
                Some((l, c)) => d.at(&ls.text, l, c),
                None => d,
            });
        }
    }
    (out, diags)
}

/// A model of a table with `adjust: [romano_wolf]`: its wild cluster bootstrap (the table's
/// draws and seed unless the model sets its own) keeps every draw, so that the stepdown can be
/// computed from the finished table whatever the jobs, cache or shards. Only OLS columns with a
/// treatment and a cluster have that bootstrap.
fn with_romano_wolf(ls: &LoadedSpec, mut pm: PlannedModel) -> Result<PlannedModel, Diagnostic> {
    let fail = |msg: String| {
        let d = Diagnostic::new(&ls.path, msg).model(&pm.name);
        match spec::locate(&ls.text, &pm.name, None) {
            Some((l, c)) => d.at(&ls.text, l, c),
            None => d,
        }
    };
    if pm.estimator != "ols" || !pm.endogenous.is_empty() {
        return Err(fail(format!(
            "`adjust: [romano_wolf]` resamples the columns by the wild cluster bootstrap of OLS; this model's estimator is `{}`",
            if pm.endogenous.is_empty() { pm.estimator.as_str() } else { "2SLS" }
        )));
    }
    if pm.treatment.is_none() || pm.cluster.is_empty() {
        return Err(fail(
            "`adjust: [romano_wolf]` bootstraps each column's `treatment` by its `cluster`: this model lacks one".into(),
        ));
    }
    let rw = ls
        .spec
        .romano_wolf
        .clone()
        .unwrap_or(crate::spec::RomanoWolfSpec {
            draws: 9999,
            seed: 1,
        });
    let boot = pm
        .options
        .entry("wild_bootstrap".to_string())
        .or_insert_with(|| serde_json::json!({"draws": rw.draws, "seed": rw.seed}));
    if let Some(o) = boot.as_object_mut() {
        o.insert("keep_draws".into(), serde_json::Value::Bool(true));
    }
    Ok(pm)
}

fn plan_model(ls: &LoadedSpec, m: &ModelSpec) -> Result<Vec<PlannedModel>, Diagnostic> {
    let name = m.name.clone().unwrap_or_default();
    let err = |key: Option<&str>, msg: String| {
        let d = Diagnostic::new(&ls.path, msg).model(&name);
        match spec::locate(&ls.text, &name, key) {
            Some((l, c)) => d.at(&ls.text, l, c),
            None => d,
        }
    };
    let mut iv: Option<IvPart> = None;
    // fixest's estimation functions as a formula's wrapper: `fepois(y ~ x | fe)` is PPML.
    let (formula, formula_estimator) = match m.formula.as_deref().map(str::trim) {
        Some(f) => match crate::exec::fixest_call(f).map_err(|e| err(Some("formula"), e))? {
            Some((est, inner)) => (Some(inner), Some(est)),
            None => (Some(f.to_string()), None),
        },
        None => (None, None),
    };
    let (mut outcomes, mut regressors, mut fe) = (
        m.outcome.as_ref().map(|o| o.to_vec()).unwrap_or_default(),
        m.regressors.clone().unwrap_or_default(),
        m.fe.clone().unwrap_or_default(),
    );
    if let Some(f) = &formula {
        let (y, xs, fes, iv_part) = parse_formula_iv(f).map_err(|e| err(Some("formula"), e))?;
        if let Some(p) = iv_part {
            iv = Some(p);
        }
        if m.outcome.is_some() && !outcomes.contains(&y) {
            return Err(err(
                Some("formula"),
                "set the outcome in `formula` or in `outcome`, not both".into(),
            ));
        }
        outcomes = vec![y];
        if m.regressors.is_none() {
            regressors = xs;
        }
        if m.fe.is_none() {
            fe = fes;
        }
    }
    if outcomes.is_empty() {
        return Err(err(None, "no outcome: set `outcome` or `formula`".into()));
    }
    let mut all = Vec::new();
    if let Some(t) = &m.treatment {
        all.push(t.clone());
    }
    for r in regressors.iter().chain(m.controls.iter().flatten()) {
        if !all.contains(r) {
            all.push(r.clone());
        }
    }
    let estimator = match (&m.estimator, formula_estimator) {
        (Some(e), Some(f)) if e != f => {
            return Err(err(
                Some("formula"),
                format!("the formula's wrapper means `estimator: {f}`, but the model says `estimator: {e}`; keep one"),
            ))
        }
        (Some(e), _) => e.clone(),
        (None, Some(f)) => f.to_string(),
        (None, None) => "ols".into(),
    };
    let Some(exec) = crate::exec::lookup(&estimator) else {
        let known = crate::exec::names();
        let hint = crate::diag::suggest(&estimator, known.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(err(
            Some("estimator"),
            format!(
                "unknown estimator `{estimator}`; known: {}{hint}",
                known.join(", ")
            ),
        ));
    };
    if iv.is_some() && estimator != "ols" {
        return Err(err(
            Some("formula"),
            format!(
                "an IV part (`| endogenous ~ instruments`) is for OLS; `{estimator}` takes none"
            ),
        ));
    }
    let (endogenous, instruments) = iv.unwrap_or_default();
    if instruments.len() < endogenous.len() {
        return Err(err(
            Some("formula"),
            format!(
                "{} instrument(s) cannot identify {} endogenous regressor(s) ({}): give at least as many instruments",
                instruments.len(),
                endogenous.len(),
                endogenous.join(", ")
            ),
        ));
    }
    if all.is_empty() && endogenous.is_empty() && estimator == "ols" {
        return Err(err(
            None,
            "no regressors: set `treatment`, `regressors`, `controls` or `formula`".into(),
        ));
    }
    let cluster = m.cluster.as_ref().map(|c| c.to_vec()).unwrap_or_default();
    let mut coordinates = Vec::new();
    let vcov = match m.vcov.as_deref() {
        None if cluster.is_empty() => VcovKind::Iid,
        None | Some("cluster") | Some("CR1") => VcovKind::Cluster,
        Some("iid") => VcovKind::Iid,
        Some("hetero") | Some("HC1") | Some("robust") => VcovKind::Hetero,
        Some(other) => match (hac(other), conley(other)) {
            (Some(Ok(v)), _) => v,
            (_, Some(Ok((v, c)))) => {
                coordinates = c;
                v
            }
            (Some(Err(e)), _) | (_, Some(Err(e))) => return Err(err(Some("vcov"), e)),
            (None, None) => {
                return Err(err(
                    Some("vcov"),
                    format!("unknown vcov `{other}`; use iid, hetero (also: robust, HC1), cluster, driscoll_kraay (DK) or newey_west (NW) with a lag as in `DK(2)`, or conley with a cutoff in km as in `conley(500)`"),
                ))
            }
        },
    };
    if matches!(vcov, VcovKind::Iid | VcovKind::Hetero) && m.vcov.is_some() && !cluster.is_empty() {
        return Err(err(
            Some("vcov"),
            format!(
                "`vcov: {}` is not clustered, but `cluster: [{}]` names clusters: use `vcov: cluster` (or leave `vcov` out), or remove `cluster` (`cluster: []` when it comes from `defaults`)",
                m.vcov.as_deref().unwrap_or_default(),
                cluster.join(", ")
            ),
        ));
    }
    if let Some(written) = m.vcov.as_deref() {
        if matches!(vcov, VcovKind::Conley { .. }) && !exec.honours_vcov(vcov) {
            return Err(err(
                Some("vcov"),
                format!("Conley errors here are for linear models (OLS, IV, event studies, Sun-Abraham); `{estimator}` cannot honour `vcov: {written}`: remove `vcov` or use `estimator: ols`"),
            ));
        }
        if matches!(vcov, VcovKind::Conley { .. }) && m.ssc.is_some() {
            return Err(err(
                Some("ssc"),
                format!("Conley errors take no small-sample correction (as R's conleyreg); `ssc` would be ignored with `vcov: {written}`: remove `ssc`"),
            ));
        }
        if !exec.honours_vcov(vcov) {
            return Err(err(
                Some("vcov"),
                format!("`{estimator}` computes its standard errors from its influence function, by unit or clustered by `cluster:`; it cannot honour `vcov: {written}`: remove `vcov` (and set `cluster:` for clustered errors)"),
            ));
        }
    }
    let honours = exec.honours_demean();
    // The workspace's default applies where it can: models that absorb FE with the solver.
    let demean = m.demean.unwrap_or_else(|| {
        if honours && !fe.is_empty() {
            crate::workspace::default_demean()
        } else {
            DemeanMethod::Auto
        }
    });
    if let Some(d) = m.demean.filter(|d| *d != DemeanMethod::Auto) {
        let name = serde_json::to_value(d).unwrap_or_default();
        let name = name.as_str().unwrap_or_default();
        if fe.is_empty() {
            return Err(err(
                Some("demean"),
                format!("`demean: {name}` chooses how fixed effects are absorbed, and this model absorbs none: remove `demean` or add `fe`"),
            ));
        }
        if !honours {
            return Err(err(
                Some("demean"),
                format!("`{estimator}` absorbs its fixed effects with its own solver and cannot honour `demean: {name}`: remove `demean`"),
            ));
        }
    }
    if vcov.is_hac() && !cluster.is_empty() {
        return Err(err(
            Some("cluster"),
            "HAC standard errors (panel or spatial) use the data's unit and period, not a cluster: remove `cluster` (`cluster: []` when it comes from `defaults`)".into(),
        ));
    }
    if vcov == VcovKind::Cluster && cluster.is_empty() {
        return Err(err(
            Some("vcov"),
            "`vcov: cluster` needs `cluster: <column>`".into(),
        ));
    }
    if cluster.len() > 2 {
        return Err(err(
            Some("cluster"),
            "at most two-way clustering is supported".into(),
        ));
    }
    let multi = outcomes.len() > 1;
    Ok(outcomes
        .iter()
        .map(|y| PlannedModel {
            table: ls.table.clone(),
            spec_file: ls.path.display().to_string(),
            name: if multi {
                format!("{name}_{y}")
            } else {
                name.clone()
            },
            label: m.label.clone().unwrap_or_else(|| y.clone()),
            outcome: y.clone(),
            treatment: m.treatment.clone(),
            regressors: all.clone(),
            controls: m.controls.clone().unwrap_or_default(),
            fe: fe.clone(),
            cluster: cluster.clone(),
            vcov,
            sample: m.sample.clone(),
            sample_label: m.sample_label.clone(),
            weights: m.weights.clone(),
            estimator: estimator.clone(),
            options: m.options.clone().unwrap_or_default(),
            ssc: m.ssc.unwrap_or_default(),
            demean,
            panel: m.panel.clone(),
            allow_dropped_treatment: m.allow_dropped_treatment.unwrap_or(false),
            coordinates: coordinates.clone(),
            endogenous: endogenous.clone(),
            instruments: instruments.clone(),
            key: String::new(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula() {
        let (y, x, f) = parse_formula("homic ~ treat_post + a:b | iso3 + iso3^year").unwrap();
        assert_eq!(y, "homic");
        assert_eq!(x, vec!["treat_post", "a:b"]);
        assert_eq!(f, vec!["iso3", "iso3^year"]);
        assert!(parse_formula("homic treat_post").is_err());
        assert!(parse_formula("y ~ log(x)").is_err());
        let (_, x, f) =
            parse_formula("y ~ i(rel, treat, ref = [-1, -1000]) + l(x, 1:2) | state + region^year")
                .unwrap();
        assert_eq!(x, vec!["i(rel,treat,ref=[-1,-1000])", "l(x,1:2)"]);
        assert_eq!(f, vec!["state", "region^year"]);
    }
}
