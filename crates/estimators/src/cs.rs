//! Callaway and Sant'Anna (2021) group-time average treatment effects for staggered adoption,
//! unconditional (no covariates) on a balanced panel, with never-treated or not-yet-treated
//! controls, a varying base period for pre-treatment cells, and analytic standard errors from
//! the influence functions; aggregated to one ATT ("simple") and by event time ("dynamic"),
//! with the estimated group shares' own influence, as R's `did` and Python's `csdid` do.

// Index loops mirror the formulas.
#![allow(clippy::needless_range_loop)]

use crate::error::EstimationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsControl {
    NeverTreated,
    NotYetTreated,
}

/// How covariates enter (ignored without covariates, where all three coincide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CsMethod {
    /// Outcome regression (Heckman, Ichimura and Todd 1997).
    Or,
    /// Normalised inverse probability weighting (Abadie 2005).
    Ipw,
    /// Doubly robust (Sant'Anna and Zhao 2020), `did`'s default.
    Dr,
}

/// The choices of a Callaway-Sant'Anna estimation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsSettings {
    pub control: CsControl,
    /// Periods before adoption in which units may already react.
    pub anticipation: i64,
    pub method: CsMethod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttGt {
    pub group: i64,
    pub time: i64,
    pub att: f64,
    pub std_error: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsAggregate {
    /// Event time for the dynamic aggregation; None for the overall ATT.
    pub event_time: Option<i64>,
    pub att: f64,
    pub std_error: f64,
}

/// DID for panel data with covariates `x` (intercept first), as the `DRDID` package's
/// `reg_did_panel`, `std_ipw_did_panel` and `drdid_panel`: logit propensity score, linear
/// outcome regression on the controls; returns the ATT and its influence function on the
/// subsample (scaled by its size).
fn panel_did(dy: &[f64], d: &[bool], x: &[Vec<f64>], method: CsMethod) -> Option<(f64, Vec<f64>)> {
    use crate::bootstrap::chol_inverse;
    let n = dy.len();
    let k = x[0].len();
    let nf = n as f64;
    let dv: Vec<f64> = d.iter().map(|b| f64::from(u8::from(*b))).collect();
    // Logit by Newton-Raphson.
    let mut beta = vec![0.0; k];
    let mut ps = vec![0.5; n];
    for _ in 0..100 {
        for i in 0..n {
            let eta: f64 = (0..k).map(|j| beta[j] * x[i][j]).sum();
            ps[i] = 1.0 / (1.0 + (-eta).exp());
        }
        let h: Vec<Vec<f64>> = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| {
                        (0..n)
                            .map(|i| ps[i] * (1.0 - ps[i]) * x[i][a] * x[i][b])
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let hi = chol_inverse(&h)?;
        let g: Vec<f64> = (0..k)
            .map(|a| (0..n).map(|i| (dv[i] - ps[i]) * x[i][a]).sum())
            .collect();
        let step: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| hi[a][b] * g[b]).sum())
            .collect();
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-12 {
            break;
        }
    }
    for i in 0..n {
        let eta: f64 = (0..k).map(|j| beta[j] * x[i][j]).sum();
        ps[i] = (1.0 / (1.0 + (-eta).exp())).min(1.0 - 1e-6);
    }
    // Outcome regression of dY on x among the controls.
    let xtx: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| (0..n).filter(|&i| !d[i]).map(|i| x[i][a] * x[i][b]).sum())
                .collect()
        })
        .collect();
    let xtx_inv = chol_inverse(&xtx)?;
    let xty: Vec<f64> = (0..k)
        .map(|a| (0..n).filter(|&i| !d[i]).map(|i| x[i][a] * dy[i]).sum())
        .collect();
    let gam: Vec<f64> = (0..k)
        .map(|a| (0..k).map(|b| xtx_inv[a][b] * xty[b]).sum())
        .collect();
    let out: Vec<f64> = (0..n)
        .map(|i| (0..k).map(|j| gam[j] * x[i][j]).sum())
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    let dotk = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // Influence of the outcome regression: (1 - D) e x' (X'WX / n)^-1.
    let xpx_inv: Vec<Vec<f64>> = xtx_inv
        .iter()
        .map(|r| r.iter().map(|v| v * nf).collect())
        .collect();
    let lin_ols: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let e = (1.0 - dv[i]) * (dy[i] - out[i]);
            (0..k)
                .map(|b| (0..k).map(|a| e * x[i][a] * xpx_inv[a][b]).sum())
                .collect()
        })
        .collect();
    // Influence of the propensity score: (D - ps) x' (X'WX / n)^-1.
    let h: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| {
                    (0..n)
                        .map(|i| ps[i] * (1.0 - ps[i]) * x[i][a] * x[i][b])
                        .sum::<f64>()
                        / nf
                })
                .collect()
        })
        .collect();
    let h_inv = chol_inverse(&h)?;
    let lin_ps: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..k)
                .map(|b| {
                    (0..k)
                        .map(|a| (dv[i] - ps[i]) * x[i][a] * h_inv[a][b])
                        .sum()
                })
                .collect()
        })
        .collect();
    let colmean = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
        (0..k)
            .map(|j| (0..n).map(|i| f(i) * x[i][j]).sum::<f64>() / nf)
            .collect()
    };
    let w_t: Vec<f64> = dv.clone();
    let ipw_c: Vec<f64> = (0..n)
        .map(|i| ps[i] * (1.0 - dv[i]) / (1.0 - ps[i]))
        .collect();
    let (att, inf): (f64, Vec<f64>) = match method {
        CsMethod::Or => {
            // Treated units' change minus their predicted untreated change.
            let w_c = &w_t;
            let a_t: Vec<f64> = (0..n).map(|i| w_t[i] * dy[i]).collect();
            let a_c: Vec<f64> = (0..n).map(|i| w_c[i] * out[i]).collect();
            let (mwt, mwc) = (mean(&w_t), mean(w_c));
            let (et, ec) = (mean(&a_t) / mwt, mean(&a_c) / mwc);
            let m1 = colmean(&|i| w_c[i]);
            let inf = (0..n)
                .map(|i| {
                    (a_t[i] - w_t[i] * et) / mwt
                        - (a_c[i] - w_c[i] * ec + dotk(&lin_ols[i], &m1)) / mwc
                })
                .collect();
            (et - ec, inf)
        }
        CsMethod::Ipw => {
            let w_c = &ipw_c;
            let a_t: Vec<f64> = (0..n).map(|i| w_t[i] * dy[i]).collect();
            let a_c: Vec<f64> = (0..n).map(|i| w_c[i] * dy[i]).collect();
            let (mwt, mwc) = (mean(&w_t), mean(w_c));
            let (et, ec) = (mean(&a_t) / mwt, mean(&a_c) / mwc);
            let m2 = colmean(&|i| w_c[i] * (dy[i] - ec));
            let inf = (0..n)
                .map(|i| {
                    (a_t[i] - w_t[i] * et) / mwt
                        - (a_c[i] - w_c[i] * ec + dotk(&lin_ps[i], &m2)) / mwc
                })
                .collect();
            (et - ec, inf)
        }
        CsMethod::Dr => {
            let w_c = &ipw_c;
            let a_t: Vec<f64> = (0..n).map(|i| w_t[i] * (dy[i] - out[i])).collect();
            let a_c: Vec<f64> = (0..n).map(|i| w_c[i] * (dy[i] - out[i])).collect();
            let (mwt, mwc) = (mean(&w_t), mean(w_c));
            let (et, ec) = (mean(&a_t) / mwt, mean(&a_c) / mwc);
            let m1 = colmean(&|i| w_t[i]);
            let m2 = colmean(&|i| w_c[i] * (dy[i] - out[i] - ec));
            let m3 = colmean(&|i| w_c[i]);
            let inf = (0..n)
                .map(|i| {
                    let inf_t = (a_t[i] - w_t[i] * et - dotk(&lin_ols[i], &m1)) / mwt;
                    let inf_c = (a_c[i] - w_c[i] * ec + dotk(&lin_ps[i], &m2)
                        - dotk(&lin_ols[i], &m3))
                        / mwc;
                    inf_t - inf_c
                })
                .collect();
            (et - ec, inf)
        }
    };
    Some((att, inf))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsBootstrap {
    pub draws: usize,
    pub seed: u64,
    /// Bootstrap standard error of each dynamic effect (IQR-based, as `did`).
    pub std_error: Vec<f64>,
    /// Critical value of the uniform band: the (level) quantile of max_e |t*_e|.
    pub critical_value: f64,
    pub band_low: Vec<f64>,
    pub band_high: Vec<f64>,
}

