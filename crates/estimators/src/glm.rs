//! Generalized linear models with absorbed fixed effects, as fixest's `feglm`/`fepois` and
//! pyfixest's: Poisson PML (counts and shares), logit and probit (binary outcomes).
//!
//! Iteratively reweighted least squares on the working variable z = eta + (y - mu) deta/dmu
//! with weights (dmu/deta)^2 / V(mu), each step a weighted within regression on the existing
//! demeaning; convergence when the deviance changes by less than `tol` relative to it (fixest's
//! criterion), with step-halving when a step raises the deviance. Observations in a
//! fixed-effect group the outcome separates (Poisson: zero throughout; logit and probit: zero
//! throughout or one throughout, whose FE is minus or plus infinity) are dropped first, as
//! fixest does. The vcov is the sandwich of the last step (dispersion 1 for iid), inference
//! z-based.
use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::ols::Prepared;
use crate::result::OlsResult;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

/// The family (distribution and link) of a GLM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Poisson, log link (PPML).
    Poisson,
    /// Binomial, logit link.
    Logit,
    /// Binomial, probit link.
    Probit,
}

/// A relative rise of the deviance within rounding: a step is halved only beyond it.
const NOISE: f64 = 1e-10;

/// The linear predictor is kept where the inverse link is distinguishable from 0 and 1 (R's
/// `binomial()` bounds: logit at 30, probit at the normal quantile of machine epsilon).
const LOGIT_BOUND: f64 = 30.0;
const PROBIT_BOUND: f64 = 8.125890664701906;

impl Family {
    /// The name in messages.
    fn name(self) -> &'static str {
        match self {
            Family::Poisson => "Poisson PML",
            Family::Logit => "logit",
            Family::Probit => "probit",
        }
    }

    /// The mean at linear predictor `eta`.
    fn mu(self, eta: f64) -> f64 {
        match self {
            Family::Poisson => eta.exp(),
            Family::Logit => 1.0 / (1.0 + (-eta.clamp(-LOGIT_BOUND, LOGIT_BOUND)).exp()),
            Family::Probit => normal_cdf(eta.clamp(-PROBIT_BOUND, PROBIT_BOUND)),
        }
    }

    /// The working variable z and the IRLS weight (before any user weight) at (eta, mu).
    fn working(self, y: f64, eta: f64, mu: f64) -> (f64, f64) {
        match self {
            // Written as fixest's fepois: z = eta + y / mu - 1.
            Family::Poisson => (eta + y / mu - 1.0, mu),
            Family::Logit => {
                let v = mu * (1.0 - mu);
                (eta + (y - mu) / v, v)
            }
            Family::Probit => {
                let d = normal_pdf(eta.clamp(-PROBIT_BOUND, PROBIT_BOUND));
                (eta + (y - mu) / d, d * d / (mu * (1.0 - mu)))
            }
        }
    }

    /// Whether the outcome is one the family models; `Err` names the first value it is not.
    fn check_outcome(self, y_name: &str, y: &[f64]) -> Result<(), EstimationError> {
        let bad = match self {
            Family::Poisson => y.iter().find(|v| v.is_finite() && **v < 0.0),
            Family::Logit | Family::Probit => {
                y.iter().find(|v| v.is_finite() && **v != 0.0 && **v != 1.0)
            }
        };
        match (bad, self) {
            (None, _) => Ok(()),
            (Some(v), Family::Poisson) => Err(EstimationError::Invalid(format!(
                "Poisson PML needs a non-negative outcome; `{y_name}` has {v}"
            ))),
            (Some(v), _) => Err(EstimationError::Invalid(format!(
                "{} needs a binary outcome (0 or 1); `{y_name}` has {v}",
                self.name()
            ))),
        }
    }

    /// Whether a FE group with outcome total `sum` over `count` rows is separated.
    fn separated(self, sum: f64, count: usize) -> bool {
        match self {
            Family::Poisson => sum == 0.0,
            Family::Logit | Family::Probit => sum == 0.0 || sum == count as f64,
        }
    }

    /// The deviance over the given rows (unweighted, as fixest and pyfixest report it).
    fn deviance(self, y: &[f64], mu: &[f64], rows: &[usize]) -> f64 {
        match self {
            Family::Poisson => deviance(y, mu, rows),
            Family::Logit | Family::Probit => {
                -2.0 * rows.iter().map(|&i| binomial_ll(y[i], mu[i])).sum::<f64>()
            }
        }
    }

    /// The log-likelihood over the given rows at means `mu(i)`.
    fn loglik(self, y: &[f64], mu: impl Fn(usize) -> f64, rows: &[usize]) -> f64 {
        match self {
            Family::Poisson => loglik(y, mu, rows),
            Family::Logit | Family::Probit => rows.iter().map(|&i| binomial_ll(y[i], mu(i))).sum(),
        }
    }
}

/// One binary observation's log-likelihood.
fn binomial_ll(y: f64, mu: f64) -> f64 {
    if y == 1.0 {
        mu.ln()
    } else {
        (1.0 - mu).ln()
    }
}

fn normal_cdf(x: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().cdf(x)
}

fn normal_pdf(x: f64) -> f64 {
    use statrs::distribution::{Continuous, Normal};
    Normal::standard().pdf(x)
}

/// What a GLM adds to the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glm {
    /// Deviance at the estimate.
    pub deviance: f64,
    /// IRLS iterations.
    pub iterations: usize,
    /// Observations dropped because a fixed effect separates them (a group whose outcome is
    /// zero throughout; for logit and probit also one throughout).
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

