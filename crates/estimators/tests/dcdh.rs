//! de Chaisemartin-D'Haultfoeuille against moderndid 0.2.0's `did_multiplegt` (a port of
//! did_multiplegt_dyn; tests/reference/make_dcdh_reference.py) on a simulated panel whose
//! policy switches on and off: effects 1-4 and placebos 1-3, with their standard errors,
//! switchers and observations, at 1e-8 relative, for switchers in, switchers out (moderndid's
//! estimate with did_multiplegt_dyn's sign flip) and both (did_multiplegt_dyn's average of the
//! two runs, computed by the script from moderndid's), plain, normalised and clustered by state.

use estimators::dcdh::{dcdh, DcdhInput, DcdhSettings, Switchers};
use serde_json::Value;
use std::collections::HashMap;

fn close(what: &str, ours: f64, reference: f64) {
    assert!(
        (ours - reference).abs() <= 1e-8 * reference.abs().max(1e-12),
        "{what}: {ours} vs reference {reference}"
    );
}

struct Panel {
    groups: Vec<u32>,
    periods: Vec<u32>,
    n_periods: usize,
    d: Vec<f64>,
    y: Vec<f64>,
    states: Vec<u32>,
}

fn code(map: &mut HashMap<String, u32>, s: &str) -> u32 {
    let n = map.len() as u32;
    *map.entry(s.to_string()).or_insert(n)
}

fn panel() -> Panel {
    let text = std::fs::read_to_string(format!(
        "{}/../../tests/fixtures/shapes/data/switch.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let (mut g, mut s) = (HashMap::new(), HashMap::new());
    let mut p = Panel {
        groups: vec![],
        periods: vec![],
        n_periods: 0,
        d: vec![],
        y: vec![],
        states: vec![],
    };
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        p.groups.push(code(&mut g, f[0]));
        p.states.push(code(&mut s, f[1]));
        let year: u32 = f[2].parse().unwrap();
        p.periods.push(year - 2001);
        p.d.push(f[3].parse().unwrap());
        p.y.push(f[4].parse().unwrap_or(f64::NAN));
    }
    p.n_periods = *p.periods.iter().max().unwrap() as usize + 1;
    p
}

#[test]
fn dcdh_matches_did_multiplegt_dyn_via_moderndid() {
    let refs: Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/../../tests/reference/dcdh_reference.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let p = panel();
    let mut checked = 0;
    for (case, normalized, clustered) in [
        ("plain", false, false),
        ("normalized", true, false),
        ("clustered", false, true),
    ] {
        for (which, switchers) in [
            ("in", Switchers::In),
            ("out", Switchers::Out),
            ("both", Switchers::Both),
        ] {
            let inp = DcdhInput {
                groups: &p.groups,
                periods: &p.periods,
                n_periods: p.n_periods,
                d: &p.d,
                y: &p.y,
                cluster: clustered.then_some(p.states.as_slice()),
            };
            let st = DcdhSettings {
                effects: 4,
                placebo: 3,
                normalized,
                switchers,
                moderndid_cluster_count: clustered,
            };
            let r = dcdh(&inp, &st).unwrap();
            let reference = &refs[case][which];
            for (kind, ours) in [("effects", &r.effects), ("placebos", &r.placebos)] {
                let expected = reference[kind].as_array().unwrap();
                assert_eq!(ours.len(), expected.len(), "{case} {which} {kind}");
                for (o, e) in ours.iter().zip(expected) {
                    let what = format!("{case} {which} {kind} h={}", o.h);
                    assert_eq!(o.h, e["h"].as_i64().unwrap(), "{what}");
                    close(&what, o.estimate, e["estimate"].as_f64().unwrap());
                    close(
                        &format!("{what} se"),
                        o.std_error,
                        e["se"].as_f64().unwrap(),
                    );
                    assert_eq!(
                        o.n_switchers as u64,
                        e["n_switchers"].as_u64().unwrap(),
                        "{what} switchers"
                    );
                    assert_eq!(
                        o.nobs as u64,
                        e["nobs"].as_u64().unwrap(),
                        "{what} observations"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 63);
}
