//! The demo panel: simulated data with the study's schema and known true effects, so a fresh
//! clone can run every spec without raw data, and tests can check that estimators recover the
//! truth. Every value is drawn here from a seeded generator; nothing comes from real data.
//!
//! Data-generating process (country i = S01..S75, year t = 2008..2018, D_it = treat_post):
//! - signing years: 6 countries 2014, 12 in 2015, 3 in 2016, 14 in 2017, 13 in 2018, 4 in 2019,
//!   23 never (the cohort sizes of the LPV list), assigned at random; the alternative list moves
//!   a third of the signing years by one year;
//! - a_i ~ N(0, 1), b_t = 0.1 (t - 2008) + N(0, 0.3^2), e_it ~ N(0, 0.5^2) independent draws;
//! - homic = 5 + a_i + b_t + 0.5 D_it + 0.3 cd_it + e       (true effect of D: 0.5; of cd: 0.3)
//! - hosic = 8 + a_i + b_t + e                               (true effect: 0)
//! - sd    = 2 + a_i + b_t - 0.2 D_it + e                    (true effect: -0.2)
//! - talex1 = 3 + a_i + b_t + 0.4 D_it + e; talex2 = 2 + a_i + b_t + 0.15 D_it + e
//! - ln_patents = 8 + a_i + b_t + 0.25 D^lag1_it + e; ln_articles = 7 + a_i + b_t + 0.1 D_it + e;
//!   rd_gdp = 1.5 + 0.5 a_i + b_t + 0.15 D_it + e
//! - controls (ln_pgdp, adv, labor, urban, open) vary with a_i and t plus noise, independent of D;
//! - 5% of talex1, talex2 and rd_gdp are missing at random.
//!
//! Effects are homogeneous across cohorts and constant over event time, so TWFE is unbiased and
//! event-study pre-period coefficients are zero.

