//! Conley spatial errors (a map of districts) and de Chaisemartin-D'Haultfoeuille (a policy that
//! switches on and off) through `regspec run`, against their references.

use super::*;

/// Conley spatial HAC errors against diff-diff 3.13's (which matches R's conleyreg): every
/// coefficient, SE, p-value and interval at 1e-8 on a pooled cross-section (every pair within
/// 500 km, Bartlett), a panel within years (uniform, 300 km) and a panel with each district's
/// serial correlation over two years; the row without a latitude counted as missing.
#[test]
fn conley_errors_match_conleyreg_via_diff_diff() {
    let dir = run_all("spatial");
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/conley_reference.json")).unwrap(),
    )
    .unwrap();
    for t in ["spatial", "spatial_rows"] {
        for m in &table(&dir, t).models {
            common::assert_fit_matches(m, &refs[&m.name]);
            assert_eq!(
                m.result.n_missing, 1,
                "{}: the row without a latitude",
                m.name
            );
            assert_eq!(
                m.result.df_t,
                refs[&m.name]["df"].as_f64().unwrap(),
                "{}",
                m.name
            );
        }
    }
    let md = read(&dir, "reports/spatial.md");
    assert!(
        md.contains("Conley spatial HAC, uniform kernel up to 300 km within periods"),
        "{md}"
    );
    assert!(
        md.contains("and within units over 2 period(s) (Bartlett)"),
        "{md}"
    );
    insta::assert_snapshot!("spatial_table_md", md);
}

/// de Chaisemartin-D'Haultfoeuille through `regspec run` against did_multiplegt_dyn's
/// estimates as the reference script computes them from moderndid 0.2.0 (see
/// crates/estimators/tests/dcdh.rs for the direct comparison): every effect and placebo,
/// its SE, switchers and observations at 1e-8, for both directions, switchers in, switchers
/// out and normalised. Clustered by state the estimates are the same and the SEs follow
/// did_multiplegt_dyn's count of clusters (moderndid's, one more per cell, gives SEs up to 12%
/// smaller here; with its count they agree at 1e-8, crates/estimators/tests/dcdh.rs).
#[test]
fn dcdh_matches_did_multiplegt_dyn() {
    let dir = run_all("switch");
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/dcdh_reference.json")).unwrap(),
    )
    .unwrap();
    let t = table(&dir, "switch");
    for (model, case, which) in [
        ("both", "plain", "both"),
        ("switchers_in", "plain", "in"),
        ("switchers_out", "plain", "out"),
        ("normalized", "normalized", "both"),
        ("clustered", "clustered", "both"),
    ] {
        let m = t.models.iter().find(|m| m.name == model).unwrap();
        let r = &refs[case][which];
        let mut n = 0;
        for (kind, shift) in [("effects", -1), ("placebos", -1)] {
            for e in r[kind].as_array().unwrap() {
                let h = e["h"].as_i64().unwrap();
                let c = m
                    .result
                    .coef(&format!("rel_time::{}", h + shift))
                    .unwrap_or_else(|| panic!("{model} h={h}"));
                common::close_to(&format!("{model} h={h}"), c.estimate, &e["estimate"]);
                let se = e["se"].as_f64().unwrap();
                if case == "clustered" {
                    // did_multiplegt_dyn's cluster count, not moderndid's (one more per cell):
                    // compared exactly with moderndid's count in crates/estimators/tests/dcdh.rs.
                    assert!(c.std_error.is_finite() && c.std_error > 0.0 && se > 0.0);
                } else {
                    common::close_to(&format!("{model} h={h} se"), c.std_error, &e["se"]);
                }
                n += 1;
            }
        }
        assert_eq!(n, 7, "{model}");
        let details = &m.details["dcdh"]["effects"];
        assert_eq!(
            details[0]["n_switchers"].as_u64(),
            r["effects"][0]["n_switchers"].as_u64(),
            "{model} switchers"
        );
    }
    let md = read(&dir, "reports/switch.md");
    assert!(md.contains("did_multiplegt_dyn"), "{md}");
    insta::assert_snapshot!("switch_table_md", md);
}
