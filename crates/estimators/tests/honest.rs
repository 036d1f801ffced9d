//! HonestDiD sensitivity against tests/reference/honest_reference_*.json, written by
//! make_honest_reference.py: relative magnitudes by the R port `honestdid` 0.1.1, smoothness
//! (FLCI) by `moderndid` 0.2, on the reference's own event-study coefficients and vcov
//! (pyfixest 0.60) for a simulated Medicaid-expansion design and the demo HOMIC event study.
//!
//! Tolerances, set by what the references' optimisers allow:
//! - conditional test (deterministic): the same grid point, i.e. within 1e-6 of the interval's
//!   length (the grid's ends come from LPs solved by HiGHS there and Clarabel here);
//! - C-LF: its first-stage critical value is simulated (1000 draws of numpy's generator there,
//!   a seeded ChaCha stream here), so the ends agree within 2% of the interval's length;
//! - FLCI: the half-length to 1e-6 relative; the centre to 1e-4 of the length. The golden-section
//!   search over the estimator's standard deviation h ends anywhere in the flat region around
//!   the optimal half-length (solver noise decides a comparison), and the centre moves with h:
//!   2e-5 of the length is seen on the demo event study;
//! - breakdown values: one step of the bisection (1/200 of the grid's range).

use estimators::honest::{sensitivity, Coefs, Method, Request, Restriction};
use serde_json::Value;

/// The reference cases by name.
fn load() -> Value {
    let mut all = serde_json::Map::new();
    for case in ["medicaid_sim", "demo_homic"] {
        let path = format!(
            "{}/../../tests/reference/honest_reference_{case}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v = serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).unwrap();
        all.insert(case.to_string(), v);
    }
    Value::Object(all)
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn coefs(case: &Value) -> Coefs {
    Coefs {
        beta: floats(&case["beta"]),
        sigma: case["sigma"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect(),
        npre: case["npre"].as_u64().unwrap() as usize,
        npost: case["npost"].as_u64().unwrap() as usize,
    }
}

#[test]
fn honest_matches_the_r_port_and_moderndid() {
    let reference = load();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut worst = 0.0f64;
    for (name, case) in reference.as_object().unwrap() {
        let c = coefs(case);
        for a in case["analyses"].as_array().unwrap() {
            let restriction = match a["restriction"].as_str().unwrap() {
                "relative_magnitudes" => Restriction::RelativeMagnitudes,
                _ => Restriction::Smoothness,
            };
            let method = match a["method"].as_str().unwrap() {
                "Conditional" => Method::Conditional,
                "C-LF" => Method::Clf,
                _ => Method::Flci,
            };
            let grid = floats(&a["grid"]);
            let req = Request {
                restriction,
                method,
                grid: grid.clone(),
                l: floats(&a["l"]),
                alpha: 0.05,
                grid_points: case["grid_points"].as_u64().unwrap() as usize,
                seed: 0,
            };
            let ours = sensitivity(&c, &req).unwrap();
            let what = format!(
                "{name} {} {} {}",
                a["restriction"], a["method"], a["target"]
            );
            for (band, theirs) in ours.bands.iter().zip(a["sets"].as_array().unwrap()) {
                let (lb, ub) = (theirs[0].as_f64().unwrap(), theirs[1].as_f64().unwrap());
                let tol = match method {
                    // The same grid point: 1e-6 of the interval's length.
                    Method::Conditional => 1e-6 * (ub - lb).abs().max(1e-3),
                    Method::Clf => 0.02 * (ub - lb),
                    // The centre: 1e-4 of the length (see the module doc).
                    Method::Flci => 1e-4 * (ub - lb),
                };
                if method == Method::Flci {
                    let (ours_len, len) = (band.ub - band.lb, ub - lb);
                    if (ours_len - len).abs() > 1e-6 * len {
                        failures.push(format!(
                            "{what} at {}: FLCI length ours {ours_len} vs {len}",
                            band.m
                        ));
                    }
                }
                worst = worst.max((band.lb - lb).abs().max((band.ub - ub).abs()) / (ub - lb));
                if !((band.lb - lb).abs() <= tol && (band.ub - ub).abs() <= tol) {
                    failures.push(format!(
                        "{what} at {}: ours [{:.10}, {:.10}], reference [{lb:.10}, {ub:.10}] (tolerance {tol:.2e})",
                        band.m, band.lb, band.ub
                    ));
                }
                checked += 1;
            }
            if let Some(b) = a.get("breakdown").filter(|b| !b.is_null()) {
                let step = (grid[grid.len() - 1] - grid[0]) / 200.0;
                let ours_b = ours.breakdown.expect("a breakdown value");
                if (ours_b - b.as_f64().unwrap()).abs() > step + 1e-12 {
                    failures.push(format!("{what}: breakdown ours {ours_b} vs reference {b}"));
                }
            }
        }
    }
    eprintln!("largest difference of an end: {worst:.2e} of the interval's length");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "only {checked} sets compared");
}

#[test]
fn honest_default_smoothness_grid_matches() {
    let reference = load();
    for case in reference.as_object().unwrap().values() {
        let Some(top) = case.get("default_m_top").and_then(Value::as_f64) else {
            continue;
        };
        let grid = estimators::honest::default_grid(&coefs(case), Restriction::Smoothness);
        assert!(
            (grid[9] - top).abs() <= 1e-12 * top.abs(),
            "{} vs {top}",
            grid[9]
        );
    }
}

#[test]
fn honest_refuses_what_it_cannot_do() {
    let c = Coefs {
        beta: vec![0.1, 0.2],
        sigma: vec![vec![0.01, 0.0], vec![0.0, 0.01]],
        npre: 0,
        npost: 2,
    };
    let req = Request {
        restriction: Restriction::RelativeMagnitudes,
        method: Method::Clf,
        grid: vec![],
        l: vec![1.0, 0.0],
        alpha: 0.05,
        grid_points: 1000,
        seed: 0,
    };
    let e = sensitivity(&c, &req).unwrap_err().to_string();
    assert!(e.contains("at least one pre-period"), "{e}");
    let singular = Coefs {
        beta: vec![0.1, 0.2],
        sigma: vec![vec![0.01, 0.0], vec![0.0, 0.0]],
        npre: 1,
        npost: 1,
    };
    let req1 = Request {
        l: vec![1.0],
        ..req.clone()
    };
    let e = sensitivity(&singular, &req1).unwrap_err().to_string();
    assert!(e.contains("singular"), "{e}");
    let flci_rm = Request {
        method: Method::Flci,
        ..req1
    };
    let ok = Coefs {
        sigma: vec![vec![0.01, 0.0], vec![0.0, 0.01]],
        ..singular
    };
    let e = sensitivity(&ok, &flci_rm).unwrap_err().to_string();
    assert!(e.contains("not available"), "{e}");
}
