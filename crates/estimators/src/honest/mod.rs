//! HonestDiD: confidence sets for an event study's post-treatment effect that stay valid when
//! parallel trends fail by a bounded amount (Rambachan and Roth 2023).
//!
//! The input is an estimator's own event-time coefficients and their full vcov ([`Coefs`]:
//! pre-periods first, the reference period omitted, then the post periods). Two restrictions:
//! - relative magnitudes `Δ^RM(M̄)` (post-period changes at most `M̄` times the largest
//!   pre-period change), by the conditional test or its least-favourable hybrid ([`rm`]);
//! - smoothness `Δ^SD(M)` (the slope of the violation changes by at most `M` per period), by
//!   the fixed-length confidence interval ([`flci`]).
//!
//! For each grid value it gives the robust confidence set, and the breakdown value: the smallest
//! `M̄` (or `M`) at which the set includes zero.

mod arp;
mod flci;
mod rm;
mod simplex;
mod solve;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Event-time coefficients and their vcov, in HonestDiD's layout.
#[derive(Debug, Clone)]
pub struct Coefs {
    /// Pre-period coefficients (earliest first, the reference omitted), then the post periods.
    pub beta: Vec<f64>,
    /// Their vcov.
    pub sigma: Vec<Vec<f64>>,
    /// Number of pre-period coefficients.
    pub npre: usize,
    /// Number of post-period coefficients.
    pub npost: usize,
}

/// The restriction on how parallel trends may fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Restriction {
    /// `Δ^RM(M̄)`.
    RelativeMagnitudes,
    /// `Δ^SD(M)`.
    Smoothness,
}

/// How the confidence set is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    /// Fixed-length confidence interval (smoothness only; HonestDiD's default there).
    #[serde(rename = "FLCI")]
    Flci,
    /// The conditional test of Andrews, Roth and Pakes.
    #[serde(rename = "Conditional")]
    Conditional,
    /// The conditional test with a least-favourable first stage (HonestDiD's default for
    /// relative magnitudes).
    #[serde(rename = "C-LF")]
    Clf,
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Request {
    /// The restriction.
    pub restriction: Restriction,
    /// The method.
    pub method: Method,
    /// Values of `M̄` (relative magnitudes) or `M` (smoothness); empty for HonestDiD's default.
    pub grid: Vec<f64>,
    /// Weights `l` of the target `θ = l'τ_post` over the post periods.
    pub l: Vec<f64>,
    /// Size of the tests (0.05 for 95% sets).
    pub alpha: f64,
    /// Candidate values of `θ` tested per set (1000 in HonestDiD).
    pub grid_points: usize,
    /// Seed of the least-favourable critical value's simulation.
    pub seed: u64,
}

/// The robust confidence set at one grid value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// `M̄` or `M`.
    pub m: f64,
    /// Lower end (NaN when the set is empty).
    pub lb: f64,
    /// Upper end.
    pub ub: f64,
}

/// A sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    /// The restriction.
    pub restriction: Restriction,
    /// The method.
    pub method: Method,
    /// The target weights over the post periods.
    pub l: Vec<f64>,
    /// Point estimate of the target.
    pub estimate: f64,
    /// The usual confidence interval under exact parallel trends.
    pub original: (f64, f64),
    /// One robust set per grid value.
    pub bands: Vec<Band>,
    /// The smallest `M̄`/`M` whose set includes zero: `Some(0)` when even the original interval
    /// does, `None` when no value up to the grid's largest does (then it is above that).
    pub breakdown: Option<f64>,
    /// Size of the tests.
    pub alpha: f64,
}

