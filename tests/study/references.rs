//! The study's estimates against independent references: the TWFE event study, PSM-DID,
//! randomization inference, the wild cluster bootstrap, panel HAC, IV, PPML and Romano-Wolf.

use super::*;

#[test]
fn event_study_matches_pyfixest() {
    let dir = workspace("es");
    assert!(regspec(&dir, &["run", "--quiet", "specs/event_study.yaml"]).0);
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/event_study_reference.json"))
            .unwrap(),
    )
    .unwrap();
    let t = table(&dir, "event_study");
    for (model, key) in [
        ("es_homic", "homic_iso3"),
        ("es_hosic", "hosic_iso3"),
        ("es_homic_cy", "homic_cy"),
    ] {
        let m = t.models.iter().find(|m| m.name == model).unwrap();
        let es = m.event_study.as_ref().unwrap();
        let r = &refs[key];
        assert_eq!(m.result.nobs as u64, r["nobs"].as_u64().unwrap());
        let pts = r["points"].as_object().unwrap();
        assert_eq!(
            pts.len(),
            es.points.len() - 1,
            "{model}: one point per period but the reference"
        );
        for p in &es.points {
            if p.rel_time == es.reference {
                assert_eq!((p.estimate, p.std_error), (0.0, 0.0));
                continue;
            }
            let q = &pts[&p.rel_time.to_string()];
            for (ours, theirs) in [
                (p.estimate, q["estimate"].as_f64().unwrap()),
                (p.std_error, q["std_error"].as_f64().unwrap()),
            ] {
                assert!(
                    (ours - theirs).abs() <= 1e-8 * theirs.abs(),
                    "{model} k={}: {ours} vs {theirs}",
                    p.rel_time
                );
            }
        }
        // pyfixest reports the Wald statistic W for this test; ours is the F form W / q.
        let pre = es.pretrend.as_ref().unwrap();
        let stat = pre.stat * pre.df1 as f64;
        let theirs = r["pretrend_stat"].as_f64().unwrap();
        assert!(
            (stat - theirs).abs() <= 1e-8 * theirs,
            "{model} pretrend {stat} vs {theirs}"
        );
    }
}

#[test]
fn psm_did_matches_the_independent_reference() {
    let dir = workspace("psm");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/psm.yaml"]);
    assert!(ok, "{err}");
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/psm_reference.json")).unwrap(),
    )
    .unwrap();
    let t = table(&dir, "psm");
    let close = |what: &str, ours: f64, theirs: &serde_json::Value| {
        let theirs = theirs.as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= 1e-8 * theirs.abs().max(1e-8),
            "{what}: {ours} vs {theirs}"
        );
    };
    for (key, repl) in [
        ("replacement", "replacement"),
        ("no_replacement", "no_replacement"),
    ] {
        for y in ["homic", "hosic"] {
            let m = t
                .models
                .iter()
                .find(|m| m.name == format!("psm_{y}_{repl}"))
                .unwrap();
            let p: estimators::Psm = m.detail("psm").unwrap();
            let r = &refs[key];
            for (i, b) in p.logit.coef.iter().enumerate() {
                close("logit coef", *b, &refs["logit"]["coef"][i]);
                close("logit se", p.logit.std_error[i], &refs["logit"]["se"][i]);
            }
            close("loglik", p.logit.loglik, &refs["logit"]["loglik"]);
            assert_eq!(
                p.n_matched_treated as u64,
                r["n_matched_treated"].as_u64().unwrap(),
                "{key}"
            );
            assert_eq!(
                p.n_controls_used as u64,
                r["n_controls_used"].as_u64().unwrap(),
                "{key}"
            );
            for (b, rb) in p.balance.iter().zip(r["balance"].as_array().unwrap()) {
                close("std diff before", b.std_diff_before, &rb["std_diff_before"]);
                close("std diff after", b.std_diff_after, &rb["std_diff_after"]);
                close(
                    "control mean after",
                    b.mean_control_after,
                    &rb["mean_control_after"],
                );
            }
            let c = m.result.coef("treat_post").unwrap();
            close(&format!("{key} {y} DID"), c.estimate, &r["did"][y]["coef"]);
            close(
                &format!("{key} {y} DID se"),
                c.std_error,
                &r["did"][y]["se"],
            );
            assert_eq!(m.result.nobs as u64, r["did"][y]["nobs"].as_u64().unwrap());
        }
    }
}

