//! Wild cluster bootstrap, restricted (WCR), for one OLS coefficient: p-value of H0: b_j = r
//! and a confidence interval by test inversion (Cameron, Gelbach and Miller 2008; the fast
//! algebra of Roodman, MacKinnon, Nielsen and Webb 2019).
//!
//! On the demeaned, weighted data (fixed effects partialled out), with A = (X'X)^-1, a_j its
//! j-th row, restricted residuals u_R(r) and cluster scores S_g = X_g' u_R,g, a draw v gives
//! b*_j - r = sum_g v_g c_g and a_j' s*_g = v_g c_g - sum_h d_gh v_h, with c_g = a_j' S_g and
//! d_gh = a_j' X_g'X_g A S_h. So each draw costs O(G^2), whatever the number of rows.

// Index loops mirror the matrix algebra of the formulas they implement.
#![allow(clippy::needless_range_loop)]

use crate::error::EstimationError;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Distribution of the wild bootstrap's cluster weights.
pub enum BootWeights {
    /// +1 / -1 with probability 1/2.
    Rademacher,
    /// Webb's six-point distribution: +-sqrt(1/2), +-1, +-sqrt(3/2), each 1/6.
    Webb,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A restricted wild cluster bootstrap (WCR) test of one coefficient.
pub struct WildBootstrap {
    /// The tested coefficient.
    pub coefficient: String,
    /// Weight distribution.
    pub weights: BootWeights,
    /// Bootstrap draws.
    pub draws: usize,
    /// Seed of the draws.
    pub seed: u64,
    /// Share of bootstrap |t*| at least |t| (symmetric test of b = 0).
    pub p_value: f64,
    /// Confidence level of the interval.
    pub level: f64,
    /// Lower end of the test-inversion confidence interval.
    pub ci_low: f64,
    /// Upper end of the test-inversion confidence interval.
    pub ci_high: f64,
    /// The coefficient's t statistic on the bootstrap's scale (`b / se` with the unscaled
    /// cluster-robust standard error, as the draws).
    #[serde(default)]
    pub t_stat: f64,
    /// `|t*|` of every draw under the null `b = 0`, in draw order: kept when a table adjusts
    /// p-values across its models by Romano-Wolf's stepdown (which needs them jointly), empty
    /// otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub t_draws: Vec<f64>,
}

/// The data the bootstrap needs, already transformed (demeaned and weighted) by the fit.
pub struct BootInput<'a> {
    /// Regressors actually estimated (dropped ones removed), columns.
    pub x: &'a [&'a [f64]],
    /// Transformed outcome.
    pub y: &'a [f64],
    /// Cluster of each row, dense `0..groups`.
    pub cluster: &'a [u32],
    /// Number of clusters.
    pub groups: usize,
    /// Index of the tested coefficient in `x`.
    pub j: usize,
}

/// Dense symmetric solve for the small k x k systems (k regressors): Cholesky.
pub(crate) fn chol_inverse(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = m[i][j] - (0..j).map(|p| l[i][p] * l[j][p]).sum::<f64>();
            if i == j {
                if s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    // inverse of L, then A = L^-T L^-1
    let mut li = vec![vec![0.0; k]; k];
    for i in 0..k {
        li[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let s: f64 = (j..i).map(|p| l[i][p] * li[p][j]).sum();
            li[i][j] = -s / l[i][i];
        }
    }
    Some(
        (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| (a.max(b)..k).map(|p| li[p][a] * li[p][b]).sum())
                    .collect()
            })
            .collect(),
    )
}

struct Pieces {
    c: Vec<f64>,
    d: Vec<Vec<f64>>,
}

