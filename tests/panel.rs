//! The study's panel from the real raw files in ../shared/data/raw (or $REGSPEC_RAW_DATA).
//! When REGSPEC_RAW_DATA is set (CI sets it) a missing folder fails the test; without it, a
//! machine with no raw data skips with a message.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn raw_dir() -> Option<PathBuf> {
    let d = common::raw_data();
    if d.is_none() {
        eprintln!("skipped: no raw data at ../shared/data/raw and REGSPEC_RAW_DATA unset");
    }
    d
}

/// The real panel with the study's variables (regspec.yaml), as `regspec run --raw-data` sees it.
fn build(raw: &Path) -> ingest::Panel {
    let src = regspec::run::DataSource {
        root: root(),
        raw_data: Some(raw.to_path_buf()),
        sources: Some(root().join("data/sources.yaml")),
        data: None,
        demo_panel: None,
    };
    match regspec::run::prepare(&src, &[]) {
        Ok(lp) => lp.panel,
        Err(d) => panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>()),
    }
}

fn value(p: &ingest::Panel, iso: &str, year: i32, col: &str) -> Option<f64> {
    let row = p
        .ids()
        .iter()
        .zip(&p.years())
        .position(|(i, y)| i == iso && *y == year)
        .unwrap();
    p.column(col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .value(row)
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("value present");
    assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
}

#[test]
fn real_panel_shape_and_spot_values() {
    let Some(raw) = raw_dir() else { return };
    let p = build(&raw);
    assert_eq!(p.nrows(), 825);
    let ids = p.ids();
    let countries: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(countries.len(), 75);
    for dropped in ["CHN", "HKG", "MNE", "SRB", "BGR"] {
        assert!(
            !ids.iter().any(|i| i == dropped),
            "{dropped} must not be in the sample"
        );
    }
    for col in [
        "sign_year",
        "treat",
        "post",
        "treat_post",
        "rel_time",
        "treat_post_l1",
        "treat_post_f1",
        "treat_post_alt",
        "treat_post_route",
        "cee16",
        "income",
        "homic",
        "hosic",
        "sd",
        "cd",
        "ln_pgdp",
        "adv",
        "labor",
        "urban",
        "open",
        "talex1",
        "talex2",
        "patents",
        "articles",
        "rd_gdp",
    ] {
        assert!(p.column(col).is_some(), "missing column {col}");
    }
    // OpenAlex: China-US 46,931 joint works in 2015; China's total 109,783; US total 283,645.
    close(value(&p, "USA", 2015, "coop"), 46931.0);
    close(value(&p, "USA", 2015, "homic"), 100.0 * 46931.0 / 109783.0);
    close(value(&p, "USA", 2015, "hosic"), 100.0 * 46931.0 / 283645.0);
    // Absent pair-year in the OpenAlex file: zero joint works.
    close(value(&p, "BHR", 2008, "coop"), 0.0);
    // WDI (Datahub vintage): Germany's GDP per capita 2010 = 42,396.9665976293 US$.
    close(value(&p, "DEU", 2010, "ln_pgdp"), 42396.9665976293f64.ln());
    close(value(&p, "ROU", 2012, "urban"), 53.9563092496073);
    // UNSD manufacturing share through the M49 crosswalk: Switzerland 2012 = 18.66.
    close(value(&p, "CHE", 2012, "adv"), 18.66);
    // OECD bilateral enrolment through the hand-made name crosswalk: Chinese students in Japan,
    // 2013 = 179,576.
    close(value(&p, "JPN", 2013, "talex1_oecd"), 179576f64.ln());
    // WGI writes Romania as ROM: the alias must feed SD.
    assert!(value(&p, "ROU", 2012, "sd").is_some());
    // LPV signing years: Hungary and Korea 2015, Italy 2019 (treated, never post in sample).
    close(value(&p, "HUN", 2016, "sign_year"), 2015.0);
    close(value(&p, "KOR", 2015, "treat_post"), 1.0);
    close(value(&p, "KOR", 2014, "treat_post"), 0.0);
    close(value(&p, "ITA", 2018, "treat"), 1.0);
    close(value(&p, "ITA", 2018, "treat_post"), 0.0);
    // GFDC (alternative list): Armenia 2015 (LPV: 2014).
    close(value(&p, "ARM", 2014, "treat_post"), 1.0);
    close(value(&p, "ARM", 2014, "treat_post_alt"), 0.0);
    // Cultural distance: Germany has all six Hofstede dimensions; Kenya has no row.
    assert!(value(&p, "DEU", 2010, "cd").is_some());
    assert!(value(&p, "KEN", 2010, "cd").is_none());
    // Treated counts by signing year (LPV): 52 treated of 75.
    let treated: std::collections::BTreeSet<&String> = ids
        .iter()
        .zip(p.column("treat").unwrap().options())
        .filter(|(_, v)| *v == Some(1.0))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(treated.len(), 52);
    assert_eq!(
        p.meta["outcome_source"],
        "co-authored works (OpenAlex), proxy for co-patents"
    );
}

#[test]
fn same_input_byte_identical_output() {
    let Some(raw) = raw_dir() else { return };
    let dir = std::env::temp_dir().join(format!("regspec-panel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for ext in ["parquet", "csv"] {
        let mut bytes = Vec::new();
        for i in 0..2 {
            let out = dir.join(format!("p{i}.{ext}"));
            let st = Command::new(env!("CARGO_BIN_EXE_regspec"))
                .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
                .args([
                    "panel",
                    "--raw-data",
                    raw.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                ])
                .current_dir(root())
                .output()
                .unwrap();
            assert!(
                st.status.success(),
                "{}",
                String::from_utf8_lossy(&st.stderr)
            );
            let stdout = String::from_utf8_lossy(&st.stdout);
            assert!(
                stdout.contains("panel: 825 rows, 75 countries, years 2008-2018"),
                "{stdout}"
            );
            assert!(
                stdout.contains("treated countries by signing year"),
                "{stdout}"
            );
            bytes.push(std::fs::read(&out).unwrap());
        }
        assert!(
            bytes[0] == bytes[1],
            "{ext} output differs between two builds"
        );
    }
    // Round trip: the written panel reads back with the same values.
    let back = ingest::Panel::read(&dir.join("p0.parquet")).unwrap();
    let p = build(&raw);
    assert_eq!(
        back.column("homic").unwrap().data,
        p.column("homic").unwrap().data
    );
}

#[test]
fn bad_sources_fail_with_a_clear_error() {
    let Some(raw) = raw_dir() else { return };
    let dir = std::env::temp_dir().join(format!("regspec-badsrc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read_to_string(root().join("data/sources.yaml")).unwrap();
    let cases = [
        (
            "signing_list: lpv ",
            "signing_list: lvp ",
            "choices.signing_list `lvp` is not one of signing_lists",
        ),
        (
            "value_column: works\n",
            "value_column: workz\n",
            "column `workz`: missing column",
        ),
        (
            "wdi/datahub_wdi_selected_long.csv",
            "wdi/nothere.csv",
            "nothere.csv: file not found",
        ),
    ];
    for (from, to, expect) in cases {
        let src = dir.join("sources.yaml");
        std::fs::write(&src, good.replacen(from, to, 1)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_regspec"))
            .env("SOURCE_DATE_EPOCH", common::SOURCE_DATE_EPOCH)
            .args([
                "panel",
                "--raw-data",
                raw.to_str().unwrap(),
                "--out",
                dir.join("p.csv").to_str().unwrap(),
            ])
            .args(["--sources", src.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
        assert!(!err.contains("panicked"));
    }
}

/// The whole study on the real data: every spec runs, and every table compiles in a minimal
/// article with no overfull box above 1 pt and no float too large (the log is read).
#[test]
fn real_data_tables_compile_and_fit() {
    let Some(raw) = raw_dir() else { return };
    if !common::have_pdflatex() {
        return;
    }
    let dir = common::workspace("real-latex");
    // The sources declaration and its crosswalks, as the workspace has them.
    std::fs::copy(
        root().join("data/sources.yaml"),
        dir.join("data/sources.yaml"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("data/crosswalks")).unwrap();
    for e in std::fs::read_dir(root().join("data/crosswalks")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("data/crosswalks").join(p.file_name().unwrap())).unwrap();
    }
    let (ok, _, err) = common::regspec(
        &dir,
        &["run", "--quiet", "--raw-data", raw.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    common::compile_tables(&dir.join("reports"), &dir.join("latex"));
}

/// The study's report set on the public data is committed (`replication/`, a replication
/// package's tables): `regspec verify` estimates every model again from scratch and finds every
/// committed file identical (the run date and commit taken from the records); a number edited
/// by hand in a copy is named with its file and line, and verify exits 1.
#[test]
fn the_committed_replication_set_verifies() {
    let Some(raw) = raw_dir() else { return };
    let dir = common::workspace("verify");
    common::copy_dir(&root().join("data"), &dir.join("data"));
    let set = dir.join("replication");
    std::fs::create_dir_all(&set).unwrap();
    for e in std::fs::read_dir(root().join("replication")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        if name == ".cache" {
            continue;
        }
        if p.is_dir() {
            common::copy_dir(&p, &set.join(&name));
        } else {
            std::fs::copy(&p, set.join(&name)).unwrap();
        }
    }
    let args = [
        "verify",
        "--raw-data",
        raw.to_str().unwrap(),
        "--out",
        "replication",
    ];
    let (ok, out, err) = common::regspec(&dir, &args);
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("verified: "), "{out}");
    // A number of the baseline table edited by hand: its first estimate's first decimal.
    let tex = std::fs::read_to_string(set.join("baseline.tex")).unwrap();
    let row = tex.find("Post &").expect("the baseline's treatment row");
    let at = row + tex[row..].find("0.").unwrap() + 2;
    let digit = tex.as_bytes()[at] - b'0';
    let mut edited = tex.clone();
    edited.replace_range(at..at + 1, &((digit + 1) % 10).to_string());
    std::fs::write(set.join("baseline.tex"), &edited).unwrap();
    let (ok, out, _) = common::regspec(&dir, &args);
    assert!(!ok, "{out}");
    let line = tex[..at].lines().count();
    assert!(
        out.contains(&format!(
            "replication/baseline.tex: line {line}: the set has"
        )),
        "{out}"
    );
    assert!(out.contains("1 of "), "{out}");
}
