//! Sun and Abraham (2021) interaction-weighted event study: cohort x relative-period effects
//! from one saturated TWFE regression (never-treated units as controls, period -1 omitted),
//! aggregated per relative period with the cohorts' shares of the period's observations, as
//! fixest's `sunab()` and pyfixest's saturated event study do.

use crate::result::{Coefficient, OlsResult};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// One saturated-regression coefficient: its cohort (first treated period) and relative period.
#[derive(Debug, Clone)]
pub struct CohortCell {
    /// Coefficient name, `sa::{cohort}::{rel}`.
    pub name: String,
    /// First treated period.
    pub cohort: i64,
    /// Period relative to the cohort.
    pub rel: i64,
}

/// The saturated design of a Sun-Abraham regression.
pub struct Saturated {
    /// Cohort x relative-period cells (relative period -1 omitted), by cohort then period.
    pub cells: Vec<CohortCell>,
    /// The (cohort, relative period) of each panel row; None for never-treated units.
    pub row_cell: Vec<Option<(i64, i64)>>,
    /// One 0/1 column per cell over every panel row, named `sa::{cohort}::{rel}`.
    pub dummies: Vec<(String, Vec<f64>)>,
}

/// The cohort of each unit (the first sample period in which it is treated, `time >= adopt`)
/// and the saturated cells. `unit`, `time` and `adopt` (NaN: never) cover every panel row;
/// `in_sample` lists the rows of the model's sample, which alone define cohorts and cells.
pub fn saturate(unit: &[u32], time: &[f64], adopt: &[f64], in_sample: &[usize]) -> Saturated {
    let n_units = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let mut cohort: Vec<Option<i64>> = vec![None; n_units];
    for &r in in_sample {
        let (a, t) = (adopt[r], time[r]);
        if a.is_finite() && t >= a {
            let c = &mut cohort[unit[r] as usize];
            *c = Some(c.map_or(t as i64, |c| c.min(t as i64)));
        }
    }
    let row_cell: Vec<Option<(i64, i64)>> = (0..unit.len())
        .map(|r| cohort[unit[r] as usize].map(|g| (g, time[r] as i64 - g)))
        .collect();
    let mut cells: Vec<CohortCell> = Vec::new();
    for &r in in_sample {
        if let Some((g, l)) = row_cell[r] {
            if l != -1 && !cells.iter().any(|c| c.cohort == g && c.rel == l) {
                cells.push(CohortCell {
                    name: format!("sa::{g}::{l}"),
                    cohort: g,
                    rel: l,
                });
            }
        }
    }
    cells.sort_by_key(|c| (c.cohort, c.rel));
    let dummies = cells
        .iter()
        .map(|c| {
            let col = row_cell
                .iter()
                .map(|rc| f64::from(u8::from(*rc == Some((c.cohort, c.rel)))))
                .collect();
            (c.name.clone(), col)
        })
        .collect();
    Saturated {
        cells,
        row_cell,
        dummies,
    }
}

/// Interaction weights: for l >= 0 the share of cohort g among treated observations at l; for
/// l < 0 its share among not-yet-treated observations of eventually treated units at l.
/// `rows`: (cohort, rel, treated) of every row of eventually treated units in the sample.
pub fn period_weights(rows: &[(i64, i64, bool)]) -> std::collections::BTreeMap<(i64, i64), f64> {
    use std::collections::BTreeMap;
    let mut cell: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    let mut total: BTreeMap<i64, f64> = BTreeMap::new();
    for &(g, l, treated) in rows {
        if (l >= 0 && treated) || (l < 0 && !treated) {
            *cell.entry((g, l)).or_default() += 1.0;
            *total.entry(l).or_default() += 1.0;
        }
    }
    cell.into_iter()
        .map(|((g, l), c)| ((g, l), c / total[&l]))
        .collect()
}