/// c_g and d_gh for the restricted residuals at H0: b_j = r.
fn pieces(inp: &BootInput, a: &[Vec<f64>], xgxg: &[Vec<Vec<f64>>], r: f64) -> Option<Pieces> {
    let k = inp.x.len();
    let n = inp.y.len();
    let g = inp.groups;
    // Restricted fit: regress y - r x_j on the other regressors.
    let others: Vec<usize> = (0..k).filter(|&p| p != inp.j).collect();
    let yr: Vec<f64> = (0..n).map(|i| inp.y[i] - r * inp.x[inp.j][i]).collect();
    let mut u = yr.clone();
    if !others.is_empty() {
        let xtx: Vec<Vec<f64>> = others
            .iter()
            .map(|&p| {
                others
                    .iter()
                    .map(|&q| inp.x[p].iter().zip(inp.x[q]).map(|(a, b)| a * b).sum())
                    .collect()
            })
            .collect();
        let inv = chol_inverse(&xtx)?;
        let xty: Vec<f64> = others
            .iter()
            .map(|&p| inp.x[p].iter().zip(&yr).map(|(a, b)| a * b).sum())
            .collect();
        let beta: Vec<f64> = (0..others.len())
            .map(|a| (0..others.len()).map(|b| inv[a][b] * xty[b]).sum())
            .collect();
        for (bi, &p) in beta.iter().zip(&others) {
            u.iter_mut()
                .zip(inp.x[p])
                .for_each(|(ui, xi)| *ui -= bi * xi);
        }
    }
    // Cluster scores S_g = X_g' u_g.
    let mut s = vec![vec![0.0; k]; g];
    for i in 0..n {
        let cg = inp.cluster[i] as usize;
        for p in 0..k {
            s[cg][p] += inp.x[p][i] * u[i];
        }
    }
    let aj = &a[inp.j];
    let c: Vec<f64> = s
        .iter()
        .map(|sg| aj.iter().zip(sg).map(|(x, y)| x * y).sum())
        .collect();
    // e_g = (X_g'X_g) a_j (A symmetric), so d_gh = e_g' A S_h = (A e_g)' S_h.
    let f: Vec<Vec<f64>> = xgxg
        .iter()
        .map(|m| {
            let e: Vec<f64> = (0..k)
                .map(|p| (0..k).map(|q| m[p][q] * aj[q]).sum())
                .collect();
            (0..k)
                .map(|p| (0..k).map(|q| a[p][q] * e[q]).sum())
                .collect()
        })
        .collect();
    let d = f
        .iter()
        .map(|fg| {
            s.iter()
                .map(|sh| fg.iter().zip(sh).map(|(x, y)| x * y).sum())
                .collect()
        })
        .collect();
    Some(Pieces { c, d })
}

