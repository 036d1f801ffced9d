//! Two-stage least squares with absorbed fixed effects, as fixest's `y ~ x | fe | d ~ z` and
//! pyfixest's `feols` IV: every column demeaned once, each endogenous regressor projected on the
//! exogenous regressors and the instruments (first stage), the outcome regressed on the fitted
//! values (second stage), residuals and the vcov's scores from the actual regressors and the
//! fitted ones as 2SLS requires. Each first stage reports its F statistic for the excluded
//! instruments, with the model's vcov.

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::ols::{Prepared, Transformed};
use crate::result::{OlsResult, Wald};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use serde::{Deserialize, Serialize};

/// A first stage: one endogenous regressor on the exogenous regressors and the instruments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstStage {
    /// The endogenous regressor.
    pub endogenous: String,
    /// The first-stage regression.
    pub result: OlsResult,
    /// F test that the excluded instruments' coefficients are all zero (the model's vcov).
    pub f_test: Option<Wald>,
}

/// An IV model: the exogenous part in `data` (outcome, exogenous regressors, FE, weights,
/// clusters), then the endogenous regressors and the excluded instruments.
pub struct IvData<'a> {
    /// Outcome, exogenous regressors, fixed effects, weights and clusters.
    pub data: OlsData<'a>,
    /// Endogenous regressors.
    pub endogenous: Vec<(String, &'a [f64])>,
    /// Excluded instruments.
    pub instruments: Vec<(String, &'a [f64])>,
}

/// Fits `y ~ exog + endog` by 2SLS with `instruments`; returns the second stage (coefficients
/// of the exogenous regressors, then the endogenous ones) and one first stage per endogenous
/// regressor.
pub fn fit_iv(
    iv: &IvData,
    opts: &OlsOptions,
) -> Result<(OlsResult, Vec<FirstStage>), EstimationError> {
    if iv.instruments.len() < iv.endogenous.len() {
        return Err(EstimationError::Invalid(format!(
            "{} instrument(s) cannot identify {} endogenous regressor(s): give at least as many instruments",
            iv.instruments.len(),
            iv.endogenous.len()
        )));
    }
    // One sample for every stage: rows complete in every column.
    let mut all = iv.data.x.clone();
    all.extend(iv.endogenous.iter().cloned());
    all.extend(iv.instruments.iter().cloned());
    let prep_data = OlsData {
        coords: None,
        x: all,
        ..iv.data.clone()
    };
    let prepared = Prepared::new(&prep_data, opts)?;
    let mut cols: Vec<&[f64]> = vec![iv.data.y];
    cols.extend(prep_data.x.iter().map(|(_, c)| *c));
    let mut t = prepared.transform(&cols);
    let yt = t.remove(0);
    let k_exog = iv.data.x.len();
    let k_endog = iv.endogenous.len();
    let exog_t: Vec<Transformed> = t.drain(..k_exog).collect();
    let endog_t: Vec<Transformed> = t.drain(..k_endog).collect();
    let instr_t: Vec<Transformed> = t;
    // An instrument the fixed effects absorb carries no exclusion: name it.
    if !iv.data.fe.is_empty() {
        for ((name, _), t) in iv.instruments.iter().zip(&instr_t) {
            let ss: f64 = t.values.iter().map(|v| v * v).sum();
            if ss <= opts.collin_tol * t.raw_ss.max(f64::MIN_POSITIVE) {
                return Err(EstimationError::Invalid(format!(
                    "the instrument `{name}` is absorbed by the fixed effects: it does not vary within them"
                )));
            }
        }
    }
    // The instruments' column space: exogenous regressors, instruments, and the intercept when
    // no FE is absorbed.
    let mut z: Vec<Vec<f64>> = exog_t
        .iter()
        .chain(&instr_t)
        .map(|c| c.values.clone())
        .collect();
    if iv.data.fe.is_empty() {
        let ones = vec![1.0; iv.data.y.len()];
        z.insert(0, prepared.transform(&[&ones]).remove(0).values);
    }
    let n = yt.values.len();
    let kz = z.len();
    let ztz = Mat::from_fn(kz, kz, |a, b| dot(&z[a], &z[b]));
    let llt = ztz.llt(Side::Lower).map_err(|_| {
        EstimationError::Invalid(
            "the instruments are collinear with the exogenous regressors or absorbed by the fixed effects".into(),
        )
    })?;
    let mut first = Vec::new();
    let mut endog_hat = Vec::new();
    for ((name, raw), et) in iv.endogenous.iter().zip(&endog_t) {
        let zty = Mat::from_fn(kz, 1, |a, _| dot(&z[a], &et.values));
        let pi = llt.solve(&zty);
        let fitted: Vec<f64> = (0..n)
            .map(|i| (0..kz).map(|a| pi[(a, 0)] * z[a][i]).sum())
            .collect();
        endog_hat.push(Transformed {
            values: fitted,
            ..et.clone()
        });
        // The first stage as a regression of its own, for its table and F test.
        let xt: Vec<(String, Transformed)> = iv
            .data
            .x
            .iter()
            .map(|(n, _)| n.clone())
            .zip(exog_t.iter().cloned())
            .chain(
                iv.instruments
                    .iter()
                    .map(|(n, _)| n.clone())
                    .zip(instr_t.iter().cloned()),
            )
            .collect();
        let r1 = prepared.estimate(name, raw, et.clone(), xt)?;
        let excluded: Vec<String> = iv.instruments.iter().map(|(n, _)| n.clone()).collect();
        let f_test = crate::vcov::wald_subset(&r1, &excluded);
        first.push(FirstStage {
            endogenous: name.clone(),
            result: r1,
            f_test,
        });
    }
    let names: Vec<String> = iv
        .data
        .x
        .iter()
        .chain(&iv.endogenous)
        .map(|(n, _)| n.clone())
        .collect();
    let x_actual: Vec<(String, Transformed)> = names
        .iter()
        .cloned()
        .zip(exog_t.iter().cloned().chain(endog_t))
        .collect();
    let xhat: Vec<Transformed> = exog_t.into_iter().chain(endog_hat).collect();
    let r = prepared.estimate_with(&iv.data.y_name, iv.data.y, yt, x_actual, Some(xhat))?;
    Ok((r, first))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
