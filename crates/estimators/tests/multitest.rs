//! Bonferroni and Holm adjusted p-values against statsmodels' `multipletests`
//! (tests/reference/make_multitest_reference.py), exactly (1e-15).

use estimators::multitest::{adjust, Adjust};

#[test]
fn adjustments_match_statsmodels() {
    let path = format!(
        "{}/../../tests/reference/multitest_reference.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let mut n = 0;
    for (name, case) in r.as_object().unwrap() {
        let p = floats(&case["p"]);
        for (key, how) in [("bonferroni", Adjust::Bonferroni), ("holm", Adjust::Holm)] {
            let theirs = floats(&case[key]);
            let ours = adjust(&p, how);
            for (a, b) in ours.iter().zip(&theirs) {
                assert!(
                    (a - b).abs() <= 1e-15,
                    "{name} {key}: {ours:?} vs {theirs:?}"
                );
                n += 1;
            }
        }
    }
    assert!(n >= 40);
}
