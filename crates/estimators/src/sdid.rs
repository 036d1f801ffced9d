//! Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager
//! 2021), as R's `synthdid` computes it (and diff-diff's `SyntheticDiD`, which follows it).
//!
//! On a balanced panel whose treated units all start treatment in the same period:
//! - unit weights ω on the controls (a simplex with an intercept) make their pre-period
//!   average track the treated units' average, with a ridge penalty ζ_ω² T_pre ||ω||²,
//!   ζ_ω = (N_tr T_post)^(1/4) σ, σ the standard deviation of the controls' first differences
//!   in the pre-periods;
//! - time weights λ on the pre-periods make the controls' pre-period outcomes track their
//!   post-period average (ridge ζ_λ = 1e-6 σ);
//! - both by Frank-Wolfe: 100 steps from uniform weights, weights at or below a quarter of the
//!   largest set to zero, then up to 10,000 steps until the objective falls by less than
//!   (1e-5 σ)² in a step;
//! - τ = (treated post mean - λ'treated pre) - ω'(controls' post means - λ'controls' pre).
//!
//! Outcomes are centred and scaled by the controls' pre-period mean and standard deviation
//! before the weights are found (as diff-diff does; τ is equivariant, so this changes only
//! rounding) and the results scaled back.
//!
//! Standard errors: placebo (Algorithm 4: controls permuted, the last N_tr of them as pseudo-
//! treated, weights re-estimated from the fit's weights, SE = the placebo estimates' standard
//! deviation with divisor r) or jackknife (Algorithm 3: each unit left out in turn, weights
//! fixed and renormalised; needs two treated units).

use crate::error::EstimationError;
use crate::result::{Coefficient, OlsResult};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Frank-Wolfe steps before the weights are sparsified (synthdid's `max.iter.pre.sparsify`).
const PRE_SPARSIFY_STEPS: usize = 100;
/// Frank-Wolfe step cap after sparsifying (synthdid's `max.iter`).
const MAX_STEPS: usize = 10_000;

/// An outcome matrix with the controls first: `y[unit][period]`, pre-periods first.
pub struct SdidInput<'a> {
    /// Outcomes by unit, each over every period (pre-periods first).
    pub y: &'a [Vec<f64>],
    /// The first `n_control` units are controls, the rest treated.
    pub n_control: usize,
    /// The first `t_pre` periods are before treatment.
    pub t_pre: usize,
}

/// How the standard error is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SdidSe {
    /// Placebo assignments among the controls, `reps` of them, seeded.
    Placebo {
        /// Replications.
        reps: usize,
        /// Seed of the permutations.
        seed: u64,
    },
    /// Leave-one-unit-out with the weights fixed.
    Jackknife,
}

/// A synthetic DID estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sdid {
    /// The average effect on the treated over the post-periods.
    pub att: f64,
    /// Its standard error.
    pub std_error: f64,
    /// How it was computed.
    pub se: SdidSe,
    /// Unit weights of the controls, in input order.
    pub omega: Vec<f64>,
    /// Time weights of the pre-periods.
    pub lambda: Vec<f64>,
    /// Regularisation of the unit weights (outcome units).
    pub zeta_omega: f64,
    /// Regularisation of the time weights (outcome units).
    pub zeta_lambda: f64,
    /// σ: standard deviation of the controls' pre-period first differences.
    pub noise_level: f64,
    /// Treated and control units, pre- and post-periods.
    pub n_treated: usize,
    /// Controls.
    pub n_control: usize,
    /// Pre-periods.
    pub t_pre: usize,
    /// Post-periods.
    pub t_post: usize,
    /// The placebo or leave-one-out estimates behind the SE (outcome units).
    pub replicates: Vec<f64>,
}

/// Sums to one, or uniform when the sum is not positive (synthdid's `sum_normalize`).
fn sum_normalize(v: &[f64]) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter().map(|x| x / s).collect()
    } else {
        vec![1.0 / v.len() as f64; v.len()]
    }
}

/// Entries at or below a quarter of the largest set to zero, then normalised.
fn sparsify(v: &[f64]) -> Vec<f64> {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max <= 0.0 {
        return vec![1.0 / v.len() as f64; v.len()];
    }
    let cut: Vec<f64> = v
        .iter()
        .map(|&x| if x <= max / 4.0 { 0.0 } else { x })
        .collect();
    sum_normalize(&cut)
}