#[test]
fn placebo_draws_are_seeded_and_sensible() {
    let dir = workspace("placebo");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/placebo.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "placebo");
    let p = |name: &str| {
        t.models
            .iter()
            .find(|m| m.name == name)
            .unwrap()
            .detail::<estimators::Placebo>("placebo")
            .unwrap()
    };
    // The demo's true effect on HOMIC (0.5) is far in the tail of the permutation distribution;
    // HOSIC has none.
    let ph = p("permute_homic");
    assert_eq!(ph.estimates.len() + ph.failed, 1000);
    assert!(ph.p_value < 0.01, "permute homic p = {}", ph.p_value);
    assert!(
        ph.mean.abs() < 0.1,
        "permutation distribution centred near 0: {}",
        ph.mean
    );
    assert!(p("permute_hosic").p_value > 0.05);
    // False treatment among non-participants: no effect to find.
    let pn = p("placebo_nonpart_homic");
    assert!(
        pn.mean.abs() < 0.1 && pn.share_significant < 0.2,
        "{} {}",
        pn.mean,
        pn.share_significant
    );
    // Same seed, same draws: a second run in another directory reproduces them bit for bit.
    let dir2 = workspace("placebo2");
    assert!(
        regspec(
            &dir2,
            &["run", "--quiet", "--jobs", "1", "specs/placebo.yaml"]
        )
        .0
    );
    let t2 = table(&dir2, "placebo");
    let again = t2
        .models
        .iter()
        .find(|m| m.name == "permute_homic")
        .unwrap()
        .detail::<estimators::Placebo>("placebo")
        .unwrap();
    assert_eq!(ph.estimates, again.estimates);
    // The histogram is written.
    let svg = read(&dir, "reports/figures/placebo_permute_homic.svg");
    assert!(
        svg.contains("Number of placebo draws") && svg.contains("Placebo estimate of Treat × Post")
    );
}

#[test]
fn wild_cluster_bootstrap_matches_wildboottest_within_monte_carlo_error() {
    let dir = workspace("wcr");
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/inference.yaml"]);
    assert!(ok, "{err}");
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/reference/bootstrap_reference.json")).unwrap(),
    )
    .unwrap();
    let t = table(&dir, "inference");
    for y in ["homic", "hosic", "sd"] {
        for w in ["rademacher", "webb"] {
            let m = t
                .models
                .iter()
                .find(|m| m.name == format!("wcr_{y}_{w}"))
                .unwrap();
            let b: estimators::WildBootstrap = m.detail("bootstrap").unwrap();
            let theirs = refs[format!("{y}_{w}")]["p_value"].as_f64().unwrap();
            // Both are Monte Carlo estimates of the same p-value (9,999 draws here, 99,999 in
            // the reference, different generators): allow 4 standard errors of ours, plus
            // half a draw's worth.
            let sd = (theirs * (1.0 - theirs) / b.draws as f64).sqrt();
            assert!(
                (b.p_value - theirs).abs() <= 4.0 * sd + 1.0 / b.draws as f64,
                "{y} {w}: p {} vs wildboottest {theirs}",
                b.p_value
            );
            // The test-inversion interval contains the estimate and agrees with the p-value.
            let est = m.result.coef("treat_post").unwrap().estimate;
            assert!(b.ci_low < est && est < b.ci_high);
            assert_eq!(
                b.p_value < 0.05,
                !(b.ci_low <= 0.0 && 0.0 <= b.ci_high),
                "{y} {w}"
            );
        }
    }
}

