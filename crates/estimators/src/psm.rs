//! PSM-DID: a logit propensity score of treatment on pre-period covariates (unit level),
//! nearest-neighbour matching on the score with a caliper, with or without replacement, a
//! balance table, and the DID re-estimated on the matched units (controls weighted by how often
//! they are used).

// Index loops mirror the matrix algebra of the formulas they implement.
#![allow(clippy::needless_range_loop)]

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::result::OlsResult;
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A fitted logistic regression.
pub struct Logit {
    /// `(Intercept)` first, then the covariates.
    pub names: Vec<String>,
    /// Coefficients, in the order of `names`.
    pub coef: Vec<f64>,
    /// From the inverse of the information matrix (the usual MLE standard errors).
    pub std_error: Vec<f64>,
    /// Newton-Raphson iterations.
    pub iterations: usize,
    /// Whether the iterations converged.
    pub converged: bool,
    /// Log-likelihood at the estimate.
    pub loglik: f64,
    /// Observations used.
    pub nobs: usize,
}

/// Logistic regression by Newton-Raphson. `x` excludes the intercept, which is added.
pub fn logit(
    y: &[f64],
    x: &[(String, Vec<f64>)],
    tol: f64,
    maxiter: usize,
) -> Result<Logit, EstimationError> {
    let n = y.len();
    let k = x.len() + 1;
    if n <= k {
        return Err(EstimationError::TooFewObservations { n, k });
    }
    let col = |j: usize, i: usize| if j == 0 { 1.0 } else { x[j - 1].1[i] };
    let mut beta = vec![0.0; k];
    let mut converged = false;
    let mut iterations = 0;
    for it in 1..=maxiter {
        iterations = it;
        let mut grad = Mat::<f64>::zeros(k, 1);
        let mut info = Mat::<f64>::zeros(k, k);
        for (i, yi) in y.iter().enumerate() {
            let eta: f64 = (0..k).map(|j| beta[j] * col(j, i)).sum();
            let p = 1.0 / (1.0 + (-eta).exp());
            let w = p * (1.0 - p);
            for a in 0..k {
                grad[(a, 0)] += (yi - p) * col(a, i);
                for b in 0..=a {
                    info[(a, b)] += w * col(a, i) * col(b, i);
                }
            }
        }
        for a in 0..k {
            for b in 0..a {
                info[(b, a)] = info[(a, b)];
            }
        }
        let llt = info
            .llt(Side::Lower)
            .map_err(|_| EstimationError::Invalid("logit: information matrix is singular (perfect prediction or collinear covariates)".into()))?;
        let step = llt.solve(&grad);
        let mut max_step = 0.0f64;
        for a in 0..k {
            beta[a] += step[(a, 0)];
            max_step = max_step.max(step[(a, 0)].abs());
        }
        if !beta.iter().all(|b| b.is_finite()) {
            return Err(EstimationError::Invalid(
                "logit diverged (perfect separation?)".into(),
            ));
        }
        if max_step < tol {
            converged = true;
            break;
        }
    }
    // Information at the final estimate.
    let mut loglik = 0.0;
    let mut info = Mat::<f64>::zeros(k, k);
    for (i, yi) in y.iter().enumerate() {
        let eta: f64 = (0..k).map(|j| beta[j] * col(j, i)).sum();
        let p = 1.0 / (1.0 + (-eta).exp());
        loglik += yi * p.ln() + (1.0 - yi) * (1.0 - p).ln();
        for a in 0..k {
            for b in 0..k {
                info[(a, b)] += p * (1.0 - p) * col(a, i) * col(b, i);
            }
        }
    }
    let inv = info
        .llt(Side::Lower)
        .map_err(|_| EstimationError::Invalid("logit: information matrix is singular".into()))?
        .inverse();
    let mut names = vec![crate::ols::INTERCEPT.to_string()];
    names.extend(x.iter().map(|(n, _)| n.clone()));
    Ok(Logit {
        names,
        std_error: (0..k).map(|a| inv[(a, a)].sqrt()).collect(),
        coef: beta,
        iterations,
        converged,
        loglik,
        nobs: n,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
/// How units are matched.
pub struct PsmOptions {
    /// Maximum distance of a match, in standard deviations of the logit of the score
    /// (Austin's 0.2 is customary); 0 or less: no caliper.
    pub caliper: f64,
    /// Match with replacement (a control may serve several treated units).
    pub replacement: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Covariate balance before and after matching.
pub struct BalanceRow {
    /// The covariate.
    pub variable: String,
    /// Mean among treated units.
    pub mean_treated: f64,
    /// Mean among all control units.
    pub mean_control_before: f64,
    /// Mean among matched controls (weighted by their use).
    pub mean_control_after: f64,
    /// 100 x (mean_t - mean_c) / sqrt((var_t + var_c) / 2), variances of the unmatched sample.
    pub std_diff_before: f64,
    /// Standardised difference after matching, same scale as before.
    pub std_diff_after: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Propensity-score matching and its diagnostics.
pub struct Psm {
    /// The propensity-score model.
    pub logit: Logit,
    /// Caliper and replacement.
    pub options: PsmOptions,
    /// The caliper on the logit-score scale actually used.
    pub caliper_logit: f64,
    /// Treated units with a score.
    pub n_treated: usize,
    /// Control units with a score.
    pub n_control: usize,
    /// Treated units that found a match.
    pub n_matched_treated: usize,
    /// Distinct controls used.
    pub n_controls_used: usize,
    /// Balance of every covariate.
    pub balance: Vec<BalanceRow>,
}

/// Unit-level inputs: one entry per unit.
pub struct UnitData {
    /// Whether each unit is ever treated.
    pub treated: Vec<bool>,
    /// Pre-period covariates (already averaged per unit).
    pub covariates: Vec<(String, Vec<f64>)>,
}

/// Each unit's mean of `values` over its rows with `in_pre` (NaN values skipped); NaN for a unit
/// without such a row. `unit` holds dense codes below `n_units`.
pub fn unit_means(unit: &[u32], n_units: usize, values: &[f64], in_pre: &[bool]) -> Vec<f64> {
    let (mut sum, mut cnt) = (vec![0.0; n_units], vec![0usize; n_units]);
    for ((&u, &v), &pre) in unit.iter().zip(values).zip(in_pre) {
        if pre && v.is_finite() {
            sum[u as usize] += v;
            cnt[u as usize] += 1;
        }
    }
    sum.iter()
        .zip(&cnt)
        .map(|(s, &n)| if n > 0 { s / n as f64 } else { f64::NAN })
        .collect()
}

/// Greedy nearest-neighbour matching on the logit of the score, treated units in unit order,
/// ties to the lower control index. Returns each unit's weight: 1 for matched treated units,
/// the number of times used for controls, 0 otherwise.
pub fn match_units(
    lps: &[f64],
    treated: &[bool],
    caliper: Option<f64>,
    replacement: bool,
) -> Vec<f64> {
    let mut w = vec![0.0; lps.len()];
    let mut used = vec![false; lps.len()];
    for t in (0..lps.len()).filter(|&u| treated[u]) {
        let best = (0..lps.len())
            .filter(|&c| !treated[c] && (replacement || !used[c]))
            .map(|c| (c, (lps[c] - lps[t]).abs()))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        if let Some((c, d)) = best {
            if caliper.is_none_or(|cal| d <= cal) {
                w[t] = 1.0;
                w[c] += 1.0;
                used[c] = true;
            }
        }
    }
    w
}

fn mean_var(v: &[f64], w: &[f64]) -> (f64, f64) {
    let sw: f64 = w.iter().sum();
    let m = v.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw;
    let var = v
        .iter()
        .zip(w)
        .map(|(a, b)| b * (a - m) * (a - m))
        .sum::<f64>()
        / (sw - 1.0);
    (m, var)
}

/// Logit, matching and balance. Units with a missing covariate are left out of the matching.
pub fn propensity_match(
    units: &UnitData,
    opts: PsmOptions,
) -> Result<(Psm, Vec<f64>), EstimationError> {
    let n = units.treated.len();
    let complete: Vec<usize> = (0..n)
        .filter(|&u| units.covariates.iter().all(|(_, v)| v[u].is_finite()))
        .collect();
    let y: Vec<f64> = complete
        .iter()
        .map(|&u| f64::from(u8::from(units.treated[u])))
        .collect();
    let x: Vec<(String, Vec<f64>)> = units
        .covariates
        .iter()
        .map(|(name, v)| (name.clone(), complete.iter().map(|&u| v[u]).collect()))
        .collect();
    let lg = logit(&y, &x, 1e-12, 100)?;
    let lps: Vec<f64> = (0..complete.len())
        .map(|i| {
            lg.coef[0]
                + x.iter()
                    .enumerate()
                    .map(|(j, (_, v))| lg.coef[j + 1] * v[i])
                    .sum::<f64>()
        })
        .collect();
    let treated: Vec<bool> = y.iter().map(|v| *v == 1.0).collect();
    let (_, var_lps) = mean_var(&lps, &vec![1.0; lps.len()]);
    let caliper = (opts.caliper > 0.0).then(|| opts.caliper * var_lps.sqrt());
    let wc = match_units(&lps, &treated, caliper, opts.replacement);
    let mut weights = vec![0.0; n];
    for (i, &u) in complete.iter().enumerate() {
        weights[u] = wc[i];
    }
    let ones_t: Vec<f64> = treated.iter().map(|t| f64::from(u8::from(*t))).collect();
    let ones_c: Vec<f64> = treated.iter().map(|t| f64::from(u8::from(!*t))).collect();
    let w_t_after: Vec<f64> = treated
        .iter()
        .zip(&wc)
        .map(|(t, w)| if *t { *w } else { 0.0 })
        .collect();
    let w_c_after: Vec<f64> = treated
        .iter()
        .zip(&wc)
        .map(|(t, w)| if *t { 0.0 } else { *w })
        .collect();
    let balance = x
        .iter()
        .map(|(name, v)| {
            let (mt, vt) = mean_var(v, &ones_t);
            let (mc, vc) = mean_var(v, &ones_c);
            let pooled = ((vt + vc) / 2.0).sqrt();
            let (mt_a, _) = mean_var(v, &w_t_after);
            let (mc_a, _) = mean_var(v, &w_c_after);
            BalanceRow {
                variable: name.clone(),
                mean_treated: mt,
                mean_control_before: mc,
                mean_control_after: mc_a,
                std_diff_before: 100.0 * (mt - mc) / pooled,
                std_diff_after: 100.0 * (mt_a - mc_a) / pooled,
            }
        })
        .collect();
    let psm = Psm {
        n_treated: treated.iter().filter(|t| **t).count(),
        n_control: treated.iter().filter(|t| !**t).count(),
        n_matched_treated: w_t_after.iter().filter(|w| **w > 0.0).count(),
        n_controls_used: w_c_after.iter().filter(|w| **w > 0.0).count(),
        caliper_logit: caliper.unwrap_or(f64::INFINITY),
        logit: lg,
        options: opts,
        balance,
    };
    Ok((psm, weights))
}

/// The DID on the matched sample: rows of unmatched units dropped, the others weighted by
/// their unit's matching weight (times any weights the model already has).
pub fn psm_did(
    data: &OlsData,
    opts: &OlsOptions,
    unit: &[u32],
    units: &UnitData,
    psm: PsmOptions,
) -> Result<(OlsResult, Psm), EstimationError> {
    let (p, uw) = propensity_match(units, psm)?;
    let w: Vec<f64> = unit
        .iter()
        .enumerate()
        .map(|(i, &u)| {
            let base = data.weights.map_or(1.0, |w| w[i]);
            let m = uw[u as usize];
            if m > 0.0 {
                base * m
            } else {
                f64::NAN
            }
        })
        .collect();
    let d = OlsData {
        coords: None,
        weights: Some(&w),
        ..data.clone()
    };
    Ok((crate::fit(&d, opts)?, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_by_hand() {
        // Treated at 0.0 and 0.2; controls at 0.1, 0.5, 5.0. Both treated are closest to 0.1.
        let lps = [0.0, 0.2, 0.1, 0.5, 5.0];
        let t = [true, true, false, false, false];
        assert_eq!(
            match_units(&lps, &t, None, true),
            vec![1.0, 1.0, 2.0, 0.0, 0.0]
        );
        // Without replacement the second takes 0.5 (distance 0.3) ...
        assert_eq!(
            match_units(&lps, &t, None, false),
            vec![1.0, 1.0, 1.0, 1.0, 0.0]
        );
        // ... unless the caliper (0.2) forbids it.
        assert_eq!(
            match_units(&lps, &t, Some(0.2), false),
            vec![1.0, 0.0, 1.0, 0.0, 0.0]
        );
    }
}
