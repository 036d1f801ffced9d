//! Small dense linear algebra and the convex programs of HonestDiD (LP, QP, SOCP), solved by
//! Clarabel's interior-point method. The matrices here are at most a few dozen rows (one per
//! event time and restriction), so plain row-major `Vec<Vec<f64>>` keeps the code readable.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};

/// A dense row-major matrix.
pub(crate) type Mat = Vec<Vec<f64>>;

/// `a * b` for dense matrices.
pub(crate) fn matmul(a: &Mat, b: &Mat) -> Mat {
    let inner = b.len();
    let cols = b.first().map_or(0, Vec::len);
    a.iter()
        .map(|row| {
            (0..cols)
                .map(|j| (0..inner).map(|k| row[k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

/// `a * v`.
pub(crate) fn matvec(a: &Mat, v: &[f64]) -> Vec<f64> {
    a.iter().map(|row| dot(row, v)).collect()
}

/// Inner product.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Transpose.
pub(crate) fn transpose(a: &Mat) -> Mat {
    let cols = a.first().map_or(0, Vec::len);
    (0..cols)
        .map(|j| a.iter().map(|r| r[j]).collect())
        .collect()
}

/// `a Σ a'`.
pub(crate) fn sandwich(a: &Mat, sigma: &Mat) -> Mat {
    matmul(&matmul(a, sigma), &transpose(a))
}

/// `v' Σ v`.
pub(crate) fn quad(v: &[f64], sigma: &Mat) -> f64 {
    dot(v, &matvec(sigma, v))
}

/// The rows `rows` and columns `rows` of a square matrix.
pub(crate) fn sub_square(a: &Mat, rows: &[usize]) -> Mat {
    rows.iter()
        .map(|&i| rows.iter().map(|&j| a[i][j]).collect())
        .collect()
}

/// Inverse of a small square matrix (partial-pivot LU); `None` when singular.
pub(crate) fn inverse(a: &Mat) -> Option<Mat> {
    let n = a.len();
    let m = faer::Mat::<f64>::from_fn(n, n, |i, j| a[i][j]);
    let lu = m.partial_piv_lu();
    let inv = faer::linalg::solvers::DenseSolveCore::inverse(&lu);
    let out: Mat = (0..n)
        .map(|i| (0..n).map(|j| inv[(i, j)]).collect())
        .collect();
    out.iter()
        .all(|r| r.iter().all(|v| v.is_finite()))
        .then_some(out)
}

/// Numerical rank (singular values above `max(m, n) * eps * largest`).
pub(crate) fn rank(a: &Mat) -> usize {
    let (m, n) = (a.len(), a.first().map_or(0, Vec::len));
    if m == 0 || n == 0 {
        return 0;
    }
    let mat = faer::Mat::<f64>::from_fn(m, n, |i, j| a[i][j]);
    let Ok(sv) = mat.singular_values() else {
        return 0;
    };
    let largest = sv.iter().copied().fold(0.0, f64::max);
    let tol = largest * (m.max(n) as f64) * f64::EPSILON;
    sv.iter().filter(|&&s| s > tol).count()
}

/// The symmetric square root `R` of a positive semi-definite matrix (`R R = Σ`).
pub(crate) fn sqrt_psd(sigma: &Mat) -> Option<Mat> {
    let n = sigma.len();
    let m = faer::Mat::<f64>::from_fn(n, n, |i, j| 0.5 * (sigma[i][j] + sigma[j][i]));
    let eig = m.self_adjoint_eigen(faer::Side::Lower).ok()?;
    let (u, s) = (eig.U(), eig.S());
    Some(
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        (0..n)
                            .map(|k| u[(i, k)] * s[k].max(0.0).sqrt() * u[(j, k)])
                            .sum()
                    })
                    .collect()
            })
            .collect(),
    )
}

/// A solved convex program: primal `x`, the duals `z` of the cone constraints, the objective.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub x: Vec<f64>,
    pub z: Vec<f64>,
    pub obj: f64,
}

/// A cone block of the constraints `A x + s = b`.
#[derive(Clone, Copy)]
pub(crate) enum Cone {
    /// `s = 0`: equalities.
    Zero(usize),
    /// `s >= 0`: inequalities `A x <= b`.
    Nonneg(usize),
    /// `s` in the second-order cone `s_0 >= ||s_1..||`.
    Soc(usize),
}

/// Minimises `½ x'Px + q'x` subject to `A x + s = b`, `s` in `cones`, by Clarabel.
/// `None` when the program is infeasible, unbounded or the solver fails.
pub(crate) fn conic(
    p: Option<&Mat>,
    q: &[f64],
    a: &Mat,
    b: &[f64],
    cones: &[Cone],
) -> Option<Solution> {
    let n = q.len();
    let pm = match p {
        Some(p) => csc(p, n, true),
        None => CscMatrix::zeros((n, n)),
    };
    let am = csc(a, n, false);
    let cones: Vec<SupportedConeT<f64>> = cones
        .iter()
        .map(|c| match *c {
            Cone::Zero(k) => SupportedConeT::ZeroConeT(k),
            Cone::Nonneg(k) => SupportedConeT::NonnegativeConeT(k),
            Cone::Soc(k) => SupportedConeT::SecondOrderConeT(k),
        })
        .collect();
    let settings = DefaultSettingsBuilder::default()
        .verbose(false)
        .max_iter(200)
        .tol_gap_abs(1e-10)
        .tol_gap_rel(1e-10)
        .tol_feas(1e-10)
        .build()
        .ok()?;
    let mut solver = DefaultSolver::new(&pm, q, &am, b, &cones, settings).ok()?;
    solver.solve();
    match solver.solution.status {
        SolverStatus::Solved | SolverStatus::AlmostSolved => Some(Solution {
            x: solver.solution.x.clone(),
            z: solver.solution.z.clone(),
            obj: solver.solution.obj_val,
        }),
        _ => None,
    }
}

/// Dense to compressed sparse column; `upper` keeps only the upper triangle (Clarabel's `P`).
fn csc(a: &Mat, n: usize, upper: bool) -> CscMatrix<f64> {
    let m = a.len();
    let mut colptr = vec![0];
    let (mut rowval, mut nzval) = (Vec::new(), Vec::new());
    for j in 0..n {
        for (i, row) in a.iter().enumerate() {
            if (!upper || i <= j) && row[j] != 0.0 {
                rowval.push(i);
                nzval.push(row[j]);
            }
        }
        colptr.push(rowval.len());
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

/// Minimises `c'x` subject to `A_ub x <= b_ub` and `A_eq x = b_eq` (free variables).
pub(crate) fn linprog(
    c: &[f64],
    a_ub: &Mat,
    b_ub: &[f64],
    a_eq: &Mat,
    b_eq: &[f64],
) -> Option<Solution> {
    let mut a: Mat = a_eq.clone();
    a.extend(a_ub.iter().cloned());
    let mut b = b_eq.to_vec();
    b.extend_from_slice(b_ub);
    let mut cones = Vec::new();
    if !a_eq.is_empty() {
        cones.push(Cone::Zero(a_eq.len()));
    }
    if !a_ub.is_empty() {
        cones.push(Cone::Nonneg(a_ub.len()));
    }
    conic(None, c, &a, &b, &cones)
}

/// Standard normal distribution.
pub(crate) fn normal() -> statrs::distribution::Normal {
    statrs::distribution::Normal::standard()
}

/// `Φ(x)`.
pub(crate) fn pnorm(x: f64) -> f64 {
    use statrs::distribution::ContinuousCDF;
    normal().cdf(x)
}

/// `Φ⁻¹(p)`.
pub(crate) fn qnorm(p: f64) -> f64 {
    use statrs::distribution::ContinuousCDF;
    normal().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linprog_solves_a_box() {
        // min x - y on the unit box: x = -1, y = 1, value -2.
        let a = vec![
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![-1.0, 0.0],
            vec![0.0, -1.0],
        ];
        let s = linprog(&[1.0, -1.0], &a, &[1.0; 4], &vec![], &[]).unwrap();
        assert!((s.obj + 2.0).abs() < 1e-8);
        assert!((s.x[0] + 1.0).abs() < 1e-8 && (s.x[1] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn inverse_and_rank() {
        let a = vec![vec![2.0, 1.0], vec![1.0, 3.0]];
        let inv = inverse(&a).unwrap();
        let id = matmul(&a, &inv);
        assert!((id[0][0] - 1.0).abs() < 1e-12 && id[0][1].abs() < 1e-12);
        assert_eq!(rank(&vec![vec![1.0, 2.0], vec![2.0, 4.0]]), 1);
        let r = sqrt_psd(&a).unwrap();
        let back = matmul(&r, &r);
        assert!((back[1][1] - 3.0).abs() < 1e-12);
    }
}
