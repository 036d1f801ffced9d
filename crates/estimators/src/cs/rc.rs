//! The 2x2 comparison inside one ATT(g,t) on repeated cross-sections (`did`'s `panel = FALSE`):
//! each observation is seen once, in the base period or in period t, so the ATT compares four
//! cells (treated or control, before or after) instead of each unit's change. The three
//! estimators of Sant'Anna and Zhao (2020) as the `DRDID` package writes them: outcome
//! regression (`reg_did_rc`), normalised IPW (`std_ipw_did_rc`) and the locally efficient doubly
//! robust estimator (`drdid_rc`, `did`'s default), with sampling weights, the observations'
//! own covariates and the propensity-score trimming of controls. Without covariates (an
//! intercept only) all three reduce to the difference of the four cells' weighted means.

// Index loops mirror the formulas.
#![allow(clippy::needless_range_loop)]

use super::did2x2::{logit, trimmed, wols};
use super::CsMethod;

/// One cell's observations: outcome, whether in period t (else the base period), whether in
/// the treated cohort (else a control), covariates with the intercept first, sampling weights.
pub(super) struct RcCell<'a> {
    pub y: &'a [f64],
    pub post: &'a [bool],
    pub d: &'a [bool],
    pub x: &'a [Vec<f64>],
    pub w: &'a [f64],
}

