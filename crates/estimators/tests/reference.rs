//! Every OLS case of tests/reference/ols_reference.json (written by pyfixest 0.60, see
//! make_ols_reference.py) agrees with our fit to 1e-8 relative, coefficients and SEs.

use estimators::{fit, GDf, KFixef, OlsData, OlsOptions, Ssc, VcovKind};
use serde_json::Value;
use std::collections::BTreeMap;

const REL: f64 = 1e-8;

fn load(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/reference/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap()
}

fn close(what: &str, ours: f64, theirs: f64, rel: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: ours {ours:.15e} vs pyfixest {theirs:.15e} (rel err {err:.2e})"
    );
}

struct Frame {
    num: BTreeMap<String, Vec<f64>>,
    codes: BTreeMap<String, Vec<u32>>,
}

fn frame(v: &Value) -> Frame {
    let mut f = Frame {
        num: BTreeMap::new(),
        codes: BTreeMap::new(),
    };
    for (k, col) in v.as_object().unwrap() {
        let col = col.as_array().unwrap();
        if ["country", "year", "region"].contains(&k.as_str()) {
            f.codes.insert(
                k.clone(),
                col.iter().map(|x| x.as_u64().unwrap() as u32).collect(),
            );
        } else {
            f.num.insert(
                k.clone(),
                col.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect(),
            );
        }
    }
    f
}

#[test]
fn ols_matches_pyfixest() {
    let data = load("ols_data.json");
    let refs = load("ols_reference.json");
    let frames: BTreeMap<String, Frame> = data
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), frame(v)))
        .collect();
    let mut checked = 0;
    for (case, r) in refs.as_object().unwrap() {
        let f = &frames[r["data"].as_str().unwrap()];
        let formula = r["formula"].as_str().unwrap();
        let (lhs, rhs) = formula.split_once('~').unwrap();
        let (xs, fes) = rhs.split_once('|').unwrap_or((rhs, ""));
        let split = |s: &str| {
            s.split('+')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let (xs, fes) = (split(xs), split(fes));
        let (vcov, clusters) = match &r["vcov"] {
            Value::String(s) if s == "iid" => (VcovKind::Iid, vec![]),
            Value::String(s) if s == "hetero" => (VcovKind::Hetero, vec![]),
            Value::Object(o) => (VcovKind::Cluster, split(o["CRV1"].as_str().unwrap())),
            other => panic!("{other}"),
        };
        let mut ssc = Ssc::default();
        for (k, v) in r["ssc"].as_object().unwrap() {
            match (k.as_str(), v) {
                ("k_adj", Value::Bool(b)) => ssc.k_adj = *b,
                ("G_adj", Value::Bool(b)) => ssc.g_adj = *b,
                ("G_df", Value::String(s)) => {
                    ssc.g_df = if s == "min" {
                        GDf::Min
                    } else {
                        GDf::Conventional
                    }
                }
                ("k_fixef", Value::String(s)) => {
                    ssc.k_fixef = match s.as_str() {
                        "none" => KFixef::None,
                        "full" => KFixef::Full,
                        _ => KFixef::Nonnested,
                    }
                }
                other => panic!("{other:?}"),
            }
        }
        let data = OlsData {
            coords: None,
            y_name: lhs.trim().into(),
            y: &f.num[lhs.trim()],
            x: xs
                .iter()
                .map(|x| (x.clone(), f.num[x].as_slice()))
                .collect(),
            fe: fes
                .iter()
                .map(|x| (x.clone(), f.codes[x].as_slice()))
                .collect(),
            weights: r["weights"].as_str().map(|w| f.num[w].as_slice()),
            clusters: clusters
                .iter()
                .map(|x| (x.clone(), f.codes[x].as_slice()))
                .collect(),
        };
        let opts = OlsOptions {
            vcov,
            ssc,
            fixef_tol: 1e-14,
            ..OlsOptions::default()
        };
        let res = fit(&data, &opts).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(res.nobs as u64, r["nobs"].as_u64().unwrap(), "{case}: nobs");
        let coefs = r["coef"].as_object().unwrap();
        assert_eq!(
            res.coefficients.len(),
            coefs.len(),
            "{case}: number of coefficients"
        );
        for (name, b) in coefs {
            // pyfixest says `Intercept`; we keep fixest's `(Intercept)`.
            let ours = if name == "Intercept" {
                "(Intercept)"
            } else {
                name.as_str()
            };
            let c = res
                .coef(ours)
                .unwrap_or_else(|| panic!("{case}: no coefficient {name}"));
            close(
                &format!("{case} {name} estimate"),
                c.estimate,
                b.as_f64().unwrap(),
                REL,
            );
            close(
                &format!("{case} {name} se"),
                c.std_error,
                r["se"][name].as_f64().unwrap(),
                REL,
            );
            close(
                &format!("{case} {name} t"),
                c.t_stat,
                r["t"][name].as_f64().unwrap(),
                REL,
            );
            close(
                &format!("{case} {name} ci_low"),
                c.ci_low,
                r["ci_low"][name].as_f64().unwrap(),
                REL,
            );
            close(
                &format!("{case} {name} ci_high"),
                c.ci_high,
                r["ci_high"][name].as_f64().unwrap(),
                REL,
            );
            let p = r["p"][name].as_f64().unwrap();
            // p-values far in the tail are compared absolutely (both are ~0).
            if p > 1e-12 {
                close(&format!("{case} {name} p"), c.p_value, p, 1e-6);
            }
        }
        close(
            &format!("{case} r2"),
            res.r2,
            r["r2"].as_f64().unwrap(),
            REL,
        );
        close(
            &format!("{case} adj_r2"),
            res.adj_r2,
            r["adj_r2"].as_f64().unwrap(),
            REL,
        );
        close(
            &format!("{case} rmse"),
            res.rmse,
            r["rmse"].as_f64().unwrap(),
            REL,
        );
        if let Some(w) = r.get("within_r2") {
            close(
                &format!("{case} within_r2"),
                res.within_r2.unwrap(),
                w.as_f64().unwrap(),
                REL,
            );
            close(
                &format!("{case} adj_within_r2"),
                res.adj_within_r2.unwrap(),
                r["adj_within_r2"].as_f64().unwrap(),
                REL,
            );
            let wald = res.wald.as_ref().unwrap();
            close(
                &format!("{case} wald"),
                wald.stat,
                r["wald_stat"].as_f64().unwrap(),
                REL,
            );
        }
        if case == "collinear_cr1" {
            assert_eq!(res.dropped.len(), 1);
            assert_eq!(res.dropped[0].name, "x3");
        }
        if case == "singletons_cr1" {
            assert_eq!(res.n_singletons, 3);
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} reference cases ran");
}