/// Why a sensitivity analysis cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HonestError {
    /// No pre-period coefficients.
    #[error("HonestDiD needs at least one pre-period event-time coefficient besides the reference period; this event study has none")]
    NoPrePeriods,
    /// No post-period coefficients.
    #[error("HonestDiD needs at least one post-period event-time coefficient; this event study has none")]
    NoPostPeriods,
    /// Shapes do not agree.
    #[error("HonestDiD: {0}")]
    Shape(String),
    /// The vcov is not usable.
    #[error("HonestDiD: the vcov of the event-time coefficients is singular or not positive semi-definite ({0})")]
    Vcov(String),
    /// A method the restriction does not support.
    #[error("HonestDiD: method {method:?} is not available for {restriction:?} (relative magnitudes: Conditional or C-LF; smoothness: FLCI)")]
    Method {
        /// The restriction.
        restriction: Restriction,
        /// The method asked for.
        method: Method,
    },
    /// A solver failed at one grid value.
    #[error("HonestDiD: the optimisation failed at {what} = {m}")]
    Solver {
        /// `M̄` or `M`.
        what: &'static str,
        /// The value.
        m: f64,
    },
}

fn validate(c: &Coefs, req: &Request) -> Result<(), HonestError> {
    if c.npre == 0 {
        return Err(HonestError::NoPrePeriods);
    }
    if c.npost == 0 {
        return Err(HonestError::NoPostPeriods);
    }
    let k = c.npre + c.npost;
    if c.beta.len() != k || c.sigma.len() != k || c.sigma.iter().any(|r| r.len() != k) {
        return Err(HonestError::Shape(format!(
            "{} coefficients and a {}x{} vcov for {} pre and {} post periods",
            c.beta.len(),
            c.sigma.len(),
            c.sigma.first().map_or(0, Vec::len),
            c.npre,
            c.npost
        )));
    }
    if req.l.len() != c.npost || req.l.iter().all(|v| *v == 0.0) {
        return Err(HonestError::Shape(format!(
            "the target's weights ({}) must cover the {} post periods and not all be zero",
            req.l.len(),
            c.npost
        )));
    }
    if !c.beta.iter().all(|v| v.is_finite()) || !c.sigma.iter().flatten().all(|v| v.is_finite()) {
        return Err(HonestError::Vcov(
            "a coefficient or variance is not finite".into(),
        ));
    }
    for i in 0..k {
        if c.sigma[i][i] <= 0.0 {
            return Err(HonestError::Vcov(format!(
                "coefficient {} has variance {}",
                i + 1,
                c.sigma[i][i]
            )));
        }
        for j in 0..i {
            if (c.sigma[i][j] - c.sigma[j][i]).abs()
                > 1e-10 * (c.sigma[i][i] * c.sigma[j][j]).sqrt()
            {
                return Err(HonestError::Vcov("it is not symmetric".into()));
            }
        }
    }
    match (req.restriction, req.method) {
        (Restriction::RelativeMagnitudes, Method::Flci)
        | (Restriction::Smoothness, Method::Conditional | Method::Clf) => {
            return Err(HonestError::Method {
                restriction: req.restriction,
                method: req.method,
            })
        }
        _ => {}
    }
    Ok(())
}

/// The default grid: `M̄` at 0, 0.5, 1, 1.5 and 2 (HonestDiD's `Mbarvec` 0.5..2 by 0.5, with the
/// parallel-trends end 0), values a reader can label; `M` as HonestDiD's, from 0 to an upper
/// bound on the pre-period second differences (10 values).
pub fn default_grid(c: &Coefs, restriction: Restriction) -> Vec<f64> {
    let top = match restriction {
        Restriction::RelativeMagnitudes => return vec![0.0, 0.5, 1.0, 1.5, 2.0],
        Restriction::Smoothness if c.npre == 1 => c.sigma[0][0].sqrt(),
        Restriction::Smoothness => {
            let z = solve::qnorm(0.95);
            // Second differences of (β_pre, 0): the reference period closes the sequence.
            let mut b = c.beta[..c.npre].to_vec();
            b.push(0.0);
            (0..c.npre - 1)
                .flat_map(|r| {
                    let coef = [1.0, -2.0, 1.0];
                    let v: Vec<f64> = (0..=c.npre)
                        .map(|j| {
                            if (r..r + 3).contains(&j) {
                                coef[j - r]
                            } else {
                                0.0
                            }
                        })
                        .collect();
                    let diff = solve::dot(&v, &b);
                    let vv = &v[..c.npre];
                    let sd = solve::quad(
                        vv,
                        &c.sigma[..c.npre]
                            .iter()
                            .map(|r| r[..c.npre].to_vec())
                            .collect(),
                    )
                    .sqrt();
                    [diff + z * sd, -diff + z * sd]
                })
                .fold(f64::NEG_INFINITY, f64::max)
        }
    };
    (0..10).map(|i| top * f64::from(i) / 9.0).collect()
}

