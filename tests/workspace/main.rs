//! A workspace of a user's own panel, end to end: a state-year CSV (text key `state`, text
//! `region`) and its Stata twin, variables declared in `regspec.yaml` (gap-aware lag, log,
//! first_treated, rel_time), FE `region^year`, clustering by region, a sample filter on text,
//! and an event study written with fixest's `i()`. Numbers are checked against pyfixest with
//! every derived variable computed independently (tests/reference/make_states_reference.py).
//! `code.rs`: tests of the code's own boundaries (file length, where estimators are named);
//! `cache.rs`: the remembered hash of the data file.

mod cache;
mod code;
#[path = "../common/mod.rs"]
mod common;

use common::{read, regspec, root};
use report::TableRecord;
use std::path::{Path, PathBuf};

/// A scratch copy of tests/fixtures/states.
fn states(name: &str) -> PathBuf {
    common::fixture_copy("states", name)
}

fn table(dir: &Path, out: &str, t: &str) -> TableRecord {
    serde_json::from_str(&read(dir, &format!("{out}/{t}.json"))).unwrap()
}

fn reference() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/states_reference.json")).unwrap(),
    )
    .unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-8 * b.abs().max(1e-12),
        "{what}: {a} vs reference {b}"
    );
}

/// Every coefficient and SE of every model against pyfixest, 1e-8 relative.
fn assert_matches_reference(dir: &Path, out: &str) {
    let reference = reference();
    for (tbl, model) in [
        ("main", "twfe"),
        ("main", "lagged"),
        ("main", "west"),
        ("event_study", "es"),
    ] {
        let t = table(dir, out, tbl);
        let m = t.models.iter().find(|m| m.name == model).unwrap();
        let r = &reference[model];
        assert_eq!(
            m.result.nobs as u64,
            r["nobs"].as_u64().unwrap(),
            "{model} nobs"
        );
        let coefs = r["coefficients"].as_object().unwrap();
        assert_eq!(
            m.result.coefficients.len(),
            coefs.len(),
            "{model}: coefficient count"
        );
        for (name, v) in coefs {
            let c = m
                .result
                .coef(name)
                .unwrap_or_else(|| panic!("{model}: no coefficient {name}"));
            close(
                c.estimate,
                v["estimate"].as_f64().unwrap(),
                &format!("{model} {name}"),
            );
            close(
                c.std_error,
                v["std_error"].as_f64().unwrap(),
                &format!("{model} {name} se"),
            );
        }
    }
}

