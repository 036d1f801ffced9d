//! The ARP tests' small linear programs by a dense simplex: the test statistic's value, and the
//! maximum program of the truncation bounds.
//!
//! Why: the least-favourable critical value of the C-LF test is a quantile of the statistic over
//! 1,000 simulated draws, one linear program each, for every restriction polyhedron and every
//! value of `M̄`: hundreds of thousands of programs with a handful of variables. Only their
//! optimal values are needed there (not the multipliers, whose choice on a degenerate face the
//! conditional test reads from the interior-point solver), and the optimal value of a linear
//! program is unique, so an exact vertex method gives the same statistic as the interior-point
//! solver, in a fraction of the time. The same holds for the maximum program whose value the
//! bisection for the truncation bounds of a degenerate test compares (`arp::vlo_vup_dual`):
//! thousands of programs per confidence set, their optimal values unique.
//!
//! The program `min η` subject to `η sd_i + x_i'δ >= y_i` (δ free) is solved through its dual,
//! `max y'λ` subject to `sd'λ = 1`, `X'λ = 0`, `λ >= 0`: `k + 1` equality rows, one column per
//! moment, in standard form for a two-phase tableau simplex with Bland's rule (no cycling).

use super::solve::Mat;

/// Reduced costs and ratios below this count as zero (the data are studentised moments).
const EPS: f64 = 1e-10;

/// `min η` subject to `η sd_i + x_i'δ >= y_i`; `None` when it is unbounded below (its dual has
/// no feasible point), as the interior-point solver reports.
pub(crate) fn minimax_value(y: &[f64], x: &Mat, sd: &[f64]) -> Option<f64> {
    let k = x.first().map_or(0, Vec::len);
    let mut rows: Mat = vec![sd.to_vec()];
    rows.extend((0..k).map(|j| x.iter().map(|r| r[j]).collect()));
    let mut b = vec![0.0; k + 1];
    b[0] = 1.0;
    maximize(y, &rows, &b).map(|(_, v)| v)
}

/// `max f'x` subject to `A x = b`, `x >= 0` (`A` given by its rows): a maximiser and the
/// maximum, or `None` when the program is infeasible or unbounded.
pub(crate) fn maximize(f: &[f64], a: &Mat, b: &[f64]) -> Option<(Vec<f64>, f64)> {
    let n = f.len();
    let m = a.len();
    // Tableau rows 0..m: constraint rows over n structural and m artificial columns, then the
    // right-hand side (made non-negative). Row m: the objective's reduced costs.
    let width = n + m + 1;
    let rhs = n + m;
    let mut t = vec![0.0; (m + 1) * width];
    for r in 0..m {
        let sign = if b[r] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..n {
            t[r * width + i] = sign * a[r][i];
        }
        t[r * width + n + r] = 1.0;
        t[r * width + rhs] = sign * b[r];
    }
    let mut basis: Vec<usize> = (n..n + m).collect();
    // Phase I: minimise the sum of the artificials; reduced costs -(sum of the rows).
    for c in 0..width {
        let s: f64 = (0..m).map(|r| t[r * width + c]).sum();
        t[m * width + c] = if (n..n + m).contains(&c) { 0.0 } else { -s };
    }
    run(&mut t, &mut basis, m, width, n + m)?;
    if -t[m * width + rhs] > 1e-9 {
        return None;
    }
    // Artificials still basic (at zero): pivot them out on any structural column, or leave the
    // row (redundant) with its artificial, which phase II never lets enter.
    for r in 0..m {
        if basis[r] >= n {
            if let Some(c) = (0..n).find(|&c| t[r * width + c].abs() > 1e-9) {
                pivot(&mut t, &mut basis, m, width, r, c);
            }
        }
    }
    // Phase II: minimise -f'x over the structural columns.
    for c in 0..width {
        t[m * width + c] = if c < n { -f[c] } else { 0.0 };
    }
    for r in 0..m {
        let bv = basis[r];
        let cb = if bv < n { -f[bv] } else { 0.0 };
        if cb != 0.0 {
            for c in 0..width {
                t[m * width + c] -= cb * t[r * width + c];
            }
        }
    }
    run(&mut t, &mut basis, m, width, n)?;
    let mut x = vec![0.0; n];
    for r in 0..m {
        if basis[r] < n {
            x[basis[r]] = t[r * width + rhs];
        }
    }
    // The objective row's right-hand side holds -(c_B' B^-1 b) = f'x at the optimum.
    Some((x, t[m * width + rhs]))
}

