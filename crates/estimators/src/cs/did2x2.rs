//! The 2x2 comparisons inside one ATT(g,t), each returning the ATT and its influence function
//! over all units: on a balanced panel, the weighted difference of changes (closed form) or the
//! panel estimators with covariates of the `DRDID` package (outcome regression, normalised IPW,
//! doubly robust), all with sampling weights; on an unbalanced panel, four weighted means as
//! repeated cross sections (closed form).

// Index loops mirror the formulas.
#![allow(clippy::needless_range_loop)]

use super::CsMethod;

/// Controls whose propensity score reaches this are left out of the weighting estimators
/// (`DRDID`'s `trim.level`): their odds would dominate the control mean.
const TRIM: f64 = 0.995;

/// 1 for the observations the weighting estimators keep: every treated one, and controls with
/// a propensity score below [`TRIM`].
pub(super) fn trimmed(ps: &[f64], d: &[bool]) -> Vec<f64> {
    ps.iter()
        .zip(d)
        .map(|(p, t)| f64::from(u8::from(*t || *p < TRIM)))
        .collect()
}

/// Weighted logit of `d` on `x` (intercept included in `x`) by Newton-Raphson, as `DRDID`'s
/// propensity score: fitted probabilities capped at 1 - 1e-6 (no division by zero in the
/// control weights), and the asymptotic linear representation of the coefficients,
/// `w (d - ps) x' (X' W X / n)^-1` with `W = w ps (1 - ps)` at the capped fit (one row per
/// observation). `None` when the information matrix is singular.
pub(super) fn logit(d: &[f64], x: &[Vec<f64>], iw: &[f64]) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    use crate::bootstrap::chol_inverse;
    let n = d.len();
    let k = x[0].len();
    let nf = n as f64;
    let info = |ps: &[f64]| -> Vec<Vec<f64>> {
        (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| {
                        (0..n)
                            .map(|i| iw[i] * ps[i] * (1.0 - ps[i]) * x[i][a] * x[i][b])
                            .sum()
                    })
                    .collect()
            })
            .collect()
    };
    let fit = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let eta: f64 = (0..k).map(|j| beta[j] * x[i][j]).sum();
                1.0 / (1.0 + (-eta).exp())
            })
            .collect()
    };
    let mut beta = vec![0.0; k];
    for _ in 0..100 {
        let ps = fit(&beta);
        let hi = chol_inverse(&info(&ps))?;
        let g: Vec<f64> = (0..k)
            .map(|a| (0..n).map(|i| iw[i] * (d[i] - ps[i]) * x[i][a]).sum())
            .collect();
        let step: Vec<f64> = (0..k)
            .map(|a| (0..k).map(|b| hi[a][b] * g[b]).sum())
            .collect();
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b += s);
        if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-12 {
            break;
        }
    }
    let ps: Vec<f64> = fit(&beta).into_iter().map(|p| p.min(1.0 - 1e-6)).collect();
    let h_inv: Vec<Vec<f64>> = chol_inverse(&info(&ps))?
        .into_iter()
        .map(|r| r.into_iter().map(|v| v * nf).collect())
        .collect();
    let lin: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let s = iw[i] * (d[i] - ps[i]);
            (0..k)
                .map(|b| (0..k).map(|a| s * x[i][a] * h_inv[a][b]).sum())
                .collect()
        })
        .collect();
    Some((ps, lin))
}

/// Weighted least squares of `y` on `x` over the observations in `on`: the fitted values at
/// every observation, and the asymptotic linear representation of the coefficients,
/// `w 1[on] e x' (X' W X / n)^-1` with `n` all observations (one row each), as `DRDID` scales
/// it. `None` when the regressors are collinear on `on`.
pub(super) fn wols(
    y: &[f64],
    x: &[Vec<f64>],
    iw: &[f64],
    on: &[bool],
) -> Option<(Vec<f64>, Vec<Vec<f64>>)> {
    use crate::bootstrap::chol_inverse;
    let n = y.len();
    let k = x[0].len();
    let nf = n as f64;
    let rows = || (0..n).filter(|&i| on[i]);
    let xtx: Vec<Vec<f64>> = (0..k)
        .map(|a| {
            (0..k)
                .map(|b| rows().map(|i| iw[i] * x[i][a] * x[i][b]).sum())
                .collect()
        })
        .collect();
    let xtx_inv = chol_inverse(&xtx)?;
    let xty: Vec<f64> = (0..k)
        .map(|a| rows().map(|i| iw[i] * x[i][a] * y[i]).sum())
        .collect();
    let gam: Vec<f64> = (0..k)
        .map(|a| (0..k).map(|b| xtx_inv[a][b] * xty[b]).sum())
        .collect();
    let fitted: Vec<f64> = (0..n)
        .map(|i| (0..k).map(|j| gam[j] * x[i][j]).sum())
        .collect();
    let lin: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            if !on[i] {
                return vec![0.0; k];
            }
            let e = iw[i] * (y[i] - fitted[i]);
            (0..k)
                .map(|b| (0..k).map(|a| e * x[i][a] * xtx_inv[a][b] * nf).sum())
                .collect()
        })
        .collect();
    Some((fitted, lin))
}