#[test]
fn state_panel_matches_pyfixest_and_tables_are_pinned() {
    let dir = states("csv");
    let (ok, out, err) = regspec(&dir, &["check"]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    assert_matches_reference(&dir, "reports");
    for n in ["main.md", "main.tex", "event_study.md", "event_study.tex"] {
        insta::assert_snapshot!(
            format!("states_{}", n.replace('.', "_")),
            read(&dir, &format!("reports/{n}"))
        );
    }
    if common::have_pdflatex() {
        common::compile_tables(&dir.join("reports"), &dir.join("latex"));
    }
    // The data note names the file actually used and does not call it simulated.
    let t = table(&dir, "reports", "main");
    assert!(!t.data_simulated);
    assert!(
        t.data_source.contains("data/states.csv"),
        "{}",
        t.data_source
    );
}

#[test]
fn stata_twin_gives_the_same_numbers() {
    let dir = states("dta");
    let (ok, _, err) = regspec(
        &dir,
        &[
            "run",
            "--quiet",
            "--data",
            "data/states.dta",
            "--out",
            "dta",
        ],
    );
    assert!(ok, "{err}");
    assert_matches_reference(&dir, "dta");
    let t = table(&dir, "dta", "main");
    assert!(t.data_source.contains("states.dta"), "{}", t.data_source);
}

/// A Stata file's variable labels head the rows of every table whose spec gives no label of
/// its own (escaped for LaTeX: `%` and `&`), and a spec's label wins; a CSV has none.
#[test]
fn stata_variable_labels_label_the_tables() {
    let dir = states("dta-labels");
    std::fs::write(
        dir.join("specs/labels.yaml"),
        "title: Labels\nlabels: {y: \"Y as the spec says\"}\nmodels:\n  - {name: m, formula: \"y ~ x | state + year\", cluster: state}\n",
    )
    .unwrap();
    let args = ["run", "--quiet", "specs/labels.yaml", "--out"];
    let (ok, _, err) = regspec(
        &dir,
        &[&args[..], &["dta", "--data", "data/states.dta"]].concat(),
    );
    assert!(ok, "{err}");
    let tex = read(&dir, "dta/labels.tex");
    assert!(tex.contains("Income per head (\\% \\& more)"), "{tex}");
    let t = table(&dir, "dta", "labels");
    assert_eq!(t.labels["y"], "Y as the spec says");
    assert_eq!(t.labels["x"], "Income per head (\\% \\& more)");
    let (ok, _, err) = regspec(&dir, &[&args[..], &["csv"]].concat());
    assert!(ok, "{err}");
    assert!(!table(&dir, "csv", "labels").labels.contains_key("x"));
    assert!(read(&dir, "csv/labels.tex").contains("\nx &"));
    if common::have_pdflatex() {
        common::compile_tables(&dir.join("dta"), &dir.join("latex"));
    }
}

#[test]
fn stata_reader_keeps_labels_widens_floats_and_reads_missing() {
    let d = root().join("tests/fixtures/states/data");
    let spec = ingest::DatasetSpec::keys("state", "year");
    let csv = ingest::read_panel(&d.join("states.csv"), &spec).unwrap();
    let dta = ingest::read_panel(&d.join("states.dta"), &spec).unwrap();
    assert_eq!(csv.nrows(), dta.nrows());
    // Value labels become the same text categories as the CSV's text column.
    assert_eq!(
        csv.column("region").unwrap().data,
        dta.column("region").unwrap().data
    );
    // float32 cells widen exactly (the values lie on a 1/64 grid).
    assert_eq!(csv.column("x").unwrap().data, dta.column("x").unwrap().data);
    // `.a` (extended missing) and `.` are missing, like the CSV's empty cells.
    assert_eq!(
        csv.column("pop").unwrap().data,
        dta.column("pop").unwrap().data
    );
    assert_eq!(dta.column("pop").unwrap().missing(), 1);
    assert_eq!(dta.column("y").unwrap().missing(), 1);
}

#[test]
fn bad_variables_and_text_as_numbers_are_check_errors() {
    let dir = states("bad");
    let ws = read(&dir, "regspec.yaml")
        .replace("ln_x: log(x)", "ln_x: lgo(x)")
        .replace("y_l1: lag(y, 1) ", "y_l1: lag(yy, 1)");
    std::fs::write(dir.join("regspec.yaml"), ws).unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    insta::assert_snapshot!("states_bad_variables", err);

    let dir = states("text");
    let spec = read(&dir, "specs/main.yaml").replace(
        "treat_post + ln_x | state + year",
        "treat_post + region | state + year",
    );
    std::fs::write(dir.join("specs/main.yaml"), spec).unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    insta::assert_snapshot!("states_text_as_number", err);
}

#[test]
fn duplicate_keys_name_the_unit_the_period_and_both_lines() {
    let dir = states("dup");
    let csv = read(&dir, "data/states.csv");
    let second = csv.lines().nth(2).unwrap().to_string();
    std::fs::write(dir.join("data/states.csv"), format!("{csv}{second}\n")).unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    assert!(
        err.contains("duplicate (state, year) = (CT, 2001): line 3 and line 641"),
        "{err}"
    );
}

#[test]
fn init_starts_a_workspace_that_runs() {
    let dir = std::env::temp_dir().join(format!("regspec-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/states/data/states.csv"),
        dir.join("data/states.csv"),
    )
    .unwrap();
    let (ok, out, err) = regspec(&dir, &["init", "data/states.csv"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("wrote ./regspec.yaml") || out.contains("regspec.yaml"),
        "{out}"
    );
    let ws = read(&dir, "regspec.yaml");
    assert!(
        ws.contains("unit: state") && ws.contains("time: year"),
        "{ws}"
    );
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    let t = table(&dir, "reports", "first");
    assert_eq!(t.models.len(), 2);
    // A second init refuses to overwrite.
    let (ok, _, err) = regspec(&dir, &["init", "data/states.csv"]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let first = t;

    // The same data exported by a European spreadsheet (`;` between fields, decimal commas):
    // init finds both and declares them, and the run gives the same numbers.
    let semi = dir.join("semi");
    std::fs::create_dir_all(semi.join("data")).unwrap();
    let text = std::fs::read_to_string(dir.join("data/states.csv")).unwrap();
    assert!(!text.contains(';') && !text.contains('"') && text.contains('.'));
    std::fs::write(
        semi.join("data/states.csv"),
        text.replace(',', ";").replace('.', ","),
    )
    .unwrap();
    let (ok, _, err) = regspec(&semi, &["init", "data/states.csv"]);
    assert!(ok, "{err}");
    let ws = read(&semi, "regspec.yaml");
    assert!(
        ws.contains("delimiter: \";\"") && ws.contains("decimal: \",\""),
        "{ws}"
    );
    let (ok, _, err) = regspec(&semi, &["run", "--quiet"]);
    assert!(ok, "{err}");
    let t = table(&semi, "reports", "first");
    for (a, b) in first.models.iter().zip(&t.models) {
        assert_eq!(a.result.coefficients, b.result.coefficients);
    }
    // Without the declaration, the separator is named with the way to declare it.
    let ws = read(&semi, "regspec.yaml").replace("  delimiter: \";\"\n", "");
    std::fs::write(semi.join("regspec.yaml"), ws).unwrap();
    let (ok, _, err) = regspec(&semi, &["check"]);
    assert!(!ok && err.contains("`delimiter: \";\"`"), "{err}");
}

#[test]
fn a_spec_file_chooses_a_named_dataset() {
    let dir = states("datasets");
    // A second dataset, keyed differently: region-year (written here, by hand).
    let mut csv = String::from("region,period,z,w\n");
    for (k, r) in ["North", "South", "East", "West"].iter().enumerate() {
        for t in 1..=6 {
            let w = (k * 7 + t * 3) % 5;
            let z = 1.0 + 0.5 * w as f64 + k as f64 + 0.1 * t as f64 + ((k + t) % 3) as f64 * 0.01;
            csv.push_str(&format!("{r},{t},{z},{w}\n"));
        }
    }
    std::fs::write(dir.join("data/regions.csv"), csv).unwrap();
    let ws = read(&dir, "regspec.yaml")
        + "datasets:\n  regions:\n    file: data/regions.csv\n    unit: region\n    time: period\n    variables:\n      w_l1: lag(w)\n";
    std::fs::write(dir.join("regspec.yaml"), ws).unwrap();
    std::fs::write(
        dir.join("specs/regions.yaml"),
        "data: regions\nmodels:\n  - name: r\n    formula: \"z ~ w + w_l1 | region\"\n    cluster: region\n",
    )
    .unwrap();
    let (ok, out, err) = regspec(&dir, &["check"]);
    assert!(ok, "{out}{err}");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    let t = table(&dir, "reports", "regions");
    assert!(
        t.data_source.contains("data/regions.csv"),
        "{}",
        t.data_source
    );
    // 4 regions x 6 periods, the first period has no lag.
    assert_eq!(t.models[0].result.nobs, 20);
    let main = table(&dir, "reports", "main");
    assert!(
        main.data_source.contains("data/states.csv"),
        "{}",
        main.data_source
    );
    // A rerun needs neither dataset: everything is cached.
    let (ok, out, _) = regspec(&dir, &["run"]);
    assert!(
        ok && out.contains("0 estimated, 5 cached (data not read)"),
        "{out}"
    );

    std::fs::write(
        dir.join("specs/regions.yaml"),
        "data: regionz\nmodels:\n  - name: r\n    formula: \"z ~ w | region\"\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    assert!(
        err.contains(
            "unknown dataset `regionz` (regspec.yaml declares: regions); did you mean `regions`?"
        ),
        "{err}"
    );
}

#[test]
fn formula_lags_equal_declared_lags() {
    let dir = states("lterm");
    std::fs::write(
        dir.join("specs/lags.yaml"),
        "models:\n  - name: declared\n    formula: \"y ~ treat_post + y_l1 | state + year\"\n    cluster: state\n  - name: formula\n    formula: \"y ~ treat_post + l(y, 1:2) | state + year\"\n    cluster: state\n  - name: lead\n    formula: \"y ~ treat_post + f(y) | state + year\"\n    cluster: state\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/lags.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "reports", "lags");
    let m = |n: &str| t.models.iter().find(|m| m.name == n).unwrap();
    // l(y, 1:2) expands to l(y,1) and l(y,2); a two-lag model has fewer rows than the one-lag one.
    let f = m("formula");
    assert!(f.result.coef("l(y,1)").is_some() && f.result.coef("l(y,2)").is_some());
    assert!(f.result.nobs < m("declared").result.nobs);
    // Gap-aware as the declared lag: the one-lag model by formula has the same sample and
    // numbers as the declared variable.
    std::fs::write(
        dir.join("specs/lags.yaml"),
        "models:\n  - name: declared\n    formula: \"y ~ treat_post + y_l1 | state + year\"\n    cluster: state\n  - name: formula\n    formula: \"y ~ treat_post + l(y) | state + year\"\n    cluster: state\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/lags.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "reports", "lags");
    let (d, f) = (&t.models[0].result, &t.models[1].result);
    assert_eq!(d.nobs, f.nobs);
    assert_eq!(
        d.coef("y_l1").unwrap().estimate,
        f.coef("l(y,1)").unwrap().estimate
    );
    assert_eq!(
        d.coef("treat_post").unwrap().std_error,
        f.coef("treat_post").unwrap().std_error
    );
}

#[test]
fn a_dropped_treatment_or_an_exact_fit_is_an_error_not_a_row() {
    let dir = states("honest");
    std::fs::write(
        dir.join("specs/absorbed.yaml"),
        "variables:\n  ever: if_else(is_missing(cohort), 0, 1)\nmodels:\n  - name: absorbed\n    outcome: y\n    treatment: ever\n    regressors: [ln_x]\n    fe: [state, year]\n    cluster: state\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/absorbed.yaml"]);
    assert!(!ok);
    assert!(
        err.contains("model `absorbed` (absorbed): the treatment `ever` was dropped: absorbed by the `state` fixed effects (`ever` does not vary within state)"),
        "{err}"
    );
    assert!(
        !dir.join("reports/absorbed.md").exists(),
        "no table is written"
    );
    // Absorbed by no single FE but by both together. (The treatment is the first column, so
    // collinearity among regressors drops the others, never it.)
    std::fs::write(
        dir.join("specs/absorbed.yaml"),
        "variables:\n  ever: if_else(is_missing(cohort), 0, 1) + year\nmodels:\n  - name: absorbed\n    outcome: y\n    treatment: ever\n    regressors: [ln_x]\n    fe: [state, year]\n    cluster: state\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/absorbed.yaml"]);
    assert!(
        !ok && err.contains("absorbed by the fixed effects together (state + year)"),
        "{err}"
    );
    // Allowed: the column stays, and the table and the terminal say what happened.
    std::fs::write(
        dir.join("specs/absorbed.yaml"),
        "variables:\n  ever: if_else(is_missing(cohort), 0, 1)\nmodels:\n  - name: absorbed\n    outcome: y\n    treatment: ever\n    regressors: [ln_x]\n    fe: [state, year]\n    cluster: state\n    allow_dropped_treatment: true\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "specs/absorbed.yaml"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: absorbed model `absorbed`: the treatment `ever` was dropped: absorbed by the `state` fixed effects"),
        "{err}"
    );
    let md = read(&dir, "reports/absorbed.md");
    assert!(
        md.contains(
            "Column (1): the treatment `ever` was dropped: absorbed by the `state` fixed effects"
        ),
        "{md}"
    );
    std::fs::write(
        dir.join("specs/exact.yaml"),
        "models:\n  - name: exact\n    outcome: treat_post\n    treatment: treat_post\n    regressors: [ln_x]\n    fe: [state, year]\n    cluster: state\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/exact.yaml"]);
    assert!(!ok);
    assert!(
        err.contains("the regressors fit `treat_post` exactly (R² = 1)"),
        "{err}"
    );
}

#[test]
fn a_bad_cell_and_a_cut_row_are_named_by_line() {
    let dir = states("cells");
    let csv = read(&dir, "data/states.csv");
    let mut lines: Vec<String> = csv.lines().map(String::from).collect();
    // Line 5 of the file: its outcome becomes "abc".
    let mut f: Vec<String> = lines[4].split(',').map(String::from).collect();
    f[3] = "abc".into();
    lines[4] = f.join(",");
    std::fs::write(dir.join("data/states.csv"), lines.join("\n") + "\n").unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    assert!(
        err.contains(
            "column `y` has a cell that is not a number: `abc` at line 5 of data/states.csv"
        ),
        "{err}"
    );
    // The file cut in the middle of its last row.
    let cut = &csv[..csv.trim_end().rfind(',').unwrap()];
    std::fs::write(dir.join("data/states.csv"), cut).unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "data/states.csv:{}: this row has 6 field(s), the header has 7",
            csv.lines().count()
        )),
        "{err}"
    );
}

