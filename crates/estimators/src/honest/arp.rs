//! The conditional moment-inequality tests of Andrews, Roth and Pakes (2023) that HonestDiD
//! inverts into confidence sets: with nuisance parameters (the other post periods, profiled out
//! by a linear program) and without (one post period), each optionally as the hybrid with a
//! least-favourable first stage (Rambachan and Roth's default "C-LF").
//!
//! The steps follow Rambachan and Roth's reference implementation (R `HonestDiD`, ported to
//! Python in `moderndid.didhonest`), so that the accepted grids agree point by point.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::solve::{
    conic, dot, inverse, matvec, pnorm, qnorm, quad, rank, sqrt_psd, sub_square, Cone, Mat,
};

/// The test: the conditional test alone, or the hybrid with a least-favourable first stage.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Hybrid {
    /// Conditional test ("Conditional").
    Arp,
    /// Least-favourable hybrid ("C-LF"): first-stage size `kappa`, critical value `cv`.
    Lf { kappa: f64, cv: f64 },
}

impl Hybrid {
    /// The size left for the conditional second stage.
    fn second_stage_size(&self, alpha: f64) -> f64 {
        match *self {
            Hybrid::Arp => alpha,
            Hybrid::Lf { kappa, .. } => (alpha - kappa) / (1.0 - kappa),
        }
    }
}

/// Quantile `p` of a normal truncated to `[lower, upper]`.
pub(crate) fn truncated_quantile(p: f64, lower: f64, upper: f64, mu: f64, sd: f64) -> f64 {
    let l = (lower - mu) / sd;
    let u = (upper - mu) / sd;
    if l.is_infinite() && u.is_infinite() && l < 0.0 && u > 0.0 {
        return mu + sd * qnorm(p);
    }
    let pl = if l == f64::NEG_INFINITY {
        0.0
    } else {
        pnorm(l)
    };
    let pu = if u == f64::INFINITY { 1.0 } else { pnorm(u) };
    let pt = pl + p * (pu - pl);
    if pt <= pl {
        return lower;
    }
    if pt >= pu {
        return upper;
    }
    mu + sd * qnorm(pt)
}

/// `min η` subject to `η σ_i + X_i δ >= y_i`: the test statistic, with the constraints'
/// Lagrange multipliers. `None` when unbounded (no multipliers exist), which accepts.
fn test_delta_lp(y: &[f64], x: &Mat, sd: &[f64]) -> Option<(f64, Vec<f64>)> {
    let k = x.first().map_or(0, Vec::len);
    let a: Mat = x
        .iter()
        .zip(sd)
        .map(|(row, s)| std::iter::once(-s).chain(row.iter().map(|v| -v)).collect())
        .collect();
    let b: Vec<f64> = y.iter().map(|v| -v).collect();
    let mut c = vec![0.0; k + 1];
    c[0] = 1.0;
    let s = conic(None, &c, &a, &b, &[Cone::Nonneg(y.len())])?;
    Some((s.x[0], s.z))
}

/// The optimal value of [`test_delta_lp`] (for comparing solvers in tests).
#[cfg(test)]
pub(crate) fn test_delta_value(y: &[f64], x: &Mat, sd: &[f64]) -> Option<f64> {
    test_delta_lp(y, x, sd).map(|(eta, _)| eta)
}

/// `max f'x` subject to `W'x = e_1`, `x >= 0`, with `f = s + Σγ c / γ'Σγ` (by the simplex:
/// only the optimal value and a maximiser are read, see [`super::simplex`]).
fn max_program(s: &[f64], sigma_gamma_scaled: &[f64], w: &Mat, c: f64) -> Option<(Vec<f64>, f64)> {
    let f: Vec<f64> = s
        .iter()
        .zip(sigma_gamma_scaled)
        .map(|(a, b)| a + b * c)
        .collect();
    let kw = w.first().map_or(0, Vec::len);
    let a: Mat = (0..kw).map(|j| w.iter().map(|r| r[j]).collect()).collect();
    let mut b = vec![0.0; kw];
    b[0] = 1.0;
    super::simplex::maximize(&f, &a, &b)
}

/// Whether `c` is a value of the maximum program (within `1e-6`), and the program's solution.
fn check_solution(s: &[f64], sg: &[f64], w: &Mat, c: f64) -> (Option<Vec<f64>>, bool) {
    match max_program(s, sg, w, c) {
        Some((x, v)) => {
            let ok = (c - v).abs() <= 1e-6;
            (Some(x), ok)
        }
        None => (None, false),
    }
}

