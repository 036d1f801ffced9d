//! The fixed-length confidence interval (FLCI) under smoothness, `Δ^SD(M)`: an affine
//! estimator `a + v'β̂` whose worst-case bias over `Δ^SD(M)` and standard deviation `h` give the
//! shortest interval `± cv_α(bias / h) · h` (Armstrong and Kolesár; Rambachan and Roth 2023,
//! Section 3). For a given `h` the worst-case bias is a second-order cone program; `h` is chosen
//! by golden-section search between the least-variance and the least-bias estimators, as the
//! Python reference (`moderndid.didhonest`) does, so both land on the same `h`.

use super::solve::{conic, dot, matvec, pnorm, qnorm, quad, sqrt_psd, Cone, Mat};
use super::Coefs;

/// The pieces of the variance `x'Qx + a'x + σ_post` of the estimator as a function of the
/// stacked variables `x = (u, w)` (absolute values, then the pre-period weights).
struct Variance {
    /// `D' Σ_pre D` (the `w` block of `Q`).
    q_ww: Mat,
    /// `2 D' Σ_pre,post l` (the `w` part of `a`).
    a_w: Vec<f64>,
    /// `l' Σ_post l`.
    sigma_post: f64,
    /// `R D` with `R R = Σ_pre`, so that `w'Q w = |R D w|²`.
    root_d: Mat,
}

