//! Local-projections difference-in-differences (Dube, Girardi, Jordà and Taylor 2023), as
//! pyfixest's `lpdid` computes it (itself after Cardazzi's R `lpdid`).
//!
//! One regression per horizon h, each `Dy ~ treat_diff | period` on its own sample, where
//! `treat_diff` is 1 in the period a unit switches into treatment (absorbing) and 0 otherwise:
//! - h >= 0: `Dy = y(t + h) - y(t - 1)`; the sample is the newly treated (`treat_diff = 1`) and
//!   the clean controls, units still untreated at t + h;
//! - h <= -2 (pre-periods): `Dy = y(t - |h|) - y(t - 1)`; newly treated and units untreated at
//!   t (h = -1 is the reference, zero by construction);
//! - pooled: `Dy = mean(y(t), ..., y(t + post)) - y(t - 1)`; newly treated and units untreated
//!   at t + post.
//!
//! Reweighted (`reweight`, the paper's equally weighted version, as diff-diff's `LPDiD`): in
//! each horizon's realised sample, every row of period t gets the weight N_t / C_t (rows over
//! control rows of that period); periods without a switch or without a clean control leave the
//! sample.
//!
//! Leads and lags are periods, found by (unit, period): with gaps in a unit's periods an
//! outcome that is not there is missing (pyfixest shifts by rows, which equals this on a
//! panel without gaps). Each horizon is a separate regression, so the horizons' covariances
//! are not known: the result's vcov has them as NaN.

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::result::{Coefficient, OlsResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The panel LP-DiD reads: one entry per row.
pub struct LpDidInput<'a> {
    /// Name of the outcome.
    pub y_name: &'a str,
    /// The outcome (NaN missing).
    pub y: &'a [f64],
    /// Unit codes.
    pub units: &'a [u32],
    /// Integral periods.
    pub times: &'a [f64],
    /// Codes of the periods (the regressions' period FE), and the FE's name.
    pub periods: (&'a str, &'a [u32]),
    /// The first treated period of the row's unit; NaN for a unit never treated.
    pub adopt: &'a [f64],
    /// Cluster variables (name, codes) of the regressions' vcov.
    pub clusters: Vec<(String, &'a [u32])>,
}

/// One horizon's estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    /// Periods after (h >= 0) or before (h <= -2) the switch.
    pub h: i64,
    /// Coefficient of `treat_diff`.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Its two-sided p-value (the regression's t distribution).
    pub p_value: f64,
    /// Its confidence interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Observations of the horizon's regression.
    pub nobs: usize,
}

/// LP-DiD's event-time estimates and its pooled post-treatment effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LpDid {
    /// Pre-periods (h = -pre..-2) and post-periods (h = 0..post), in order.
    pub horizons: Vec<Horizon>,
    /// The pooled effect over h = 0..post.
    pub pooled: Horizon,
}

