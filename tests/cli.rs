//! End-to-end tests of the `regspec` binary on the demo panel: check errors, plan expansion,
//! caching, sharding, and agreement with the estimators crate called directly.

mod common;

use common::{read, regspec, root, workspace};
use std::path::{Path, PathBuf};

#[test]
fn check_errors_catalogue() {
    let dir = workspace("check");
    let broken = root().join("tests/fixtures/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&broken)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for f in files {
        let name = f.file_stem().unwrap().to_str().unwrap().to_string();
        let (ok, _, err) = regspec(&dir, &["check", f.to_str().unwrap()]);
        assert!(!ok, "{name}: check must fail");
        let text = err.replace(&broken.display().to_string(), "tests/fixtures/broken");
        insta::assert_snapshot!(format!("check_{name}"), text);
    }
}

/// A cap is a default, not a wall: `limits:` in regspec.yaml raises it for one workspace (the
/// spec that `check_errors_catalogue` shows refused passes), and an unknown cap is an error.
#[test]
fn limits_can_be_raised_in_the_workspace_file() {
    let dir = workspace("limits");
    let spec = root().join("tests/fixtures/broken/limit_draws.yaml");
    let spec = spec.to_str().unwrap();
    let (ok, _, err) = regspec(&dir, &["check", spec]);
    assert!(!ok && err.contains("limit of 1000000 draws"), "{err}");
    let ws = dir.join("regspec.yaml");
    let text = std::fs::read_to_string(&ws).unwrap();
    std::fs::write(&ws, format!("{text}\nlimits: {{draws: 2000000000}}\n")).unwrap();
    let (ok, _, err) = regspec(&dir, &["check", spec]);
    assert!(ok, "{err}");
    std::fs::write(&ws, format!("{text}\nlimits: {{drawz: 5}}\n")).unwrap();
    let (ok, _, err) = regspec(&dir, &["check", spec]);
    assert!(!ok && err.contains("drawz"), "{err}");
}

#[test]
fn plan_expansion_of_a_grid() {
    let ls = regspec::spec::load(&root().join("specs/robustness.yaml")).unwrap();
    let mut plan = regspec::plan::plan_file(&ls).unwrap();
    for m in &mut plan {
        m.spec_file = "specs/robustness.yaml".into();
    }
    insta::assert_yaml_snapshot!("plan_robustness", plan);
}

fn table(dir: &Path, out: &str, t: &str) -> String {
    std::fs::read_to_string(dir.join(out).join(format!("{t}.json"))).unwrap()
}

#[test]
fn rerun_is_cached_and_an_edit_reestimates_one_model() {
    let dir = workspace("cache");
    let (ok, out, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(ok, "{err}");
    assert!(out.is_empty());
    let (ok, out, _) = regspec(&dir, &["run"]);
    assert!(ok);
    let total: usize = out
        .lines()
        .find_map(|l| {
            l.split_once(" model(s): ")
                .and_then(|(n, _)| n.parse().ok())
        })
        .expect("a summary line");
    assert!(total > 30);
    assert!(
        out.contains(&format!(
            "{total} model(s): 0 estimated, {total} cached (data not read)"
        )),
        "{out}"
    );
    // Edit one model of one file.
    let spec = dir.join("specs/lags.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace(
            "    outcome: hosic\n",
            "    outcome: hosic\n    sample: \"year >= 2009\"\n",
        ),
    )
    .unwrap();
    let (ok, out, err) = regspec(&dir, &["run"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("1 estimated, {} cached", total - 1)),
        "{out}"
    );
    let lags: serde_json::Value = serde_json::from_str(&table(&dir, "reports", "lags")).unwrap();
    assert_eq!(lags["models"][1]["result"]["nobs"], 750);
}