/// DID for panel data with covariates `x` (intercept first) and sampling weights `iw`, as the
/// `DRDID` package's `reg_did_panel`, `std_ipw_did_panel` and `drdid_panel`: weighted logit
/// propensity score, weighted linear outcome regression on the controls; returns the ATT and its
/// influence function on the subsample (scaled by its size). The weights are normalised to mean
/// one, as `DRDID` does.
pub(super) fn panel_did(
    dy: &[f64],
    d: &[bool],
    x: &[Vec<f64>],
    iw: &[f64],
    method: CsMethod,
) -> Option<(f64, Vec<f64>)> {
    let n = dy.len();
    let k = x[0].len();
    let nf = n as f64;
    let dv: Vec<f64> = d.iter().map(|b| f64::from(u8::from(*b))).collect();
    let wmean = iw.iter().sum::<f64>() / nf;
    let iw: Vec<f64> = iw.iter().map(|w| w / wmean).collect();
    let (ps, lin_ps) = logit(&dv, x, &iw)?;
    // Outcome regression of dY on x among the controls.
    let controls: Vec<bool> = d.iter().map(|t| !t).collect();
    let (out, lin_ols) = wols(dy, x, &iw, &controls)?;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    let dotk = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let colmean = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
        (0..k)
            .map(|j| (0..n).map(|i| f(i) * x[i][j]).sum::<f64>() / nf)
            .collect()
    };
    let w_t: Vec<f64> = (0..n).map(|i| iw[i] * dv[i]).collect();
    // The weighting estimators leave out controls with a propensity score of TRIM or more.
    let kept = trimmed(&ps, d);
    let ipw_c: Vec<f64> = (0..n)
        .map(|i| kept[i] * iw[i] * ps[i] * (1.0 - dv[i]) / (1.0 - ps[i]))
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

/// One cell on a balanced panel: the weighted difference of the treated and control units'
/// changes from period `bi` to `ti`, or the 2x2 estimator with base-period covariates. Returns
/// the ATT and its influence function over all `n` units (zero outside the cell), or `None` when
/// the cell has no treated unit or no control. `Err` when a covariate model is singular.
#[allow(clippy::too_many_arguments)]
pub(super) fn balanced_cell(
    yy: &[Vec<f64>],
    xx: &[Vec<Vec<f64>>],
    w: &[f64],
    treated: &[usize],
    controls: &[usize],
    ti: usize,
    bi: usize,
    method: CsMethod,
    n: usize,
) -> Result<Option<(f64, Vec<f64>)>, ()> {
    if treated.is_empty() || controls.is_empty() {
        return Ok(None);
    }
    let nf = n as f64;
    let dy = |u: usize| yy[u][ti] - yy[u][bi];
    let mut f = vec![0.0; n];
    if xx.is_empty() {
        let wsum = |s: &[usize]| s.iter().map(|&u| w[u]).sum::<f64>();
        let wmean = |s: &[usize]| s.iter().map(|&u| w[u] * dy(u)).sum::<f64>() / wsum(s);
        let (wt, wc) = (wsum(treated), wsum(controls));
        let (mt, mc) = (wmean(treated), wmean(controls));
        // Influence, scaled to all n units: n w (dY - m_t) / W_t for treated units,
        // -n w (dY - m_c) / W_c for controls, zero otherwise (the doubly robust estimator with
        // an intercept only reduces to this).
        for &u in treated {
            f[u] = nf * w[u] * (dy(u) - mt) / wt;
        }
        for &u in controls {
            f[u] = -nf * w[u] * (dy(u) - mc) / wc;
        }
        return Ok(Some((mt - mc, f)));
    }
    let sub: Vec<usize> = treated.iter().chain(controls).copied().collect();
    let d: Vec<bool> = (0..sub.len()).map(|i| i < treated.len()).collect();
    let dys: Vec<f64> = sub.iter().map(|&u| dy(u)).collect();
    let iw: Vec<f64> = sub.iter().map(|&u| w[u]).collect();
    let x: Vec<Vec<f64>> = sub
        .iter()
        .map(|&u| {
            std::iter::once(1.0)
                .chain(xx.iter().map(|c| c[u][bi]))
                .collect()
        })
        .collect();
    let (att, inf) = panel_did(&dys, &d, &x, &iw, method).ok_or(())?;
    let scale = nf / sub.len() as f64;
    for (&u, v) in sub.iter().zip(&inf) {
        f[u] = scale * v;
    }
    Ok(Some((att, f)))
}

/// One cell on an unbalanced panel, as repeated cross sections: every observation of a treated
/// or control unit in period `ti` (post) or `bi` (base) enters;
/// ATT = (m_treated,post - m_treated,base) - (m_control,post - m_control,base) with weighted
/// means. The influence of an observation is n w s (y - m_cell) / W_cell (s = +1 or -1 by the
/// sign of its cell in the ATT), summed over each unit's observations. `None` when one of the
/// four cells is empty.
pub(super) fn repeated_cross_sections(
    yy: &[Vec<f64>],
    w: &[f64],
    treated: &[usize],
    controls: &[usize],
    ti: usize,
    bi: usize,
    n: usize,
) -> Option<(f64, Vec<f64>)> {
    // (units, period index, sign) of the four cells.
    let cells = [
        (treated, ti, 1.0),
        (treated, bi, -1.0),
        (controls, ti, -1.0),
        (controls, bi, 1.0),
    ];
    let mut f = vec![0.0; n];
    let mut att = 0.0;
    for (units, p, sign) in cells {
        let obs: Vec<usize> = units
            .iter()
            .copied()
            .filter(|&u| yy[u][p].is_finite())
            .collect();
        let wsum: f64 = obs.iter().map(|&u| w[u]).sum();
        if obs.is_empty() || wsum <= 0.0 {
            return None;
        }
        let m = obs.iter().map(|&u| w[u] * yy[u][p]).sum::<f64>() / wsum;
        att += sign * m;
        for &u in &obs {
            f[u] += sign * n as f64 * w[u] * (yy[u][p] - m) / wsum;
        }
    }
    Some((att, f))
}
