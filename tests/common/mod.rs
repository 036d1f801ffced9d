//! Helpers shared by the end-to-end tests: a scratch copy of the demo workspace and a way to
//! run the `regspec` binary in it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A scratch workspace: a copy of regspec.yaml, specs/ and the demo panel.
pub fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("regspec-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for f in std::fs::read_dir(root().join("specs")).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            std::fs::copy(&p, dir.join("specs").join(p.file_name().unwrap())).unwrap();
        }
    }
    for f in ["demo_panel.csv", "demo_panel.csv.meta.json"] {
        std::fs::copy(root().join("data").join(f), dir.join("data").join(f)).unwrap();
    }
    std::fs::copy(root().join("regspec.yaml"), dir.join("regspec.yaml")).unwrap();
    dir
}

/// Runs `regspec ARGS` in `dir`: (success, stdout, stderr).
/// The run date every test fixes (2025-12-01), so that reports (their provenance line) are
/// reproducible byte for byte.
pub const SOURCE_DATE_EPOCH: &str = "1764547200";

pub fn regspec(dir: &Path, args: &[&str]) -> (bool, String, String) {
    regspec_env(dir, args, &Default::default())
}

/// [`regspec`] with further environment variables.
pub fn regspec_env(
    dir: &Path,
    args: &[&str],
    env: &std::collections::BTreeMap<String, String>,
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_regspec"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
        .envs(env)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Whether pdflatex is installed; fails when `REGSPEC_REQUIRE_LATEX` is set and it is not.
pub fn have_pdflatex() -> bool {
    let have = Command::new("pdflatex").arg("--version").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("REGSPEC_REQUIRE_LATEX").is_none(),
            "REGSPEC_REQUIRE_LATEX is set but pdflatex is missing"
        );
        eprintln!("SKIPPED: no pdflatex (the LaTeX tables were not compiled; CI requires it)");
    }
    have
}

/// The raw public data: `REGSPEC_RAW_DATA` (which must exist when set, as in CI), else
/// `../shared/data/raw` beside the repository when it is there.
pub fn raw_data() -> Option<PathBuf> {
    match std::env::var_os("REGSPEC_RAW_DATA") {
        Some(d) => {
            let d = PathBuf::from(d);
            let d = if d.is_absolute() { d } else { root().join(d) };
            assert!(
                d.is_dir(),
                "REGSPEC_RAW_DATA={} is not a directory",
                d.display()
            );
            Some(d)
        }
        None => Some(root().join("../shared/data/raw")).filter(|d| d.is_dir()),
    }
}

/// A Python with the independent readers of the output formats (`REGSPEC_READERS_PYTHON`: the
/// `typst` compiler and `python-docx`, `.ci/requirements-readers.txt`); fails when
/// `REGSPEC_REQUIRE_READERS` is set and there is none.
pub fn readers_python() -> Option<String> {
    let py = std::env::var("REGSPEC_READERS_PYTHON").unwrap_or_else(|_| "python3".into());
    let have = Command::new(&py)
        .args(["-c", "import typst, docx"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("REGSPEC_REQUIRE_READERS").is_none(),
            "REGSPEC_REQUIRE_READERS is set but {py} cannot import typst and docx"
        );
        eprintln!("SKIPPED: no Typst compiler or python-docx (the .typ and .docx tables were not read back; CI requires them)");
        return None;
    }
    Some(py)
}

/// Reads every Word table of `reports` back with python-docx and checks it against its JSON
/// (`tests/readers/check_docx.py`); returns (tables, numbers checked, pictures in
/// results.docx).
pub fn check_docx(py: &str, reports: &Path) -> (usize, usize, usize) {
    let out = check_docx_py(py, &[reports.as_os_str()]);
    let v: Vec<usize> = String::from_utf8_lossy(&out)
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    (v[0], v[1], v[2])
}

/// A Word document as python-docx reads it, as text (paragraphs, rows, rules), for snapshots.
pub fn docx_text(py: &str, file: &Path) -> String {
    String::from_utf8(check_docx_py(py, &["--dump".as_ref(), file.as_os_str()])).unwrap()
}

/// `tests/readers/check_docx.py ARGS`: its standard output; fails with its error output.
fn check_docx_py(py: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = Command::new(py)
        .arg(root().join("tests/readers/check_docx.py"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a .docx table does not read back as its JSON: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// LibreOffice (`soffice`), when installed; fails when `REGSPEC_REQUIRE_LIBREOFFICE` is set and
/// it is not.
pub fn soffice() -> Option<&'static str> {
    let have = Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("REGSPEC_REQUIRE_LIBREOFFICE").is_none(),
            "REGSPEC_REQUIRE_LIBREOFFICE is set but soffice is not installed"
        );
        eprintln!(
            "SKIPPED: no LibreOffice (the .docx files were not converted to PDF; CI requires it)"
        );
        return None;
    }
    Some("soffice")
}

