//! Placebo inference for a staggered DID: the treatment is re-assigned at random many times
//! and the model re-estimated; the share of placebo estimates at least as extreme as the actual
//! one is a randomization-inference p-value.
//!
//! Two designs (`PlaceboMode`):
//! - `Permute`: the units' signing years (never-signing included) are permuted across all
//!   units, treat_post rebuilt as 1[t >= s], the model re-fit on the full sample;
//! - `Nonparticipants`: only never-signing units are kept; a random subset of them, as large as
//!   the treated share of the sample implies, is declared treated with signing years drawn from
//!   the observed ones. A real effect on participants should not show up here.
//!
//! - `PermuteUnits`: randomization inference for any treatment column: each unit receives the
//!   whole treatment path of another unit (a permutation of units), the model re-fit.
//!
//! Draw d uses its own generator seeded from (seed, d), so results do not depend on threads.

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How placebo treatments are drawn (see the module documentation).
pub enum PlaceboMode {
    /// Signing years permuted across all units.
    Permute,
    /// Fake participants drawn among never-signing units.
    Nonparticipants,
    /// General randomization inference for any unit-level assignment: whole treatment paths
    /// (the treatment column over time) are permuted across units.
    PermuteUnits,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Placebo draws and the randomization-inference p-value.
pub struct Placebo {
    /// How treatments were drawn.
    pub mode: PlaceboMode,
    /// Draws asked for.
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// The treatment coefficient on the actual data.
    pub actual: f64,
    /// One estimate per successful draw, in draw order.
    pub estimates: Vec<f64>,
    /// Draws whose model could not be estimated (for example no false-treated variation).
    pub failed: usize,
    /// Share of placebo estimates with |b| >= |actual|.
    pub p_value: f64,
    /// Mean of the placebo estimates.
    pub mean: f64,
    /// Standard deviation of the placebo estimates.
    pub sd: f64,
    /// Share of draws significant at 5% by their own t test.
    pub share_significant: f64,
}

/// The panel structure the placebo needs, row by row.
pub struct PanelIds<'a> {
    /// Unit code of each row.
    pub unit: &'a [u32],
    /// Period of each row.
    pub time: &'a [f64],
    /// Signing year of the row's unit; NaN for never-signing units.
    pub sign: &'a [f64],
}