/// The ATT of one cell and its influence function over the cell's observations (scaled by
/// their number, as `DRDID` returns it). `None` when a regression or the propensity score is
/// singular (collinear covariates, or a cell without variation).
pub(super) fn rc_did(c: &RcCell, method: CsMethod) -> Option<(f64, Vec<f64>)> {
    let n = c.y.len();
    let k = c.x[0].len();
    let nf = n as f64;
    let x = c.x;
    let y = c.y;
    let wmean = c.w.iter().sum::<f64>() / nf;
    let iw: Vec<f64> = c.w.iter().map(|w| w / wmean).collect();
    let ind = |b: bool| f64::from(u8::from(b));
    let dv: Vec<f64> = c.d.iter().map(|&b| ind(b)).collect();
    let pv: Vec<f64> = c.post.iter().map(|&b| ind(b)).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / nf;
    let dotk = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let colmean = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
        (0..k)
            .map(|j| (0..n).map(|i| f(i) * x[i][j]).sum::<f64>() / nf)
            .collect()
    };
    let sub = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<f64>>();
    let on = |treated: bool, post: bool| -> Vec<bool> {
        (0..n)
            .map(|i| c.d[i] == treated && c.post[i] == post)
            .collect()
    };
    // Outcome regressions of the controls before and after (every method but IPW uses them).
    let control_or = || -> Option<_> {
        Some((
            wols(y, x, &iw, &on(false, false))?,
            wols(y, x, &iw, &on(false, true))?,
        ))
    };
    // The leading term of a weighted mean's influence: w (v - m) / mean(w), m = mean(w v) / mean(w).
    let centred = |w: &[f64], v: &dyn Fn(usize) -> f64| -> (f64, Vec<f64>) {
        let mw = mean(w);
        let m = (0..n).map(|i| w[i] * v(i)).sum::<f64>() / nf / mw;
        (m, (0..n).map(|i| w[i] * (v(i) - m) / mw).collect())
    };
    match method {
        CsMethod::Or => {
            let ((pre, lin_pre), (post, lin_post)) = control_or()?;
            let w_pre: Vec<f64> = (0..n).map(|i| iw[i] * dv[i] * (1.0 - pv[i])).collect();
            let w_post: Vec<f64> = (0..n).map(|i| iw[i] * dv[i] * pv[i]).collect();
            let w_d: Vec<f64> = (0..n).map(|i| iw[i] * dv[i]).collect();
            let (m_pre, inf_pre) = centred(&w_pre, &|i| y[i]);
            let (m_post, inf_post) = centred(&w_post, &|i| y[i]);
            // The treated's predicted untreated change.
            let (m_cont, inf_cont) = centred(&w_d, &|i| post[i] - pre[i]);
            let m1 = colmean(&|i| w_d[i]);
            let mwd = mean(&w_d);
            let lin = sub(
                &lin_post.iter().map(|r| dotk(r, &m1)).collect::<Vec<_>>(),
                &lin_pre.iter().map(|r| dotk(r, &m1)).collect::<Vec<_>>(),
            );
            let inf = (0..n)
                .map(|i| inf_post[i] - inf_pre[i] - (inf_cont[i] + lin[i] / mwd))
                .collect();
            Some(((m_post - m_pre) - m_cont, inf))
        }
        CsMethod::Ipw => {
            let (ps, lin_ps) = logit(&dv, x, &iw)?;
            let [w_tpre, w_tpost, w_cpre, w_cpost] = cell_weights(&ps, c, &iw);
            let (a_tpre, i_tpre) = centred(&w_tpre, &|i| y[i]);
            let (a_tpost, i_tpost) = centred(&w_tpost, &|i| y[i]);
            let (a_cpre, i_cpre) = centred(&w_cpre, &|i| y[i]);
            let (a_cpost, i_cpost) = centred(&w_cpost, &|i| y[i]);
            let m2 = |w: &[f64], a: f64| -> Vec<f64> {
                let mw = mean(w);
                colmean(&|i| w[i] * (y[i] - a) / mw)
            };
            let m2d = sub(&m2(&w_cpost, a_cpost), &m2(&w_cpre, a_cpre));
            let inf = (0..n)
                .map(|i| {
                    (i_tpost[i] - i_tpre[i]) - (i_cpost[i] - i_cpre[i] + dotk(&lin_ps[i], &m2d))
                })
                .collect();
            Some(((a_tpost - a_tpre) - (a_cpost - a_cpre), inf))
        }
        CsMethod::Dr => {
            let (ps, lin_ps) = logit(&dv, x, &iw)?;
            let ((oc_pre, lin_cpre), (oc_post, lin_cpost)) = control_or()?;
            let (ot_pre, lin_tpre) = wols(y, x, &iw, &on(true, false))?;
            let (ot_post, lin_tpost) = wols(y, x, &iw, &on(true, true))?;
            let oc: Vec<f64> = (0..n)
                .map(|i| if c.post[i] { oc_post[i] } else { oc_pre[i] })
                .collect();
            let [w_tpre, w_tpost, w_cpre, w_cpost] = cell_weights(&ps, c, &iw);
            // Every treated observation is kept (trimming drops controls only).
            let w_d: Vec<f64> = (0..n).map(|i| iw[i] * dv[i]).collect();
            // Residuals from the controls' regressions, in the four cells.
            let r = |i: usize| y[i] - oc[i];
            let (a_tpre, i_tpre) = centred(&w_tpre, &r);
            let (a_tpost, i_tpost) = centred(&w_tpost, &r);
            let (a_cpre, i_cpre) = centred(&w_cpre, &r);
            let (a_cpost, i_cpost) = centred(&w_cpost, &r);
            // The locally efficient adjustment: treated-minus-control predictions averaged over
            // all treated and over the treated of one period.
            let gap_post = |i: usize| ot_post[i] - oc_post[i];
            let gap_pre = |i: usize| ot_pre[i] - oc_pre[i];
            let (a_dpost, i_dpost) = centred(&w_d, &gap_post);
            let (a_dt1, i_dt1) = centred(&w_tpost, &gap_post);
            let (a_dpre, i_dpre) = centred(&w_d, &gap_pre);
            let (a_dt0, i_dt0) = centred(&w_tpre, &gap_pre);
            let att =
                (a_tpost - a_tpre) - (a_cpost - a_cpre) + (a_dpost - a_dt1) - (a_dpre - a_dt0);
            // Estimation effects of the controls' regressions on the treated and control terms
            // (each weight's mean computed once: these run over every observation).
            let (m_tpost, m_tpre) = (mean(&w_tpost), mean(&w_tpre));
            let (m_cpost, m_cpre) = (mean(&w_cpost), mean(&w_cpre));
            let m1_post: Vec<f64> = colmean(&|i| -w_tpost[i] * pv[i] / m_tpost);
            let m1_pre: Vec<f64> = colmean(&|i| -w_tpre[i] * (1.0 - pv[i]) / m_tpre);
            let m3_post: Vec<f64> = colmean(&|i| -w_cpost[i] * pv[i] / m_cpost);
            let m3_pre: Vec<f64> = colmean(&|i| -w_cpre[i] * (1.0 - pv[i]) / m_cpre);
            // Estimation effect of the propensity score on the control terms.
            let m2 =
                |w: &[f64], mw: f64, a: f64| -> Vec<f64> { colmean(&|i| w[i] * (r(i) - a) / mw) };
            let m2d = sub(
                &m2(&w_cpost, m_cpost, a_cpost),
                &m2(&w_cpre, m_cpre, a_cpre),
            );
            // Estimation effect of all four regressions on the adjustment terms.
            let (mwd, mwt1, mwt0) = (mean(&w_d), m_tpost, m_tpre);
            let mom_post = colmean(&|i| w_d[i] / mwd - w_tpost[i] / mwt1);
            let mom_pre = colmean(&|i| w_d[i] / mwd - w_tpre[i] / mwt0);
            let inf = (0..n)
                .map(|i| {
                    let treat = i_tpost[i] - i_tpre[i]
                        + dotk(&lin_cpost[i], &m1_post)
                        + dotk(&lin_cpre[i], &m1_pre);
                    let cont = i_cpost[i] - i_cpre[i]
                        + dotk(&lin_ps[i], &m2d)
                        + dotk(&lin_cpost[i], &m3_post)
                        + dotk(&lin_cpre[i], &m3_pre);
                    let eff = (i_dpost[i] - i_dt1[i]) - (i_dpre[i] - i_dt0[i]);
                    let or = dotk(&sub(&lin_tpost[i], &lin_cpost[i]), &mom_post)
                        - dotk(&sub(&lin_tpre[i], &lin_cpre[i]), &mom_pre);
                    treat - cont + eff + or
                })
                .collect();
            Some((att, inf))
        }
    }
}