/// The restricted wild cluster bootstrap (Roodman et al. 2019) of coefficient `j` with `draws`
/// seeded draws: the p-value of b = 0 and a confidence interval by test inversion.
pub fn wild_cluster_bootstrap(
    inp: &BootInput,
    name: &str,
    weights: BootWeights,
    draws: usize,
    seed: u64,
    level: f64,
) -> Result<WildBootstrap, EstimationError> {
    let k = inp.x.len();
    let n = inp.y.len();
    let g = inp.groups;
    if g < 2 {
        return Err(EstimationError::Invalid(
            "the wild cluster bootstrap needs at least two clusters".into(),
        ));
    }
    let xtx: Vec<Vec<f64>> = (0..k)
        .map(|p| {
            (0..k)
                .map(|q| inp.x[p].iter().zip(inp.x[q]).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect();
    let a = chol_inverse(&xtx).ok_or_else(|| EstimationError::Invalid("X'X is singular".into()))?;
    let mut xgxg = vec![vec![vec![0.0; k]; k]; g];
    for i in 0..n {
        let cg = inp.cluster[i] as usize;
        for p in 0..k {
            for q in 0..k {
                xgxg[cg][p][q] += inp.x[p][i] * inp.x[q][i];
            }
        }
    }
    // Unrestricted estimate and its (unscaled) cluster-robust standard error.
    let xty: Vec<f64> = (0..k)
        .map(|p| inp.x[p].iter().zip(inp.y).map(|(a, b)| a * b).sum())
        .collect();
    let beta: Vec<f64> = (0..k)
        .map(|p| (0..k).map(|q| a[p][q] * xty[q]).sum())
        .collect();
    let mut u = inp.y.to_vec();
    for p in 0..k {
        u.iter_mut()
            .zip(inp.x[p])
            .for_each(|(ui, xi)| *ui -= beta[p] * xi);
    }
    let mut sg = vec![vec![0.0; k]; g];
    for i in 0..n {
        for p in 0..k {
            sg[inp.cluster[i] as usize][p] += inp.x[p][i] * u[i];
        }
    }
    let aj = &a[inp.j];
    let se_unscaled = sg
        .iter()
        .map(|s| aj.iter().zip(s).map(|(x, y)| x * y).sum::<f64>().powi(2))
        .sum::<f64>()
        .sqrt();
    let bj = beta[inp.j];

    // The draws: one weight per cluster, seeded, shared by every tested value of r.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let webb = [
        -(1.5f64.sqrt()),
        -1.0,
        -(0.5f64.sqrt()),
        0.5f64.sqrt(),
        1.0,
        1.5f64.sqrt(),
    ];
    let v: Vec<Vec<f64>> = (0..draws)
        .map(|_| {
            (0..g)
                .map(|_| match weights {
                    BootWeights::Rademacher => {
                        if rng.random::<bool>() {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    BootWeights::Webb => webb[rng.random_range(0..6)],
                })
                .collect()
        })
        .collect();
    // c and d are linear in r (the restricted residuals are), so for each draw the numerator
    // and the variance of t*(r) are a line and a parabola in r: two restricted fits and one
    // O(G^2) pass per draw, after which any p(r) costs O(draws).
    let p0 = pieces(inp, &a, &xgxg, 0.0)
        .ok_or_else(|| EstimationError::Invalid("restricted model is singular".into()))?;
    let p1 = pieces(inp, &a, &xgxg, 1.0)
        .ok_or_else(|| EstimationError::Invalid("restricted model is singular".into()))?;
    // Per draw b, z(r)_g = v_bg c_g(r) - sum_h d_gh(r) v_bh at r = 0 and r = 1: the sums
    // over h for every draw at once as one matrix product V D' (a dot product per (b, g)
    // written as a loop adds in a fixed order, one add at a time: this was most of the time).
    let vm = faer::Mat::<f64>::from_fn(draws, g, |b, h| v[b][h]);
    let z_of = |pc: &Pieces| -> faer::Mat<f64> {
        let dt = faer::Mat::<f64>::from_fn(g, g, |h, gi| pc.d[gi][h]);
        let vd = &vm * &dt;
        faer::Mat::<f64>::from_fn(draws, g, |b, gi| vm[(b, gi)] * pc.c[gi] - vd[(b, gi)])
    };
    let (z0, z1) = (z_of(&p0), z_of(&p1));
    let coefs: Vec<[f64; 5]> = (0..draws)
        .into_par_iter()
        .map(|b| {
            let vb = &v[b];
            let n0: f64 = (0..g).map(|h| vb[h] * p0.c[h]).sum();
            let n1: f64 = (0..g).map(|h| vb[h] * p1.c[h]).sum();
            let (mut aa, mut bb, mut cc) = (0.0, 0.0, 0.0);
            for gi in 0..g {
                let (x, q) = (z0[(b, gi)], z1[(b, gi)] - z0[(b, gi)]);
                aa += x * x;
                bb += x * q;
                cc += q * q;
            }
            [n0, n1 - n0, aa, bb, cc]
        })
        .collect();
    let p_at = |r: f64| -> Option<f64> {
        let t = ((bj - r) / se_unscaled).abs();
        let extreme = coefs
            .iter()
            .filter(|[a0, a1, aa, bb, cc]| {
                let var = aa + 2.0 * r * bb + r * r * cc;
                ((a0 + r * a1) / var.sqrt()).abs() >= t
            })
            .count();
        Some(extreme as f64 / draws as f64)
    };
    let p_value =
        p_at(0.0).ok_or_else(|| EstimationError::Invalid("restricted model is singular".into()))?;
    // Confidence interval: the values of r not rejected at 1 - level, by bisection on each side
    // starting from the estimate (p = 1) outwards in steps of the standard error.
    let alpha = 1.0 - level;
    let se_scale = se_unscaled.max(1e-12);
    let bound = |dir: f64| -> f64 {
        let mut inside = bj;
        let mut outside = bj + dir * se_scale;
        let mut steps = 0;
        while p_at(outside).unwrap_or(0.0) > alpha && steps < 60 {
            inside = outside;
            outside = bj + dir * se_scale * 2f64.powi(steps + 1);
            steps += 1;
        }
        for _ in 0..40 {
            let mid = 0.5 * (inside + outside);
            if p_at(mid).unwrap_or(0.0) > alpha {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        0.5 * (inside + outside)
    };
    Ok(WildBootstrap {
        coefficient: name.to_string(),
        weights,
        draws,
        seed,
        p_value,
        level,
        ci_low: bound(-1.0),
        ci_high: bound(1.0),
        t_stat: bj / se_unscaled,
        t_draws: coefs
            .iter()
            .map(|[a0, _, aa, _, _]| (a0 / aa.sqrt()).abs())
            .collect(),
    })
}
