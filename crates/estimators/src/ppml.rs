//! Poisson pseudo-maximum likelihood with absorbed fixed effects, as fixest's `fepois` and
//! pyfixest's `fepois`: iteratively reweighted least squares on the working variable
//! z = eta + y / mu - 1 with weights mu, each step a weighted within regression on the existing
//! demeaning; convergence when the deviance changes by less than `tol` relative to it (fixest's
//! criterion). Observations in a fixed-effect group whose outcome is zero throughout are
//! separated (their FE is minus infinity) and dropped first, as fixest does. The vcov is the
//! sandwich of the last step (Poisson dispersion 1 for iid).

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::ols::Prepared;
use crate::result::OlsResult;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

/// What PPML adds to the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ppml {
    /// Deviance at the estimate.
    pub deviance: f64,
    /// IRLS iterations.
    pub iterations: usize,
    /// Observations dropped because a fixed effect separates them (an all-zero group).
    pub n_separated: usize,
    /// McFadden's pseudo R², `1 - ll / ll_0` with `ll_0` the log-likelihood of a constant mean
    /// (fixest's `pr2`); `None` for weighted fits, where fixest and pyfixest define none alike.
    #[serde(default)]
    pub pseudo_r2: Option<f64>,
}

/// The Poisson log-likelihood `sum y log(mu) - mu - log(y!)` over the given rows.
fn loglik(y: &[f64], mu: impl Fn(usize) -> f64, rows: &[usize]) -> f64 {
    rows.iter()
        .map(|&i| {
            let (yi, mi) = (y[i], mu(i));
            let l = if yi > 0.0 { yi * mi.ln() } else { 0.0 };
            l - mi - statrs::function::gamma::ln_gamma(yi + 1.0)
        })
        .sum()
}

/// The Poisson deviance 2 sum [y log(y / mu) - (y - mu)] over the given rows.
fn deviance(y: &[f64], mu: &[f64], rows: &[usize]) -> f64 {
    2.0 * rows
        .iter()
        .map(|&i| {
            let (yi, mi) = (y[i], mu[i]);
            let l = if yi > 0.0 { yi * (yi / mi).ln() } else { 0.0 };
            l - (yi - mi)
        })
        .sum::<f64>()
}