/// Panel HAC standard errors, Driscoll-Kraay (with a lag and with the default floor(T^(1/4)))
/// and Newey-West within units, against pyfixest 0.60 (tests/reference/make_hac_reference.py):
/// estimates and standard errors to 1e-8 relative, p-values to 1e-8 relative or 1e-12 absolute.
#[test]
fn panel_hac_matches_pyfixest() {
    let dir = workspace("hac");
    std::fs::write(
        dir.join("specs/hac.yaml"),
        "models:\n  - {name: dk_lag2, formula: \"homic ~ treat_post | iso3 + year\", vcov: \"DK(2)\"}\n  - {name: dk_default_lag, formula: \"homic ~ treat_post + ln_pgdp | iso3 + year\", vcov: driscoll_kraay}\n  - {name: nw_lag2, formula: \"homic ~ treat_post | iso3 + year\", vcov: \"newey_west(2)\"}\n  - {name: dk_no_fe_lag3, formula: \"hosic ~ treat_post + urban\", vcov: \"DK(3)\"}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/hac.yaml"]);
    assert!(ok, "{err}");
    let refs = common::reference("hac_reference.json");
    let t = table(&dir, "hac");
    for m in &t.models {
        common::assert_fit_matches(m, &refs[&m.name]);
    }
    let md = read(&dir, "reports/hac.md");
    assert!(
        md.contains("Driscoll-Kraay, Bartlett kernel over 2 period(s)")
            && md.contains("Newey-West within units, Bartlett kernel over 2 period(s)")
            && md.contains("Driscoll-Kraay, Bartlett kernel over 1 period(s)"),
        "{md}"
    );
    assert!(
        !md.contains("| Clusters |"),
        "HAC columns have no clusters row\n{md}"
    );
}

/// Two-stage least squares with fixed effects (fixest's `y ~ x | fe | d ~ z`) against pyfixest
/// 0.60 (tests/reference/make_iv_reference.py): coefficients and standard errors (clustered,
/// heteroskedasticity-robust, iid; with and without FE; one and two instruments) to 1e-8, and
/// the first-stage F test of the excluded instruments to 1e-8; the table shows the F.
#[test]
fn iv_matches_pyfixest() {
    let dir = workspace("iv");
    std::fs::write(
        dir.join("specs/iv.yaml"),
        "models:\n  - {name: iv_fe_cluster, formula: \"homic ~ ln_pgdp | iso3 + year | treat_post ~ treat_post_alt\", cluster: iso3}\n  - {name: iv_two_instruments, formula: \"homic ~ ln_pgdp + urban | iso3 + year | treat_post ~ treat_post_alt + treat_post_route\", cluster: iso3}\n  - {name: iv_no_fe_hetero, formula: \"hosic ~ urban | treat_post ~ treat_post_alt\", vcov: hetero}\n  - {name: iv_fe_iid, formula: \"homic ~ 1 | iso3 + year | treat_post ~ treat_post_alt\"}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/iv.yaml"]);
    assert!(ok, "{err}");
    let refs = common::reference("iv_reference.json");
    let t = table(&dir, "iv");
    for m in &t.models {
        common::assert_fit_matches(m, &refs[&m.name]);
        let r = &refs[&m.name];
        let f = common::stat_num(m, "First-stage F: treat_post");
        common::close_to(&format!("{} first-stage F", m.name), f, &r["first_stage_f"]);
    }
    let md = read(&dir, "reports/iv.md");
    assert!(
        md.contains("| First-stage F: treat_post | 661.94 |"),
        "{md}"
    );
}