#[test]
fn shards_merge_to_the_unsharded_run() {
    let dir = workspace("shard");
    assert!(regspec(&dir, &["run", "--quiet", "--out", "full"]).0);
    for k in 1..=3 {
        let (ok, _, err) = regspec(
            &dir,
            &[
                "run",
                "--quiet",
                "--shard",
                &format!("{k}/3"),
                "--out",
                &format!("s{k}"),
            ],
        );
        assert!(ok, "{err}");
    }
    let (ok, _, err) = regspec(&dir, &["merge", "s1", "s2", "s3", "--out", "merged"]);
    assert!(ok, "{err}");
    for t in [
        "baseline",
        "capabilities",
        "curve",
        "ddd",
        "event_study",
        "lags",
        "mechanisms",
        "robustness",
    ] {
        assert!(
            table(&dir, "full", t) == table(&dir, "merged", t),
            "table {t} differs between the full and the merged run"
        );
    }
    // Adjusted p-values and the curve do not depend on the number of jobs either.
    assert!(regspec(&dir, &["run", "--quiet", "--jobs", "1", "--out", "one_job"]).0);
    assert_eq!(
        table(&dir, "full", "curve"),
        table(&dir, "one_job", "curve")
    );
    // Each shard alone holds only part of the models.
    let s1: serde_json::Value = serde_json::from_str(&table(&dir, "s1", "robustness")).unwrap();
    assert!(s1["models"].as_array().unwrap().len() < 10);
}