/// Converts `files` to PDF in `outdir` with LibreOffice (headless, its own profile under
/// `outdir`) and returns each PDF's text (pdftotext) and page count (pdfinfo).
pub fn docx_to_pdf(soffice: &str, files: &[PathBuf], outdir: &Path) -> Vec<(String, usize)> {
    std::fs::create_dir_all(outdir).unwrap();
    let profile = format!(
        "-env:UserInstallation=file://{}",
        outdir.join("profile").display()
    );
    let out = Command::new(soffice)
        .args([&profile, "--headless", "--convert-to", "pdf", "--outdir"])
        .arg(outdir)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    files
        .iter()
        .map(|f| {
            let pdf = outdir.join(f.with_extension("pdf").file_name().unwrap());
            assert!(pdf.exists(), "LibreOffice wrote no {}", pdf.display());
            let text = Command::new("pdftotext")
                .args([pdf.as_os_str(), std::ffi::OsStr::new("-")])
                .output()
                .unwrap();
            let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
            let pages = String::from_utf8_lossy(&info.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            (String::from_utf8_lossy(&text.stdout).into_owned(), pages)
        })
        .collect()
}

/// Compiles every .typ table of `reports` with the Typst compiler: any error or warning fails.
pub fn compile_typst(py: &str, reports: &Path) -> usize {
    let script = "import glob, sys, typst\nn = 0\nfor f in sorted(glob.glob(sys.argv[1] + '/*.typ')):\n    pdf, warnings = typst.compile_with_warnings(f)\n    assert pdf.startswith(b'%PDF'), f\n    assert not warnings, (f, [str(w) for w in warnings])\n    n += 1\nprint(n)\n";
    let out = Command::new(py)
        .args(["-c", script, &reports.display().to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "a .typ table failed to compile: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// The preamble the tables document (crates/report/templates/table.tex.j2).
pub const PREAMBLE: &str = "\\documentclass{article}\n\\usepackage{booktabs,dcolumn,graphicx}\n";

/// Compiles every .tex table of `reports` in a minimal article under `scratch` and reads the
/// LaTeX log: any error, any "Overfull \\hbox" wider than 1 pt and any "Float too large" fails.
pub fn compile_tables(reports: &Path, scratch: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    let mut n = 0;
    for e in std::fs::read_dir(reports).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "tex") {
            continue;
        }
        let body = std::fs::read_to_string(&p).unwrap();
        let doc = format!("{PREAMBLE}\\begin{{document}}\n{body}\n\\end{{document}}\n");
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        std::fs::write(scratch.join(format!("{name}.tex")), doc).unwrap();
        let out = Command::new("pdflatex")
            .args([
                "-interaction=nonstopmode",
                "-halt-on-error",
                &format!("{name}.tex"),
            ])
            .current_dir(scratch)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}.tex does not compile:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let log = std::fs::read_to_string(scratch.join(format!("{name}.log"))).unwrap();
        let problems = latex_log_problems(&log);
        assert!(problems.is_empty(), "{name}.tex: {}", problems.join("\n"));
        n += 1;
    }
    assert!(n > 0, "no .tex table in {}", reports.display());
}

/// What a LaTeX log says is wrong with the layout: overfull boxes wider than 1 pt and floats
/// too large for the page.
pub fn latex_log_problems(log: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("Overfull \\hbox (") {
            let pt: f64 = rest
                .split("pt")
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::INFINITY);
            if pt > 1.0 {
                out.push(line.to_string());
            }
        }
        if line.contains("Float too large") || line.starts_with('!') {
            out.push(line.to_string());
        }
    }
    out
}

/// The study workspace's data source: the demo panel, or the raw files when given.
pub fn study_source(raw: Option<PathBuf>) -> regspec::run::DataSource {
    regspec::run::DataSource {
        root: root(),
        raw_data: raw,
        sources: Some(root().join("data/sources.yaml")),
        data: None,
        demo_panel: None,
    }
}

/// Copies a directory tree (a fixture workspace into a scratch directory).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A reference file of `tests/reference/`, parsed.
pub fn reference(file: &str) -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference").join(file)).unwrap(),
    )
    .unwrap()
}

/// `ours` equals `theirs` to 1e-8 relative; a null reference (an undefined statistic, NA in R)
/// requires NaN.
pub fn close_to(what: &str, ours: f64, theirs: &serde_json::Value) {
    match theirs.as_f64() {
        None => assert!(ours.is_nan(), "{what}: {ours} vs reference NA"),
        Some(t) => assert!(
            (ours - t).abs() <= 1e-8 * t.abs().max(1e-12),
            "{what}: {ours} vs reference {t}"
        ),
    }
}