/// Poisson PML with fixed effects against pyfixest 0.60 `fepois` run to a deviance tolerance
/// of 1e-14 (tests/reference/make_ppml_reference.py): coefficients, standard errors (clustered,
/// hetero, iid; with and without FE) and the deviance, including a country whose outcome is zero
/// throughout and is separated by its FE (11 observations dropped, as fixest does), and
/// McFadden's pseudo R². The first model is written in fixest's `fepois(...)` formula syntax.
#[test]
fn ppml_matches_pyfixest() {
    let dir = workspace("ppml");
    std::fs::write(
        dir.join("specs/ppml.yaml"),
        "variables:\n  coop0: 'if_else(iso3 == \"S01\", 0, coop)'\ndefaults: {estimator: ppml, options: {tol: 1e-14, maxiter: 200}}\nmodels:\n  - {name: ppml_fe_cluster, formula: \"fepois(coop ~ treat_post + ln_pgdp | iso3 + year)\", cluster: iso3}\n  - {name: ppml_separation, formula: \"coop0 ~ treat_post | iso3 + year\", cluster: iso3}\n  - {name: ppml_no_fe_hetero, formula: \"coop ~ treat_post + urban\", vcov: hetero}\n  - {name: ppml_fe_iid, formula: \"coop ~ treat_post | iso3 + year\"}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/ppml.yaml"]);
    assert!(ok, "{err}");
    let refs = common::reference("ppml_reference.json");
    let t = table(&dir, "ppml");
    for m in &t.models {
        common::assert_fit_matches(m, &refs[&m.name]);
        let r = &refs[&m.name];
        let d = common::stat_num(m, "Deviance");
        common::close_to(&format!("{} deviance", m.name), d, &r["deviance"]);
        let v = common::stat_num(m, "Pseudo R²");
        common::close_to(&format!("{} pseudo R2", m.name), v, &r["pseudo_r2"]);
    }
    let md = read(&dir, "reports/ppml.md");
    assert!(md.contains("| Separated observations |  | 11 |"), "{md}");
}

/// Romano-Wolf's stepdown across a table's columns against pyfixest 0.60's `rwolf`
/// (make_rwolf_reference.py) within Monte Carlo error (9,999 draws from another generator:
/// 0.02), deterministic under the seed and the same with one job or two.
#[test]
fn romano_wolf_matches_pyfixest_rwolf() {
    let dir = workspace("rwolf");
    std::fs::write(
        dir.join("specs/rw.yaml"),
        "adjust: [romano_wolf, holm]\nromano_wolf: {draws: 9999, seed: 12345}\ndefaults: {treatment: treat_post, fe: [iso3, year], cluster: iso3}\nmodels:\n  - {name: homic_plain, outcome: homic}\n  - {name: homic_controls, outcome: homic, controls: [ln_pgdp, adv, labor, urban, open]}\n  - {name: hosic_plain, outcome: hosic}\n  - {name: hosic_controls, outcome: hosic, controls: [ln_pgdp, adv, labor, urban, open]}\n",
    )
    .unwrap();
    let (ok, _, err) = regspec(&dir, &["run", "--quiet", "specs/rw.yaml"]);
    assert!(ok, "{err}");
    let t = table(&dir, "rw");
    let r = common::reference("rwolf_reference.json");
    let p_of = |t: &report::TableRecord| -> Vec<f64> {
        t.models
            .iter()
            .map(|m| common::stat_num(m, "p-value, Romano-Wolf"))
            .collect()
    };
    let ours = p_of(&t);
    for (m, p) in t.models.iter().zip(&ours) {
        let theirs = r["models"][&m.name]["p_rwolf"].as_f64().unwrap();
        assert!(
            (p - theirs).abs() <= 0.02,
            "{}: {p} vs rwolf {theirs}",
            m.name
        );
        // The stepdown never adjusts below the model's own bootstrap p-value.
        assert!(
            *p + 1e-12
                >= m.detail::<estimators::WildBootstrap>("bootstrap")
                    .unwrap()
                    .p_value,
            "{}",
            m.name
        );
    }
    let (ok, _, err) = regspec(
        &dir,
        &[
            "run",
            "--quiet",
            "--jobs",
            "1",
            "--out",
            "one",
            "specs/rw.yaml",
        ],
    );
    assert!(ok, "{err}");
    let one: report::TableRecord = serde_json::from_str(&read(&dir, "one/rw.json")).unwrap();
    assert_eq!(p_of(&one), ours, "the same with one job");
    assert!(read(&dir, "reports/rw.md").contains("Romano-Wolf's step-down"));
}