/// `D`: levels from cumulative weights, `l_pre = D w` (`l_1 = w_1`, `l_i = w_i - w_{i-1}`).
fn diff_matrix(n: usize) -> Mat {
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else if j + 1 == i {
                        -1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect()
}

fn variance_parts(c: &Coefs, l: &[f64]) -> Option<Variance> {
    let n = c.npre;
    let d = diff_matrix(n);
    let sigma_pre: Mat = c.sigma[..n].iter().map(|r| r[..n].to_vec()).collect();
    let sigma_pre_post: Mat = c.sigma[..n].iter().map(|r| r[n..].to_vec()).collect();
    let dt = super::solve::transpose(&d);
    let q_ww = super::solve::matmul(&super::solve::matmul(&dt, &sigma_pre), &d);
    let spl = matvec(&sigma_pre_post, l);
    let a_w: Vec<f64> = matvec(&dt, &spl).iter().map(|v| 2.0 * v).collect();
    let sigma_post = quad(l, &super::rm::post_block(c));
    let root = sqrt_psd(&sigma_pre)?;
    let root_d = super::solve::matmul(&root, &d);
    Some(Variance {
        q_ww,
        a_w,
        sigma_post,
        root_d,
    })
}

/// The linear constraints on `x = (u, w)`: `|L w| <= u` (L lower-triangular ones) and
/// `Σ w = Σ_t t l_t`. Returns (rows, rhs) with the equality first.
fn linear_constraints(n: usize, target: f64) -> (Mat, Vec<f64>) {
    let mut a: Mat = vec![(0..2 * n).map(|j| f64::from(u8::from(j >= n))).collect()];
    let mut b = vec![target];
    for sign in [1.0, -1.0] {
        for i in 0..n {
            let mut row = vec![0.0; 2 * n];
            row[i] = -1.0;
            for j in 0..=i {
                row[n + j] = sign;
            }
            a.push(row);
            b.push(0.0);
        }
    }
    (a, b)
}

fn target_sum(l: &[f64]) -> f64 {
    l.iter().enumerate().map(|(j, v)| (j + 1) as f64 * v).sum()
}

/// The bias that does not depend on the pre-period weights.
fn bias_constant(l: &[f64]) -> f64 {
    let t = l.len();
    let s: f64 = (1..=t)
        .map(|s| {
            (1..=s)
                .map(|j| j as f64 * l[t - s + j - 1])
                .sum::<f64>()
                .abs()
        })
        .sum();
    s - target_sum(l)
}

/// Worst-case bias over `Δ^SD(1)` among estimators with standard deviation at most `h`, and
/// the pre-period weights `l_pre` that attain it.
fn max_bias(v: &Variance, l: &[f64], n: usize, h: f64) -> Option<(f64, Vec<f64>)> {
    let (mut a, mut b) = linear_constraints(n, target_sum(l));
    let mut a_full = vec![0.0; n];
    a_full.extend_from_slice(&v.a_w);
    let t0 = h * h - v.sigma_post;
    a.push(a_full.clone());
    b.push(t0 + 1.0);
    a.push(a_full);
    b.push(t0 - 1.0);
    for row in &v.root_d {
        let mut r = vec![0.0; n];
        r.extend(row.iter().map(|x| -2.0 * x));
        a.push(r);
        b.push(0.0);
    }
    let mut q = vec![1.0; n];
    q.extend(vec![0.0; n]);
    let cones = [Cone::Zero(1), Cone::Nonneg(2 * n), Cone::Soc(n + 2)];
    let sol = conic(None, &q, &a, &b, &cones)?;
    let w = &sol.x[n..];
    let l_pre: Vec<f64> = (0..n)
        .map(|i| if i == 0 { w[0] } else { w[i] - w[i - 1] })
        .collect();
    Some((bias_constant(l) + sol.obj, l_pre))
}

/// The least standard deviation of any estimator in the class (a quadratic program).
fn min_sd(v: &Variance, l: &[f64], n: usize) -> Option<f64> {
    let (a, b) = linear_constraints(n, target_sum(l));
    let mut p = vec![vec![0.0; 2 * n]; 2 * n];
    for i in 0..n {
        for j in 0..n {
            p[n + i][n + j] = 2.0 * v.q_ww[i][j];
        }
    }
    let mut q = vec![0.0; n];
    q.extend_from_slice(&v.a_w);
    let sol = conic(Some(&p), &q, &a, &b, &[Cone::Zero(1), Cone::Nonneg(2 * n)])?;
    Some((sol.obj + v.sigma_post).max(0.0).sqrt())
}

/// The standard deviation of the least-bias estimator (all weight on the last pre-period).
fn min_bias_sd(c: &Coefs, l: &[f64]) -> f64 {
    let n = c.npre;
    let mut w = vec![0.0; n];
    w[n - 1] = target_sum(l);
    let l_pre: Vec<f64> = (0..n)
        .map(|i| if i == 0 { w[0] } else { w[i] - w[i - 1] })
        .collect();
    let mut v = l_pre;
    v.extend_from_slice(l);
    quad(&v, &c.sigma).sqrt()
}

/// Quantile `p` of `|N(μ, 1)|`.
pub(crate) fn folded_normal_quantile(p: f64, mu: f64) -> f64 {
    let mu = mu.abs();
    if mu == 0.0 {
        return qnorm((1.0 + p) / 2.0);
    }
    let f = |x: f64| pnorm(x - mu) - pnorm(-x - mu) - p;
    let mut hi = mu + 8.0;
    while f(hi) < 0.0 {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The FLCI for `θ = l'τ_post` under `Δ^SD(m)`.
pub(crate) fn flci(c: &Coefs, l: &[f64], m: f64, alpha: f64) -> Option<(f64, f64)> {
    let n = c.npre;
    let v = variance_parts(c, l)?;
    let h_max = min_bias_sd(c, l);
    let h_min = min_sd(&v, l, n)?;
    let half = |h: f64| -> Option<(f64, Vec<f64>)> {
        let (bias, l_pre) = max_bias(&v, l, n, h)?;
        Some((folded_normal_quantile(1.0 - alpha, m * bias / h) * h, l_pre))
    };
    let num_points = 100.0;
    let tol = ((h_max - h_min) / num_points).min(h_max.abs() * 1e-6);
    let golden = (1.0 + 5f64.sqrt()) / 2.0;
    let (mut lo, mut hi) = (h_min, h_max);
    let mut m_lo = hi - (hi - lo) / golden;
    let mut m_hi = lo + (hi - lo) / golden;
    let h_star = match (half(m_lo), half(m_hi)) {
        (Some((mut c_lo, _)), Some((mut c_hi, _))) => {
            let mut ok = true;
            while (hi - lo).abs() > tol {
                if c_lo < c_hi {
                    hi = m_hi;
                    m_hi = m_lo;
                    c_hi = c_lo;
                    m_lo = hi - (hi - lo) / golden;
                    match half(m_lo) {
                        Some((x, _)) => c_lo = x,
                        None => {
                            ok = false;
                            break;
                        }
                    }
                } else {
                    lo = m_lo;
                    m_lo = m_hi;
                    c_lo = c_hi;
                    m_hi = lo + (hi - lo) / golden;
                    match half(m_hi) {
                        Some((x, _)) => c_hi = x,
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
            }
            ok.then_some((lo + hi) / 2.0)
        }
        _ => None,
    };
    let (half_length, l_pre) = match h_star {
        Some(h) => half(h)?,
        None => {
            // The search failed (a solver failure inside): the best of a grid of h.
            (0..100)
                .filter_map(|i| half(h_min + (h_max - h_min) * f64::from(i) / 99.0))
                .min_by(|a, b| a.0.total_cmp(&b.0))?
        }
    };
    let mut vec = l_pre;
    vec.extend_from_slice(l);
    let centre = dot(&vec, &c.beta);
    Some((centre - half_length, centre + half_length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_normal_quantile_limits() {
        // μ = 0: the half-normal; large μ: approximately μ + z_p.
        assert!((folded_normal_quantile(0.95, 0.0) - 1.959963984540054).abs() < 1e-12);
        let q = folded_normal_quantile(0.95, 10.0);
        assert!((q - (10.0 + 1.6448536269514722)).abs() < 1e-9);
    }

    #[test]
    fn bias_constant_of_the_first_post_period_is_zero() {
        assert_eq!(bias_constant(&[1.0, 0.0, 0.0]), 0.0);
    }
}
