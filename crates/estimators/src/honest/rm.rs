//! Relative magnitudes, `Δ^RM(M̄)`: every post-period change in the trend's violation is at
//! most `M̄` times the largest pre-period change. The set is a union of polyhedra, one per
//! location `s` of the largest pre-period change and its sign; the confidence set is the union
//! of each polyhedron's ARP confidence set (Rambachan and Roth 2023, Lemma 2.2 and footnote 9).

use super::arp::{
    interval_search, least_favorable_cv, lp_conditional_test, test_no_nuisance, Hybrid,
};
use super::solve::{dot, inverse, linprog, matmul, matvec, quad, sandwich, Mat};
use super::{Coefs, Method};

/// `A` of `Δ^RM_{s,sign}(M̄) = {δ : A δ <= 0}` over the pre and post coefficients (the
/// reference period's column dropped). `s` runs over `-(T_pre - 1) ..= 0`, as in R's HonestDiD:
/// the largest pre-period change is the one ending at pre-period `T_pre + s`.
pub(crate) fn constraint_matrix(
    npre: usize,
    npost: usize,
    mbar: f64,
    s: i64,
    positive: bool,
) -> Mat {
    let total = npre + npost;
    let idx = (npre as i64 + s - 1) as usize;
    let sign = if positive { 1.0 } else { -1.0 };
    let mut v = vec![0.0; total + 1];
    v[idx] = -sign;
    v[idx + 1] = sign;
    let mut rows: Mat = Vec::new();
    for flip in [1.0, -1.0] {
        for r in 0..total {
            let scale = if r < npre { 1.0 } else { mbar };
            let row: Vec<f64> = (0..=total)
                .map(|c| {
                    let tilde = if c == r {
                        -1.0
                    } else if c == r + 1 {
                        1.0
                    } else {
                        0.0
                    };
                    flip * tilde - scale * v[c]
                })
                .collect();
            rows.push(row);
        }
    }
    rows.into_iter()
        .filter(|r| r.iter().map(|v| v * v).sum::<f64>() > 1e-10)
        .map(|mut r| {
            r.remove(npre);
            r
        })
        .collect()
}

/// The identified set of `θ = l'τ_post` under `Δ^RM(M̄)` at the point estimates (Lemma 2.1),
/// used to place the grid of candidate values.
pub(crate) fn identified_set(c: &Coefs, l: &[f64], mbar: f64) -> (f64, f64) {
    let (npre, npost) = (c.npre, c.npost);
    let theta = dot(l, &c.beta[npre..]);
    let mut f = vec![0.0; npre];
    f.extend_from_slice(l);
    let neg_f: Vec<f64> = f.iter().map(|v| -v).collect();
    let a_eq: Mat = (0..npre)
        .map(|i| {
            (0..npre + npost)
                .map(|j| f64::from(u8::from(i == j)))
                .collect()
        })
        .collect();
    let b_eq = &c.beta[..npre];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in -(npre as i64 - 1)..=0 {
        for positive in [true, false] {
            let a = constraint_matrix(npre, npost, mbar, s, positive);
            let d = vec![0.0; a.len()];
            let max = linprog(&neg_f, &a, &d, &a_eq, b_eq);
            let min = linprog(&f, &a, &d, &a_eq, b_eq);
            let (l_s, u_s) = match (max, min) {
                (None, None) => (theta, theta),
                (max, min) => (
                    max.map_or(theta, |m| theta + m.obj),
                    min.map_or(theta, |m| theta - m.obj),
                ),
            };
            lo = lo.min(l_s);
            hi = hi.max(u_s);
        }
    }
    (lo, hi)
}

/// `Γ`: an invertible matrix with `l'` as its first row; the other rows are the unit vectors
/// except the one of `l`'s last non-zero coordinate (the pivots of R's `rref([l, I])`). The
/// test does not depend on this choice, only the parametrisation of the nuisance does.
fn gamma_matrix(l: &[f64]) -> Mat {
    let n = l.len();
    let drop = (0..n).rev().find(|&i| l[i] != 0.0).unwrap_or(0);
    let mut g = vec![l.to_vec()];
    for i in (0..n).filter(|&i| i != drop) {
        let mut row = vec![0.0; n];
        row[i] = 1.0;
        g.push(row);
    }
    g
}