/// One ATT(g,t) on repeated cross-sections: the observations of period `ti` (after) and `bi`
/// (before) that are in the cohort (`member` gives `Some(true)`) or among its controls
/// (`Some(false)`). Returns the ATT and its influence function over all `n` observations
/// (zero outside the cell, scaled by n / n_cell as `did` does), `Ok(None)` when one of the four
/// cells is empty (`did` leaves such an ATT(g,t) out), `Err` when a regression is singular.
#[allow(clippy::too_many_arguments)]
pub(super) fn repeated_cell(
    by_period: &[Vec<usize>],
    ti: usize,
    bi: usize,
    member: &dyn Fn(usize) -> Option<bool>,
    y: &[f64],
    covariates: &[Vec<f64>],
    w: &[f64],
    method: CsMethod,
) -> Result<Option<(f64, Vec<f64>)>, ()> {
    let n = y.len();
    let mut obs: Vec<(usize, bool, bool)> = by_period[ti]
        .iter()
        .map(|&r| (r, true))
        .chain(by_period[bi].iter().map(|&r| (r, false)))
        .filter_map(|(r, post)| member(r).map(|d| (r, post, d)))
        .collect();
    obs.sort_unstable_by_key(|o| o.0);
    let mut seen = [[false; 2]; 2];
    for &(_, post, d) in &obs {
        seen[usize::from(d)][usize::from(post)] = true;
    }
    if seen.iter().flatten().any(|s| !s) {
        return Ok(None);
    }
    let rows: Vec<usize> = obs.iter().map(|o| o.0).collect();
    let ys: Vec<f64> = rows.iter().map(|&r| y[r]).collect();
    let post: Vec<bool> = obs.iter().map(|o| o.1).collect();
    let d: Vec<bool> = obs.iter().map(|o| o.2).collect();
    let ws: Vec<f64> = rows.iter().map(|&r| w[r]).collect();
    let x: Vec<Vec<f64>> = rows
        .iter()
        .map(|&r| {
            std::iter::once(1.0)
                .chain(covariates.iter().map(|c| c[r]))
                .collect()
        })
        .collect();
    let cell = RcCell {
        y: &ys,
        post: &post,
        d: &d,
        x: &x,
        w: &ws,
    };
    let (att, inf) = rc_did(&cell, method).ok_or(())?;
    let scale = n as f64 / rows.len() as f64;
    let mut f = vec![0.0; n];
    for (&r, v) in rows.iter().zip(&inf) {
        f[r] = scale * v;
    }
    Ok(Some((att, f)))
}

/// The weighting estimators' four cells: the treated before and after (every treated
/// observation kept), and the controls before and after weighted by their propensity odds,
/// those at or above the trimming level left out (`DRDID`'s `w.treat.pre`, `w.treat.post`,
/// `w.cont.pre`, `w.cont.post`, with the weights normalised to mean one in `iw`).
fn cell_weights(ps: &[f64], c: &RcCell, iw: &[f64]) -> [Vec<f64>; 4] {
    let kept = trimmed(ps, c.d);
    let n = ps.len();
    let treated = |i: usize, post: bool| f64::from(u8::from(c.d[i] && c.post[i] == post));
    let control = |i: usize, post: bool| {
        f64::from(u8::from(!c.d[i] && c.post[i] == post)) * kept[i] * ps[i] / (1.0 - ps[i])
    };
    [
        (0..n)
            .map(|i| kept[i] * iw[i] * treated(i, false))
            .collect(),
        (0..n).map(|i| kept[i] * iw[i] * treated(i, true)).collect(),
        (0..n).map(|i| iw[i] * control(i, false)).collect(),
        (0..n).map(|i| iw[i] * control(i, true)).collect(),
    ]
}