/// `did`'s multiplier bootstrap (Rademacher weights per unit): bootstrap draws of
/// sqrt(n) * mean(v * IF), standard errors from their interquartile range, and the critical value
/// of a uniform band from the maximum absolute t statistic across effects.
pub fn multiplier_bootstrap(
    ifs: &[Vec<f64>],
    atts: &[f64],
    draws: usize,
    seed: u64,
    level: f64,
) -> CsBootstrap {
    use rand::{RngExt, SeedableRng};
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = ifs.first().map_or(0, Vec::len);
    let nf = n as f64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let k = ifs.len();
    let mut bres = vec![vec![0.0; k]; draws];
    for row in bres.iter_mut() {
        let v: Vec<f64> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        for (e, f) in ifs.iter().enumerate() {
            row[e] = nf.sqrt() * f.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / nf;
        }
    }
    // Type-1 (inverse empirical CDF) quantiles, as R's quantile(type = 1).
    let quantile = |mut xs: Vec<f64>, p: f64| -> f64 {
        xs.sort_by(|a, b| a.total_cmp(b));
        let idx = ((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1;
        xs[idx]
    };
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    let iqr_norm = z.inverse_cdf(0.75) - z.inverse_cdf(0.25);
    let sigma: Vec<f64> = (0..k)
        .map(|e| {
            let col: Vec<f64> = bres.iter().map(|r| r[e]).collect();
            (quantile(col.clone(), 0.75) - quantile(col, 0.25)) / iqr_norm
        })
        .collect();
    let tmax: Vec<f64> = bres
        .iter()
        .map(|r| (0..k).map(|e| (r[e] / sigma[e]).abs()).fold(0.0, f64::max))
        .collect();
    let crit = quantile(tmax, level);
    let se: Vec<f64> = sigma.iter().map(|s| s / nf.sqrt()).collect();
    CsBootstrap {
        draws,
        seed,
        band_low: atts.iter().zip(&se).map(|(a, s)| a - crit * s).collect(),
        band_high: atts.iter().zip(&se).map(|(a, s)| a + crit * s).collect(),
        std_error: se,
        critical_value: crit,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallawaySantAnna {
    pub control: CsControl,
    /// Periods before adoption in which units may already react (the base period moves back).
    pub anticipation: i64,
    pub n_units: usize,
    pub cells: Vec<AttGt>,
    /// Weighted by group size over post-treatment cells (`did`'s "simple").
    pub simple: CsAggregate,
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

/// `unit` dense codes, `time` periods, `adopt` first treated period of the row's unit (None:
/// never, or after the last period), `y` outcome; one row per unit and period.
pub fn callaway_santanna(
    unit: &[u32],
    time: &[i64],
    adopt: &[Option<i64>],
    y: &[f64],
    covariates: &[Vec<f64>],
    settings: CsSettings,
) -> Result<CallawaySantAnna, EstimationError> {
    let CsSettings {
        control,
        anticipation,
        method,
    } = settings;
    let mut periods: Vec<i64> = time.to_vec();
    periods.sort_unstable();
    periods.dedup();
    let (first, last) = (periods[0], periods[periods.len() - 1]);
    let n = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    let t_n = periods.len();
    if y.len() != n * t_n || y.iter().any(|v| !v.is_finite()) {
        return Err(EstimationError::Invalid(
            "Callaway-Sant'Anna needs a balanced panel with the outcome in every unit and period"
                .into(),
        ));
    }
    let pidx: BTreeMap<i64, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut yy = vec![vec![0.0; t_n]; n];
    // Covariates per unit and period (the base period's values enter each cell).
    let mut xx = vec![vec![vec![0.0; t_n]; n]; covariates.len()];
    for (c, col) in covariates.iter().enumerate() {
        if col.iter().any(|v| !v.is_finite()) {
            return Err(EstimationError::Invalid(
                "Callaway-Sant'Anna covariates must be complete".into(),
            ));
        }
        for i in 0..y.len() {
            xx[c][unit[i] as usize][pidx[&time[i]]] = col[i];
        }
    }
    let mut g_of: Vec<Option<i64>> = vec![None; n];
    for i in 0..y.len() {
        yy[unit[i] as usize][pidx[&time[i]]] = y[i];
        g_of[unit[i] as usize] = adopt[i].filter(|&a| a <= last);
    }
    if g_of.iter().any(|g| g.is_some_and(|a| a <= first)) {
        return Err(EstimationError::Invalid(
            "units treated in the first period are not supported".into(),
        ));
    }
    let groups: Vec<i64> = {
        let mut g: Vec<i64> = g_of.iter().flatten().copied().collect();
        g.sort_unstable();
        g.dedup();
        g
    };
    let nf = n as f64;
    let mut cells = Vec::new();
    let mut infl: Vec<Vec<f64>> = Vec::new();
    for &g in &groups {
        for ti in 1..t_n {
            let t = periods[ti];
            // Cells from g - anticipation on compare with g - anticipation - 1 (long
            // differences); earlier cells with the previous period (varying base).
            let base = if t >= g - anticipation {
                g - anticipation - 1
            } else {
                periods[ti - 1]
            };
            let Some(&bi) = pidx.get(&base) else { continue };
            let later = t.max(base);
            let is_control = |u: usize| match (g_of[u], control) {
                (None, _) => true,
                (Some(h), CsControl::NotYetTreated) => h > later + anticipation && h != g,
                (Some(_), CsControl::NeverTreated) => false,
            };
            let treated: Vec<usize> = (0..n).filter(|&u| g_of[u] == Some(g)).collect();
            let controls: Vec<usize> = (0..n).filter(|&u| is_control(u)).collect();
            if treated.is_empty() || controls.is_empty() {
                continue;
            }
            let dy = |u: usize| yy[u][ti] - yy[u][bi];
            let mut f = vec![0.0; n];
            let att = if covariates.is_empty() {
                let (nt, nc) = (treated.len() as f64, controls.len() as f64);
                let mt = treated.iter().map(|&u| dy(u)).sum::<f64>() / nt;
                let mc = controls.iter().map(|&u| dy(u)).sum::<f64>() / nc;
                // Influence function, scaled to all n units: n/n_t (dY - m_t) for treated
                // units, -n/n_c (dY - m_c) for controls, zero otherwise.
                for &u in &treated {
                    f[u] = nf / nt * (dy(u) - mt);
                }
                for &u in &controls {
                    f[u] = -nf / nc * (dy(u) - mc);
                }
                mt - mc
            } else {
                let sub: Vec<usize> = treated.iter().chain(&controls).copied().collect();
                let d: Vec<bool> = sub.iter().map(|&u| g_of[u] == Some(g)).collect();
                let dys: Vec<f64> = sub.iter().map(|&u| dy(u)).collect();
                let x: Vec<Vec<f64>> = sub
                    .iter()
                    .map(|&u| {
                        std::iter::once(1.0)
                            .chain(xx.iter().map(|c| c[u][bi]))
                            .collect()
                    })
                    .collect();
                let (att, inf) = panel_did(&dys, &d, &x, method).ok_or_else(|| {
                    EstimationError::Invalid(format!("doubly robust ATT({g},{t}): singular propensity score or outcome regression"))
                })?;
                let scale = nf / sub.len() as f64;
                for (&u, v) in sub.iter().zip(&inf) {
                    f[u] = scale * v;
                }
                att
            };
            let se = (f.iter().map(|x| x * x).sum::<f64>()).sqrt() / nf;
            cells.push(AttGt {
                group: g,
                time: t,
                att,
                std_error: se,
            });
            infl.push(f);
        }
    }
    if cells.is_empty() {
        return Err(EstimationError::Invalid(
            "no group-time cell has both treated units and controls".into(),
        ));
    }
    // Group shares among all units, per cell.
    let pg: BTreeMap<i64, f64> = groups
        .iter()
        .map(|&g| {
            (
                g,
                g_of.iter().filter(|x| **x == Some(g)).count() as f64 / nf,
            )
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
            let ind = |k: usize| f64::from(u8::from(g_of[u] == Some(cells[k].group)));
            let s2: f64 = keep.iter().zip(&w).map(|(&k, wk)| ind(k) - wk).sum();
            let wif: f64 = keep
                .iter()
                .zip(&w)
                .map(|(&k, wk)| ((ind(k) - wk) / sw - s2 * wk / (sw * sw)) * cells[k].att)
                .sum();
            f[u] += wif;
        }
        let se = (f.iter().map(|x| x * x).sum::<f64>()).sqrt() / nf;
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
    let fixed = |keep: &[usize], label: i64| -> CsAggregate {
        let w: Vec<f64> = keep.iter().map(|&k| pg[&cells[k].group]).collect();
        let sw: f64 = w.iter().sum();
        let att = keep
            .iter()
            .zip(&w)
            .map(|(&k, wk)| wk * cells[k].att)
            .sum::<f64>()
            / sw;
        let f: Vec<f64> = (0..n)
            .map(|u| {
                keep.iter()
                    .zip(&w)
                    .map(|(&k, wk)| wk / sw * infl[k][u])
                    .sum()
            })
            .collect();
        CsAggregate {
            event_time: Some(label),
            att,
            std_error: f.iter().map(|x| x * x).sum::<f64>().sqrt() / nf,
        }
    };
    let group = groups
        .iter()
        .map(|&g| {
            fixed(
                &(0..cells.len())
                    .filter(|&k| cells[k].group == g && cells[k].time >= g)
                    .collect::<Vec<_>>(),
                g,
            )
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
            let mut a = aggregate(&keep, Some(t)).0;
            a.event_time = Some(t);
            a
        })
        .collect();
    let dynamic_vcov: Vec<Vec<f64>> = ifs
        .iter()
        .map(|a| {
            ifs.iter()
                .map(|b| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (nf * nf))
                .collect()
        })
        .collect();
    Ok(CallawaySantAnna {
        control,
        anticipation,
        n_units: n,
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

impl CallawaySantAnna {
    /// The dynamic effects as a result table: one coefficient `{prefix}::e` per event time,
    /// normal-based inference as in `did`; fit statistics from `base` (the TWFE fit).
    pub fn as_result(
        &self,
        base: &crate::result::OlsResult,
        prefix: &str,
        level: f64,
    ) -> crate::result::OlsResult {
        use statrs::distribution::{ContinuousCDF, Normal};
        let z = Normal::new(0.0, 1.0).ok();
        let q = z
            .as_ref()
            .map_or(1.96, |d| d.inverse_cdf(1.0 - (1.0 - level) / 2.0));
        let coefficients = self
            .dynamic
            .iter()
            .map(|a| {
                let t = a.att / a.std_error;
                crate::result::Coefficient {
                    name: format!("{prefix}::{}", a.event_time.unwrap_or(0)),
                    estimate: a.att,
                    std_error: a.std_error,
                    t_stat: t,
                    p_value: z.as_ref().map_or(f64::NAN, |d| 2.0 * d.sf(t.abs())),
                    ci_low: a.att - q * a.std_error,
                    ci_high: a.att + q * a.std_error,
                }
            })
            .collect();
        // Normal inference, as `did`: infinite degrees of freedom (stored as f64::MAX, JSON has no inf).
        crate::result::OlsResult {
            coefficients,
            vcov: self.dynamic_vcov.clone(),
            wald: None,
            df_t: f64::MAX,
            ..base.clone()
        }
    }
}