/// Accepted indices of `grid` for one polyhedron `A δ <= 0` (as a `[first, last]` interval).
fn accepted_for(
    c: &Coefs,
    l: &[f64],
    a: &Mat,
    grid: &[f64],
    alpha: f64,
    method: Method,
    seed: u64,
) -> Option<(usize, usize)> {
    let (npre, npost) = (c.npre, c.npost);
    let kappa = alpha / 10.0;
    if npost == 1 {
        // Only the moments that involve the post period (R's postPeriodMomentsOnly).
        let rows: Mat = a.iter().filter(|r| r[npre] != 0.0).cloned().collect();
        if rows.is_empty() {
            return Some((0, grid.len() - 1));
        }
        let d = vec![0.0; rows.len()];
        let hybrid = match method {
            Method::Conditional => Hybrid::Arp,
            _ => Hybrid::Lf {
                kappa,
                cv: least_favorable_cv(None, &sandwich(&rows, &c.sigma), kappa, 1000, seed),
            },
        };
        let accepted: Vec<usize> = (0..grid.len())
            .filter(|&i| {
                let mut y = c.beta.clone();
                y[npre] -= grid[i];
                test_no_nuisance(&y, &c.sigma, &rows, &d, alpha, hybrid)
            })
            .collect();
        return Some((*accepted.first()?, *accepted.last()?));
    }
    let gamma = gamma_matrix(l);
    let ginv = inverse(&gamma)?;
    let a_post: Mat = a.iter().map(|r| r[npre..].to_vec()).collect();
    let agi = matmul(&a_post, &ginv);
    let a1: Vec<f64> = agi.iter().map(|r| r[0]).collect();
    let x: Mat = agi.iter().map(|r| r[1..].to_vec()).collect();
    let y = matvec(a, &c.beta);
    let sigma_y = sandwich(a, &c.sigma);
    let rows: Vec<usize> = (0..a.len())
        .filter(|&i| a[i][npre..].iter().any(|v| *v != 0.0))
        .collect();
    let hybrid = match method {
        Method::Conditional => Hybrid::Arp,
        _ => {
            let xs: Mat = rows.iter().map(|&i| x[i].clone()).collect();
            let ss = super::solve::sub_square(&sigma_y, &rows);
            Hybrid::Lf {
                kappa,
                cv: least_favorable_cv(Some(&xs), &ss, kappa, 1000, seed),
            }
        }
    };
    let mut accept = |i: usize| {
        let yt: Vec<f64> = y.iter().zip(&a1).map(|(v, a)| v - a * grid[i]).collect();
        !lp_conditional_test(&yt, &x, &sigma_y, alpha, hybrid, &rows)
    };
    interval_search(grid.len(), &mut accept)
}

/// The robust confidence set for `θ = l'τ_post` under `Δ^RM(M̄)`: the union over `(s, sign)`.
pub(crate) fn confidence_set(
    c: &Coefs,
    l: &[f64],
    mbar: f64,
    alpha: f64,
    method: Method,
    grid_points: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    let sd_theta = quad(l, &post_block(c)).sqrt();
    let (id_lo, id_hi) = identified_set(c, l, mbar);
    let (lb, ub) = (id_lo - 20.0 * sd_theta, id_hi + 20.0 * sd_theta);
    let grid: Vec<f64> = (0..grid_points)
        .map(|i| lb + (ub - lb) * i as f64 / (grid_points - 1) as f64)
        .collect();
    // The polyhedra are independent (their union is the set): tested in parallel, which also
    // speeds the breakdown value's bisection, one M-bar at a time. The union of intervals does
    // not depend on the order they finish in.
    use rayon::prelude::*;
    let polyhedra: Vec<(i64, bool)> = (-(c.npre as i64 - 1)..=0)
        .flat_map(|s| [(s, true), (s, false)])
        .collect();
    let accepted: Vec<(usize, usize)> = polyhedra
        .par_iter()
        .filter_map(|&(s, positive)| {
            let a = constraint_matrix(c.npre, c.npost, mbar, s, positive);
            accepted_for(c, l, &a, &grid, alpha, method, seed)
        })
        .collect();
    let first = accepted.iter().map(|a| a.0).min()?;
    let last = accepted.iter().map(|a| a.1).max()?;
    Some((grid[first], grid[last]))
}

/// The post-period block of the vcov.
pub(crate) fn post_block(c: &Coefs) -> Mat {
    c.sigma[c.npre..]
        .iter()
        .map(|r| r[c.npre..].to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_rows_bound_post_changes_by_the_largest_pre_change() {
        // 2 pre, 1 post, s = 0 (the change into the reference period), positive, M̄ = 1.
        let a = constraint_matrix(2, 1, 1.0, 0, true);
        // δ = (δ_-2, δ_-1, δ_1) with δ_-1 = -1 (change into 0 of +1) and δ_1 = 1: allowed.
        let ok = [0.0, -1.0, 1.0];
        assert!(matvec(&a, &ok).iter().all(|v| *v <= 1e-12));
        // δ_1 = 1.5 exceeds it.
        let bad = [0.0, -1.0, 1.5];
        assert!(matvec(&a, &bad).iter().any(|v| *v > 1e-12));
    }
}
