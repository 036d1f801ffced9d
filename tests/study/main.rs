//! The study's specs on the demo panel: the estimators recover the simulated truth, every
//! rendered table is pinned, row order changes nothing (here); the event study and the other
//! estimators match their references (`references.rs`, `robust_did.rs`, `honest.rs`); figures,
//! LaTeX and the HTML page are checked as a reader sees them (`output.rs`). One test binary: each
//! links polars, so a module costs nothing and a binary a minute of CI.

#[path = "../common/mod.rs"]
mod common;
mod honest;
mod output;
mod references;
mod robust_did;

use common::{read, regspec, root, workspace};
use report::TableRecord;
use std::path::Path;

fn table(dir: &Path, t: &str) -> TableRecord {
    serde_json::from_str(&read(dir, &format!("reports/{t}.json"))).unwrap()
}

fn coef(t: &TableRecord, model: &str, name: &str) -> estimators::Coefficient {
    let m = t
        .models
        .iter()
        .find(|m| m.name == model)
        .unwrap_or_else(|| panic!("no model {model}"));
    m.result
        .coef(name)
        .unwrap_or_else(|| panic!("{model}: no {name}"))
        .clone()
}

#[test]
fn demo_truth_is_recovered_within_confidence_intervals() {
    let dir = workspace("truth");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    // (table, model, coefficient, true value from measures::study::demo's data-generating process)
    let checks = [
        ("baseline", "homic", "treat_post", "homic", "treat_post"),
        (
            "baseline",
            "homic_controls",
            "treat_post",
            "homic",
            "treat_post",
        ),
        ("baseline", "hosic", "treat_post", "hosic", "treat_post"),
        (
            "baseline",
            "hosic_controls",
            "treat_post",
            "hosic",
            "treat_post",
        ),
        ("mechanisms", "sd", "treat_post", "sd", "treat_post"),
        ("mechanisms", "talex1", "treat_post", "talex1", "treat_post"),
        ("mechanisms", "talex2", "treat_post", "talex2", "treat_post"),
        ("mechanisms", "cd_all", "cd", "homic", "cd"),
        (
            "capabilities",
            "cap_ln_patents_treat_post_l1",
            "treat_post_l1",
            "ln_patents",
            "treat_post_l1",
        ),
        (
            "capabilities",
            "cap_ln_articles_treat_post",
            "treat_post",
            "ln_articles",
            "treat_post",
        ),
        (
            "capabilities",
            "cap_rd_gdp_treat_post",
            "treat_post",
            "rd_gdp",
            "treat_post",
        ),
    ];
    for (t, m, c, y, x) in checks {
        let truth = measures::study::demo::TRUE_EFFECTS
            .iter()
            .find(|e| e.0 == y && e.1 == x)
            .unwrap()
            .2;
        let est = coef(&table(&dir, t), m, c);
        assert!(
            est.ci_low <= truth && truth <= est.ci_high,
            "{t}/{m}: {c} = {:.3} [{:.3}, {:.3}] misses the truth {truth}",
            est.estimate,
            est.ci_low,
            est.ci_high
        );
    }
    let t = table(&dir, "baseline");
    assert!(t.data_simulated);
}

#[test]
fn rendered_tables_are_pinned() {
    let dir = workspace("render");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(dir.join("reports"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| {
            n.ends_with(".tex")
                || n.ends_with(".md")
                || n.ends_with(".typ")
                || (n.ends_with(".html") && n != "index.html")
        })
        .collect();
    names.sort();
    assert!(names.len() >= 60, "{names:?}");
    for n in names {
        insta::assert_snapshot!(
            format!("table_{}", n.replace('.', "_")),
            read(&dir, &format!("reports/{n}"))
        );
    }
}

/// Every result, placebo, bootstrap and matching draws included, depends on the data and the
/// seed, never on the order of the data file's rows: the demo panel with its rows shuffled gives
/// the same tables, byte for byte (the data's hash aside, which is of the file).
#[test]
fn shuffled_rows_give_identical_results() {
    let plain = workspace("unshuffled");
    let shuffled = workspace("shuffled");
    let csv = read(&shuffled, "data/demo_panel.csv");
    std::fs::write(
        shuffled.join("data/demo_panel.csv"),
        common::shuffle_rows(&csv, 7),
    )
    .unwrap();
    for dir in [&plain, &shuffled] {
        let (ok, _, err) = regspec(dir, &["run", "--quiet"]);
        assert!(ok, "{err}");
    }
    let strip = |mut v: serde_json::Value| {
        // The provenance names the data file, which differs (the rows are shuffled), and the
        // table records the file's hash.
        v.as_object_mut().unwrap().remove("provenance");
        if let Some(i) = v["inputs"].as_object_mut() {
            i.remove("data file");
        }
        for m in v["models"].as_array_mut().unwrap() {
            m.as_object_mut().unwrap().remove("data_hash");
        }
        v
    };
    let mut n = 0;
    for e in std::fs::read_dir(plain.join("reports")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let a: serde_json::Value =
            serde_json::from_str(&read(&plain, &format!("reports/{name}"))).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&read(&shuffled, &format!("reports/{name}"))).unwrap();
        assert_eq!(
            strip(a),
            strip(b),
            "{name} differs when the rows are shuffled"
        );
        n += 1;
    }
    assert!(n >= 12, "{n} tables compared");
}