/// The robust confidence set at one value of `M̄`/`M`.
pub fn robust_set(c: &Coefs, req: &Request, m: f64) -> Result<Option<(f64, f64)>, HonestError> {
    validate(c, req)?;
    band(c, req, m)
}

fn band(c: &Coefs, req: &Request, m: f64) -> Result<Option<(f64, f64)>, HonestError> {
    match req.restriction {
        Restriction::RelativeMagnitudes => Ok(rm::confidence_set(
            c,
            &req.l,
            m,
            req.alpha,
            req.method,
            req.grid_points,
            req.seed,
        )),
        Restriction::Smoothness => flci::flci(c, &req.l, m, req.alpha)
            .map(Some)
            .ok_or(HonestError::Solver { what: "M", m }),
    }
}

/// The usual `1 - α` interval for `θ = l'τ_post` under exact parallel trends.
pub fn original_ci(c: &Coefs, l: &[f64], alpha: f64) -> (f64, f64) {
    let theta = solve::dot(l, &c.beta[c.npre..]);
    let se = solve::quad(l, &rm::post_block(c)).sqrt();
    let z = solve::qnorm(1.0 - alpha / 2.0);
    (theta - z * se, theta + z * se)
}

/// The full analysis: one robust set per grid value (in parallel), the original interval and
/// the breakdown value (bisection between grid values, to 1/200 of the grid's range).
pub fn sensitivity(c: &Coefs, req: &Request) -> Result<Sensitivity, HonestError> {
    validate(c, req)?;
    let grid = if req.grid.is_empty() {
        default_grid(c, req.restriction)
    } else {
        req.grid.clone()
    };
    let sets: Vec<Result<Option<(f64, f64)>, HonestError>> =
        grid.par_iter().map(|&m| band(c, req, m)).collect();
    let mut bands = Vec::with_capacity(grid.len());
    for (m, s) in grid.iter().zip(sets) {
        let (lb, ub) = s?.unwrap_or((f64::NAN, f64::NAN));
        bands.push(Band { m: *m, lb, ub });
    }
    let covers = |s: Option<(f64, f64)>| s.is_some_and(|(lb, ub)| lb <= 0.0 && 0.0 <= ub);
    let original = original_ci(c, &req.l, req.alpha);
    let breakdown = if covers(Some(original)) {
        Some(0.0)
    } else {
        // The first grid value whose set covers zero brackets the breakdown from above.
        let mut sorted: Vec<&Band> = bands.iter().collect();
        sorted.sort_by(|a, b| a.m.total_cmp(&b.m));
        match sorted.iter().position(|b| covers(Some((b.lb, b.ub)))) {
            None => None,
            Some(0) => Some(sorted[0].m),
            Some(i) => {
                let (mut lo, mut hi) = (sorted[i - 1].m, sorted[i].m);
                let span = sorted.last().map_or(0.0, |b| b.m) - sorted[0].m;
                while hi - lo > span / 200.0 {
                    let mid = 0.5 * (lo + hi);
                    if covers(band(c, req, mid)?) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                Some(hi)
            }
        }
    };
    Ok(Sensitivity {
        restriction: req.restriction,
        method: req.method,
        l: req.l.clone(),
        estimate: solve::dot(&req.l, &c.beta[c.npre..]),
        original,
        bands,
        breakdown,
        alpha: req.alpha,
    })
}