fn rng_for(seed: u64, draw: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ (draw as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Per unit, its signing year (NaN: never), from the row-level column.
fn unit_signs(ids: &PanelIds) -> Vec<f64> {
    let n_units = ids.unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let mut s = vec![f64::NAN; n_units];
    for (&u, &v) in ids.unit.iter().zip(ids.sign) {
        if v.is_finite() {
            s[u as usize] = v;
        }
    }
    s
}

/// The treatment column of one draw, and the rows it applies to (None: all rows).
fn draw_treatment(
    mode: PlaceboMode,
    ids: &PanelIds,
    signs: &[f64],
    rng: &mut ChaCha8Rng,
) -> Vec<f64> {
    let n_units = signs.len();
    let pseudo: Vec<f64> = match mode {
        PlaceboMode::Permute | PlaceboMode::PermuteUnits => {
            let mut s = signs.to_vec();
            for i in (1..n_units).rev() {
                let j = rng.random_range(0..=i);
                s.swap(i, j);
            }
            s
        }
        PlaceboMode::Nonparticipants => {
            let never: Vec<usize> = (0..n_units).filter(|&u| signs[u].is_nan()).collect();
            let observed: Vec<f64> = signs.iter().copied().filter(|s| s.is_finite()).collect();
            let share = observed.len() as f64 / n_units.max(1) as f64;
            let k = ((never.len() as f64) * share).round().max(1.0) as usize;
            let mut pool = never.clone();
            for i in (1..pool.len()).rev() {
                let j = rng.random_range(0..=i);
                pool.swap(i, j);
            }
            let mut s = vec![f64::NAN; n_units];
            for &u in pool.iter().take(k.min(pool.len())) {
                s[u] = observed[rng.random_range(0..observed.len())];
            }
            s
        }
    };
    ids.unit
        .iter()
        .zip(ids.time)
        .map(|(&u, &t)| {
            let s = pseudo[u as usize];
            if s.is_finite() && t >= s {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// The treatment column with unit paths permuted: row (u, t) takes the value of (pi(u), t);
/// NaN where that unit has no such period (the draw then fails and is counted).
fn permute_paths(ids: &PanelIds, treat: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    let n_units = ids.unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let mut path: std::collections::HashMap<(u32, i64), f64> = std::collections::HashMap::new();
    for ((&u, &t), &v) in ids.unit.iter().zip(ids.time).zip(treat) {
        path.insert((u, t as i64), v);
    }
    let mut perm: Vec<u32> = (0..n_units as u32).collect();
    for i in (1..n_units).rev() {
        let j = rng.random_range(0..=i);
        perm.swap(i, j);
    }
    ids.unit
        .iter()
        .zip(ids.time)
        .map(|(&u, &t)| {
            path.get(&(perm[u as usize], t as i64))
                .copied()
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// Runs the placebo. `data.x[0]` is the treatment; every other column stays as it is.
pub fn placebo(
    data: &OlsData,
    opts: &OlsOptions,
    ids: &PanelIds,
    mode: PlaceboMode,
    draws: usize,
    seed: u64,
) -> Result<Placebo, EstimationError> {
    if data.x.is_empty() {
        return Err(EstimationError::Invalid(
            "a placebo needs a treatment regressor".into(),
        ));
    }
    let treatment = data.x[0].0.clone();
    let actual = crate::fit(data, opts)?
        .coef(&treatment)
        .map(|c| c.estimate)
        .ok_or_else(|| {
            EstimationError::Invalid(format!("`{treatment}` was dropped from the actual model"))
        })?;
    let signs = unit_signs(ids);
    // Rows used by every draw: all rows, or the never-signing units' rows.
    let keep: Vec<bool> = match mode {
        PlaceboMode::Permute | PlaceboMode::PermuteUnits => vec![true; ids.unit.len()],
        PlaceboMode::Nonparticipants => ids.sign.iter().map(|s| s.is_nan()).collect(),
    };
    let masked = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(&keep)
            .map(|(x, k)| if *k { *x } else { f64::NAN })
            .collect()
    };
    let y = masked(data.y);
    let base = OlsData {
        coords: None,
        y: &y,
        ..data.clone()
    };
    // The sample, FE structure, y and the other regressors are the same in every draw: they
    // are prepared and demeaned once; each draw demeans only its treatment column.
    let prepared = crate::ols::Prepared::new(&base, opts)?;
    let mut fixed_cols: Vec<&[f64]> = vec![&y];
    fixed_cols.extend(data.x[1..].iter().map(|(_, c)| *c));
    let mut fixed = prepared.transform(&fixed_cols);
    let yt = fixed.remove(0);
    let results: Vec<Option<(f64, f64)>> = (0..draws)
        .into_par_iter()
        .map(|d| {
            let mut rng = rng_for(seed, d);
            let t = if mode == PlaceboMode::PermuteUnits {
                permute_paths(ids, data.x[0].1, &mut rng)
            } else {
                draw_treatment(mode, ids, &signs, &mut rng)
            };
            let mut xt: Vec<(String, crate::ols::Transformed)> =
                vec![(treatment.clone(), prepared.transform(&[&t]).remove(0))];
            xt.extend(
                data.x[1..]
                    .iter()
                    .map(|(n, _)| n.clone())
                    .zip(fixed.iter().cloned()),
            );
            let r = prepared.estimate(&data.y_name, &y, yt.clone(), xt).ok()?;
            r.coef(&treatment).map(|c| (c.estimate, c.p_value))
        })
        .collect();
    let ok: Vec<(f64, f64)> = results.iter().flatten().copied().collect();
    let estimates: Vec<f64> = ok.iter().map(|e| e.0).collect();
    let m = estimates.len();
    if m == 0 {
        return Err(EstimationError::Invalid(
            "no placebo draw could be estimated".into(),
        ));
    }
    let mean = estimates.iter().sum::<f64>() / m as f64;
    let sd =
        (estimates.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (m.max(2) - 1) as f64).sqrt();
    let extreme = estimates.iter().filter(|e| e.abs() >= actual.abs()).count();
    Ok(Placebo {
        mode,
        draws,
        seed,
        actual,
        failed: draws - m,
        p_value: extreme as f64 / m as f64,
        mean,
        sd,
        share_significant: ok.iter().filter(|e| e.1 < 0.05).count() as f64 / m as f64,
        estimates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_paths_are_permuted_whole() {
        // 5 units x 3 periods; unit u's path is (u, u + 10, u + 20).
        let unit: Vec<u32> = (0..15).map(|i| i / 3).collect();
        let time: Vec<f64> = (0..15).map(|i| (i % 3) as f64).collect();
        let treat: Vec<f64> = (0..15)
            .map(|i| f64::from(i / 3) + 10.0 * f64::from(i % 3))
            .collect();
        let sign = vec![f64::NAN; 15];
        let ids = PanelIds {
            unit: &unit,
            time: &time,
            sign: &sign,
        };
        let t = permute_paths(&ids, &treat, &mut rng_for(5, 0));
        let mut firsts: Vec<f64> = Vec::new();
        for u in 0..5 {
            let p = &t[u * 3..u * 3 + 3];
            // A whole path moved: the same source unit in every period.
            assert_eq!((p[1] - p[0], p[2] - p[0]), (10.0, 20.0));
            firsts.push(p[0]);
        }
        firsts.sort_by(|a, b| a.total_cmp(b));
        assert_eq!(
            firsts,
            vec![0.0, 1.0, 2.0, 3.0, 4.0],
            "a permutation: each path used once"
        );
    }

    #[test]
    fn permutation_keeps_the_number_of_signers() {
        let unit: Vec<u32> = (0..40).map(|i| i / 4).collect();
        let time: Vec<f64> = (0..40).map(|i| (i % 4) as f64).collect();
        let sign: Vec<f64> = unit
            .iter()
            .map(|&u| {
                if u < 4 {
                    1.0 + (u % 3) as f64
                } else {
                    f64::NAN
                }
            })
            .collect();
        let ids = PanelIds {
            unit: &unit,
            time: &time,
            sign: &sign,
        };
        let signs = unit_signs(&ids);
        let before: f64 = draw_treatment(PlaceboMode::Permute, &ids, &signs, &mut rng_for(1, 0))
            .iter()
            .sum();
        let mut sorted = signs.clone();
        sorted.sort_by(|a, b| a.total_cmp(b));
        // Same multiset of signing years after permutation: same number of treated rows.
        let actual_treated: f64 = ids
            .unit
            .iter()
            .zip(&time)
            .map(|(&u, &t)| {
                f64::from(u8::from(
                    signs[u as usize].is_finite() && t >= signs[u as usize],
                ))
            })
            .sum();
        assert_eq!(before, actual_treated);
        // Nonparticipant design treats only never-signing units.
        let t = draw_treatment(
            PlaceboMode::Nonparticipants,
            &ids,
            &signs,
            &mut rng_for(1, 3),
        );
        assert!(t.iter().zip(&sign).all(|(t, s)| *t == 0.0 || s.is_nan()));
        assert!(t.iter().sum::<f64>() > 0.0);
    }
}