#[test]
fn failed_run_leaves_earlier_reports_untouched() {
    let dir = workspace("atomic");
    assert!(regspec(&dir, &["run", "--quiet"]).0);
    let before = table(&dir, "reports", "baseline");
    std::fs::write(
        dir.join("specs/zz_broken.yaml"),
        "models:\n  - name: x\n    outcome: nope\n    treatment: treat_post\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("specs/baseline.yaml"),
        std::fs::read_to_string(dir.join("specs/baseline.yaml"))
            .unwrap()
            .replace("homic_controls", "homic_ctrl"),
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet"]);
    assert!(!ok);
    assert!(err.contains("unknown column `nope`"), "{err}");
    assert_eq!(table(&dir, "reports", "baseline"), before);
}

#[test]
fn regspec_matches_the_estimators_crate() {
    let dir = workspace("same");
    assert!(regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]).0);
    let t: report::TableRecord = serde_json::from_str(&table(&dir, "reports", "baseline")).unwrap();
    let via_cli = &t
        .models
        .iter()
        .find(|m| m.name == "homic_controls")
        .unwrap()
        .result;
    assert!(t.data_simulated && t.data_source.contains("SIMULATED"));

    // The demo panel with the workspace's variables, as the CLI computes them.
    let src = common::study_source(None);
    let panel = regspec::run::prepare(&src, &[])
        .unwrap_or_else(|_| panic!("prepare"))
        .panel;
    let col = |n: &str| {
        panel
            .column(n)
            .unwrap()
            .options()
            .iter()
            .map(|v| v.unwrap_or(f64::NAN))
            .collect::<Vec<f64>>()
    };
    let ids: Vec<f64> = {
        let all = panel.ids();
        let mut seen: Vec<&String> = Vec::new();
        all.iter()
            .map(|s| {
                if !seen.contains(&s) {
                    seen.push(s);
                }
                seen.iter().position(|x| *x == s).unwrap() as f64
            })
            .collect()
    };
    let country = estimators::factorize_f64(&ids);
    let year = estimators::factorize_f64(
        &panel
            .years()
            .iter()
            .map(|&y| f64::from(y))
            .collect::<Vec<_>>(),
    );
    let xs = ["treat_post", "ln_pgdp", "adv", "labor", "urban", "open"];
    let cols: Vec<Vec<f64>> = xs.iter().map(|x| col(x)).collect();
    let y = col("homic");
    let data = estimators::OlsData {
        coords: None,
        y_name: "homic".into(),
        y: &y,
        x: xs
            .iter()
            .zip(&cols)
            .map(|(n, c)| (n.to_string(), c.as_slice()))
            .collect(),
        fe: vec![("iso3".into(), &country), ("year".into(), &year)],
        weights: None,
        clusters: vec![("iso3".into(), &country)],
    };
    let direct = estimators::fit(
        &data,
        &estimators::OlsOptions {
            vcov: estimators::VcovKind::Cluster,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(via_cli.coefficients, direct.coefficients);
    assert_eq!(via_cli.nobs, direct.nobs);
}

/// Names become file names: a table, model or template name that could leave `--out` is a
/// check error, and nothing is written outside the output directory.
#[test]
fn names_cannot_escape_the_output_directory() {
    let dir = workspace("escape");
    let cases = [
        ("table", "table: ../escaped\nmodels:\n  - {name: a, outcome: homic, treatment: treat_post}\n"),
        ("abs_table", "table: /tmp/regspec-escaped\nmodels:\n  - {name: a, outcome: homic, treatment: treat_post}\n"),
        ("model", "models:\n  - {name: /../../escaped, outcome: homic, treatment: treat_post}\n"),
        (
            "figure",
            "models:\n  - {name: ../es, outcome: homic, estimator: event_study, fe: [iso3, year], options: {rel_time: rel_time, window: [-2, 2], ref: -1}}\n",
        ),
        ("template", "template: ../../etc/x\nmodels:\n  - {name: a, outcome: homic, treatment: treat_post}\n"),
        ("empty", "models:\n  - {name: \"\", outcome: homic, treatment: treat_post}\n"),
    ];
    for (case, yaml) in cases {
        let f = dir.join(format!("specs/zz_{case}.yaml"));
        std::fs::write(&f, yaml).unwrap();
        let (ok, _, err) = regspec(&dir, &["run", "--quiet", f.to_str().unwrap()]);
        assert!(!ok, "{case}: must fail");
        assert!(err.contains("name"), "{case}: {err}");
        std::fs::remove_file(&f).unwrap();
    }
    assert!(
        !dir.join("escaped.json").exists() && !dir.parent().unwrap().join("escaped.json").exists()
    );
    assert!(!Path::new("/tmp/regspec-escaped.json").exists());
    // `regspec table` with a name that is a path.
    let (ok, _, err) = regspec(&dir, &["table", "../x"]);
    assert!(!ok && err.contains("table name"), "{err}");
}

/// Nothing to do is an error, not a silent success.
#[test]
fn empty_plans_and_unknown_names_are_errors() {
    let dir = workspace("empty");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--only", "homicc"]);
    assert!(
        !ok && err
            .contains("--only `homicc`: no table or model has this name; did you mean `homic`?"),
        "{err}"
    );
    std::fs::write(dir.join("specs/zz_empty.yaml"), "# only a comment\n").unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/zz_empty.yaml"]);
    assert!(!ok && err.contains("declare no models"), "{err}");
    let empty = dir.join("nospecs");
    std::fs::create_dir_all(&empty).unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--spec-dir", "nospecs"]);
    assert!(!ok && err.contains("no spec files"), "{err}");
}

/// A cache entry that was edited, or copied over another model's, is never used: the run
/// warns and estimates the model again, so the report shows what the data say.
#[test]
fn the_cache_cannot_lie() {
    let dir = workspace("cachelie");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
    assert!(ok, "{err}");
    let before = std::fs::read_to_string(dir.join("reports/baseline.json")).unwrap();
    // Model entries live in subdirectories of the cache (by the first digits of their key).
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join("reports/.cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .collect();
    entries.sort();
    assert_eq!(entries.len(), 4);
    // Hand-edit a coefficient in one entry; copy another entry over a third.
    let text = std::fs::read_to_string(&entries[0]).unwrap();
    let edited = text.replacen("\"estimate\":", "\"estimate\":1", 1);
    assert_ne!(text, edited);
    std::fs::write(&entries[0], edited).unwrap();
    std::fs::copy(&entries[1], &entries[2]).unwrap();
    let (ok, out, err) = regspec(&dir, &["run", "specs/baseline.yaml"]);
    assert!(ok, "{err}");
    assert!(err.contains("does not match its checksum"), "{err}");
    assert!(err.contains("it answers another key"), "{err}");
    assert!(out.contains("2 estimated, 2 cached"), "{out}");
    let after = std::fs::read_to_string(dir.join("reports/baseline.json")).unwrap();
    assert_eq!(before, after, "the report is what the data say");
}

/// An unusable `--out` is found before any model is estimated.
#[test]
fn an_unusable_out_is_found_before_estimating() {
    let dir = workspace("badout");
    let (ok, out, err) = regspec(&dir, &["run", "--out", "specs/baseline.yaml/reports"]);
    assert!(!ok);
    assert!(
        err.contains("--out specs/baseline.yaml/reports: cannot write there"),
        "{err}"
    );
    assert!(err.contains("nothing was estimated"), "{err}");
    assert!(!out.contains("estimated"), "{out}");
}

/// The run says what it did in a line per table and where the report is; `list` is a table
/// whose columns line up.
#[test]
fn run_summary_and_list_are_readable() {
    let dir = workspace("summary");
    let (ok, out, err) = regspec(&dir, &["run", "specs/baseline.yaml", "specs/lags.yaml"]);
    assert!(ok, "{err}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("baseline") && l.contains("4 model(s)")),
        "{out}"
    );
    assert!(out.trim_end().ends_with("open reports/index.md"), "{out}");
    assert!(
        !err.contains("[1/"),
        "no per-model chatter when piped: {err}"
    );
    // Estimated afresh (the first run cached these four fits), so there is progress to show.
    std::fs::remove_dir_all(dir.join("reports/.cache")).unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--verbose", "specs/baseline.yaml"]);
    assert!(ok && err.contains("[1/4]"), "{err}");
    let (ok, out, _) = regspec(&dir, &["list", "specs/baseline.yaml", "specs/lags.yaml"]);
    assert!(ok);
    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("data:") && !l.contains(": ok"))
        .collect();
    let col = |l: &str| l.find(" ols ").or_else(|| l.find(" estimator"));
    let first = col(lines[0]).unwrap();
    assert!(lines.iter().all(|l| col(l) == Some(first)), "{out}");
}

/// A sample filter that drops nothing is a warning naming the model; it stops nothing.
#[test]
fn a_filter_that_drops_nothing_is_a_warning() {
    let dir = workspace("nodrop");
    let (ok, out, err) = regspec(&dir, &["check", "specs/robustness.yaml"]);
    assert!(ok, "{out}{err}");
    assert!(
        err.contains("model `rob_drop_zero_coop_homic`: warning: the sample filter `zero_coop == 0` keeps every row"),
        "{err}"
    );
}

/// Every file of a report set (the cache aside) with a digest of its bytes, for byte-for-byte
/// comparisons with short failure messages.
fn snapshot_set(out: &Path) -> std::collections::BTreeMap<String, String> {
    snapshot_bytes(out)
        .into_iter()
        .map(|(k, v)| {
            use sha2::Digest;
            let d = sha2::Sha256::digest(&v);
            (k, d.iter().map(|b| format!("{b:02x}")).collect())
        })
        .collect()
}

fn snapshot_bytes(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = Vec::new();
    common::walk_files(out, &mut files);
    files
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(out).unwrap().to_string_lossy().to_string(),
                p,
            )
        })
        .filter(|(rel, _)| !rel.starts_with(".cache"))
        .map(|(rel, p)| (rel, std::fs::read(&p).unwrap()))
        .collect()
}

