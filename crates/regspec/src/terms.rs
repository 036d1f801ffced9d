//! fixest's formula shorthands expanded against the data before anything is checked or
//! estimated: `i(var, ref = r)` and `i(var, x, ref = ...)` into one indicator (or interaction)
//! per level, `l(x, 1:2)` / `f(x)` into lag and lead terms that [`crate::frame`] computes.

use crate::expr;
use crate::frame::PanelView;
use ingest::{Data, MISSING_CODE};

/// Expands fixest's formula shorthands in a regressor list, using the data for `i()` levels:
/// - `i(var, ref = r)` -> one indicator `var::v` per level v of `var` except the references;
/// - `i(var, x, ref = [r1, r2])` -> `var::v:x` (indicator times x);
/// - `l(x, 1:2)` -> `l(x,1)`, `l(x,2)`; `l(x)` -> `l(x,1)`; `f(...)` likewise (leads).
pub fn expand_terms(terms: &[String], view: &PanelView) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for t in terms {
        let is_call = ["i(", "l(", "f("].iter().any(|p| t.starts_with(p)) && t.ends_with(')');
        if !is_call {
            out.push(t.clone());
            continue;
        }
        let e = expr::parse(t).map_err(|e| format!("term `{t}`: {e}"))?;
        let expr::Expr::Call(c) = e else {
            return Err(format!("term `{t}` is not a call"));
        };
        let col = |e: &expr::Expr| match e {
            expr::Expr::Col(c) => Ok(c.clone()),
            _ => Err(format!("term `{t}`: expected a column name")),
        };
        match c.name.as_str() {
            "l" | "f" => {
                if c.args.is_empty() || c.args.len() > 2 || !c.named.is_empty() {
                    return Err(format!(
                        "term `{t}`: usage {}(x, k) or {}(x, k1:k2)",
                        c.name, c.name
                    ));
                }
                let x = col(&c.args[0])?;
                let (lo, hi) = match c.args.get(1) {
                    None => (1, 1),
                    Some(expr::Expr::Num(k)) => (*k as i64, *k as i64),
                    Some(expr::Expr::Range(a, z)) => match (&**a, &**z) {
                        (expr::Expr::Num(a), expr::Expr::Num(z)) => (*a as i64, *z as i64),
                        _ => return Err(format!("term `{t}`: a range is `k1:k2` of numbers")),
                    },
                    _ => return Err(format!("term `{t}`: the lag is a number or `k1:k2`")),
                };
                if lo < 0 || hi < lo || hi - lo > 100 {
                    return Err(format!("term `{t}`: need 0 <= k1 <= k2 (at most 100 lags)"));
                }
                out.extend((lo..=hi).map(|k| format!("{}({x},{k})", c.name)));
            }
            "i" => {
                if c.args.is_empty() || c.args.len() > 2 {
                    return Err(format!(
                        "term `{t}`: usage i(var, ref = r) or i(var, x, ref = r)"
                    ));
                }
                let var = col(&c.args[0])?;
                let with = c.args.get(1).map(col).transpose()?;
                let mut refs: Vec<String> = Vec::new();
                for (k, v) in &c.named {
                    if k != "ref" {
                        return Err(format!("term `{t}`: unknown option `{k}` (known: ref)"));
                    }
                    let items = match v {
                        expr::Expr::List(items) => items.clone(),
                        other => vec![other.clone()],
                    };
                    for it in items {
                        refs.push(match it {
                            expr::Expr::Num(x) => ingest::panel::fmt_number(x),
                            expr::Expr::Text(s) => s,
                            _ => return Err(format!("term `{t}`: `ref` is a value or a list")),
                        });
                    }
                }
                view.check_term(&var, false)?;
                if let Some(w) = &with {
                    view.check_term(w, true)?;
                }
                let levels = levels_of(view, &var);
                for r in &refs {
                    if !levels.contains(r) {
                        return Err(format!(
                            "term `{t}`: reference `{r}` is not a value of `{var}` (values: {})",
                            short_list(&levels)
                        ));
                    }
                }
                if levels.len() > 1000 {
                    return Err(format!(
                        "term `{t}`: `{var}` has {} values; i() is for at most 1000",
                        levels.len()
                    ));
                }
                for l in levels.iter().filter(|l| !refs.contains(l)) {
                    if l.contains(':') || l.contains('^') {
                        return Err(format!(
                            "term `{t}`: value `{l}` of `{var}` contains `:` or `^`"
                        ));
                    }
                    out.push(match &with {
                        None => format!("{var}::{l}"),
                        Some(w) => format!("{var}::{l}:{w}"),
                    });
                }
            }
            _ => out.push(t.clone()),
        }
    }
    Ok(out)
}

/// Distinct values of a column as text: numbers ascending, text alphabetically (as fixest).
fn levels_of(view: &PanelView, var: &str) -> Vec<String> {
    let Some(c) = view.col(var) else {
        return vec![];
    };
    match &c.data {
        Data::Num(v) => {
            let mut s: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            s.sort_by(f64::total_cmp);
            s.dedup();
            s.into_iter().map(ingest::panel::fmt_number).collect()
        }
        Data::Cat { codes, levels } => {
            let mut used = vec![false; levels.len()];
            for &k in codes.iter().filter(|&&k| k != MISSING_CODE) {
                used[k as usize] = true;
            }
            let mut out: Vec<String> = levels
                .iter()
                .zip(used)
                .filter(|(_, u)| *u)
                .map(|(l, _)| l.clone())
                .collect();
            out.sort();
            out
        }
    }
}

fn short_list(v: &[String]) -> String {
    if v.len() <= 12 {
        v.join(", ")
    } else {
        format!("{}, ... ({} in all)", v[..12].join(", "), v.len())
    }
}
