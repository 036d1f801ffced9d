//! The deterministic dense algebra of the OLS fit: blocked inner products (the same sums
//! whatever the number of threads), X'X, and the pivoted Cholesky that finds collinear columns.

use faer::Mat;
use rayon::prelude::*;

/// Rows per block of the parallel reductions. Fixed, so that sums are added in the same order
/// whatever the number of threads: results are bit-for-bit reproducible.
const BLOCK: usize = 1 << 15;

/// Inner product, reduced block by block in a fixed order.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let partial: Vec<f64> = a
        .par_chunks(BLOCK)
        .zip(b.par_chunks(BLOCK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect();
    partial.iter().sum()
}

/// X'X of the given columns (deterministic, see [`BLOCK`]).
pub(super) fn gram(cols: &[&[f64]]) -> Mat<f64> {
    let k = cols.len();
    let mut m = Mat::<f64>::zeros(k, k);
    for a in 0..k {
        for b in 0..=a {
            let v = dot(cols[a], cols[b]);
            m[(a, b)] = v;
            m[(b, a)] = v;
        }
    }
    m
}

/// Columns kept by a Cholesky that skips a pivot smaller than `tol` times its diagonal:
/// a column that is (numerically) a combination of earlier ones is dropped, as fixest does.
pub(super) fn independent_columns(xtx: &Mat<f64>, tol: f64) -> Vec<usize> {
    let k = xtx.nrows();
    let mut l = vec![vec![0.0; k]; k];
    let mut kept: Vec<usize> = Vec::new();
    for j in 0..k {
        let diag = xtx[(j, j)];
        let mut d = diag;
        for &p in &kept {
            d -= l[j][p] * l[j][p];
        }
        if diag.is_nan() || diag <= 0.0 || d <= tol * diag {
            continue;
        }
        let djj = d.sqrt();
        l[j][j] = djj;
        for i in (j + 1)..k {
            let mut s = xtx[(i, j)];
            for &p in &kept {
                s -= l[i][p] * l[j][p];
            }
            l[i][j] = s / djj;
        }
        kept.push(j);
    }
    kept
}