/// A partial run merges into the set: the other models and tables keep their results and
/// `index.md` lists every table.
#[test]
fn a_partial_run_merges_into_the_report_set() {
    let dir = workspace("partial");
    let (ok, _, err) = regspec(
        &dir,
        &["run", "--quiet", "specs/baseline.yaml", "specs/lags.yaml"],
    );
    assert!(ok, "{err}");
    let before = snapshot_set(&dir.join("reports"));
    let baseline_before = read(&dir, "reports/baseline.tex");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "--only", "homic"]);
    assert!(ok, "{err}");
    let after = snapshot_set(&dir.join("reports"));
    let bytes = snapshot_bytes(&dir.join("reports"));
    let baseline: serde_json::Value = serde_json::from_slice(&bytes["baseline.json"]).unwrap();
    assert_eq!(
        baseline["models"].as_array().unwrap().len(),
        4,
        "no model is lost"
    );
    assert_eq!(
        before["lags.tex"], after["lags.tex"],
        "an untouched table is kept as it was"
    );
    // Same results, same table; only the provenance's data key may differ: it is the run's key
    // of the data, which covers the variable definitions of the spec files loaded.
    let without_provenance = |s: &str| s.split("Provenance:").next().unwrap().to_string();
    assert_eq!(
        without_provenance(&baseline_before),
        without_provenance(&read(&dir, "reports/baseline.tex")),
        "same results, same table"
    );
    let index = String::from_utf8(bytes["index.md"].clone()).unwrap();
    assert!(
        index.contains("baseline") && index.contains("lags"),
        "{index}"
    );
    // Other data in a partial run would mix: refused, naming both.
    std::fs::copy(dir.join("data/demo_panel.csv"), dir.join("data/other.csv")).unwrap();
    let (ok, _, err) = regspec(
        &dir,
        &[
            "run",
            "--quiet",
            "--only",
            "homic",
            "--data",
            "data/other.csv",
        ],
    );
    assert!(!ok && err.contains("a partial run would mix data"), "{err}");
    assert!(
        err.contains("data/demo_panel.csv") && err.contains("data/other.csv"),
        "{err}"
    );
    assert_eq!(
        snapshot_set(&dir.join("reports")),
        after,
        "the refused run changed nothing"
    );
}