/// A model's fit against a reference written by a `make_*_reference.py` script
/// (`{nobs, coefficients: {name: {estimate, se[, p]}}}`): observations, the set of
/// coefficients, estimates and standard errors to 1e-8 relative; p-values, where given, to 1e-8
/// relative or 1e-12 absolute (far in the tail the t CDFs of statrs and scipy differ in their
/// last digits).
pub fn assert_fit_matches(m: &report::ModelRecord, r: &serde_json::Value) {
    assert_eq!(
        m.result.nobs as u64,
        r["nobs"].as_u64().unwrap(),
        "{} nobs",
        m.name
    );
    let coefs = r["coefficients"].as_object().unwrap();
    assert_eq!(m.result.coefficients.len(), coefs.len(), "{}", m.name);
    for (name, v) in coefs {
        let ours = if name == "Intercept" {
            "(Intercept)"
        } else {
            name
        };
        let c = m
            .result
            .coef(ours)
            .unwrap_or_else(|| panic!("{}: {name}", m.name));
        close_to(&format!("{} {name}", m.name), c.estimate, &v["estimate"]);
        close_to(&format!("{} {name} se", m.name), c.std_error, &v["se"]);
        for (key, ours) in [("ci_low", c.ci_low), ("ci_high", c.ci_high)] {
            if v.get(key).is_some() {
                close_to(&format!("{} {name} {key}", m.name), ours, &v[key]);
            }
        }
        if let Some(p) = v.get("p").and_then(|p| p.as_f64()) {
            assert!(
                (c.p_value - p).abs() <= (1e-8 * p).max(1e-12),
                "{} {name} p: {} vs reference {p}",
                m.name,
                c.p_value
            );
        }
    }
}

/// Callaway-Sant'Anna results against a `csdid` reference: every ATT(g,t) and the simple,
/// dynamic, group and calendar aggregations with their standard errors, 1e-8 relative.
pub fn assert_cs_matches(key: &str, cs: &estimators::CallawaySantAnna, r: &serde_json::Value) {
    let cells = r["cells"].as_array().unwrap();
    assert_eq!(cs.cells.len(), cells.len(), "{key}: number of ATT(g,t)");
    for (c, rc) in cs.cells.iter().zip(cells) {
        assert_eq!(
            (c.group, c.time),
            (rc["group"].as_i64().unwrap(), rc["time"].as_i64().unwrap())
        );
        let at = format!("{key} ATT({},{})", c.group, c.time);
        close_to(&at, c.att, &rc["att"]);
        close_to(&format!("{at} se"), c.std_error, &rc["se"]);
    }
    close_to(&format!("{key} simple"), cs.simple.att, &r["simple"]["att"]);
    close_to(
        &format!("{key} simple se"),
        cs.simple.std_error,
        &r["simple"]["se"],
    );
    for (agg, ours) in [
        ("dynamic", &cs.dynamic),
        ("group", &cs.group),
        ("calendar", &cs.calendar),
    ] {
        let theirs = r[agg].as_array().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{key} {agg}");
        for (d, rd) in ours.iter().zip(theirs) {
            assert_eq!(d.event_time, rd["e"].as_i64());
            let at = format!("{key} {agg} {:?}", d.event_time);
            close_to(&at, d.att, &rd["att"]);
            close_to(&format!("{at} se"), d.std_error, &rd["se"]);
        }
    }
}

/// The number in a model's statistics row `label` (panics, naming both, when there is none).
pub fn stat_num(m: &report::ModelRecord, label: &str) -> f64 {
    let row = m
        .stats
        .iter()
        .find(|s| s.label == label)
        .unwrap_or_else(|| panic!("{}: no row `{label}`", m.name));
    match row.value {
        report::StatValue::Num { value: Some(v), .. } => v,
        _ => panic!("{}: row `{label}` is not a number", m.name),
    }
}

/// Every file under `dir`, recursively.
pub fn walk_files(dir: &Path, acc: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk_files(&p, acc);
        } else {
            acc.push(p);
        }
    }
}

/// A scratch copy of the fixture workspace `tests/fixtures/<fixture>`, one per `name`.
pub fn fixture_copy(fixture: &str, name: &str) -> PathBuf {
    let src = root().join("tests/fixtures").join(fixture);
    let dir = std::env::temp_dir().join(format!("regspec-{fixture}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&src, &dir);
    dir
}

/// A CSV file's text with its data rows in another fixed order (every `k`-th row first, then
/// the rest reversed), the header kept; panics if that leaves the rows as they were.
pub fn shuffle_rows(csv: &str, k: usize) -> String {
    let mut lines: Vec<&str> = csv.lines().collect();
    let header = lines.remove(0);
    let (mut a, mut b): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
    for (i, l) in lines.iter().enumerate() {
        if i % k == 0 {
            a.push(l)
        } else {
            b.push(l)
        }
    }
    b.reverse();
    let body: Vec<&str> = a.into_iter().chain(b).collect();
    assert_ne!(body, lines, "the rows really are shuffled");
    format!("{header}\n{}\n", body.join("\n"))
}
