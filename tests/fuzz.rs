//! A mutation fuzzer for the spec parser, `check` and the expression language, on stable Rust:
//! inputs are the repository's own spec files and fixtures, mutated at random (seeded); every
//! mutant goes through `spec::load`, the plan and the check against the demo panel, and every
//! expression through the parser and the evaluator. Nothing may panic.
//!
//! It runs for `REGSPEC_FUZZ_SECONDS` (default 20) in the test suite; run it longer with e.g.
//! `REGSPEC_FUZZ_SECONDS=600 cargo test -p regspec --test fuzz -- --nocapture`.

mod common;

use common::root;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus() -> Vec<String> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "specs",
        "tests/fixtures/broken",
        "tests/fixtures/states/specs",
    ] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                files.push(p);
            }
        }
    }
    files.push(root().join("regspec.yaml"));
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// Pieces worth splicing in: keys, values and expression fragments of the format.
const TOKENS: &[&str] = &[
    "name: ",
    "outcome: ",
    "formula: ",
    "fe: [",
    "cluster: ",
    "sample: ",
    "options: {",
    "}",
    "]",
    "[",
    "{",
    "- ",
    "extends: ",
    "grid:",
    "vary:",
    "models:",
    "variables:",
    "estimator: ",
    "event_study",
    "callaway_santanna",
    "i(rel_time, ref = -1)",
    "l(x, 1:2)",
    "lag(",
    "log(",
    " and ",
    " or ",
    "not ",
    "==",
    "\"",
    "'",
    ":",
    "\n",
    "  ",
    "-1e308",
    "1e309",
    "NaN",
    "^",
    "::",
    "../",
    "/",
    "\u{0}",
    "é",
    "{sample}",
    "window: [-5, 4]",
    "draws: 0",
    "iso3^year",
    "~",
    "|",
];

fn mutate(rng: &mut ChaCha8Rng, seed: &str, corpus: &[String]) -> String {
    let mut lines: Vec<String> = seed.lines().map(String::from).collect();
    for _ in 0..rng.random_range(1..6) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.random_range(0..lines.len());
        match rng.random_range(0..7) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let other = &corpus[rng.random_range(0..corpus.len())];
                let ol: Vec<&str> = other.lines().collect();
                if !ol.is_empty() {
                    lines.insert(i, ol[rng.random_range(0..ol.len())].to_string());
                }
            }
            3 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())];
                let l = &mut lines[i];
                let at = (0..=l.len())
                    .filter(|k| l.is_char_boundary(*k))
                    .nth(rng.random_range(0..l.chars().count() + 1))
                    .unwrap_or(l.len());
                l.insert_str(at, t);
            }
            4 => {
                let l = &mut lines[i];
                let n = l.chars().count();
                if n > 0 {
                    let k = rng.random_range(0..n);
                    *l = l
                        .chars()
                        .enumerate()
                        .filter(|(j, _)| *j != k)
                        .map(|(_, c)| c)
                        .collect();
                }
            }
            5 => {
                let j = rng.random_range(0..lines.len());
                lines.swap(i, j);
            }
            _ => {
                let l = &mut lines[i];
                let digits: String = l
                    .chars()
                    .map(|c| {
                        if c.is_ascii_digit() {
                            char::from(b'0' + (c as u8 - b'0' + 7) % 10)
                        } else {
                            c
                        }
                    })
                    .collect();
                *l = digits;
            }
        }
    }
    lines.join("\n") + "\n"
}

#[test]
fn spec_parser_check_and_expressions_never_panic() {
    let seconds: u64 = std::env::var("REGSPEC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let corpus = corpus();
    let src = common::study_source(None);
    let lp = regspec::run::prepare(&src, &[]).unwrap_or_else(|_| panic!("demo panel"));
    let view = regspec::frame::PanelView::new(&lp.panel);
    let dir = std::env::temp_dir().join(format!("regspec-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fuzz.yaml");
    let mut rng = ChaCha8Rng::seed_from_u64(20261130);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut n, mut rejected) = (0u64, 0u64);
    while Instant::now() < deadline {
        let seed = &corpus[rng.random_range(0..corpus.len())];
        let input = mutate(&mut rng, seed, &corpus);
        std::fs::write(&file, &input).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (loaded, mut plan, mut diags) =
                regspec::check::load_static(std::slice::from_ref(&file));
            diags.extend(regspec::check::check_plan(&loaded, &mut plan, &view));
            // Every line that looks like an expression goes through the language too.
            for l in input.lines() {
                if let Some((_, e)) = l.split_once(": ") {
                    let e = e.trim().trim_matches(['"', '\'']);
                    if let Ok(x) = measures::expr::parse(e) {
                        let _ = measures::eval::Evaluator::new(&lp.panel).eval(&x);
                    }
                }
            }
            diags.len()
        }));
        match outcome {
            Ok(d) => rejected += u64::from(d > 0),
            Err(_) => {
                let keep = dir.join(format!("panic-{n}.yaml"));
                std::fs::write(&keep, &input).unwrap();
                panic!("input {n} panicked; kept in {}", keep.display());
            }
        }
        n += 1;
    }
    eprintln!("fuzz: {n} inputs in {seconds} s, {rejected} rejected with diagnostics, 0 panics");
    assert!(n > 100, "the fuzzer ran ({n} inputs)");
}