/// Simplex iterations with Bland's rule over the first `cols` columns; `None` if unbounded.
fn run(t: &mut [f64], basis: &mut [usize], m: usize, width: usize, cols: usize) -> Option<()> {
    let rhs = width - 1;
    for _ in 0..10_000 {
        let Some(enter) = (0..cols).find(|&c| t[m * width + c] < -EPS) else {
            return Some(());
        };
        let mut leave: Option<(usize, f64)> = None;
        for r in 0..m {
            let a = t[r * width + enter];
            if a > EPS {
                let ratio = t[r * width + rhs] / a;
                leave = match leave {
                    None => Some((r, ratio)),
                    Some((lr, lratio)) => {
                        if ratio < lratio - 1e-12
                            || (ratio <= lratio + 1e-12 && basis[r] < basis[lr])
                        {
                            Some((r, ratio))
                        } else {
                            Some((lr, lratio))
                        }
                    }
                };
            }
        }
        let (r, _) = leave?;
        pivot(t, basis, m, width, r, enter);
    }
    None
}

fn pivot(t: &mut [f64], basis: &mut [usize], m: usize, width: usize, r: usize, c: usize) {
    let p = t[r * width + c];
    for j in 0..width {
        t[r * width + j] /= p;
    }
    for i in 0..=m {
        if i != r {
            let f = t[i * width + c];
            if f != 0.0 {
                for j in 0..width {
                    t[i * width + j] -= f * t[r * width + j];
                }
            }
        }
    }
    basis[r] = c;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn agrees_with_the_interior_point_solver() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut compared = 0;
        for trial in 0..400 {
            let n = 2 + trial % 14;
            let k = trial % 5;
            let mut u = || rng.random::<f64>() * 2.0 - 1.0;
            let x: Mat = (0..n).map(|_| (0..k).map(|_| u()).collect()).collect();
            let y: Vec<f64> = (0..n).map(|_| u()).collect();
            let sd: Vec<f64> = (0..n).map(|_| 0.5 + u().abs()).collect();
            let ours = minimax_value(&y, &x, &sd);
            let theirs = super::super::arp::test_delta_value(&y, &x, &sd);
            match (ours, theirs) {
                (Some(a), Some(b)) => {
                    assert!((a - b).abs() <= 1e-7 * (1.0 + b.abs()), "{a} vs {b}");
                    compared += 1;
                }
                (None, None) => {}
                (a, b) => {
                    // Unbounded below: the interior-point solver may stop at a huge negative
                    // value instead of reporting it.
                    assert!(a.is_none() && b.is_none_or(|v| v < -1e6), "{a:?} vs {b:?}");
                }
            }
        }
        assert!(compared > 200, "{compared}");
    }

    #[test]
    fn maximize_agrees_with_the_interior_point_solver() {
        use super::super::solve::linprog;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut solved = 0;
        for trial in 0..300 {
            let n = 3 + trial % 12;
            let m = 1 + trial % 4;
            let mut u = || rng.random::<f64>() * 2.0 - 1.0;
            let a: Mat = (0..m).map(|_| (0..n).map(|_| u()).collect()).collect();
            let b: Vec<f64> = (0..m).map(|_| u()).collect();
            let f: Vec<f64> = (0..n).map(|_| u()).collect();
            // The same program for the interior-point solver: min -f'x, A x = b, -x <= 0.
            let neg_f: Vec<f64> = f.iter().map(|v| -v).collect();
            let bounds: Mat = (0..n)
                .map(|i| (0..n).map(|j| if i == j { -1.0 } else { 0.0 }).collect())
                .collect();
            let theirs = linprog(&neg_f, &bounds, &vec![0.0; n], &a, &b).map(|s| -s.obj);
            match (maximize(&f, &a, &b), theirs) {
                (Some((x, v)), Some(w)) => {
                    assert!((v - w).abs() <= 1e-6 * (1.0 + w.abs()), "{v} vs {w}");
                    // The maximiser is feasible and attains the value.
                    assert!(x.iter().all(|xi| *xi >= -1e-9));
                    for (row, bi) in a.iter().zip(&b) {
                        let ax: f64 = row.iter().zip(&x).map(|(p, q)| p * q).sum();
                        assert!((ax - bi).abs() <= 1e-8, "{ax} vs {bi}");
                    }
                    solved += 1;
                }
                (None, None) => {}
                (ours, theirs) => panic!("trial {trial}: {ours:?} vs {theirs:?}"),
            }
        }
        assert!(solved > 50, "{solved}");
    }
}
