//! HonestDiD: the hand-off of each estimator's event-time coefficients and vcov, and the
//! sensitivity sets against the reference.

use super::*;

/// HonestDiD receives the run's own event-time coefficients and vcov in its layout: the demo
/// HOMIC event study (`specs/event_study.yaml`, `honest:` on `es_homic`) hands over exactly
/// pyfixest's coefficients and vcov (1e-8; tests/reference/make_honest_reference.py), and the
/// sets in the table's JSON are what the numerics give on the reference's own inputs (the
/// numerics themselves are checked against the R port in crates/estimators/tests/honest.rs).
#[test]
fn honest_hand_off_matches_the_reference() {
    use estimators::honest::{sensitivity, Coefs, Method, Request, Restriction};
    let dir = workspace("honest");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/event_study.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "event_study");
    let m = t.models.iter().find(|m| m.name == "es_homic").unwrap();
    let r = common::reference("honest_reference_demo_homic.json");
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let ks: Vec<i64> = r["event_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_i64().unwrap())
        .collect();
    let idx: Vec<usize> = ks
        .iter()
        .map(|k| {
            let name = format!("rel_time::{k}");
            m.result
                .coefficients
                .iter()
                .position(|c| c.name == name)
                .unwrap_or_else(|| panic!("{name}"))
        })
        .collect();
    let sigma_ref: Vec<Vec<f64>> = r["sigma"].as_array().unwrap().iter().map(floats).collect();
    for (a, &i) in idx.iter().enumerate() {
        common::close_to(
            &format!("beta {}", ks[a]),
            m.result.coefficients[i].estimate,
            &r["beta"][a],
        );
        for (b, &j) in idx.iter().enumerate() {
            let theirs = sigma_ref[a][b];
            let ours = m.result.vcov[i][j];
            assert!(
                (ours - theirs).abs() <= 1e-8 * theirs.abs().max(1e-12),
                "vcov[{a}][{b}]: {ours} vs {theirs}"
            );
        }
    }
    let c = Coefs {
        beta: floats(&r["beta"]),
        sigma: sigma_ref,
        npre: r["npre"].as_u64().unwrap() as usize,
        npost: r["npost"].as_u64().unwrap() as usize,
    };
    assert_eq!(m.honest.len(), 2, "relative magnitudes and smoothness");
    for h in &m.honest {
        let a = &h.analysis;
        assert_eq!(h.target, "the effect at t = 0");
        let mut l = vec![0.0; c.npost];
        l[0] = 1.0;
        assert_eq!(a.l, l);
        let req = Request {
            restriction: a.restriction,
            method: a.method,
            grid: vec![],
            l,
            alpha: 0.05,
            grid_points: 1000,
            seed: 0,
        };
        let expect = sensitivity(&c, &req).unwrap();
        assert_eq!(expect.bands.len(), a.bands.len());
        for (x, y) in expect.bands.iter().zip(&a.bands) {
            assert!(
                (x.m - y.m).abs() <= 1e-8 * x.m.abs().max(1e-12),
                "grid {} vs {}",
                x.m,
                y.m
            );
            let tol = match a.method {
                // One step of the 1000-point grid.
                Method::Clf | Method::Conditional => (x.ub - x.lb) / 400.0,
                Method::Flci => 1e-6 * x.lb.abs().max(x.ub.abs()),
            };
            assert!(
                (x.lb - y.lb).abs() <= tol && (x.ub - y.ub).abs() <= tol,
                "{:?} at {}: run [{}, {}] vs reference inputs [{}, {}]",
                a.restriction,
                y.m,
                y.lb,
                y.ub,
                x.lb,
                x.ub
            );
        }
        assert!(matches!(
            a.restriction,
            Restriction::RelativeMagnitudes | Restriction::Smoothness
        ));
    }
    let md = read(&dir, "reports/event_study.md");
    assert!(
        md.contains("| Breakdown M̄ (HonestDiD, relative magnitudes) |"),
        "{md}"
    );
    assert!(
        md.contains("| Breakdown M (HonestDiD, smoothness) |"),
        "{md}"
    );
    for f in ["relative_magnitudes", "smoothness"] {
        let svg = read(
            &dir,
            &format!("reports/figures/event_study_es_homic_honest_{f}.svg"),
        );
        assert!(
            svg.contains("Original (parallel trends)") && svg.contains("Breakdown"),
            "{f}"
        );
        assert!(dir
            .join(format!(
                "reports/figures/event_study_es_homic_honest_{f}.pdf"
            ))
            .exists());
    }
}