/// Options that would be ignored are refused: `--demo-panel` when the workspace declares its
/// data, `sources` on a named dataset.
#[test]
fn options_that_would_be_ignored_are_refused() {
    let dir = states("ignored");
    let (ok, _, err) = regspec(&dir, &["check", "--demo-panel", "data/states.dta"]);
    assert!(
        !ok && err.contains("--demo-panel data/states.dta is for a workspace without data"),
        "{err}"
    );
    let ws = read(&dir, "regspec.yaml")
        + "datasets:\n  other:\n    file: data/states.csv\n    unit: state\n    time: year\n    sources: data/sources.yaml\n";
    std::fs::write(dir.join("regspec.yaml"), ws).unwrap();
    let (ok, _, err) = regspec(&dir, &["check"]);
    assert!(!ok && err.contains("dataset `other`: `sources`"), "{err}");
}

/// A scratch copy of tests/fixtures/cs (Callaway-Sant'Anna with clusters, weights, a universal
/// base period and an unbalanced panel).
fn cs_fixture(name: &str) -> PathBuf {
    common::fixture_copy("cs", name)
}

/// Callaway-Sant'Anna with clustering above the unit, sampling weights (also doubly robust with
/// covariates), the universal base period and an unbalanced panel, against `csdid` 0.4.3
/// (tests/reference/make_cs_extended_reference.py): every ATT(g,t), the simple, dynamic, group
/// and calendar aggregations and their standard errors, 1e-8 relative.
#[test]
fn callaway_santanna_extensions_match_csdid() {
    let dir = cs_fixture("ext");
    let (ok, out, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{out}{err}");
    let refs = common::reference("cs_extended_reference.json");
    let mut checked = 0;
    for tbl in ["balanced", "unbalanced"] {
        let t = table(&dir, "reports", tbl);
        for m in &t.models {
            let cs: estimators::CallawaySantAnna = m.detail("callaway_santanna").unwrap();
            let r = &refs[&m.name];
            assert!(r.is_object(), "no reference for {}", m.name);
            assert_eq!(cs.unbalanced, tbl == "unbalanced", "{}", m.name);
            common::assert_cs_matches(&m.name, &cs, r);
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "every reference case was compared");
    // The table says what was estimated: the weights per column, the cluster actually used
    // (cl, or the unit by default), no FE rows and no R².
    insta::assert_snapshot!("cs_extensions_md", read(&dir, "reports/balanced.md"));
}

/// What Callaway-Sant'Anna cannot use is refused: an unbalanced panel without
/// `allow_unbalanced_panel` (when estimating, naming the option), and by `check`, before anything
/// is estimated, a cluster or weights that vary within a unit, the multiplier bootstrap with a
/// cluster above the unit, and an unknown base period.
#[test]
fn callaway_santanna_refusals() {
    let dir = cs_fixture("refuse");
    std::fs::write(
        dir.join("specs/unbalanced.yaml"),
        "data: unbalanced\nmodels:\n  - {name: u, estimator: callaway_santanna, outcome: homic, options: {adopt: sign_year}}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/unbalanced.yaml"]);
    assert!(
        !ok && err.contains("unbalanced") && err.contains("allow_unbalanced_panel: true"),
        "{err}"
    );
    for (model, expect) in [
        (
            "{name: c, cluster: year}",
            "`cluster: year` varies within unit",
        ),
        (
            "{name: b, cluster: cl, options: {bootstrap: {draws: 99}}}",
            "multiplier bootstrap draws by unit",
        ),
        (
            "{name: w, weights: ln_pgdp}",
            "`weights: ln_pgdp` varies within unit",
        ),
        (
            "{name: x, options: {base_period: fixed}}",
            "unknown variant `fixed`",
        ),
    ] {
        std::fs::write(
            dir.join("specs/bad.yaml"),
            format!("defaults: {{estimator: callaway_santanna, outcome: homic, options: {{adopt: sign_year}}}}\nmodels:\n  - {model}\n"),
        )
        .unwrap();
        let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/bad.yaml"]);
        assert!(!ok && err.contains(expect), "{model}: {err}");
    }
}