fn round_eps(x: f64) -> f64 {
    if x.abs() < f64::EPSILON.powf(0.75) {
        0.0
    } else {
        x
    }
}

/// The truncation bounds `[v_lo, v_up]` of the conditional test when the LP is degenerate,
/// found by bisection on the dual program (ARP, appendix).
fn vlo_vup_dual(eta: f64, s: &[f64], gamma: &[f64], sigma: &Mat, w: &Mat) -> (f64, f64) {
    let tol_c = 1e-6;
    let sg2 = quad(gamma, sigma);
    let sigma_b = sg2.sqrt();
    let sg: Vec<f64> = matvec(sigma, gamma).iter().map(|v| v / sg2).collect();
    let low_initial = (-100.0f64).min(eta - 20.0 * sigma_b);
    let high_initial = 100.0f64.max(eta + 20.0 * sigma_b);
    let (max_iters, switch_iters) = (10_000, 10);
    if !check_solution(s, &sg, w, eta).1 {
        return (eta, f64::INFINITY);
    }
    let step = |x: &[f64]| round_eps(dot(x, s)) / (1.0 - dot(x, &sg));
    // One end: from `start` (beyond it, or the end is infinite) towards `eta`, first by the
    // program's own steps, then by bisection between `eta` (a solution) and the last
    // non-solution.
    let end = |start: f64, infinite: f64| -> f64 {
        let (x, ok) = check_solution(s, &sg, w, start);
        if ok {
            return infinite;
        }
        let mut iters = 1;
        let mut mid = x.as_deref().map_or(start, step);
        while iters < switch_iters {
            let (x, ok) = check_solution(s, &sg, w, mid);
            if ok {
                break;
            }
            iters += 1;
            match x {
                Some(x) => mid = step(&x),
                None => break,
            }
        }
        let (mut inside, mut outside) = (eta, mid);
        let mut diff = tol_c + 1.0;
        while diff > tol_c && iters < max_iters {
            iters += 1;
            mid = (inside + outside) / 2.0;
            if check_solution(s, &sg, w, mid).1 {
                inside = mid;
            } else {
                outside = mid;
            }
            diff = (outside - inside).abs();
        }
        mid
    };
    let vup = end(high_initial, f64::INFINITY);
    let vlo = end(low_initial, f64::NEG_INFINITY);
    (vlo, vup)
}

/// The conditional (or hybrid) test of `E[y - X τ] <= 0` for some `τ`: true when it rejects.
/// `rows` restricts the test to a subset of the moments.
pub(crate) fn lp_conditional_test(
    y_full: &[f64],
    x_full: &Mat,
    sigma_full: &Mat,
    alpha: f64,
    hybrid: Hybrid,
    rows: &[usize],
) -> bool {
    let y: Vec<f64> = rows.iter().map(|&i| y_full[i]).collect();
    let x: Mat = rows.iter().map(|&i| x_full[i].clone()).collect();
    let sigma = sub_square(sigma_full, rows);
    let n = y.len();
    let k = x.first().map_or(0, Vec::len);
    let sd: Vec<f64> = (0..n).map(|i| sigma[i][i].sqrt()).collect();
    let Some((eta, lambda)) = test_delta_lp(&y, &x, &sd) else {
        return false;
    };
    if let Hybrid::Lf { cv, .. } = hybrid {
        if eta > cv {
            return true;
        }
    }
    let size = hybrid.second_stage_size(alpha);
    let cv_cap = match hybrid {
        Hybrid::Lf { cv, .. } => cv,
        Hybrid::Arp => f64::INFINITY,
    };
    let tol_lambda = 1e-6;
    let binding: Vec<usize> = (0..n).filter(|&i| lambda[i] > tol_lambda).collect();
    let degenerate = binding.len() != k + 1;
    let xb: Mat = binding.iter().map(|&i| x[i].clone()).collect();
    let full_rank = !xb.is_empty() && rank(&xb) == xb.len().min(k);
    let w: Mat = (0..n)
        .map(|i| std::iter::once(sd[i]).chain(x[i].iter().copied()).collect())
        .collect();
    let (maxstat, zlo, zup) = if degenerate || !full_rank {
        let gamma = &lambda;
        let sg2 = quad(gamma, &sigma);
        if sg2.abs() < f64::EPSILON {
            return eta > 0.0;
        }
        let sgv = matvec(&sigma, gamma);
        let gy = dot(gamma, &y);
        let s: Vec<f64> = y.iter().zip(&sgv).map(|(a, b)| a - b * gy / sg2).collect();
        let (vlo, vup) = vlo_vup_dual(eta, &s, gamma, &sigma, &w);
        let sb = sg2.sqrt();
        (eta / sb, vlo / sb, vup.min(cv_cap) / sb)
    } else {
        let nonbinding: Vec<usize> = (0..n).filter(|&i| lambda[i] <= tol_lambda).collect();
        let wb: Mat = binding.iter().map(|&i| w[i].clone()).collect();
        let Some(wb_inv) = inverse(&wb) else {
            return false;
        };
        // v_b = S_b' W_b^{-T} e_1: the weights of the binding moments.
        let vb_short: Vec<f64> = (0..binding.len()).map(|j| wb_inv[0][j]).collect();
        let mut vb = vec![0.0; n];
        for (j, &i) in binding.iter().enumerate() {
            vb[i] = vb_short[j];
        }
        let s2b = quad(&vb, &sigma);
        let sb = s2b.sqrt();
        let sigma_vb = matvec(&sigma, &vb);
        let vby = dot(&vb, &y);
        let (mut vlo, mut vup) = (f64::NEG_INFINITY, f64::INFINITY);
        for &r in &nonbinding {
            // Row r of Γ_b = W_bc W_b^{-1} S_b - S_bc.
            let coef: Vec<f64> = (0..binding.len())
                .map(|j| (0..=k).map(|c| w[r][c] * wb_inv[c][j]).sum())
                .collect();
            let mut gamma_row = vec![0.0; n];
            for (j, &i) in binding.iter().enumerate() {
                gamma_row[i] = coef[j];
            }
            gamma_row[r] -= 1.0;
            let rho = dot(&gamma_row, &sigma_vb) / s2b;
            let val = -dot(&gamma_row, &y) / rho + vby;
            if rho > 0.0 {
                vlo = vlo.max(val);
            } else if rho < 0.0 {
                vup = vup.min(val);
            }
        }
        (eta / sb, vlo / sb, vup.min(cv_cap) / sb)
    };
    if !(zlo <= maxstat && maxstat <= zup) {
        return false;
    }
    let cval = truncated_quantile(1.0 - size, zlo, zup, 0.0, 1.0).max(0.0);
    maxstat > cval
}