/// Sun-Abraham and Callaway-Sant'Anna (universal base period) hand HonestDiD their own
/// aggregated event-time effects: the target's point estimate is their t = 0 coefficient, the
/// original interval is built from their own standard error, and the sets widen with M̄.
#[test]
fn honest_uses_each_estimators_own_event_time_effects() {
    let dir = workspace("honest_staggered");
    std::fs::write(
        dir.join("specs/hs.yaml"),
        "models:\n  - {name: sa, outcome: homic, estimator: sun_abraham, fe: [iso3, year], cluster: iso3, options: {adopt: sign_year, unit: iso3, time: year, honest: {mbar: [0, 1], method: Conditional, grid_points: 200}}}\n  - {name: cs, outcome: homic, estimator: callaway_santanna, options: {adopt: sign_year, unit: iso3, time: year, base_period: universal, honest: {mbar: [0, 1], target: average, grid_points: 200}}}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/hs.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "hs");
    for m in &t.models {
        assert_eq!(m.honest.len(), 1, "{}", m.name);
        let a = &m.honest[0].analysis;
        let post: Vec<&estimators::Coefficient> = m
            .result
            .coefficients
            .iter()
            .filter(|c| {
                c.name
                    .strip_prefix("rel_time::")
                    .and_then(|k| k.parse::<i64>().ok())
                    .is_some_and(|k| k >= 0)
            })
            .collect();
        assert_eq!(a.l.len(), post.len(), "{}", m.name);
        let expect: f64 = a.l.iter().zip(&post).map(|(w, c)| w * c.estimate).sum();
        assert!((a.estimate - expect).abs() < 1e-12, "{}", m.name);
        if m.name == "sa" {
            let c0 = post.iter().find(|c| c.name == "rel_time::0").unwrap();
            let half = (a.original.1 - a.original.0) / 2.0;
            assert!(
                (half - 1.959963984540054 * c0.std_error).abs() < 1e-9 * half,
                "{half}"
            );
        }
        let (b0, b1) = (&a.bands[0], &a.bands[1]);
        assert!(
            b1.lb <= b0.lb && b1.ub >= b0.ub,
            "{}: {b0:?} then {b1:?}",
            m.name
        );
    }
}

/// HonestDiD on the imputation estimator is handed the imputation event study with leads (the
/// table's post-period effects and, in the same vcov, the lead effects): equal to pyfixest 0.60's
/// `did2s` with lead and post dummies in the second stage (make_imputation_reference.py,
/// `homic_leads`): the effects equal the exact least-squares values computed there to 1e-9, the
/// vcov pyfixest's to 1e-5 of the standard errors (pyfixest recovers the first-stage fixed
/// effects iteratively, which moves its lead effects by up to 2e-5 relative).
#[test]
fn honest_on_imputation_uses_the_event_study_with_leads() {
    let dir = workspace("honest_bjs");
    std::fs::write(
        dir.join("specs/hb.yaml"),
        "models:\n  - {name: bjs, outcome: homic, estimator: imputation, fe: [iso3, year], options: {adopt: sign_year, unit: iso3, time: year, honest: {mbar: [0, 1], method: Conditional, grid_points: 200}}}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/hb.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "hb");
    let m = &t.models[0];
    let h = &m.honest[0];
    let r = &common::reference("imputation_reference.json")["homic_leads"];
    let ks: Vec<i64> = r["event_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_i64().unwrap())
        .collect();
    assert_eq!(h.event_times, ks);
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs().max(1e-12);
    let mut worst: f64 = 0.0;
    for (a, k) in ks.iter().enumerate() {
        let b = r["beta_exact"][a].as_f64().unwrap();
        assert!(
            rel(h.beta[a], b) < 1e-9,
            "beta at {k}: {} vs exact {b}",
            h.beta[a]
        );
        for c in 0..ks.len() {
            let v = r["vcov"][a][c].as_f64().unwrap();
            let scale = (h.sigma[a][a] * h.sigma[c][c]).sqrt();
            worst = worst.max((h.sigma[a][c] - v).abs() / scale);
        }
    }
    eprintln!("vcov vs pyfixest did2s: largest difference {worst:.2e} of sqrt(v_aa v_cc)");
    assert!(worst < 1e-6, "vcov differs from pyfixest's by {worst:.2e}");
    // The post-period effects handed over are the table's.
    for (a, k) in ks.iter().enumerate().filter(|(_, k)| **k >= 0) {
        let c = m
            .result
            .coefficients
            .iter()
            .find(|c| c.name == format!("rel_time::{k}"))
            .unwrap();
        assert!((c.estimate - h.beta[a]).abs() < 1e-12, "t = {k}");
        assert!(
            (c.std_error - h.sigma[a][a].sqrt()).abs() < 1e-12,
            "t = {k}"
        );
    }
    let md = read(&dir, "reports/hb.md");
    assert!(md.contains("imputation event study with leads"), "{md}");
}