use crate::study::treatment::add_timing;
use ingest::Panel;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The effects the simulation builds in, (outcome, regressor, effect): tests check the
/// estimators recover them.
pub const TRUE_EFFECTS: &[(&str, &str, f64)] = &[
    ("homic", "treat_post", 0.5),
    ("homic", "cd", 0.3),
    ("hosic", "treat_post", 0.0),
    ("sd", "treat_post", -0.2),
    ("talex1", "treat_post", 0.4),
    ("talex2", "treat_post", 0.15),
    ("ln_patents", "treat_post_l1", 0.25),
    ("ln_articles", "treat_post", 0.1),
    ("rd_gdp", "treat_post", 0.15),
];

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The simulated demo panel (75 countries x 2008-2018, the study's columns) from `seed`.
pub fn simulate(seed: u64) -> Panel {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (first, last) = (2008, 2018);
    let countries: Vec<String> = (1..=75).map(|i| format!("S{i:02}")).collect();
    let mut p = Panel::balanced(crate::study::STUDY_KEYS, &countries, first, last);

    // Cohorts, shuffled.
    let mut cohort: Vec<Option<i32>> = Vec::new();
    for (y, n) in [
        (2014, 6),
        (2015, 12),
        (2016, 3),
        (2017, 14),
        (2018, 13),
        (2019, 4),
    ] {
        cohort.extend(std::iter::repeat_n(Some(y), n));
    }
    cohort.extend(std::iter::repeat_n(None, 75 - cohort.len()));
    for i in (1..cohort.len()).rev() {
        let j = rng.random_range(0..=i);
        cohort.swap(i, j);
    }
    let signing: BTreeMap<String, i32> = countries
        .iter()
        .zip(&cohort)
        .filter_map(|(c, y)| y.map(|y| (c.clone(), y)))
        .collect();
    let alt: BTreeMap<String, i32> = signing
        .iter()
        .map(|(c, &y)| {
            let shift = match rng.random_range(0..6) {
                0 => -1,
                1 => 1,
                _ => 0,
            };
            (c.clone(), y + shift)
        })
        .collect();
    add_timing(&mut p, &signing, "", "simulated signing years");
    add_timing(&mut p, &alt, "_alt", "simulated alternative signing years");

    let a: Vec<f64> = (0..75).map(|_| normal(&mut rng)).collect();
    let b: Vec<f64> = (first..=last)
        .map(|t| 0.1 * f64::from(t - first) + 0.3 * normal(&mut rng))
        .collect();
    let route: Vec<bool> = (0..75).map(|_| rng.random::<f64>() < 0.4).collect();
    let cee: Vec<bool> = (0..75).map(|i| i % 6 == 0).collect();
    let cd_ks: Vec<f64> = (0..75).map(|_| (0.5 * normal(&mut rng)).exp()).collect();
    let gni0: Vec<f64> = (0..75)
        .map(|i| (8.8 + 0.8 * a[i] + 0.3 * normal(&mut rng)).exp())
        .collect();

    let n = p.nrows();
    let mut cols: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    let mut push = |name: &'static str, v: Option<f64>| cols.entry(name).or_default().push(v);
    for r in 0..n {
        let i = r / 11;
        let t = r % 11;
        let yr = first + t as i32;
        // D_it = 1[t >= s_i] and its lag 1[t >= s_i + 1] (regspec.yaml's treat_post and
        // treat_post_l1).
        let d = f64::from(u8::from(cohort[i].is_some_and(|s| yr >= s)));
        let d1 = f64::from(u8::from(cohort[i].is_some_and(|s| yr > s)));
        let fe = a[i] + b[t];
        let mut e = || 0.5 * normal(&mut rng);
        let cd = cd_ks[i] / (t as f64 + 1.0);
        let homic = 5.0 + fe + 0.5 * d + 0.3 * cd + e();
        let hosic = 8.0 + fe + e();
        let china_total = 1.0e5 * 1.15f64.powi(t as i32);
        let coop = homic * china_total / 100.0;
        push("route", Some(f64::from(u8::from(route[i]))));
        push("cee16", Some(f64::from(u8::from(cee[i]))));
        push("gni_pc", Some(gni0[i] * 1.03f64.powi(t as i32)));
        push("coop", Some(coop));
        push("coop_china_total", Some(china_total));
        push("coop_partner_total", Some(coop * 100.0 / hosic));
        push("homic", Some(homic));
        push("hosic", Some(hosic));
        push("zero_coop", Some(0.0));
        push("sd", Some(2.0 + fe - 0.2 * d + e()));
        push("cd_ks", Some(cd_ks[i]));
        push("cd", Some(cd));
        let lp = 9.5 + 0.5 * a[i] + 0.02 * t as f64 + 0.05 * e();
        push("pgdp", Some(lp.exp()));
        push("adv", Some(15.0 + 3.0 * a[i] + 2.0 * e()));
        push("labor", Some(65.0 + 2.0 * a[i] + e()));
        push("urban", Some(70.0 + 5.0 * a[i] + 0.3 * t as f64 + e()));
        push("open", Some(3.0 + 4.0 * e()));
        let talex1 = 3.0 + fe + 0.4 * d + e();
        let talex2 = 2.0 + fe + 0.15 * d + e();
        let rd = 1.5 + 0.5 * a[i] + b[t] + 0.15 * d + e();
        let lpat = 8.0 + fe + 0.25 * d1 + e();
        let lart = 7.0 + fe + 0.1 * d + e();
        let miss = |rng: &mut ChaCha8Rng, v: f64| {
            if rng.random::<f64>() < 0.05 {
                None
            } else {
                Some(v)
            }
        };
        let (t1, t2, rdv) = (
            miss(&mut rng, talex1),
            miss(&mut rng, talex2),
            miss(&mut rng, rd),
        );
        // Levels: their logs (talex1, talex2, ln_patents, ...) are declared in regspec.yaml.
        push("students_from_china", t1.map(f64::exp));
        push(
            "students_from_china_oecd",
            if yr >= 2013 { t1.map(f64::exp) } else { None },
        );
        push("students_outbound", t2.map(f64::exp));
        push("rd_gdp", rdv);
        push("patents", Some(lpat.exp()));
        push("articles", Some(lart.exp()));
    }
    let order = [
        "route",
        "cee16",
        "gni_pc",
        "coop",
        "coop_china_total",
        "coop_partner_total",
        "homic",
        "hosic",
        "zero_coop",
        "sd",
        "cd_ks",
        "cd",
        "pgdp",
        "adv",
        "labor",
        "urban",
        "open",
        "students_from_china",
        "students_from_china_oecd",
        "students_outbound",
        "patents",
        "articles",
        "rd_gdp",
    ];
    for name in order {
        if let Some(v) = cols.remove(name) {
            p.set(name, v, "simulated (crates/measures/src/demo.rs)");
        }
    }
    p.meta
        .insert("data".into(), "simulated demo panel: NOT real data".into());
    // The generator's name as the committed demo panel records it (its side file is part of
    // the data key of every demo table; the function now lives in `measures::study::demo`).
    p.meta.insert(
        "generator".into(),
        format!("measures::demo::simulate(seed = {seed})"),
    );
    p.meta.insert(
        "true_effects".into(),
        TRUE_EFFECTS
            .iter()
            .map(|(y, x, v)| format!("{y} on {x}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
    );
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_seed_same_panel() {
        let a = super::simulate(1);
        let b = super::simulate(1);
        assert_eq!(a.nrows(), 825);
        assert_eq!(a.columns.len(), b.columns.len());
        for (x, y) in a.columns.iter().zip(&b.columns) {
            assert_eq!(x.data, y.data, "{}", x.name);
        }
        assert_eq!(
            a.column("sign_year")
                .unwrap()
                .options()
                .iter()
                .filter(|v| v.is_some())
                .count(),
            52 * 11
        );
    }
}
