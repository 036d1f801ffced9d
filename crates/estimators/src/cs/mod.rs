//! Callaway and Sant'Anna (2021) group-time average treatment effects for staggered adoption, as
//! R's `did` 2.5 and Python's `csdid` compute them (pinned to 1e-8 by `tests/reference/`):
//!
//! - never-treated or not-yet-treated controls, anticipation periods;
//! - a varying base period (pre-treatment cells compare adjacent periods) or a universal one
//!   (every cell compares with the cohort's last pre-treatment period; that cell is 0 by
//!   construction and has no standard error);
//! - unconditional, or with base-period covariates by outcome regression, IPW or doubly robust
//!   (`did2x2.rs`);
//! - sampling weights, one per unit (`did`'s `weightsname`);
//! - analytic standard errors from the influence functions, clustered by the unit or by a
//!   variable constant within units (`did`'s `clustervars`: the influence function is summed
//!   within clusters);
//! - balanced panels, or unbalanced ones (`did`'s `allow_unbalanced_panel`): then each ATT(g,t)
//!   uses every observation of a treated or control unit in period t or in the base period, as
//!   repeated cross sections (four weighted means), and each unit's influence is the sum over its
//!   observations. A unit observed in only one of the two periods still enters that cell;
//! - repeated cross-sections (`did`'s `panel = FALSE`, `CsData::repeated`): every row is its own
//!   observation, each ATT(g,t) compares the cohort's and its controls' observations of the two
//!   periods by Sant'Anna and Zhao's estimators with the rows' own covariates (`rc.rs`), and the
//!   aggregations weight cohorts by their share of observations (pinned to moderndid 0.2).
//!
//! Aggregations: one ATT ("simple"), by event time ("dynamic"), by group and by calendar period,
//! with the estimated group shares' own influence as `did` has it. `bootstrap.rs` holds the
//! multiplier bootstrap; `result.rs` the dynamic effects as a result table.

// Index loops mirror the formulas.
#![allow(clippy::needless_range_loop)]

mod bootstrap;
mod did2x2;
mod rc;
mod result;

pub use bootstrap::{multiplier_bootstrap, CsBootstrap};

use crate::error::EstimationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which units serve as controls of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsControl {
    /// Units never treated in the sample.
    NeverTreated,
    /// Units never treated and units not yet treated by the later of the cell's two periods.
    NotYetTreated,
}

/// How covariates enter (ignored without covariates, where all three coincide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsMethod {
    /// Outcome regression (Heckman, Ichimura and Todd 1997); `reg` in `did`.
    #[serde(alias = "reg")]
    Or,
    /// Normalised inverse probability weighting (Abadie 2005).
    Ipw,
    /// Doubly robust (Sant'Anna and Zhao 2020), `did`'s default.
    Dr,
}

/// The period pre-treatment cells compare with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsBasePeriod {
    /// The previous period (`did`'s default): pre-treatment cells are period-on-period changes.
    #[default]
    Varying,
    /// The cohort's last pre-treatment period for every cell, as in a TWFE event study.
    Universal,
}

/// The choices of a Callaway-Sant'Anna estimation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsSettings {
    /// Which units are controls.
    pub control: CsControl,
    /// Periods before adoption in which units may already react.
    pub anticipation: i64,
    /// How covariates enter.
    pub method: CsMethod,
    /// The base period of pre-treatment cells.
    #[serde(default)]
    pub base_period: CsBasePeriod,
    /// Estimate on an unbalanced panel (else an unbalanced panel is an error).
    #[serde(default)]
    pub allow_unbalanced: bool,
}

/// The data of a Callaway-Sant'Anna estimation, one entry per row of the sample.
pub struct CsData<'a> {
    /// Unit codes.
    pub unit: &'a [u32],
    /// Integer periods.
    pub time: &'a [i64],
    /// First treated period of the row's unit (None: never).
    pub adopt: &'a [Option<i64>],
    /// The outcome; a row with a missing outcome is not observed.
    pub y: &'a [f64],
    /// Covariates; their base-period values enter each cell.
    pub covariates: &'a [Vec<f64>],
    /// Sampling weights, constant within units.
    pub weights: Option<&'a [f64]>,
    /// Cluster codes, constant within units (on repeated cross-sections: any codes).
    pub cluster: Option<&'a [u32]>,
    /// Repeated cross-sections (`did`'s `panel = FALSE`): each row is its own observation,
    /// seen in one period; `unit` is not read, and each ATT(g,t) compares the four cells of
    /// its cohort and controls before and after (`rc.rs`).
    pub repeated: bool,
}