/// A run killed while writing, or failing, leaves the previous set byte for byte; a second run
/// into the same directory is refused while the first holds it.
#[test]
fn kills_failures_and_concurrent_runs_leave_the_set_whole() {
    let dir = workspace("kill");
    let out = dir.join("reports");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
    assert!(ok, "{err}");
    let before = snapshot_set(&out);
    std::fs::write(
        dir.join("specs/baseline.yaml"),
        read(&dir, "specs/baseline.yaml").replace("title: \"Baseline", "title: \"Changed"),
    )
    .unwrap();
    for point in ["staged", "swapping"] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_regspec"))
            .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
            .args(["run", "--quiet", "specs/baseline.yaml"])
            .env("REGSPEC_TEST_CRASH", point)
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(!status.success(), "{point}: the run was killed");
        // A failing run after the kill first undoes it, and fails itself before writing.
        std::fs::create_dir_all(dir.join("templates")).unwrap();
        std::fs::write(dir.join("templates/table.md.j2"), "{% if %}").unwrap();
        let (ok, _, _) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
        assert!(!ok, "{point}: a broken template fails the run");
        std::fs::remove_dir_all(dir.join("templates")).unwrap();
        assert_eq!(
            snapshot_set(&out),
            before,
            "{point}: the previous set is intact"
        );
        let stray: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".reports."))
            .collect();
        assert!(
            stray.is_empty(),
            "{point}: temporaries cleaned up: {stray:?}"
        );
    }
    // A live process holds the lock: a second run is refused and changes nothing.
    std::fs::write(
        dir.join(".reports.lock"),
        format!("{}\n", std::process::id()),
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
    assert!(!ok && err.contains("another regspec run"), "{err}");
    std::fs::remove_file(dir.join(".reports.lock")).unwrap();
    assert_eq!(snapshot_set(&out), before);
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
    assert!(ok, "{err}");
    assert_ne!(
        snapshot_set(&out),
        before,
        "the finished run replaced the set"
    );
}

/// Every table ends with its provenance (version, spec and data hashes, the workspace's commit
/// with a `dirty` mark, the run date), and `regspec provenance TABLE` prints the full record.
#[test]
fn tables_carry_their_provenance() {
    let dir = workspace("provenance");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-c", "user.email=t@example.org", "-c", "user.name=t"])
            .args(args)
            .current_dir(&dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let in_repo = git(&["init", "-q"]) && git(&["add", "-A"]) && git(&["commit", "-qm", "x"]);
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]);
    assert!(ok, "{err}");
    let md = read(&dir, "reports/baseline.md");
    assert!(md.contains("Provenance: regspec 0.1.0; spec "), "{md}");
    assert!(md.contains("; run 2025-12-01."), "{md}");
    assert!(read(&dir, "reports/baseline.tex").contains("Provenance: regspec 0.1.0"));
    if in_repo {
        assert!(md.contains("; commit ") && !md.contains("(dirty)"), "{md}");
        let spec = dir.join("specs/baseline.yaml");
        let text = std::fs::read_to_string(&spec).unwrap() + "\n# edited\n";
        std::fs::write(&spec, text).unwrap();
        assert!(regspec(&dir, &["run", "--quiet", "specs/baseline.yaml"]).0);
        assert!(read(&dir, "reports/baseline.md").contains("(dirty)"));
    }
    let (ok, out, err) = regspec(&dir, &["provenance", "baseline"]);
    assert!(ok, "{err}");
    for s in [
        "table: baseline",
        "spec hash: ",
        "data key: ",
        "run date: 2025-12-01",
        "models:",
        "name: homic_controls",
        "estimator: ols",
    ] {
        assert!(out.contains(s), "{s} missing from\n{out}");
    }
    // A spec edited after the run is said to differ.
    std::fs::write(
        dir.join("specs/baseline.yaml"),
        std::fs::read_to_string(dir.join("specs/baseline.yaml")).unwrap() + "# again\n",
    )
    .unwrap();
    let (_, out, _) = regspec(&dir, &["provenance", "baseline"]);
    assert!(out.contains("changed since the table was written"), "{out}");
    let (ok, _, err) = regspec(&dir, &["provenance", "nosuch"]);
    assert!(!ok && err.contains("no table `nosuch`"), "{err}");
}
