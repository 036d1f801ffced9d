//! Synthetic DID against diff-diff 3.13's `SyntheticDiD` (R synthdid's algorithm; see
//! tests/reference/make_sdid_reference.py) on the demo panel's 2015 cohort: the ATT, every unit
//! and time weight, the jackknife SE and the placebo SE on the reference's own 200
//! permutations, each at 1e-8 relative (the Frank-Wolfe weights are iterative, but both run the
//! same steps and stopping rule, so they agree to rounding).

use estimators::sdid::{sdid, SdidInput, SdidSe};
use serde_json::Value;

fn close(what: &str, ours: f64, reference: f64) {
    assert!(
        (ours - reference).abs() <= 1e-8 * reference.abs().max(1e-12),
        "{what}: {ours} vs reference {reference}"
    );
}

#[test]
fn sdid_matches_diff_diff() {
    let path = format!(
        "{}/../../tests/reference/sdid_reference.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let refs: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for y in ["homic", "hosic"] {
        let r = &refs[y];
        let matrix: Vec<Vec<f64>> = serde_json::from_value(r["y"].clone()).unwrap();
        let controls = r["controls"].as_array().unwrap();
        let inp = SdidInput {
            y: &matrix,
            n_control: controls.len(),
            t_pre: r["t_pre"].as_u64().unwrap() as usize,
        };
        let jk = sdid(&inp, &SdidSe::Jackknife, None).unwrap();
        close(&format!("{y} att"), jk.att, r["att"].as_f64().unwrap());
        close(
            &format!("{y} jackknife se"),
            jk.std_error,
            r["se_jackknife"].as_f64().unwrap(),
        );
        for (u, w) in controls.iter().zip(&jk.omega) {
            let reference = r["omega"][u.as_str().unwrap()].as_f64().unwrap();
            assert!(
                (w - reference).abs() <= 1e-8,
                "{y} omega {u}: {w} vs {reference}"
            );
        }
        let lambda: Vec<f64> = r["lambda"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(lambda.len(), jk.lambda.len());
        for (ours, reference) in jk.lambda.iter().zip(&lambda) {
            assert!(
                (ours - reference).abs() <= 1e-8,
                "{y} lambda: {ours} vs {reference}"
            );
        }
        let perms: Vec<Vec<usize>> = serde_json::from_value(r["permutations"].clone()).unwrap();
        let pl = sdid(
            &inp,
            &SdidSe::Placebo {
                reps: perms.len(),
                seed: 0,
            },
            Some(&perms),
        )
        .unwrap();
        close(
            &format!("{y} placebo se"),
            pl.std_error,
            r["se_placebo"].as_f64().unwrap(),
        );
    }
}