/// Frank-Wolfe on the simplex for min ζ² ||x||² + ||A x - b||² / N, where the rows of `m`
/// are [A | b] (N rows, the last column the target), centred by column first (the
/// intercept). Stops when the objective falls by less than `min_decrease²` in a step.
fn fw(
    m: &[Vec<f64>],
    zeta: f64,
    init: Option<Vec<f64>>,
    min_decrease: f64,
    steps: usize,
) -> Vec<f64> {
    let n = m.len();
    let k = m[0].len() - 1;
    if k == 0 {
        return Vec::new();
    }
    let means: Vec<f64> = (0..=k)
        .map(|j| m.iter().map(|r| r[j]).sum::<f64>() / n as f64)
        .collect();
    let y: Vec<Vec<f64>> = m
        .iter()
        .map(|r| r.iter().zip(&means).map(|(a, b)| a - b).collect())
        .collect();
    let eta = n as f64 * zeta * zeta;
    let mut x = init.unwrap_or_else(|| vec![1.0 / k as f64; k]);
    let mut prev = f64::NAN;
    for t in 0..steps {
        // One step (synthdid's fw.step).
        let ax: Vec<f64> = y
            .iter()
            .map(|r| r[..k].iter().zip(&x).map(|(a, b)| a * b).sum())
            .collect();
        let half_grad: Vec<f64> = (0..k)
            .map(|j| {
                y.iter()
                    .zip(&ax)
                    .map(|(r, axi)| r[j] * (axi - r[k]))
                    .sum::<f64>()
                    + eta * x[j]
            })
            .collect();
        let i = half_grad.iter().enumerate().fold(
            0,
            |best, (j, g)| if *g < half_grad[best] { j } else { best },
        );
        let mut d: Vec<f64> = x.iter().map(|v| -v).collect();
        d[i] += 1.0;
        if d.iter().any(|v| v.abs() > 1e-8) {
            let d_err: Vec<f64> = y.iter().zip(&ax).map(|(r, axi)| r[i] - axi).collect();
            let denom = d_err.iter().map(|v| v * v).sum::<f64>()
                + eta * d.iter().map(|v| v * v).sum::<f64>();
            if denom > 0.0 {
                let step = (-half_grad.iter().zip(&d).map(|(g, v)| g * v).sum::<f64>() / denom)
                    .clamp(0.0, 1.0);
                x.iter_mut().zip(&d).for_each(|(xi, di)| *xi += step * di);
            }
        }
        let err2: f64 = y
            .iter()
            .map(|r| {
                let e = r[..k].iter().zip(&x).map(|(a, b)| a * b).sum::<f64>() - r[k];
                e * e
            })
            .sum();
        let val = zeta * zeta * x.iter().map(|v| v * v).sum::<f64>() + err2 / n as f64;
        if t >= 1 && prev - val < min_decrease * min_decrease {
            break;
        }
        prev = val;
    }
    x
}

/// Two passes of Frank-Wolfe with sparsification between them.
fn two_pass(m: &[Vec<f64>], zeta: f64, init: Option<Vec<f64>>, min_decrease: f64) -> Vec<f64> {
    let first = fw(m, zeta, init, min_decrease, PRE_SPARSIFY_STEPS);
    fw(m, zeta, Some(sparsify(&first)), min_decrease, MAX_STEPS)
}

/// The blocks of one (pseudo) assignment: controls' and treated mean's outcomes.
struct Blocks<'a> {
    controls: Vec<&'a [f64]>,
    treated_mean: Vec<f64>,
    t_pre: usize,
}

impl Blocks<'_> {
    fn unit_weights(&self, zeta: f64, init: Option<Vec<f64>>, min_decrease: f64) -> Vec<f64> {
        if self.controls.len() == 1 {
            return vec![1.0];
        }
        // Rows are pre-periods; columns the controls, then the treated mean.
        let m: Vec<Vec<f64>> = (0..self.t_pre)
            .map(|t| {
                let mut r: Vec<f64> = self.controls.iter().map(|c| c[t]).collect();
                r.push(self.treated_mean[t]);
                r
            })
            .collect();
        two_pass(&m, zeta, init, min_decrease)
    }

    fn time_weights(&self, zeta: f64, init: Option<Vec<f64>>, min_decrease: f64) -> Vec<f64> {
        if self.t_pre <= 1 {
            return vec![1.0; self.t_pre];
        }
        // Rows are controls; columns the pre-periods, then the control's post mean.
        let m: Vec<Vec<f64>> = self
            .controls
            .iter()
            .map(|c| {
                let mut r = c[..self.t_pre].to_vec();
                r.push(mean(&c[self.t_pre..]));
                r
            })
            .collect();
        two_pass(&m, zeta, init, min_decrease)
    }

    fn tau(&self, omega: &[f64], lambda: &[f64]) -> f64 {
        let did = |y: &[f64]| mean(&y[self.t_pre..]) - dot(lambda, &y[..self.t_pre]);
        did(&self.treated_mean)
            - self
                .controls
                .iter()
                .zip(omega)
                .map(|(c, w)| w * did(c))
                .sum::<f64>()
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Mean over units of each period.
fn column_mean(rows: &[&[f64]]) -> Vec<f64> {
    let t = rows[0].len();
    (0..t)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / rows.len() as f64)
        .collect()
}