/// The test without nuisance parameters (one post period): whether `y` (= β - θ e_post) is
/// accepted for `A δ <= d`.
pub(crate) fn test_no_nuisance(
    y: &[f64],
    sigma: &Mat,
    a: &Mat,
    d: &[f64],
    alpha: f64,
    hybrid: Hybrid,
) -> bool {
    let asig = super::solve::sandwich(a, sigma);
    let st: Vec<f64> = (0..a.len()).map(|i| asig[i][i].sqrt().max(1e-10)).collect();
    let at: Mat = a
        .iter()
        .zip(&st)
        .map(|(row, s)| row.iter().map(|v| v / s).collect())
        .collect();
    let dt: Vec<f64> = d.iter().zip(&st).map(|(v, s)| v / s).collect();
    let moments: Vec<f64> = matvec(&at, y).iter().zip(&dt).map(|(m, d)| m - d).collect();
    let (loc, &max_m) = moments
        .iter()
        .enumerate()
        .fold((0, &f64::NEG_INFINITY), |best, (i, v)| {
            if *v > *best.1 {
                (i, v)
            } else {
                best
            }
        });
    match hybrid {
        Hybrid::Arp => {
            if max_m <= 0.0 {
                return true;
            }
        }
        Hybrid::Lf { cv, .. } => {
            if max_m > cv {
                return false;
            }
        }
    }
    let gamma = at[loc].clone();
    let gsg = quad(&gamma, sigma);
    if gsg.abs() < 1e-10 {
        return false;
    }
    let c: Vec<f64> = matvec(sigma, &gamma).iter().map(|v| v / gsg).collect();
    let gy = dot(&gamma, y);
    let z: Vec<f64> = y.iter().zip(&c).map(|(a, b)| a - b * gy).collect();
    let (mut vlo, mut vup) = (f64::NEG_INFINITY, f64::INFINITY);
    for i in 0..at.len() {
        let abar: Vec<f64> = at[i].iter().zip(&gamma).map(|(a, g)| a - g).collect();
        let dbar = dt[i] - dt[loc];
        let ac = dot(&abar, &c);
        if ac.abs() <= 1e-10 {
            continue;
        }
        let obj = (dbar - dot(&abar, &z)) / ac;
        if ac < 0.0 {
            vlo = vlo.max(obj);
        } else {
            vup = vup.min(obj);
        }
    }
    if matches!(hybrid, Hybrid::Arp) && max_m < vlo {
        return false;
    }
    let size = hybrid.second_stage_size(alpha);
    let cval = truncated_quantile(1.0 - size, vlo, vup, dt[loc], gsg.sqrt()).max(0.0);
    max_m <= cval
}

