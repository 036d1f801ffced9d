//! Borusyak, Jaravel and Spiess (2024) imputation estimator of event-time effects: unit and
//! period effects are estimated on untreated observations only, the untreated outcome of every
//! treated observation imputed, and the differences averaged by event time (and overall).
//! Standard errors: Gardner's (2022) two-stage GMM correction, clustered, as pyfixest's `did2s`
//! computes them (its point estimates are the imputation estimates).

// Index loops mirror the matrix algebra.
#![allow(clippy::needless_range_loop)]

use crate::bootstrap::chol_inverse;
use crate::error::EstimationError;
use crate::result::{Coefficient, OlsResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One imputation estimate.
pub struct ImputationEffect {
    /// Event time; None for the overall ATT.
    pub event_time: Option<i64>,
    /// The average effect.
    pub estimate: f64,
    /// Its standard error (Gardner's two-stage clustered).
    pub std_error: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// The Borusyak-Jaravel-Spiess imputation estimates.
pub struct Imputation {
    /// Effects by event time.
    pub effects: Vec<ImputationEffect>,
    /// The overall ATT across treated observations.
    pub overall: ImputationEffect,
    /// Covariance of the event-time effects.
    pub vcov: Vec<Vec<f64>>,
    /// Treated observations whose untreated outcome was imputed.
    pub n_treated_obs: usize,
}

/// Second stage on residualised outcomes with the given dummy columns, and Gardner's
/// clustered covariance. Returns (coefficients, covariance).
fn two_stage(
    x1: &[Vec<f64>],
    untreated: &[bool],
    y_tilde: &[f64],
    x2: &[Vec<f64>],
    x10tx10_inv: &[Vec<f64>],
    cluster: &[u32],
    groups: usize,
) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    let n = y_tilde.len();
    let (k1, k2) = (x1.len(), x2.len());
    let x2tx2: Vec<Vec<f64>> = (0..k2)
        .map(|a| {
            (0..k2)
                .map(|b| (0..n).map(|i| x2[a][i] * x2[b][i]).sum())
                .collect()
        })
        .collect();
    let inv2 = chol_inverse(&x2tx2)?;
    let x2ty: Vec<f64> = (0..k2)
        .map(|a| (0..n).map(|i| x2[a][i] * y_tilde[i]).sum())
        .collect();
    let beta: Vec<f64> = (0..k2)
        .map(|a| (0..k2).map(|b| inv2[a][b] * x2ty[b]).sum())
        .collect();
    let e2: Vec<f64> = (0..n)
        .map(|i| y_tilde[i] - (0..k2).map(|a| beta[a] * x2[a][i]).sum::<f64>())
        .collect();
    // V = (X2'X1)(X10'X10)^-1, k2 x k1.
    let x2tx1: Vec<Vec<f64>> = (0..k2)
        .map(|a| {
            (0..k1)
                .map(|b| (0..n).map(|i| x2[a][i] * x1[b][i]).sum())
                .collect()
        })
        .collect();
    let v: Vec<Vec<f64>> = (0..k2)
        .map(|a| {
            (0..k1)
                .map(|b| (0..k1).map(|c| x2tx1[a][c] * x10tx10_inv[c][b]).sum())
                .collect()
        })
        .collect();
    // W_g = X2g' e2g - V X10g' e1g, with e1 the first-stage residual on untreated rows.
    let mut w = vec![vec![0.0; k2]; groups];
    let mut z = vec![vec![0.0; k1]; groups];
    for i in 0..n {
        let g = cluster[i] as usize;
        for a in 0..k2 {
            w[g][a] += x2[a][i] * e2[i];
        }
        if untreated[i] {
            for b in 0..k1 {
                z[g][b] += x1[b][i] * y_tilde[i];
            }
        }
    }
    let mut vcov = vec![vec![0.0; k2]; k2];
    for g in 0..groups {
        let wg: Vec<f64> = (0..k2)
            .map(|a| w[g][a] - (0..k1).map(|b| v[a][b] * z[g][b]).sum::<f64>())
            .collect();
        let score: Vec<f64> = (0..k2)
            .map(|a| (0..k2).map(|b| inv2[a][b] * wg[b]).sum())
            .collect();
        for a in 0..k2 {
            for b in 0..k2 {
                vcov[a][b] += score[a] * score[b];
            }
        }
    }
    Some((beta, vcov))
}

/// The first stage on untreated observations: the unit and period dummies `x1`, the inverse of
/// their cross-product on untreated rows, and the residualised outcome `y - x1 gamma` on every row.
struct FirstStage {
    x1: Vec<Vec<f64>>,
    inv1: Vec<Vec<f64>>,
    y_tilde: Vec<f64>,
    groups: usize,
}

fn first_stage(
    unit: &[u32],
    period: &[u32],
    untreated: &[bool],
    y: &[f64],
    cluster: &[u32],
) -> Result<FirstStage, EstimationError> {
    let n = y.len();
    let n_units = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let n_periods = period.iter().map(|&t| t as usize + 1).max().unwrap_or(0);
    let groups = cluster.iter().map(|&g| g as usize + 1).max().unwrap_or(0);
    // First stage design: all unit dummies, period dummies but the first.
    let mut x1: Vec<Vec<f64>> = (0..n_units)
        .map(|u| {
            unit.iter()
                .map(|&v| f64::from(u8::from(v as usize == u)))
                .collect()
        })
        .collect();
    x1.extend((1..n_periods).map(|t| {
        period
            .iter()
            .map(|&v| f64::from(u8::from(v as usize == t)))
            .collect::<Vec<f64>>()
    }));
    let k1 = x1.len();
    let x10tx10: Vec<Vec<f64>> = (0..k1)
        .map(|a| {
            (0..k1)
                .map(|b| {
                    (0..n)
                        .filter(|&i| untreated[i])
                        .map(|i| x1[a][i] * x1[b][i])
                        .sum()
                })
                .collect()
        })
        .collect();
    let inv1 = chol_inverse(&x10tx10).ok_or_else(|| {
        EstimationError::Invalid(
            "every unit and period needs untreated observations for the imputation first stage"
                .into(),
        )
    })?;
    let x10ty: Vec<f64> = (0..k1)
        .map(|a| {
            (0..n)
                .filter(|&i| untreated[i])
                .map(|i| x1[a][i] * y[i])
                .sum()
        })
        .collect();
    let gamma: Vec<f64> = (0..k1)
        .map(|a| (0..k1).map(|b| inv1[a][b] * x10ty[b]).sum())
        .collect();
    let y_tilde: Vec<f64> = (0..n)
        .map(|i| y[i] - (0..k1).map(|a| gamma[a] * x1[a][i]).sum::<f64>())
        .collect();

    Ok(FirstStage {
        x1,
        inv1,
        y_tilde,
        groups,
    })
}

/// `unit` and `period` dense codes, `rel` event time of treated rows (None: untreated row,
/// i.e. never treated or not yet treated), `y` outcome, `cluster` dense cluster codes.
pub fn imputation(
    unit: &[u32],
    period: &[u32],
    rel: &[Option<i64>],
    y: &[f64],
    cluster: &[u32],
) -> Result<Imputation, EstimationError> {
    event_study(unit, period, rel, None, y, cluster)
}

/// The imputation event study with leads, as Gardner's `did2s` with a second stage
/// `i(rel, ref = -1)`: the post-period effects of [`imputation`] together with lead effects, the
/// mean first-stage residual of not-yet-treated observations `k < -1` periods before adoption
/// (`lead`, None elsewhere), and the joint clustered vcov of both. The post-period effects and
/// their vcov block are those of [`imputation`] (the dummies are disjoint indicators); the joint
/// vcov is what HonestDiD needs. The effects run from the earliest lead to the last post period.
pub fn imputation_with_leads(
    unit: &[u32],
    period: &[u32],
    rel: &[Option<i64>],
    lead: &[Option<i64>],
    y: &[f64],
    cluster: &[u32],
) -> Result<Imputation, EstimationError> {
    event_study(unit, period, rel, Some(lead), y, cluster)
}

/// Both of the above: the second stage has a dummy per post-period event time and, with
/// `lead`, per lead `k <= -2`; the overall ATT is the second stage on the treatment indicator.
fn event_study(
    unit: &[u32],
    period: &[u32],
    rel: &[Option<i64>],
    lead: Option<&[Option<i64>]>,
    y: &[f64],
    cluster: &[u32],
) -> Result<Imputation, EstimationError> {
    let untreated: Vec<bool> = rel.iter().map(|r| r.is_none()).collect();
    let FirstStage {
        x1,
        inv1,
        y_tilde,
        groups,
    } = first_stage(unit, period, &untreated, y, cluster)?;
    let lead_of = |i: usize| lead.and_then(|l| l[i]).filter(|k| *k < -1);
    let mut events: Vec<i64> = (0..rel.len())
        .flat_map(|i| rel[i].into_iter().chain(lead_of(i)))
        .collect();
    events.sort_unstable();
    events.dedup();
    let x2: Vec<Vec<f64>> = events
        .iter()
        .map(|&h| {
            (0..rel.len())
                .map(|i| f64::from(u8::from(rel[i] == Some(h) || lead_of(i) == Some(h))))
                .collect()
        })
        .collect();
    let none = || EstimationError::Invalid("no treated observations to impute".into());
    let (beta, vcov) =
        two_stage(&x1, &untreated, &y_tilde, &x2, &inv1, cluster, groups).ok_or_else(none)?;
    let d: Vec<Vec<f64>> = vec![untreated.iter().map(|u| f64::from(u8::from(!u))).collect()];
    let (b_all, v_all) =
        two_stage(&x1, &untreated, &y_tilde, &d, &inv1, cluster, groups).ok_or_else(none)?;
    Ok(Imputation {
        effects: events
            .iter()
            .enumerate()
            .map(|(a, &h)| ImputationEffect {
                event_time: Some(h),
                estimate: beta[a],
                std_error: vcov[a][a].max(0.0).sqrt(),
            })
            .collect(),
        overall: ImputationEffect {
            event_time: None,
            estimate: b_all[0],
            std_error: v_all[0][0].max(0.0).sqrt(),
        },
        vcov,
        n_treated_obs: untreated.iter().filter(|u| !**u).count(),
    })
}

impl Imputation {
    /// The event-time effects as a result table: one coefficient `{prefix}::e` per event time,
    /// t inference with the degrees of freedom of `base` (the TWFE fit on the same rows, which
    /// also gives the layout); the imputation defines no R².
    pub fn as_result(&self, base: &OlsResult, prefix: &str, level: f64) -> OlsResult {
        use statrs::distribution::{ContinuousCDF, StudentsT};
        let tdist = StudentsT::new(0.0, 1.0, base.df_t).ok();
        let q = tdist
            .as_ref()
            .map_or(f64::NAN, |d| d.inverse_cdf(1.0 - (1.0 - level) / 2.0));
        let coefficients = self
            .effects
            .iter()
            .map(|e| {
                Coefficient::event(
                    prefix,
                    e.event_time.unwrap_or(0),
                    e.estimate,
                    e.std_error,
                    q,
                    |t| tdist.as_ref().map_or(f64::NAN, |d| 2.0 * d.sf(t.abs())),
                )
            })
            .collect();
        OlsResult {
            coefficients,
            vcov: self.vcov.clone(),
            ..base.clone()
        }
        .without_fit_statistics()
    }
}