/// The permutation of `n` controls of placebo draw `d`: its own generator seeded from (seed,
/// d), so draws do not depend on threads or on one another.
pub fn placebo_permutation(seed: u64, d: usize, n: usize) -> Vec<usize> {
    use rand::seq::SliceRandom;
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (d as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut p: Vec<usize> = (0..n).collect();
    p.shuffle(&mut rng);
    p
}

/// Synthetic DID with the standard error `se`; `permutations` replaces the seeded placebo
/// draws (each a permutation of the controls), for comparisons with a reference's draws.
pub fn sdid(
    inp: &SdidInput,
    se: &SdidSe,
    permutations: Option<&[Vec<usize>]>,
) -> Result<Sdid, EstimationError> {
    let n = inp.y.len();
    let (n0, t0) = (inp.n_control, inp.t_pre);
    let t = inp.y.first().map_or(0, |r| r.len());
    if n0 == 0 || n0 >= n {
        return Err(EstimationError::Invalid(format!(
            "synthetic DID needs treated and control units: {} treated, {n0} control",
            n - n0.min(n)
        )));
    }
    if t0 == 0 || t0 >= t {
        return Err(EstimationError::Invalid(format!(
            "synthetic DID needs periods before and after treatment: {t0} of {t} periods are before"
        )));
    }
    if inp.y.iter().flatten().any(|v| !v.is_finite()) {
        return Err(EstimationError::Invalid(
            "synthetic DID needs the outcome in every unit and period".into(),
        ));
    }
    let n1 = n - n0;
    // Centre and scale by the controls' pre-period outcomes (see the module's doc).
    let pre: Vec<f64> = inp.y[..n0].iter().flat_map(|r| r[..t0].to_vec()).collect();
    let shift = mean(&pre);
    let sd = (pre.iter().map(|v| (v - shift).powi(2)).sum::<f64>() / pre.len() as f64).sqrt();
    let scale = if sd.is_finite() && sd > 1e-12 * shift.abs().max(1.0) {
        sd
    } else {
        1.0
    };
    let y: Vec<Vec<f64>> = inp
        .y
        .iter()
        .map(|r| r.iter().map(|v| (v - shift) / scale).collect())
        .collect();
    let rows: Vec<&[f64]> = y.iter().map(Vec::as_slice).collect();
    // σ: the sample standard deviation of the controls' first differences before treatment.
    let diffs: Vec<f64> = rows[..n0]
        .iter()
        .flat_map(|r| r[..t0].windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>())
        .collect();
    let noise = if diffs.len() > 1 {
        let m = mean(&diffs);
        (diffs.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (diffs.len() - 1) as f64).sqrt()
    } else {
        0.0
    };
    let zeta_omega = ((n1 * (t - t0)) as f64).powf(0.25) * noise;
    let zeta_lambda = 1e-6 * noise;
    let min_decrease = if noise > 0.0 { 1e-5 * noise } else { 1e-5 };
    let blocks = Blocks {
        controls: rows[..n0].to_vec(),
        treated_mean: column_mean(&rows[n0..]),
        t_pre: t0,
    };
    let omega = blocks.unit_weights(zeta_omega, None, min_decrease);
    let lambda = blocks.time_weights(zeta_lambda, None, min_decrease);
    let att = blocks.tau(&omega, &lambda);

    let replicates: Vec<f64> = match se {
        SdidSe::Jackknife => {
            if n1 < 2 {
                return Err(EstimationError::Invalid(format!(
                    "the jackknife leaves out one treated unit at a time and needs at least two; there is {n1}: use `se: placebo`"
                )));
            }
            if omega.iter().filter(|w| **w > 0.0).count() < 2 {
                return Err(EstimationError::Invalid(
                    "the jackknife needs two controls with positive weight; one control carries all of it: use `se: placebo`".into(),
                ));
            }
            let mut out = Vec::with_capacity(n);
            for j in 0..n0 {
                let keep: Vec<usize> = (0..n0).filter(|&i| i != j).collect();
                let b = Blocks {
                    controls: keep.iter().map(|&i| rows[i]).collect(),
                    treated_mean: blocks.treated_mean.clone(),
                    t_pre: t0,
                };
                let w = sum_normalize(&keep.iter().map(|&i| omega[i]).collect::<Vec<_>>());
                out.push(b.tau(&w, &lambda));
            }
            for k in 0..n1 {
                let treated: Vec<&[f64]> =
                    (n0..n).filter(|&i| i != n0 + k).map(|i| rows[i]).collect();
                let b = Blocks {
                    controls: blocks.controls.clone(),
                    treated_mean: column_mean(&treated),
                    t_pre: t0,
                };
                out.push(b.tau(&omega, &lambda));
            }
            out
        }
        SdidSe::Placebo { reps, seed } => {
            if n0 <= n1 {
                return Err(EstimationError::Invalid(format!(
                    "placebo standard errors assign {n1} pseudo-treated units among the {n0} controls and need more controls than treated units: use `se: jackknife`"
                )));
            }
            let draw = |d: usize| -> f64 {
                let perm = match permutations {
                    Some(p) => p[d].clone(),
                    None => placebo_permutation(*seed, d, n0),
                };
                let (co, tr) = perm.split_at(n0 - n1);
                let trs: Vec<&[f64]> = tr.iter().map(|&i| rows[i]).collect();
                let b = Blocks {
                    controls: co.iter().map(|&i| rows[i]).collect(),
                    treated_mean: column_mean(&trs),
                    t_pre: t0,
                };
                let init = sum_normalize(&co.iter().map(|&i| omega[i]).collect::<Vec<_>>());
                let w = b.unit_weights(zeta_omega, Some(init), min_decrease);
                let l = b.time_weights(zeta_lambda, Some(lambda.clone()), min_decrease);
                b.tau(&w, &l)
            };
            let count = permutations.map_or(*reps, |p| p.len());
            use rayon::prelude::*;
            (0..count).into_par_iter().map(draw).collect()
        }
    };
    let r = replicates.len() as f64;
    let m = mean(&replicates);
    let ss: f64 = replicates.iter().map(|v| (v - m).powi(2)).sum();
    // Placebo: sqrt((r-1)/r) sd = sqrt(ss / r); jackknife: sqrt((n-1)/n ss).
    let std_error = match se {
        SdidSe::Placebo { .. } => (ss / r).sqrt(),
        SdidSe::Jackknife => ((r - 1.0) / r * ss).sqrt(),
    };
    Ok(Sdid {
        att: att * scale,
        std_error: std_error * scale,
        se: se.clone(),
        omega,
        lambda,
        zeta_omega: zeta_omega * scale,
        zeta_lambda: zeta_lambda * scale,
        noise_level: noise * scale,
        n_treated: n1,
        n_control: n0,
        t_pre: t0,
        t_post: t - t0,
        replicates: replicates.iter().map(|v| v * scale).collect(),
    })
}

impl Sdid {
    /// The table's result: the base regression's layout (observations, FE) with the ATT as
    /// `name`, normal inference at `level` (as synthdid's intervals).
    pub fn as_result(&self, base: &OlsResult, name: &str, level: f64) -> OlsResult {
        let z = crate::multitest::normal_quantile(1.0 - (1.0 - level) / 2.0);
        let t = self.att / self.std_error;
        OlsResult {
            coefficients: vec![Coefficient {
                name: name.to_string(),
                estimate: self.att,
                std_error: self.std_error,
                t_stat: t,
                p_value: crate::multitest::normal_p(t),
                ci_low: self.att - z * self.std_error,
                ci_high: self.att + z * self.std_error,
                level: crate::result::Level::of_name(name),
            }],
            vcov: vec![vec![self.std_error * self.std_error]],
            normal_inference: true,
            inference: match self.se {
                SdidSe::Placebo { .. } => crate::result::Inference::Placebo {
                    draws: self.replicates.len(),
                },
                SdidSe::Jackknife => crate::result::Inference::Jackknife,
            },
            n_clusters: Vec::new(),
            ..base.clone()
        }
        .without_fit_statistics()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparsify_drops_small_weights_and_renormalises() {
        assert_eq!(sparsify(&[0.5, 0.1, 0.4]), vec![0.5 / 0.9, 0.0, 0.4 / 0.9]);
        assert_eq!(sum_normalize(&[0.0, 0.0]), vec![0.5, 0.5]);
    }

    #[test]
    fn identical_controls_get_equal_weight_and_a_parallel_shift_is_the_effect() {
        // Two controls moving together, one treated unit 1 above them before and 3 after.
        let y = vec![
            vec![1.0, 2.0, 4.0, 5.0],
            vec![1.0, 2.0, 4.0, 5.0],
            vec![2.0, 3.0, 7.0, 8.0],
        ];
        let inp = SdidInput {
            y: &y,
            n_control: 2,
            t_pre: 2,
        };
        let s = sdid(&inp, &SdidSe::Placebo { reps: 0, seed: 1 }, Some(&[]));
        // No placebo draws: the SE is NaN, but the estimate stands.
        let s = s.unwrap();
        assert!((s.att - 2.0).abs() < 1e-12, "{}", s.att);
        assert!((s.omega[0] - 0.5).abs() < 1e-12);
    }
}
