//! Data that are not a unique panel, end to end (tests/fixtures/shapes/, simulated by
//! tests/reference/make_shapes_reference.py): repeated cross-sections of individuals in states
//! with a staggered state policy (cohorts at the state level), a cross-section without a time
//! key, and worker-firm spells with several rows per (worker, year). Every number is checked
//! against pyfixest 0.60 (and an exact least-squares imputation) with the derived variables
//! computed independently in pandas; shuffling a file's rows changes no output.

mod common;
/// Conley errors and de Chaisemartin-D'Haultfoeuille on their own simulated data.
#[path = "shapes/spatial_and_switching.rs"]
mod spatial_and_switching;

use common::{read, regspec, root};
use report::TableRecord;
use std::path::{Path, PathBuf};

/// A scratch copy of tests/fixtures/shapes.
fn shapes(name: &str) -> PathBuf {
    common::fixture_copy("shapes", name)
}

fn table(dir: &Path, t: &str) -> TableRecord {
    serde_json::from_str(&read(dir, &format!("reports/{t}.json"))).unwrap()
}

fn reference() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/shapes_reference.json")).unwrap(),
    )
    .unwrap()
}

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * b.abs().max(1e-12),
        "{what}: {a} vs reference {b}"
    );
}

/// Runs the fixture once (every table) and returns its directory.
fn run_all(name: &str) -> PathBuf {
    let dir = shapes(name);
    let (ok, out, err) = regspec(&dir, &["check"]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    dir
}

/// Every coefficient, SE and the number of observations of a model against pyfixest:
/// coefficients at 1e-8 relative, SEs at `se_tol`.
fn assert_model(dir: &Path, tbl: &str, model: &str) {
    assert_model_se(dir, tbl, model, 1e-8)
}

fn assert_model_se(dir: &Path, tbl: &str, model: &str, se_tol: f64) {
    assert_matches(dir, tbl, model, &reference()[model], se_tol)
}

/// [`assert_model_se`] against the reference fit `r` (`coefficients` and `nobs`).
fn assert_matches(dir: &Path, tbl: &str, model: &str, r: &serde_json::Value, se_tol: f64) {
    let t = table(dir, tbl);
    let m = t.models.iter().find(|m| m.name == model).unwrap();
    assert_eq!(
        m.result.nobs as u64,
        r["nobs"].as_u64().unwrap(),
        "{model} nobs"
    );
    let coefs = r["coefficients"].as_object().unwrap();
    let ours: Vec<&str> = m
        .result
        .coefficients
        .iter()
        .map(|c| c.name.as_str())
        .filter(|n| *n != "(Intercept)")
        .collect();
    assert_eq!(
        ours.len(),
        coefs.keys().filter(|k| *k != "Intercept").count(),
        "{model}: coefficients {ours:?}"
    );
    for (name, v) in coefs {
        // pyfixest calls the constant `Intercept`, regspec (as fixest) `(Intercept)`.
        let name = if name == "Intercept" {
            "(Intercept)"
        } else {
            name.as_str()
        };
        let c = m
            .result
            .coef(name)
            .unwrap_or_else(|| panic!("{model}: no coefficient {name} among {ours:?}"));
        close(
            c.estimate,
            v["estimate"].as_f64().unwrap(),
            1e-8,
            &format!("{model} {name}"),
        );
        close(
            c.std_error,
            v["std_error"].as_f64().unwrap(),
            se_tol,
            &format!("{model} {name} se"),
        );
    }
}

#[test]
fn repeated_cross_sections_match_pyfixest() {
    let dir = run_all("rcs");
    assert_model(&dir, "rcs", "rcs_ols");
    assert_model(&dir, "rcs", "rcs_es");
    let reference = reference();
    let t = table(&dir, "rcs_robust");
    // Sun-Abraham with the state's cohort: every period's aggregated effect and SE.
    let sa = t.models.iter().find(|m| m.name == "rcs_sunab").unwrap();
    assert_eq!(
        sa.result.nobs as u64,
        reference["rcs_sunab_nobs"].as_u64().unwrap()
    );
    let periods = reference["rcs_sunab"].as_object().unwrap();
    let es = sa.event_study.as_ref().expect("Sun-Abraham event study");
    let mut n = 0;
    for (k, v) in periods {
        let k: i64 = k.parse().unwrap();
        let p = es.points.iter().find(|p| p.rel_time == k);
        let Some(p) = p else {
            panic!("Sun-Abraham: no period {k}")
        };
        close(
            p.estimate,
            v["estimate"].as_f64().unwrap(),
            1e-8,
            &format!("sunab {k}"),
        );
        close(
            p.std_error,
            v["std_error"].as_f64().unwrap(),
            // pyfixest's event_study takes no demeaning tolerance: its SEs carry its iterative
            // fixed-effect solve's error (about 2e-8 relative here), so 1e-6.
            1e-6,
            &format!("sunab {k} se"),
        );
        n += 1;
    }
    assert!(n >= 10, "{n} Sun-Abraham periods compared");
    // Randomization inference permutes the states' adoption dates: its actual estimate is the
    // TWFE coefficient (pyfixest's), its 199 draws each a refit.
    let ri = t.models.iter().find(|m| m.name == "rcs_placebo").unwrap();
    let twfe = &reference["rcs_ols"]["coefficients"]["policy"];
    let p: estimators::Placebo = ri.detail("placebo").expect("placebo details");
    close(
        p.actual,
        twfe["estimate"].as_f64().unwrap(),
        1e-8,
        "placebo actual",
    );
    assert_eq!(p.estimates.len() + p.failed, 199);
    assert!(p.p_value > 0.0 && p.p_value <= 1.0 && p.sd > 0.0, "{p:?}");
    // Imputation: effects equal to the exact least-squares imputation; SEs equal to pyfixest's
    // did2s up to its iterative first stage (1e-5 relative, as for the panel reference).
    let bjs = t
        .models
        .iter()
        .find(|m| m.name == "rcs_imputation")
        .unwrap();
    let exact = reference["rcs_imputation_exact"].as_object().unwrap();
    let did2s = reference["rcs_did2s"].as_object().unwrap();
    let es = bjs.event_study.as_ref().expect("imputation event study");
    for (k, v) in did2s {
        let e: i64 = k.parse().unwrap();
        let p = es.points.iter().find(|p| p.rel_time == e).unwrap();
        close(
            p.estimate,
            exact[k].as_f64().unwrap(),
            1e-8,
            &format!("bjs {k}"),
        );
        close(
            p.std_error,
            v["std_error"].as_f64().unwrap(),
            1e-5,
            &format!("bjs {k} se"),
        );
    }
}

/// Callaway-Sant'Anna on repeated cross-sections (R did's `panel = FALSE`), cohorts from the
/// state's first policy year, against moderndid 0.2.0 (tests/reference/make_cs_rc_reference.py,
/// which also checks csdid 0.4.3 where the two agree): never and not-yet-treated controls, the
/// doubly robust, outcome-regression and IPW estimators with a covariate and the unconditional
/// one; every ATT(g,t), the four aggregations and their individual-level analytic SEs at 1e-8.
/// Clustered by state, the SEs (influence summed within states) match the same sum of
/// moderndid's influence functions at 1e-8, and a clustered multiplier bootstrap of 100,000
/// draws within 2% (its Monte Carlo error is about 0.3% here: the largest gap is 0.6%).
#[test]
fn callaway_santanna_on_repeated_cross_sections_matches_moderndid() {
    let dir = run_all("rcs_cs");
    let refs = common::reference("cs_rc_reference.json");
    let t = table(&dir, "rcs_cs");
    let mut checked = 0;
    for m in &t.models {
        let cs: estimators::CallawaySantAnna = m
            .detail("callaway_santanna")
            .expect("Callaway-Sant'Anna details");
        assert!(cs.repeated && !cs.unbalanced, "{}", m.name);
        assert_eq!(
            cs.n_units, 3070,
            "{}: every individual is one observation",
            m.name
        );
        let r = &refs[&m.name];
        assert!(r.is_object(), "no reference for {}", m.name);
        common::assert_cs_matches(&m.name, &cs, r);
        if let Some(boot) = r["bootstrap_cells"].as_array() {
            assert_eq!(cs.n_clusters, Some(20), "{}", m.name);
            for (c, b) in cs.cells.iter().zip(boot) {
                let b = b.as_f64().unwrap();
                assert!(
                    (c.std_error / b - 1.0).abs() < 0.02,
                    "{} ATT({},{}): analytic {} vs clustered bootstrap {b}",
                    m.name,
                    c.group,
                    c.time,
                    c.std_error
                );
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 7, "every reference case was compared");
    let md = read(&dir, "reports/rcs_cs.md");
    assert!(
        md.contains("repeated cross-sections: each of the 3070 observations is seen once")
            && md.contains("standard errors clustered by state")
            && md.contains("standard errors treat observations as independent"),
        "{md}"
    );
}

#[test]
fn cross_section_matches_pyfixest() {
    let dir = run_all("cross");
    for m in ["cs_ols_hc1", "cs_ols_fe", "cs_iv"] {
        assert_model(&dir, "cross", m);
    }
    // PPML at the reference's IRLS tolerance (1e-14): like fixest and pyfixest, the vcov uses
    // the weights of the last IRLS step, so at the default 1e-8 the standard errors on these
    // low-count data differ from a fit iterated to 1e-14 by about 5e-6 relative.
    assert_model(&dir, "cross", "cs_ppml");
    let t = table(&dir, "cross");
    assert!(
        t.data_source.contains("a cross-section"),
        "{}",
        t.data_source
    );
}

#[test]
fn worker_firm_spells_match_pyfixest() {
    let dir = run_all("spells");
    assert_model(&dir, "spells", "spells_akm");
    assert_model(&dir, "spells", "spells_akm_year");
}

/// A worker-firm panel whose graph mixes slowly (tests/reference/make_akm_reference.py): the
/// alternating projections need thousands of sweeps, so the automatic choice hands every column
/// to the Krylov solver; both solvers, chosen or forced, match pyfixest 0.60 with both of its
/// demeaners (its Krylov `within` backend and its projections) at 1e-8.
#[test]
fn slowly_mixing_worker_firm_panel_matches_pyfixest_with_either_solver() {
    let dir = run_all("akm");
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/akm_reference.json")).unwrap(),
    )
    .unwrap();
    for (model, fit) in [
        ("akm", "akm"),
        ("akm_map", "akm"),
        ("akm_krylov", "akm"),
        ("akm_year", "akm_year"),
        ("akm_year_map", "akm_year"),
    ] {
        for solver in ["within", "map"] {
            assert_matches(
                &dir,
                "akm",
                model,
                &reference[format!("{fit}_{solver}")],
                1e-8,
            );
        }
    }
    let t = table(&dir, "akm");
    let result = |name: &str| &t.models.iter().find(|m| m.name == name).unwrap().result;
    for (name, krylov) in [
        ("akm", 3),
        ("akm_map", 0),
        ("akm_krylov", 3),
        ("akm_year", 3),
        ("akm_year_map", 0),
    ] {
        let r = result(name);
        assert!(r.converged, "{name}");
        assert_eq!(
            r.krylov_columns, krylov,
            "{name}: columns by the Krylov solver"
        );
    }
    // The projections needed far more sweeps than the automatic budget of 20 iterations.
    assert!(result("akm_map").demean_iterations > 1000);
}

/// Logit and probit with firm and year FE against pyfixest 0.60's `feglm` run to a deviance
/// tolerance of 1e-14 (tests/reference/make_glm_reference.py): coefficients, clustered, hetero
/// and iid SEs, normal p-values and intervals, the deviance and McFadden's pseudo R2 at 1e-8;
/// without FE also against statsmodels' `Logit`. Firms whose outcome is 0 or 1 throughout are
/// separated by their FE and dropped, as fixest does (pyfixest drops only the all-zero ones: the
/// reference drops both before fitting), and the table says how many.
#[test]
fn logit_and_probit_match_pyfixest_feglm() {
    let dir = run_all("glm");
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/glm_reference.json")).unwrap(),
    )
    .unwrap();
    let t = table(&dir, "glm");
    assert_eq!(t.models.len(), 5);
    for m in &t.models {
        let r = &refs[&m.name];
        common::assert_fit_matches(m, r);
        let d = common::stat_num(m, "Deviance");
        common::close_to(&format!("{} deviance", m.name), d, &r["deviance"]);
        let v = common::stat_num(m, "Pseudo R²");
        common::close_to(&format!("{} pseudo R2", m.name), v, &r["pseudo_r2"]);
    }
    let sm = &refs["logit_no_fe_iid"]["statsmodels"];
    let m = &t.models[4];
    for (name, v) in sm["coefficients"].as_object().unwrap() {
        let name = if name == "Intercept" {
            "(Intercept)"
        } else {
            name
        };
        let c = m.result.coef(name).unwrap();
        common::close_to(&format!("statsmodels {name}"), c.estimate, &v["estimate"]);
    }
    let separated = refs["n_separated_by_firm"].as_u64().unwrap();
    let md = std::fs::read_to_string(dir.join("reports/glm.md")).unwrap();
    assert!(
        md.contains(&format!(
            "| Separated observations | {separated} | {separated} | {separated} | {separated} |  |"
        )),
        "{md}"
    );
    assert!(
        md.contains("Logit: coefficients are changes in the log odds"),
        "{md}"
    );
    assert!(md.contains("Inference is z-based"), "{md}");
    insta::assert_snapshot!("glm_table_md", md);
    insta::assert_snapshot!(
        "glm_table_tex",
        std::fs::read_to_string(dir.join("reports/glm.tex")).unwrap()
    );
}

/// Shuffling the rows of every data file changes no output file: every table, figure and
/// record is byte-identical once the data key (the hash of the file's bytes, which the cache
/// is keyed by and the provenance names) is masked. PDF figures are compared through their
/// SVG sources: the PDF writer orders its resource dictionaries differently from one run to
/// the next even on the same data (a known defect of the figures, not of the row order).
#[test]
fn shuffled_rows_leave_every_output_identical() {
    let plain = run_all("plain");
    let shuffled = shapes("shuffled");
    for f in ["people.csv", "cross.csv", "spells.csv"] {
        let csv = read(&shuffled, &format!("data/{f}"));
        std::fs::write(
            shuffled.join(format!("data/{f}")),
            common::shuffle_rows(&csv, 5),
        )
        .unwrap();
    }
    let (ok, _, err) = regspec(&shuffled, &["run", "--quiet"]);
    assert!(ok, "{err}");
    // The data keys, and the hash of the data file each table records (`inputs`), which follow
    // the file's bytes.
    let keys = |dir: &Path| -> Vec<String> {
        let tables: Vec<TableRecord> = ["rcs", "rcs_robust", "rcs_cs", "cross", "spells"]
            .iter()
            .map(|t| table(dir, t))
            .collect();
        let mut keys: Vec<String> = tables
            .iter()
            .flat_map(|t| {
                t.models
                    .iter()
                    .map(|m| m.data_hash.clone())
                    .chain(t.inputs.get("data file").cloned())
            })
            .collect();
        keys.sort();
        keys.dedup();
        keys
    };
    let (ka, kb) = (keys(&plain), keys(&shuffled));
    let mask = |text: String, keys: &[String]| {
        keys.iter().fold(text, |t, k| {
            let short = &k[..k.len().min(12)];
            t.replace(k.as_str(), "DATAKEY").replace(short, "DATAKEY")
        })
    };
    let mut n = 0;
    let mut files = Vec::new();
    common::walk_files(&plain.join("reports"), &mut files);
    for p in files {
        let rel = p.strip_prefix(plain.join("reports")).unwrap().to_path_buf();
        // Word files carry the provenance line (with the data key) inside a zip, whose
        // checksums the mask cannot reach; they are built from the same records as the .json,
        // .md and .typ files compared here. Figures' PDFs are compared (their bytes no longer
        // depend on a hash map's order).
        if rel.starts_with(".cache") || rel.extension().is_some_and(|e| e == "docx") {
            continue;
        }
        let a = std::fs::read(&p).unwrap();
        let b = std::fs::read(shuffled.join("reports").join(&rel))
            .unwrap_or_else(|_| panic!("{} missing after the shuffle", rel.display()));
        let (a, b) = (
            mask(String::from_utf8_lossy(&a).into_owned(), &ka),
            mask(String::from_utf8_lossy(&b).into_owned(), &kb),
        );
        assert!(
            a == b,
            "{} differs when the rows are shuffled",
            rel.display()
        );
        n += 1;
    }
    assert!(n >= 16, "{n} files compared");
}

/// `check` refuses functions and estimators on data they cannot honour, saying what to
/// declare, with file:line:column.
#[test]
fn shapes_refuse_what_they_cannot_honour() {
    let dir = shapes("refuse");
    for (spec, expect) in [
        (
            "data: cross\nmodels:\n  - {name: a, outcome: y, estimator: callaway_santanna, options: {adopt: x2}}\n",
            "`callaway_santanna` needs units or groups over time",
        ),
        (
            "models:\n  - {name: a, formula: \"wage ~ policy\", estimator: bacon, fe: [state, year], options: {adopt: cohort}}\n",
            "`bacon` needs a balanced panel",
        ),
        (
            "models:\n  - {name: a, formula: \"wage ~ policy\", vcov: \"NW(2)\"}\n",
            "Newey-West errors follow each unit over time and need a panel",
        ),
        (
            "variables:\n  w_l1: lag(wage, 1)\nmodels:\n  - {name: a, formula: \"wage ~ w_l1\"}\n",
            "`lag` follows a unit over time and needs a panel",
        ),
        (
            "models:\n  - {name: a, outcome: wage, treatment: policy, fe: [state, year], estimator: placebo, options: {sign: policy}}\n",
            "`sign: policy` varies within state = ",
        ),
        (
            "data: cross\nmodels:\n  - {name: a, formula: \"y ~ x1\", vcov: \"DK(2)\"}\n",
            "Driscoll-Kraay errors are correlated across units within a period and need a time key",
        ),
        (
            "data: cross\nmodels:\n  - {name: a, formula: \"y ~ x1\", estimator: sun_abraham, options: {adopt: x2}}\n",
            "`sun_abraham` needs units or groups over time",
        ),
        (
            "data: cross\nmodels:\n  - {name: a, formula: \"y ~ x1\", demean: krylov}\n",
            "`demean: krylov` chooses how fixed effects are absorbed, and this model absorbs none",
        ),
        (
            "models:\n  - {name: a, outcome: wage, fe: [state, year], estimator: imputation, demean: map, options: {adopt: cohort}}\n",
            "`imputation` absorbs its fixed effects with its own solver and cannot honour `demean: map`",
        ),
        (
            "data: akm\nmodels:\n  - {name: a, formula: \"y ~ x1 | worker + firm\", demean: fastest}\n",
            "unknown variant `fastest`, expected one of `auto`, `map`, `krylov`",
        ),
    ] {
        std::fs::write(dir.join("specs/bad.yaml"), spec).unwrap();
        let (ok, out, err) = regspec(&dir, &["check", "specs/bad.yaml"]);
        let all = format!("{out}{err}");
        assert!(!ok && all.contains(expect), "{spec}\n{all}");
        assert!(all.contains("specs/bad.yaml:"), "names the file: {all}");
    }
}

/// `regspec init` on a file without unique keys writes what it found and why, and the first
/// table runs: individuals in states over years (several rows per (state, year)) are read as
/// repeated cross-sections grouped by state; firms without a period as a cross-section.
#[test]
fn init_reads_repeated_cross_sections_and_a_cross_section() {
    for (file, declared, absent, why, fe) in [
        (
            "people.csv",
            &["time: year", "group: state"][..],
            &["unit:"][..],
            "Several rows share a (state, year) pair: the data are read as repeated cross-sections",
            2,
        ),
        (
            "cross.csv",
            &[][..],
            &["unit:", "time:", "group:"][..],
            "No column names a period",
            0,
        ),
    ] {
        let dir = std::env::temp_dir().join(format!("regspec-init-{file}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::copy(
            root().join("tests/fixtures/shapes/data").join(file),
            dir.join("data").join(file),
        )
        .unwrap();
        let (ok, out, err) = regspec(&dir, &["init", &format!("data/{file}")]);
        assert!(ok, "{file}: {out}{err}");
        let ws = read(&dir, "regspec.yaml");
        for d in declared {
            assert!(ws.contains(d), "{file}: no `{d}` in\n{ws}");
        }
        for a in absent {
            assert!(!ws.contains(a), "{file}: `{a}` declared in\n{ws}");
        }
        assert!(ws.contains(&format!("# {why}")), "{file}: the reason\n{ws}");
        let (ok, out, err) = regspec(&dir, &["run", "--quiet"]);
        assert!(ok, "{file}: {out}{err}");
        let t = table(&dir, "first");
        let models: Vec<usize> = t.models.iter().map(|m| m.fe.len()).collect();
        assert_eq!(
            models,
            if fe == 0 { vec![0] } else { vec![0, fe] },
            "{file}: the first table's fixed effects"
        );
    }
}