/// Fits `data` by a GLM of `family`; `tol` is the relative deviance tolerance, `maxiter` the
/// IRLS iteration cap.
pub fn fit_glm(
    data: &OlsData,
    opts: &OlsOptions,
    family: Family,
    tol: f64,
    maxiter: usize,
) -> Result<(OlsResult, Glm), EstimationError> {
    let n_all = data.y.len();
    family.check_outcome(&data.y_name, data.y)?;
    // Separation: a FE group whose outcome separates it on every complete row.
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
        let mut count = vec![0usize; groups];
        for i in 0..n_all {
            if complete[i] && y[i].is_finite() {
                total[codes[i] as usize] += y[i];
                count[codes[i] as usize] += 1;
            }
        }
        for i in 0..n_all {
            let g = codes[i] as usize;
            if complete[i] && y[i].is_finite() && family.separated(total[g], count[g]) {
                y[i] = f64::NAN;
                n_separated += 1;
            }
        }
    }
    let base = OlsData {
        coords: None,
        y: &y,
        ..data.clone()
    };
    let rows: Vec<usize> = Prepared::new(&base, opts)?.rows().to_vec();
    let first = rows.first().map_or(0.0, |&i| y[i]);
    if rows.iter().all(|&i| y[i] == first) {
        return Err(EstimationError::ConstantOutcome(data.y_name.clone()));
    }
    let user_w = |i: usize| data.weights.map_or(1.0, |w| w[i]);
    // Start as fixest's fepois does, mu = (y + mean(y)) / 2; a binary outcome at mu = 1/2.
    let mean = rows.iter().map(|&i| y[i]).sum::<f64>() / rows.len() as f64;
    let mut mu = vec![f64::NAN; n_all];
    let mut eta = vec![f64::NAN; n_all];
    for &i in &rows {
        (mu[i], eta[i]) = match family {
            Family::Poisson => ((y[i] + mean) / 2.0, ((y[i] + mean) / 2.0).ln()),
            Family::Logit | Family::Probit => (0.5, 0.0),
        };
    }
    let mut last = family.deviance(&y, &mu, &rows);
    let mut z = vec![f64::NAN; n_all];
    let mut w = vec![f64::NAN; n_all];
    let mut eta_new = vec![f64::NAN; n_all];
    let mut mu_new = vec![f64::NAN; n_all];
    for it in 1..=maxiter {
        for &i in &rows {
            let (zi, wi) = family.working(y[i], eta[i], mu[i]);
            z[i] = zi;
            w[i] = user_w(i) * wi;
        }
        let step = OlsData {
            coords: None,
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
                EstimationError::Invalid(format!(
                    "{}: the regressors are collinear or absorbed by the fixed effects",
                    family.name()
                ))
            })?
            .solve(&xtz);
        // eta = z - (z~ - X~ delta), on the unweighted scale.
        for (r, &i) in rows.iter().enumerate() {
            let sw = w[i].sqrt();
            let fitted: f64 = (0..k).map(|a| xt[a].values[r] * delta[(a, 0)]).sum();
            let resid = (zt.values[r] - fitted) / sw;
            eta_new[i] = z[i] - resid;
            mu_new[i] = family.mu(eta_new[i]);
        }
        let mut dev = family.deviance(&y, &mu_new, &rows);
        // Step-halving (as fixest and pyfixest): a step that raises the deviance is shortened
        // towards the last linear predictor until it lowers it. Not the first step: the start
        // is no fit of the model (PPML's `(y + mean) / 2` fits the data closer than any), so
        // its deviance is no bar. A rise within rounding (at convergence the deviance moves in
        // its last digits either way) is no reason either.
        let rises =
            |dev: f64| !(dev <= last + NOISE * (0.1 + last.abs()) || it == 1 && dev.is_finite());
        let mut step = 1.0;
        while rises(dev) && step > 1e-12 {
            step /= 2.0;
            for &i in &rows {
                let e = eta[i] + step * (eta_new[i] - eta[i]);
                mu_new[i] = family.mu(e);
            }
            dev = family.deviance(&y, &mu_new, &rows);
        }
        if rises(dev) {
            return Err(EstimationError::Invalid(format!(
                "{}: step-halving could not lower the deviance ({dev} after {last}); the model may be separated by a regressor",
                family.name()
            )));
        }
        for &i in &rows {
            eta[i] = if step == 1.0 {
                eta_new[i]
            } else {
                eta[i] + step * (eta_new[i] - eta[i])
            };
            mu[i] = mu_new[i];
        }
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
            let mut r = prep
                .estimate(&data.y_name, &z, zt, names)?
                .without_fit_statistics();
            // Separated rows reach the sample selection as missing outcomes; they are not.
            r.n_missing = r.n_missing.saturating_sub(n_separated);
            let pseudo_r2 = data.weights.is_none().then(|| {
                let mean = rows.iter().map(|&i| y[i]).sum::<f64>() / rows.len() as f64;
                1.0 - family.loglik(&y, |i| mu[i], &rows) / family.loglik(&y, |_| mean, &rows)
            });
            return Ok((
                r,
                Glm {
                    deviance: dev,
                    iterations: it,
                    n_separated,
                    pseudo_r2,
                },
            ));
        }
    }
    Err(EstimationError::Invalid(format!(
        "{} did not converge in {maxiter} iterations",
        family.name()
    )))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