/// The overall ATT (fixest's `agg = "ATT"`): the post-period cells' coefficients weighted by
/// their numbers of treated observations (`rows` as for [`period_weights`]), with the delta-method
/// standard error `sqrt(w' V w)` from the saturated fit. None without a post-period cell.
pub fn overall_att(
    fit: &OlsResult,
    cells: &[CohortCell],
    rows: &[(i64, i64, bool)],
) -> Option<(f64, f64)> {
    let mut count: std::collections::BTreeMap<(i64, i64), f64> = std::collections::BTreeMap::new();
    for &(g, l, treated) in rows {
        if l >= 0 && treated {
            *count.entry((g, l)).or_default() += 1.0;
        }
    }
    let k = fit.coefficients.len();
    let mut w = vec![0.0; k];
    for c in cells.iter().filter(|c| c.rel >= 0) {
        if let (Some(i), Some(n)) = (
            fit.coefficients.iter().position(|x| x.name == c.name),
            count.get(&(c.cohort, c.rel)),
        ) {
            w[i] = *n;
        }
    }
    let total: f64 = w.iter().sum();
    if total == 0.0 {
        return None;
    }
    w.iter_mut().for_each(|v| *v /= total);
    let est: f64 = (0..k).map(|i| w[i] * fit.coefficients[i].estimate).sum();
    let var: f64 = (0..k)
        .map(|i| w[i] * (0..k).map(|j| fit.vcov[i][j] * w[j]).sum::<f64>())
        .sum();
    Some((est, var.max(0.0).sqrt()))
}

/// The aggregated event-time effects as a result of their own: one coefficient per relative
/// period (`{prefix}::{l}`), with the covariance R V R' of the linear combinations and the t
/// distribution of the saturated fit.
pub fn aggregate(
    fit: &OlsResult,
    cells: &[CohortCell],
    weights: &std::collections::BTreeMap<(i64, i64), f64>,
    prefix: &str,
    level: f64,
) -> OlsResult {
    let index: std::collections::HashMap<&str, usize> = fit
        .coefficients
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let mut periods: Vec<i64> = cells.iter().map(|c| c.rel).collect();
    periods.sort_unstable();
    periods.dedup();
    let k = fit.coefficients.len();
    let rows: Vec<(i64, Vec<f64>)> = periods
        .iter()
        .map(|&l| {
            let mut r = vec![0.0; k];
            for c in cells.iter().filter(|c| c.rel == l) {
                if let (Some(&i), Some(&w)) =
                    (index.get(c.name.as_str()), weights.get(&(c.cohort, l)))
                {
                    r[i] = w;
                }
            }
            (l, r)
        })
        .filter(|(_, r)| r.iter().any(|w| *w != 0.0))
        .collect();
    let beta: Vec<f64> = fit.coefficients.iter().map(|c| c.estimate).collect();
    let rv = |a: &[f64], b: &[f64]| -> f64 {
        (0..k)
            .map(|i| a[i] * (0..k).map(|j| fit.vcov[i][j] * b[j]).sum::<f64>())
            .sum()
    };
    let vcov: Vec<Vec<f64>> = rows
        .iter()
        .map(|(_, a)| rows.iter().map(|(_, b)| rv(a, b)).collect())
        .collect();
    let tdist = StudentsT::new(0.0, 1.0, fit.df_t).ok();
    let q = tdist
        .as_ref()
        .map_or(1.96, |t| t.inverse_cdf(1.0 - (1.0 - level) / 2.0));
    let coefficients = rows
        .iter()
        .enumerate()
        .map(|(i, (l, r))| {
            let est: f64 = r.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let se = vcov[i][i].max(0.0).sqrt();
            Coefficient::event(prefix, l, est, se, q, |t| {
                tdist.as_ref().map_or(f64::NAN, |d| 2.0 * d.sf(t.abs()))
            })
        })
        .collect();
    OlsResult {
        coefficients,
        vcov,
        wald: None,
        ..fit.clone()
    }
}
