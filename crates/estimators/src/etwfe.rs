//! Extended two-way fixed effects (Wooldridge 2021, 2025), as R's `etwfe` and its Python port
//! compute it for a linear model: one regression of the outcome on a dummy per treated cohort x
//! period cell (t >= g) with unit and period FE, the not-yet-treated observations (and the
//! never-treated) as the baseline; with controls, also each cell's dummy times each control
//! demeaned within its cohort, and the control with its cohort and period interactions (etwfe's
//! default `fe = "feo"`). Each cell's effect is its dummy's coefficient plus its interactions'
//! times the control's mean over the cell; the cells are then averaged with their observation
//! counts (`emfx`: simple, by event time, by cohort, by period), with delta-method standard
//! errors `sqrt(a' V a)` from the regression's vcov and normal inference.

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
    /// Controls (name, values; NaN missing), as etwfe's `y ~ x1 + x2`.
    pub controls: Vec<(String, &'a [f64])>,
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
    // Rows the regression uses: the outcome and every control present.
    let used =
        |r: usize| inp.y[r].is_finite() && inp.controls.iter().all(|(_, x)| x[r].is_finite());
    let mut cells: Vec<(i64, i64)> = (0..n).filter(|&r| used(r)).filter_map(cell_of).collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.is_empty() {
        return Err(EstimationError::Invalid(
            "ETWFE: no treated observation (no row at or after its unit's `adopt`)".into(),
        ));
    }
    let name = |(g, t): (i64, i64)| format!("cell::{g}::{t}");
    let indicator = |c: (i64, i64)| -> Vec<f64> {
        (0..n)
            .map(|r| f64::from(u8::from(cell_of(r) == Some(c))))
            .collect()
    };
    let mut columns: Vec<(String, Vec<f64>)> =
        cells.iter().map(|&c| (name(c), indicator(c))).collect();
    // Controls (etwfe's `y ~ x`): each cell's dummy times the control demeaned within its
    // cohort (never-treated units one cohort), then the control itself and its interactions
    // with the treated cohorts and with the periods after the first.
    let last = inp
        .times
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let cohort = |r: usize| -> Option<i64> {
        let g = inp.adopt[r];
        (g.is_finite() && g <= last).then(|| g.round() as i64)
    };
    let mut cohorts: Vec<i64> = (0..n).filter_map(cohort).collect();
    cohorts.sort_unstable();
    cohorts.dedup();
    let mut periods: Vec<i64> = inp
        .times
        .iter()
        .filter(|t| t.is_finite())
        .map(|t| t.round() as i64)
        .collect();
    periods.sort_unstable();
    periods.dedup();
    let mut demeaned: Vec<Vec<f64>> = Vec::new();
    for (xname, x) in &inp.controls {
        let mut sums: std::collections::HashMap<Option<i64>, (f64, f64)> = Default::default();
        for r in (0..n).filter(|&r| x[r].is_finite()) {
            let e = sums.entry(cohort(r)).or_insert((0.0, 0.0));
            e.0 += x[r];
            e.1 += 1.0;
        }
        let dm: Vec<f64> = (0..n)
            .map(|r| {
                let (s, k) = sums.get(&cohort(r)).copied().unwrap_or((0.0, 1.0));
                x[r] - s / k
            })
            .collect();
        for &c in &cells {
            let d = indicator(c);
            columns.push((
                format!("{}::{xname}", name(c)),
                d.iter().zip(&dm).map(|(a, b)| a * b).collect(),
            ));
        }
        demeaned.push(dm);
    }
    for (xname, x) in &inp.controls {
        columns.push((xname.clone(), x.to_vec()));
        for &g in &cohorts {
            let v = (0..n)
                .map(|r| if cohort(r) == Some(g) { x[r] } else { 0.0 })
                .collect();
            columns.push((format!("cohort::{g}:{xname}"), v));
        }
        for &p in periods.iter().skip(1) {
            let v = (0..n)
                .map(|r| {
                    if inp.times[r].round() as i64 == p {
                        x[r]
                    } else {
                        0.0
                    }
                })
                .collect();
            columns.push((format!("period::{p}:{xname}"), v));
        }
    }
    let data = OlsData {
        coords: None,
        y_name: inp.y_name.to_string(),
        y: inp.y,
        x: columns
            .iter()
            .map(|(k, v)| (k.clone(), v.as_slice()))
            .collect(),
        fe: vec![
            (inp.units.0.to_string(), inp.units.1),
            (inp.periods.0.to_string(), inp.periods.1),
        ],
        weights: None,
        clusters: inp.clusters.clone(),
    };
    let r = crate::ols::fit(&data, opts)?;
    let position = |k: &str| r.coefficients.iter().position(|c| c.name == k);
    // Each cell's effect as a combination of the coefficients: its dummy's, plus each
    // control interaction's times the control's mean (demeaned) over the cell's rows.
    let mut gradients: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut counts = Vec::new();
    for &c in &cells {
        let p = position(&name(c)).ok_or_else(|| {
            EstimationError::Invalid(format!(
                "ETWFE: the effect of cohort {} in period {} is not identified (no untreated comparison in that period)",
                c.0, c.1
            ))
        })?;
        let rows: Vec<usize> = (0..n)
            .filter(|&r| used(r) && cell_of(r) == Some(c))
            .collect();
        let mut grad = vec![(p, 1.0)];
        for ((xname, _), dm) in inp.controls.iter().zip(&demeaned) {
            if let Some(q) = position(&format!("{}::{xname}", name(c))) {
                grad.push((
                    q,
                    rows.iter().map(|&i| dm[i]).sum::<f64>() / rows.len() as f64,
                ));
            }
        }
        gradients.push(grad);
        counts.push(rows.len());
    }
    let beta: Vec<f64> = r.coefficients.iter().map(|c| c.estimate).collect();
    let value = |a: &[(usize, f64)]| a.iter().map(|(i, w)| w * beta[*i]).sum::<f64>();
    let variance = |a: &[(usize, f64)]| {
        a.iter()
            .map(|(i, wi)| {
                a.iter()
                    .map(|(j, wj)| wi * wj * r.vcov[*i][*j])
                    .sum::<f64>()
            })
            .sum::<f64>()
    };
    let cells: Vec<Cell> = cells
        .iter()
        .zip(&gradients)
        .zip(&counts)
        .map(|((&(g, t), grad), &nobs)| Cell {
            cohort: g,
            period: t,
            estimate: value(grad),
            std_error: variance(grad).sqrt(),
            nobs,
        })
        .collect();
    let q = crate::multitest::normal_quantile(1.0 - (1.0 - opts.level) / 2.0);
    // The count-weighted average of the cells `which` selects, with sqrt(a' V a).
    let aggregate = |key: i64, which: &dyn Fn(&Cell) -> bool| -> Aggregate {
        let sel: Vec<usize> = (0..cells.len()).filter(|&i| which(&cells[i])).collect();
        let total: f64 = sel.iter().map(|&i| cells[i].nobs as f64).sum();
        let mut a: Vec<(usize, f64)> = Vec::new();
        for &i in &sel {
            let share = cells[i].nobs as f64 / total;
            a.extend(gradients[i].iter().map(|(p, w)| (*p, share * w)));
        }
        let estimate = value(&a);
        let std_error = variance(&a).sqrt();
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