/// Fits `data` (outcome a non-negative count or share) by PPML; `tol` is the relative deviance
/// tolerance, `maxiter` the IRLS iteration cap.
pub fn fit_ppml(
    data: &OlsData,
    opts: &OlsOptions,
    tol: f64,
    maxiter: usize,
) -> Result<(OlsResult, Ppml), EstimationError> {
    let n_all = data.y.len();
    if let Some(v) = data.y.iter().find(|v| v.is_finite() && **v < 0.0) {
        return Err(EstimationError::Invalid(format!(
            "Poisson PML needs a non-negative outcome; `{}` has {v}",
            data.y_name
        )));
    }
    // Separation: a FE group whose outcome is zero on every complete row.
    let complete: Vec<bool> = (0..n_all)
        .map(|i| {
            data.y[i].is_finite()
                && data.x.iter().all(|(_, c)| c[i].is_finite())
                && data.fe.iter().all(|(_, c)| c[i] != crate::MISSING)
        })
        .collect();
    let mut y: Vec<f64> = data.y.to_vec();
    let mut n_separated = 0;
    for (_, codes) in &data.fe {
        let groups = codes
            .iter()
            .filter(|&&c| c != crate::MISSING)
            .max()
            .map_or(0, |&m| m as usize + 1);
        let mut total = vec![0.0; groups];
        for i in 0..n_all {
            if complete[i] && y[i].is_finite() {
                total[codes[i] as usize] += y[i];
            }
        }
        for i in 0..n_all {
            if complete[i] && y[i].is_finite() && total[codes[i] as usize] == 0.0 {
                y[i] = f64::NAN;
                n_separated += 1;
            }
        }
    }
    let base = OlsData {
        y: &y,
        ..data.clone()
    };
    let rows: Vec<usize> = Prepared::new(&base, opts)?.rows().to_vec();
    if rows.iter().all(|&i| y[i] == 0.0) {
        return Err(EstimationError::ConstantOutcome(data.y_name.clone()));
    }
    let user_w = |i: usize| data.weights.map_or(1.0, |w| w[i]);
    // Start as fixest does: mu = (y + mean(y)) / 2.
    let mean = rows.iter().map(|&i| y[i]).sum::<f64>() / rows.len() as f64;
    let mut mu = vec![f64::NAN; n_all];
    let mut eta = vec![f64::NAN; n_all];
    for &i in &rows {
        mu[i] = (y[i] + mean) / 2.0;
        eta[i] = mu[i].ln();
    }
    let mut last = deviance(&y, &mu, &rows);
    let mut z = vec![f64::NAN; n_all];
    let mut w = vec![f64::NAN; n_all];
    for it in 1..=maxiter {
        for &i in &rows {
            z[i] = eta[i] + y[i] / mu[i] - 1.0;
            w[i] = user_w(i) * mu[i];
        }
        let step = OlsData {
            y: &z,
            weights: Some(&w),
            ..data.clone()
        };
        let prep = Prepared::new(&step, opts)?.with_dispersion(1.0);
        let mut cols: Vec<&[f64]> = vec![&z];
        cols.extend(data.x.iter().map(|(_, c)| *c));
        let mut t = prep.transform(&cols);
        let zt = t.remove(0);
        let mut xt = t;
        if data.fe.is_empty() {
            let ones = vec![1.0; n_all];
            xt.insert(0, prep.transform(&[&ones]).remove(0));
        }
        let k = xt.len();
        let xtx = Mat::from_fn(k, k, |a, b| dot(&xt[a].values, &xt[b].values));
        let xtz = Mat::from_fn(k, 1, |a, _| dot(&xt[a].values, &zt.values));
        let delta = xtx
            .llt(Side::Lower)
            .map_err(|_| {
                EstimationError::Invalid(
                    "Poisson PML: the regressors are collinear or absorbed by the fixed effects"
                        .into(),
                )
            })?
            .solve(&xtz);
        // eta = z - (z~ - X~ delta), on the unweighted scale.
        for (r, &i) in rows.iter().enumerate() {
            let sw = w[i].sqrt();
            let fitted: f64 = (0..k).map(|a| xt[a].values[r] * delta[(a, 0)]).sum();
            let resid = (zt.values[r] - fitted) / sw;
            eta[i] = z[i] - resid;
            mu[i] = eta[i].exp();
        }
        let dev = deviance(&y, &mu, &rows);
        let crit = (dev - last).abs() / (0.1 + last.abs());
        last = dev;
        if crit < tol {
            // The sandwich of this step: bread (X'WX)^-1, scores X~ (z~ - X~ delta).
            let names: Vec<(String, crate::ols::Transformed)> = data
                .x
                .iter()
                .map(|(n, _)| n.clone())
                .zip(if data.fe.is_empty() {
                    xt.into_iter().skip(1).collect::<Vec<_>>()
                } else {
                    xt
                })
                .collect();
            let r = prep
                .estimate(&data.y_name, &z, zt, names)?
                .without_fit_statistics();
            let pseudo_r2 = data.weights.is_none().then(|| {
                let mean = rows.iter().map(|&i| y[i]).sum::<f64>() / rows.len() as f64;
                1.0 - loglik(&y, |i| mu[i], &rows) / loglik(&y, |_| mean, &rows)
            });
            return Ok((
                r,
                Ppml {
                    deviance: dev,
                    iterations: it,
                    n_separated,
                    pseudo_r2,
                },
            ));
        }
    }
    Err(EstimationError::Invalid(format!(
        "Poisson PML did not converge in {maxiter} iterations"
    )))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