/// One group-time average treatment effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttGt {
    /// The cohort: first treated period.
    pub group: i64,
    /// The period.
    pub time: i64,
    /// ATT(g,t).
    pub att: f64,
    /// Analytic standard error; NaN (null) for the base cell of a universal base period.
    #[serde(with = "crate::result::nan_as_null")]
    pub std_error: f64,
}

/// One aggregated effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsAggregate {
    /// Event time for the dynamic aggregation; None for the overall ATT.
    pub event_time: Option<i64>,
    /// The aggregated effect.
    pub att: f64,
    /// Its standard error; NaN (null) where undefined (the universal base cell).
    #[serde(with = "crate::result::nan_as_null")]
    pub std_error: f64,
}

/// Group-time effects, their aggregations and how they were computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallawaySantAnna {
    /// Which units were controls.
    pub control: CsControl,
    /// Periods before adoption in which units may already react (the base period moves back).
    pub anticipation: i64,
    /// The base period of pre-treatment cells.
    #[serde(default)]
    pub base_period: CsBasePeriod,
    /// Units in the estimation.
    pub n_units: usize,
    /// Clusters of the standard errors, when clustered above the unit.
    #[serde(default)]
    pub n_clusters: Option<usize>,
    /// Whether sampling weights were used.
    #[serde(default)]
    pub weighted: bool,
    /// Whether the panel was unbalanced (cells estimated as repeated cross sections).
    #[serde(default)]
    pub unbalanced: bool,
    /// Whether the data were repeated cross-sections (`n_units` then counts observations).
    #[serde(default)]
    pub repeated: bool,
    /// ATT(g,t), by group then period.
    pub cells: Vec<AttGt>,
    /// Weighted by group size over post-treatment cells (`did`'s "simple").
    pub simple: CsAggregate,
    /// Effect by event time.
    pub dynamic: Vec<CsAggregate>,
    /// Average effect of each group over its post-treatment periods (`event_time` holds the group).
    pub group: Vec<CsAggregate>,
    /// Effect in each calendar period across the groups treated by then (`event_time` holds the period).
    pub calendar: Vec<CsAggregate>,
    /// Multiplier bootstrap of the dynamic effects with a uniform (simultaneous) band.
    #[serde(default)]
    pub bootstrap: Option<CsBootstrap>,
    /// Covariance of the dynamic effects, from their influence functions.
    pub dynamic_vcov: Vec<Vec<f64>>,
    /// Influence functions of the dynamic effects (one value per unit), for the bootstrap.
    #[serde(skip)]
    pub dynamic_if: Vec<Vec<f64>>,
}

fn invalid(msg: impl Into<String>) -> EstimationError {
    EstimationError::Invalid(msg.into())
}

/// One value per unit from a column that must be constant within units.
fn per_unit<T: Copy + PartialEq>(
    unit: &[u32],
    values: &[T],
    n: usize,
    what: &str,
) -> Result<Vec<Option<T>>, EstimationError> {
    let mut out: Vec<Option<T>> = vec![None; n];
    for (&u, &v) in unit.iter().zip(values) {
        match out[u as usize] {
            None => out[u as usize] = Some(v),
            Some(w) if w != v => {
                return Err(invalid(format!(
                "Callaway-Sant'Anna takes {what} constant within each unit; unit {} has two values",
                u
            )))
            }
            Some(_) => {}
        }
    }
    Ok(out)
}