/// The least-favourable critical value: quantile `1 - κ` of the statistic under `y ~ N(0, Σ)`
/// (`x = None`: the largest studentised moment; otherwise the LP statistic). Seeded draws.
pub(crate) fn least_favorable_cv(
    x: Option<&Mat>,
    sigma: &Mat,
    kappa: f64,
    sims: usize,
    seed: u64,
) -> f64 {
    let n = sigma.len();
    let Some(root) = sqrt_psd(sigma) else {
        return f64::INFINITY;
    };
    let sd: Vec<f64> = (0..n).map(|i| sigma[i][i].sqrt()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = rand_distr_normal();
    let mut etas = Vec::with_capacity(sims);
    for _ in 0..sims {
        let e: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let xi = matvec(&root, &e);
        match x {
            None => etas.push(
                xi.iter()
                    .zip(&sd)
                    .map(|(v, s)| v / s)
                    .fold(f64::NEG_INFINITY, f64::max),
            ),
            // Only the value is needed here: the simplex gives the same optimum as the
            // interior-point solver, many times faster (see `simplex`).
            Some(x) => {
                if let Some(eta) = super::simplex::minimax_value(&xi, x, &sd) {
                    etas.push(eta);
                }
            }
        }
    }
    if etas.is_empty() {
        return f64::INFINITY;
    }
    quantile(&mut etas, 1.0 - kappa)
}

/// A standard normal draw by Box-Muller from the seeded stream.
fn rand_distr_normal() -> impl Fn(&mut ChaCha8Rng) -> f64 {
    |rng: &mut ChaCha8Rng| {
        use rand::RngExt;
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Quantile with linear interpolation between order statistics (numpy's default).
pub(crate) fn quantile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The first and last accepted indices of a grid whose accepted set is an interval, by
/// bisection from an accepted seed near the middle (as the reference implementation searches).
pub(crate) fn interval_search(
    n: usize,
    accept: &mut dyn FnMut(usize) -> bool,
) -> Option<(usize, usize)> {
    let mid = n / 2;
    let mut seed = None;
    if accept(mid) {
        seed = Some(mid);
    } else {
        for offset in 1..n {
            let left = mid.checked_sub(offset);
            let right = mid + offset;
            if let Some(l) = left {
                if accept(l) {
                    seed = Some(l);
                    break;
                }
            }
            if right < n && accept(right) {
                seed = Some(right);
                break;
            }
            if left.is_none() && right >= n {
                break;
            }
        }
    }
    let seed = seed?;
    let lb = if seed == 0 || !accept(0) {
        let (mut lo, mut hi) = (0, seed);
        while lo < hi {
            let m = (lo + hi) / 2;
            if accept(m) {
                hi = m;
            } else {
                lo = m + 1;
            }
        }
        lo
    } else {
        0
    };
    let ub = if seed == n - 1 || !accept(n - 1) {
        let (mut lo, mut hi) = (seed, n - 1);
        while lo < hi {
            let m = (lo + hi).div_ceil(2);
            if accept(m) {
                lo = m;
            } else {
                hi = m - 1;
            }
        }
        lo
    } else {
        n - 1
    };
    Some((lb, ub))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_quantile_reduces_to_the_normal() {
        let q = truncated_quantile(0.95, f64::NEG_INFINITY, f64::INFINITY, 0.0, 1.0);
        assert!((q - 1.6448536269514722).abs() < 1e-12);
        // Truncated below at 0: the 95% quantile of a half-normal, Φ⁻¹(0.975).
        let q = truncated_quantile(0.95, 0.0, f64::INFINITY, 0.0, 1.0);
        assert!((q - 1.959963984540054).abs() < 1e-12);
    }

    #[test]
    fn interval_search_finds_the_ends() {
        let mut f = |i: usize| (300..=700).contains(&i);
        assert_eq!(interval_search(1000, &mut f), Some((300, 700)));
        let mut none = |_: usize| false;
        assert_eq!(interval_search(10, &mut none), None);
        let mut all = |_: usize| true;
        assert_eq!(interval_search(10, &mut all), Some((0, 9)));
    }

    #[test]
    fn quantile_matches_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert!((quantile(&mut v, 0.9) - 3.7).abs() < 1e-12);
    }
}