/// Estimates LP-DiD on `inp` with `pre` pre-periods and `post` post-periods; `opts` are the
/// regressions' inference options. Also returns the pooled regression's full result (the
/// table's fit statistics).
pub fn lpdid(
    inp: &LpDidInput,
    pre: i64,
    post: i64,
    reweight: bool,
    opts: &OlsOptions,
) -> Result<(LpDid, OlsResult), EstimationError> {
    let n = inp.y.len();
    let at: HashMap<(u32, i64), usize> = (0..n)
        .map(|r| ((inp.units[r], inp.times[r] as i64), r))
        .collect();
    let row = |r: usize, k: i64| at.get(&(inp.units[r], inp.times[r] as i64 + k)).copied();
    let treated = |r: usize| !inp.adopt[r].is_nan() && inp.times[r] >= inp.adopt[r];
    // 1 in the period of the switch, 0 otherwise; missing without the period before.
    let treat_diff: Vec<Option<bool>> = (0..n)
        .map(|r| row(r, -1).map(|p| treated(r) && !treated(p)))
        .collect();
    let y_at = |r: usize, k: i64| row(r, k).map_or(f64::NAN, |s| inp.y[s]);
    let fit = |dy: Vec<f64>, untreated_at: i64| -> Result<OlsResult, EstimationError> {
        let mut dy = dy;
        let td: Vec<f64> = (0..n)
            .map(|r| match treat_diff[r] {
                Some(true) => 1.0,
                Some(false) if row(r, untreated_at).is_some_and(|s| !treated(s)) => 0.0,
                _ => f64::NAN,
            })
            .collect();
        dy.iter_mut()
            .zip(&td)
            .for_each(|(d, t)| *d = if t.is_nan() { f64::NAN } else { *d });
        let weights = reweight.then(|| equal_weights(inp.periods.1, &dy, &td));
        let data = OlsData {
            coords: None,
            y_name: inp.y_name.to_string(),
            y: &dy,
            x: vec![("treat_diff".into(), &td)],
            fe: vec![(inp.periods.0.to_string(), inp.periods.1)],
            weights: weights.as_deref(),
            clusters: inp.clusters.clone(),
        };
        crate::ols::fit(&data, opts)
    };
    let horizon = |h: i64, r: &OlsResult| -> Result<Horizon, EstimationError> {
        let c = r.coef("treat_diff").ok_or_else(|| {
            EstimationError::Invalid(format!(
                "LP-DiD horizon {h}: no switch into treatment is left in its sample"
            ))
        })?;
        Ok(Horizon {
            h,
            estimate: c.estimate,
            std_error: c.std_error,
            p_value: c.p_value,
            ci_low: c.ci_low,
            ci_high: c.ci_high,
            nobs: r.nobs,
        })
    };
    let mut horizons = Vec::new();
    for k in (2..=pre).rev() {
        let dy = (0..n).map(|r| y_at(r, -k) - y_at(r, -1)).collect();
        horizons.push(horizon(-k, &fit(dy, 0)?)?);
    }
    for h in 0..=post {
        let dy = (0..n).map(|r| y_at(r, h) - y_at(r, -1)).collect();
        horizons.push(horizon(h, &fit(dy, h)?)?);
    }
    let dy = (0..n)
        .map(|r| (0..=post).map(|k| y_at(r, k)).sum::<f64>() / (post + 1) as f64 - y_at(r, -1))
        .collect();
    let pooled_fit = fit(dy, post)?;
    let pooled = horizon(post, &pooled_fit)?;
    Ok((LpDid { horizons, pooled }, pooled_fit))
}

/// The reweighted version's weights: N_t / C_t for every row of period t in the sample (rows
/// with the outcome's change and the switch indicator), NaN (out of the sample) elsewhere and in
/// periods without a switch or without a control.
fn equal_weights(periods: &[u32], dy: &[f64], td: &[f64]) -> Vec<f64> {
    let levels = periods.iter().map(|&p| p as usize + 1).max().unwrap_or(0);
    let (mut rows, mut switches) = (vec![0usize; levels], vec![0usize; levels]);
    let in_sample = |r: usize| dy[r].is_finite() && td[r].is_finite();
    for r in (0..dy.len()).filter(|&r| in_sample(r)) {
        rows[periods[r] as usize] += 1;
        switches[periods[r] as usize] += usize::from(td[r] == 1.0);
    }
    (0..dy.len())
        .map(|r| {
            let p = periods[r] as usize;
            let controls = rows[p] - switches[p];
            if in_sample(r) && switches[p] > 0 && controls > 0 {
                rows[p] as f64 / controls as f64
            } else {
                f64::NAN
            }
        })
        .collect()
}

impl LpDid {
    /// The table's result: the event-time effects `prefix::h` (each from its own regression)
    /// on the pooled regression's fit statistics; no vcov (the horizons' covariances are not
    /// estimated, so nothing that needs them, such as HonestDiD, is offered).
    pub fn as_result(&self, pooled: &OlsResult, prefix: &str) -> OlsResult {
        let coefficients: Vec<Coefficient> = self
            .horizons
            .iter()
            .map(|h| {
                Coefficient::event_given(
                    prefix,
                    h.h,
                    h.estimate,
                    h.std_error,
                    h.p_value,
                    (h.ci_low, h.ci_high),
                )
            })
            .collect();
        OlsResult {
            coefficients,
            vcov: Vec::new(),
            // Rows outside the clean-control sample are not missing values: the sample is the
            // design (the table's note says which rows it is).
            n_missing: 0,
            ..pooled.clone()
        }
        .without_fit_statistics()
    }
}