/// Callaway-Sant'Anna on `data`. Rows with a missing outcome, weight or covariate are not
/// observed; units are those with at least one observed row.
pub fn callaway_santanna(
    data: &CsData,
    settings: CsSettings,
) -> Result<CallawaySantAnna, EstimationError> {
    let CsSettings {
        control,
        anticipation,
        method,
        base_period,
        allow_unbalanced,
    } = settings;
    let universal = base_period == CsBasePeriod::Universal;
    // Observed rows, and units renumbered densely over them.
    let rows: Vec<usize> = (0..data.y.len())
        .filter(|&i| {
            data.y[i].is_finite()
                && data.weights.is_none_or(|w| w[i].is_finite())
                && data.covariates.iter().all(|c| c[i].is_finite())
        })
        .collect();
    if rows.is_empty() {
        return Err(invalid("Callaway-Sant'Anna: no row has the outcome"));
    }
    // On repeated cross-sections every observed row is its own unit.
    let unit: Vec<u32> = if data.repeated {
        (0..rows.len() as u32).collect()
    } else {
        let mut dense: BTreeMap<u32, u32> = BTreeMap::new();
        for &i in &rows {
            let next = dense.len() as u32;
            dense.entry(data.unit[i]).or_insert(next);
        }
        rows.iter().map(|&i| dense[&data.unit[i]]).collect()
    };
    let n = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let pick = |col: &[f64]| -> Vec<f64> { rows.iter().map(|&i| col[i]).collect() };
    let time: Vec<i64> = rows.iter().map(|&i| data.time[i]).collect();
    let mut periods = time.clone();
    periods.sort_unstable();
    periods.dedup();
    let t_n = periods.len();
    let (first, last) = (periods[0], periods[t_n - 1]);
    let pidx: BTreeMap<i64, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();

    let adopt: Vec<Option<i64>> = rows.iter().map(|&i| data.adopt[i]).collect();
    let g_of: Vec<Option<i64>> = per_unit(&unit, &adopt, n, "the adoption period")?
        .into_iter()
        // A unit first treated after the last period is never treated in the sample (also with
        // anticipation: `did` would keep it as a cohort anticipating in the last periods).
        .map(|g| g.flatten().filter(|&a| a <= last))
        .collect();
    if g_of.iter().any(|g| g.is_some_and(|a| a <= first)) {
        return Err(invalid(
            "units treated in the first period are not supported: drop them or start the sample earlier",
        ));
    }
    let w_of: Vec<f64> = match data.weights {
        None => vec![1.0; n],
        Some(w) => {
            let w = pick(w);
            let per = per_unit(&unit, &w, n, "the weight")?;
            let w: Vec<f64> = per.into_iter().map(|w| w.unwrap_or(0.0)).collect();
            if w.iter().any(|v| *v < 0.0) || w.iter().sum::<f64>() <= 0.0 {
                return Err(invalid(
                    "Callaway-Sant'Anna weights must be non-negative with a positive sum",
                ));
            }
            w
        }
    };
    let cluster_of: Option<Vec<u32>> = match data.cluster {
        None => None,
        Some(c) => {
            let c: Vec<u32> = rows.iter().map(|&i| c[i]).collect();
            let per = per_unit(
                &unit,
                &c,
                n,
                "the cluster (it must be at or above the unit)",
            )?;
            Some(per.into_iter().map(|c| c.unwrap_or(0)).collect())
        }
    };
    let n_clusters = cluster_of.as_ref().map(|c| {
        let mut s = c.clone();
        s.sort_unstable();
        s.dedup();
        s.len()
    });

    let y = pick(data.y);
    // Repeated cross-sections: the observations of each period, and their covariates.
    let (by_period, x_rows) = if data.repeated {
        let mut by: Vec<Vec<usize>> = vec![Vec::new(); t_n];
        for (r, t) in time.iter().enumerate() {
            by[pidx[t]].push(r);
        }
        (by, data.covariates.iter().map(|c| pick(c)).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    // A panel's outcomes (and covariates) per unit and period; NaN where a unit is not observed.
    let (t_panel, n_panel) = if data.repeated { (0, 0) } else { (t_n, n) };
    let mut yy = vec![vec![f64::NAN; t_panel]; n_panel];
    let mut xx = vec![vec![vec![0.0; t_panel]; n_panel]; data.covariates.len()];
    if !data.repeated {
        for (r, &i) in rows.iter().enumerate() {
            let (u, p) = (unit[r] as usize, pidx[&time[r]]);
            yy[u][p] = y[r];
            for (c, col) in data.covariates.iter().enumerate() {
                xx[c][u][p] = col[i];
            }
        }
    }
    let missing = yy.iter().filter(|r| r.iter().any(|v| v.is_nan())).count();
    let unbalanced = missing > 0;
    if unbalanced && !allow_unbalanced {
        return Err(invalid(format!(
            "the panel is unbalanced: {missing} of {n} units lack the outcome in some period"
        )));
    }
    if unbalanced && !data.covariates.is_empty() {
        return Err(invalid(
            "covariates on an unbalanced panel are not supported yet",
        ));
    }

    let groups: Vec<i64> = {
        let mut g: Vec<i64> = g_of.iter().flatten().copied().collect();
        g.sort_unstable();
        g.dedup();
        g
    };
    let nf = n as f64;
    // Standard error of a statistic with influence function `f` (one value per unit, scaled so
    // that Var = sum f^2 / n^2): summed within clusters when clustered; NaN when not positive.
    let se_of = |f: &[f64]| -> f64 {
        let ss = match &cluster_of {
            None => f.iter().map(|x| x * x).sum::<f64>(),
            Some(c) => {
                let mut sums: BTreeMap<u32, f64> = BTreeMap::new();
                for (u, v) in f.iter().enumerate() {
                    *sums.entry(c[u]).or_insert(0.0) += v;
                }
                sums.values().map(|s| s * s).sum()
            }
        };
        let se = ss.sqrt() / nf;
        if se.is_finite() && se > 0.0 {
            se
        } else {
            f64::NAN
        }
    };

    let mut cells = Vec::new();
    let mut infl: Vec<Vec<f64>> = Vec::new();
    for &g in &groups {
        // The cohort's last pre-treatment period; without one the cohort is dropped (as `did`).
        let Some(pre) = periods.iter().rposition(|&p| p + anticipation < g) else {
            continue;
        };
        for ti in usize::from(!universal)..t_n {
            let t = periods[ti];
            // From g - anticipation on, and always with a universal base, the comparison is
            // with the last pre-treatment period (long differences); earlier cells of a varying
            // base compare with the previous period.
            let bi = if universal || t >= g - anticipation {
                pre
            } else {
                ti - 1
            };
            if bi == ti {
                // The universal base cell: zero by construction.
                cells.push(AttGt {
                    group: g,
                    time: t,
                    att: 0.0,
                    std_error: f64::NAN,
                });
                infl.push(vec![0.0; n]);
                continue;
            }
            let later = t.max(periods[bi]);
            let is_control = |u: usize| match (g_of[u], control) {
                (None, _) => true,
                (Some(h), CsControl::NotYetTreated) => h > later + anticipation && h != g,
                (Some(_), CsControl::NeverTreated) => false,
            };
            let (treated, controls): (Vec<usize>, Vec<usize>) = if data.repeated {
                (Vec::new(), Vec::new()) // members are found per period in `rc`
            } else {
                (
                    (0..n).filter(|&u| g_of[u] == Some(g)).collect(),
                    (0..n).filter(|&u| is_control(u)).collect(),
                )
            };
            let singular = |_| {
                invalid(format!(
                    "ATT({g},{t}): singular propensity score or outcome regression"
                ))
            };
            let cell = if data.repeated {
                let member = |r: usize| {
                    if g_of[r] == Some(g) {
                        Some(true)
                    } else {
                        is_control(r).then_some(false)
                    }
                };
                rc::repeated_cell(&by_period, ti, bi, &member, &y, &x_rows, &w_of, method)
                    .map_err(singular)?
            } else if unbalanced {
                did2x2::repeated_cross_sections(&yy, &w_of, &treated, &controls, ti, bi, n)
            } else {
                did2x2::balanced_cell(&yy, &xx, &w_of, &treated, &controls, ti, bi, method, n)
                    .map_err(singular)?
            };
            let Some((att, f)) = cell else { continue };
            cells.push(AttGt {
                group: g,
                time: t,
                att,
                std_error: se_of(&f),
            });
            infl.push(f);
        }
    }
    if cells.is_empty() {
        return Err(invalid(
            "no group-time cell has both treated units and controls",
        ));
    }
    // Group shares among all units (weighted), per cell.
    let pg: BTreeMap<i64, f64> = groups
        .iter()
        .map(|&g| {
            let s: f64 = (0..n)
                .filter(|&u| g_of[u] == Some(g))
                .map(|u| w_of[u])
                .sum();
            (g, s / nf)
        })
        .collect();
    let aggregate = |keep: &[usize], event_time: Option<i64>| -> (CsAggregate, Vec<f64>) {
        let w: Vec<f64> = keep.iter().map(|&k| pg[&cells[k].group]).collect();
        let sw: f64 = w.iter().sum();
        let att: f64 = keep
            .iter()
            .zip(&w)
            .map(|(&k, wk)| wk * cells[k].att)
            .sum::<f64>()
            / sw;
        // IF = sum_k w_k/sw IF_k + (influence of the estimated weights) . att.
        let mut f = vec![0.0; n];
        for (&k, wk) in keep.iter().zip(&w) {
            for u in 0..n {
                f[u] += wk / sw * infl[k][u];
            }
        }
        for u in 0..n {
            let ind = |k: usize| w_of[u] * f64::from(u8::from(g_of[u] == Some(cells[k].group)));
            let s2: f64 = keep.iter().zip(&w).map(|(&k, wk)| ind(k) - wk).sum();
            let wif: f64 = keep
                .iter()
                .zip(&w)
                .map(|(&k, wk)| ((ind(k) - wk) / sw - s2 * wk / (sw * sw)) * cells[k].att)
                .sum();
            f[u] += wif;
        }
        let se = se_of(&f);
        (
            CsAggregate {
                event_time,
                att,
                std_error: se,
            },
            f,
        )
    };
    let post: Vec<usize> = (0..cells.len())
        .filter(|&k| cells[k].time >= cells[k].group)
        .collect();
    let simple = aggregate(&post, None).0;
    let mut events: Vec<i64> = cells.iter().map(|c| c.time - c.group).collect();
    events.sort_unstable();
    events.dedup();
    let (dynamic, ifs): (Vec<CsAggregate>, Vec<Vec<f64>>) = events
        .iter()
        .map(|&e| {
            let keep: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].time - cells[k].group == e)
                .collect();
            aggregate(&keep, Some(e))
        })
        .unzip();
    // Group effects average one group's cells: fixed equal weights, no weight influence.
    let group = groups
        .iter()
        .filter_map(|&g| {
            let keep: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].group == g && cells[k].time >= g)
                .collect();
            if keep.is_empty() {
                return None;
            }
            let att = keep.iter().map(|&k| cells[k].att).sum::<f64>() / keep.len() as f64;
            let f: Vec<f64> = (0..n)
                .map(|u| keep.iter().map(|&k| infl[k][u]).sum::<f64>() / keep.len() as f64)
                .collect();
            Some(CsAggregate {
                event_time: Some(g),
                att,
                std_error: se_of(&f),
            })
        })
        .collect();
    // Calendar effects weight groups by their estimated shares: their weights' influence counts.
    let calendar = periods
        .iter()
        .filter(|&&t| groups.iter().any(|&g| g <= t))
        .map(|&t| {
            let keep: Vec<usize> = (0..cells.len())
                .filter(|&k| cells[k].time == t && cells[k].time >= cells[k].group)
                .collect();
            aggregate(&keep, Some(t)).0
        })
        .collect();
    // Covariance of the dynamic effects, from the (cluster sums of the) influence functions.
    let sums: Vec<Vec<f64>> = match &cluster_of {
        None => ifs.clone(),
        Some(c) => ifs
            .iter()
            .map(|f| {
                let mut s: BTreeMap<u32, f64> = BTreeMap::new();
                for (u, v) in f.iter().enumerate() {
                    *s.entry(c[u]).or_insert(0.0) += v;
                }
                s.into_values().collect()
            })
            .collect(),
    };
    let dynamic_vcov: Vec<Vec<f64>> = sums
        .iter()
        .map(|a| {
            sums.iter()
                .map(|b| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (nf * nf))
                .collect()
        })
        .collect();
    Ok(CallawaySantAnna {
        control,
        anticipation,
        base_period,
        n_units: n,
        n_clusters,
        weighted: data.weights.is_some(),
        unbalanced,
        repeated: data.repeated,
        cells,
        simple,
        dynamic,
        group,
        calendar,
        bootstrap: None,
        dynamic_vcov,
        dynamic_if: ifs,
    })
}
