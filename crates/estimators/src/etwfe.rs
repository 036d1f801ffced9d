//! Extended two-way fixed effects (Wooldridge 2021, 2025), as R's `etwfe` and its Python port
//! compute it for a linear model without covariates: one regression of the outcome on a dummy
//! per treated cohort x period cell (t >= g) with unit and period FE, the not-yet-treated
//! observations (and the never-treated) as the baseline; then the cells' effects averaged
//! with their observation counts (`emfx`: simple, by event time, by cohort, by period), with
//! delta-method standard errors `sqrt(a' V a)` from the regression's vcov and normal inference.

use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions};
use crate::result::{Coefficient, OlsResult};
use serde::{Deserialize, Serialize};

/// The panel ETWFE reads: one entry per row.
pub struct EtwfeInput<'a> {
    /// Name of the outcome.
    pub y_name: &'a str,
    /// The outcome (NaN missing).
    pub y: &'a [f64],
    /// Unit codes and the unit FE's name.
    pub units: (&'a str, &'a [u32]),
    /// Period codes and the period FE's name.
    pub periods: (&'a str, &'a [u32]),
    /// Integral periods.
    pub times: &'a [f64],
    /// The first treated period of the row's unit; NaN for a unit never treated.
    pub adopt: &'a [f64],
    /// Cluster variables (name, codes) of the regression's vcov.
    pub clusters: Vec<(String, &'a [u32])>,
}

/// One treated cohort x period cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// First treated period of the cohort.
    pub cohort: i64,
    /// Calendar period.
    pub period: i64,
    /// The cell's effect.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Observations in the cell (the aggregations' weights).
    pub nobs: usize,
}

/// One aggregated effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Event time, cohort or period (0 for the simple ATT).
    pub key: i64,
    /// The average effect.
    pub estimate: f64,
    /// Its delta-method standard error.
    pub std_error: f64,
    /// Two-sided normal p-value.
    pub p_value: f64,
    /// Normal confidence interval.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
}

/// ETWFE's cells and aggregations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Etwfe {
    /// Every treated cohort x period effect.
    pub cells: Vec<Cell>,
    /// The ATT over every treated observation.
    pub simple: Aggregate,
    /// By event time t - g.
    pub event: Vec<Aggregate>,
    /// By cohort.
    pub group: Vec<Aggregate>,
    /// By calendar period.
    pub calendar: Vec<Aggregate>,
}

/// Estimates ETWFE on `inp`; `opts` are the regression's inference options (`level` sets the
/// intervals). Also returns the regression's result (the table's fit statistics).
pub fn etwfe(inp: &EtwfeInput, opts: &OlsOptions) -> Result<(Etwfe, OlsResult), EstimationError> {
    let n = inp.y.len();
    let cell_of = |r: usize| -> Option<(i64, i64)> {
        let (g, t) = (inp.adopt[r], inp.times[r]);
        (!g.is_nan() && t >= g).then(|| (g.round() as i64, t.round() as i64))
    };
    let mut cells: Vec<(i64, i64)> = (0..n)
        .filter(|&r| inp.y[r].is_finite())
        .filter_map(cell_of)
        .collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.is_empty() {
        return Err(EstimationError::Invalid(
            "ETWFE: no treated observation (no row at or after its unit's `adopt`)".into(),
        ));
    }
    let name = |(g, t): (i64, i64)| format!("cell::{g}::{t}");
    let columns: Vec<Vec<f64>> = cells
        .iter()
        .map(|&c| {
            (0..n)
                .map(|r| f64::from(u8::from(cell_of(r) == Some(c))))
                .collect()
        })
        .collect();
    let data = OlsData {
        coords: None,
        y_name: inp.y_name.to_string(),
        y: inp.y,
        x: cells
            .iter()
            .zip(&columns)
            .map(|(&c, v)| (name(c), v.as_slice()))
            .collect(),
        fe: vec![
            (inp.units.0.to_string(), inp.units.1),
            (inp.periods.0.to_string(), inp.periods.1),
        ],
        weights: None,
        clusters: inp.clusters.clone(),
    };
    let r = crate::ols::fit(&data, opts)?;
    // Each cell's position among the fit's coefficients; a cell the FE absorb has none.
    let pos: Vec<usize> = cells
        .iter()
        .map(|&c| {
            r.coefficients
                .iter()
                .position(|k| k.name == name(c))
                .ok_or_else(|| {
                    EstimationError::Invalid(format!(
                        "ETWFE: the effect of cohort {} in period {} is not identified (no untreated comparison in that period)",
                        c.0, c.1
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    let count = |c: (i64, i64)| {
        (0..n)
            .filter(|&r| inp.y[r].is_finite() && cell_of(r) == Some(c))
            .count()
    };
    let cells: Vec<Cell> = cells
        .iter()
        .zip(&pos)
        .map(|(&(g, t), &p)| Cell {
            cohort: g,
            period: t,
            estimate: r.coefficients[p].estimate,
            std_error: r.coefficients[p].std_error,
            nobs: count((g, t)),
        })
        .collect();
    let q = crate::multitest::normal_quantile(1.0 - (1.0 - opts.level) / 2.0);
    // The count-weighted average of the cells `which` selects, with sqrt(a' V a).
    let aggregate = |key: i64, which: &dyn Fn(&Cell) -> bool| -> Aggregate {
        let sel: Vec<usize> = (0..cells.len()).filter(|&i| which(&cells[i])).collect();
        let total: f64 = sel.iter().map(|&i| cells[i].nobs as f64).sum();
        let a: Vec<f64> = sel.iter().map(|&i| cells[i].nobs as f64 / total).collect();
        let estimate = sel
            .iter()
            .zip(&a)
            .map(|(&i, w)| w * cells[i].estimate)
            .sum();
        let var: f64 = sel
            .iter()
            .zip(&a)
            .map(|(&i, wi)| {
                sel.iter()
                    .zip(&a)
                    .map(|(&j, wj)| wi * wj * r.vcov[pos[i]][pos[j]])
                    .sum::<f64>()
            })
            .sum();
        let std_error = var.sqrt();
        let z: f64 = estimate / std_error;
        Aggregate {
            key,
            estimate,
            std_error,
            p_value: crate::multitest::normal_p(z),
            ci_low: estimate - q * std_error,
            ci_high: estimate + q * std_error,
        }
    };
    let by = |f: &dyn Fn(&Cell) -> i64| -> Vec<Aggregate> {
        let mut keys: Vec<i64> = cells.iter().map(f).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|k| aggregate(k, &|c: &Cell| f(c) == k))
            .collect()
    };
    let result = Etwfe {
        simple: aggregate(0, &|_| true),
        event: by(&|c| c.period - c.cohort),
        group: by(&|c| c.cohort),
        calendar: by(&|c| c.period),
        cells,
    };
    Ok((result, r))
}

impl Etwfe {
    /// The table's result: the event-time averages `prefix::e` on the regression's fit
    /// statistics; no vcov (the averages share the regression's only through their weights,
    /// and nothing that needs one, such as HonestDiD, is offered).
    pub fn as_result(&self, fit: OlsResult, prefix: &str) -> OlsResult {
        let coefficients = self
            .event
            .iter()
            .map(|a| {
                Coefficient::event_given(
                    prefix,
                    a.key,
                    a.estimate,
                    a.std_error,
                    a.p_value,
                    (a.ci_low, a.ci_high),
                )
            })
            .collect();
        OlsResult {
            coefficients,
            vcov: Vec::new(),
            ..fit
        }
        .without_fit_statistics()
    }
}
