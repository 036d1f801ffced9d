//! OLS with absorbed fixed effects: sample, within transformation, collinearity, solve,
//! inference. Conventions follow fixest as implemented by pyfixest 0.60, the reference our
//! tests compare against.

use crate::demean::FeStructure;
use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions, VcovKind};
use crate::prep::{refactor, select_rows};
use crate::result::{Dropped, FeSummary, OlsResult};
use crate::vcov::{self, ClusterInput};
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};
use rayon::prelude::*;

pub const INTERCEPT: &str = "(Intercept)";

pub fn fit(data: &OlsData, opts: &OlsOptions) -> Result<OlsResult, EstimationError> {
    // faer only sees k x k matrices here; keep it sequential so results do not depend on
    // thread scheduling (parallelism comes from rayon over rows and columns instead).
    faer::set_global_parallelism(faer::Par::Seq);
    let n_all = data.y.len();
    let check = |name: &str, len: usize| {
        if len != n_all {
            Err(EstimationError::LengthMismatch(
                name.to_string(),
                len,
                n_all,
            ))
        } else {
            Ok(())
        }
    };
    for (name, c) in &data.x {
        check(name, c.len())?;
    }
    for (name, c) in data.fe.iter().chain(&data.clusters) {
        check(name, c.len())?;
    }
    if let Some(w) = data.weights {
        check("weights", w.len())?;
        if w.iter().any(|w| *w < 0.0) {
            return Err(EstimationError::Invalid(
                "weights must be non-negative".into(),
            ));
        }
    }
    if opts.vcov == VcovKind::Cluster && data.clusters.is_empty() {
        return Err(EstimationError::Invalid(
            "clustered vcov requested without a cluster variable".into(),
        ));
    }
    if data.clusters.len() > 2 {
        return Err(EstimationError::Invalid(
            "at most two-way clustering is supported".into(),
        ));
    }

    let timing = std::env::var_os("REGSPEC_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if timing {
            eprintln!("  [fit] {what}: {:.3}s", t0.elapsed().as_secs_f64());
        }
    };
    // 1. Estimation sample.
    let mut numeric: Vec<&[f64]> = vec![data.y];
    numeric.extend(data.x.iter().map(|(_, c)| *c));
    if let Some(w) = data.weights {
        numeric.push(w);
    }
    let fe_cols: Vec<&[u32]> = data.fe.iter().map(|(_, c)| *c).collect();
    let mut code_cols = fe_cols.clone();
    if opts.vcov == VcovKind::Cluster {
        code_cols.extend(data.clusters.iter().map(|(_, c)| *c));
    }
    let sample = select_rows(n_all, &numeric, &code_cols, &fe_cols, opts.drop_singletons);
    let rows = &sample.rows;
    let n = rows.len();
    if n == 0 {
        return Err(EstimationError::NoObservations);
    }
    // With every row kept (the common case on large data), columns are borrowed, not copied.
    let all_rows = n == n_all;
    let view = |c| subset(c, rows, all_rows);
    let weights: Option<Vec<f64>> = data.weights.map(|w| view(w).into_owned());
    let (fe_codes, fe_levels): (Vec<Vec<u32>>, Vec<usize>) =
        fe_cols.iter().map(|c| refactor(c, rows)).unzip();
    let has_fe = !fe_codes.is_empty();

    // 2. Within transformation of y and every regressor.
    let y = view(data.y);
    let mut names: Vec<String> = data.x.iter().map(|(n, _)| n.clone()).collect();
    let mut raw_x: Vec<std::borrow::Cow<[f64]>> = data.x.iter().map(|(_, c)| view(c)).collect();
    if !has_fe {
        names.insert(0, INTERCEPT.to_string());
        raw_x.insert(0, std::borrow::Cow::Owned(vec![1.0; n]));
    }
    lap("sample and codes");
    let fe = FeStructure::new(fe_codes.clone(), fe_levels.clone(), weights.clone());
    lap("fe grouping");
    let mut cols: Vec<&[f64]> = vec![&y];
    cols.extend(raw_x.iter().map(|c| &**c));
    let (demeaned, dstats) = fe.demean_many(&cols, opts.fixef_tol, opts.fixef_maxiter);
    let (iterations, converged) = (dstats.iterations, dstats.converged);
    lap("demeaning");
    let mut warnings = Vec::new();
    if !converged {
        warnings.push(format!(
            "fixed effects did not converge in {} iterations (tol {:e}); estimates may be inaccurate",
            opts.fixef_maxiter, opts.fixef_tol
        ));
    }
    let sqrt_w: Option<Vec<f64>> = weights
        .as_ref()
        .map(|w| w.iter().map(|v| v.sqrt()).collect());
    let scale = |mut v: Vec<f64>| {
        if let Some(s) = &sqrt_w {
            v.iter_mut().zip(s).for_each(|(a, b)| *a *= b);
        }
        v
    };
    let mut demeaned = demeaned.into_iter().map(scale);
    let yt = demeaned.next().unwrap_or_default();
    let xt_all: Vec<Vec<f64>> = demeaned.collect();

    let sum_sq = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
    // Weighted sum of squares of an untransformed column: the sum of squares of its scaled copy.
    let wss = |v: &[f64]| match &weights {
        Some(w) => v.iter().zip(w).map(|(a, w)| w * a * a).sum::<f64>(),
        None => sum_sq(v),
    };
    if sum_sq(&yt) <= 1e-14 * wss(&y).max(f64::MIN_POSITIVE) || sum_sq(&yt) == 0.0 {
        return Err(EstimationError::ConstantOutcome(data.y_name.clone()));
    }

    // 3. Regressors absorbed by the FE, then collinear among themselves.
    let mut dropped = Vec::new();
    let mut candidates = Vec::new();
    for (j, xt) in xt_all.iter().enumerate() {
        let raw_ss = wss(&raw_x[j]);
        if has_fe && sum_sq(xt) <= opts.collin_tol * raw_ss.max(f64::MIN_POSITIVE) {
            dropped.push(Dropped {
                name: names[j].clone(),
                reason: "absorbed by fixed effects".into(),
            });
        } else {
            candidates.push(j);
        }
    }
    let k_all = candidates.len();
    let cand_cols: Vec<&[f64]> = candidates.iter().map(|&j| xt_all[j].as_slice()).collect();
    let xtx = gram(&cand_cols);
    let kept_pos = independent_columns(&xtx, opts.collin_tol);
    for p in 0..k_all {
        if !kept_pos.contains(&p) {
            dropped.push(Dropped {
                name: names[candidates[p]].clone(),
                reason: "collinear".into(),
            });
        }
    }
    let kept: Vec<usize> = kept_pos.iter().map(|&p| candidates[p]).collect();
    let k = kept.len();
    if k == 0 {
        let all: Vec<String> = dropped
            .iter()
            .map(|d| format!("{} ({})", d.name, d.reason))
            .collect();
        return Err(EstimationError::AllRegressorsDropped(all.join(", ")));
    }
    let xtx_k = Mat::from_fn(k, k, |a, b| xtx[(kept_pos[a], kept_pos[b])]);
    let xty = Mat::from_fn(k, 1, |a, _| dot(&xt_all[kept[a]], &yt));

    // 4. Solve.
    let llt = xtx_k
        .llt(Side::Lower)
        .map_err(|_| EstimationError::Invalid("X'X is not positive definite".into()))?;
    let beta_m = llt.solve(&xty);
    let beta: Vec<f64> = (0..k).map(|a| beta_m[(a, 0)]).collect();
    let bread = llt.inverse();
    let mut u = yt.clone();
    for (a, &j) in kept.iter().enumerate() {
        let b = beta[a];
        u.iter_mut()
            .zip(&xt_all[j])
            .for_each(|(ui, xi)| *ui -= b * xi);
    }
    let xk: Vec<&[f64]> = kept.iter().map(|&j| xt_all[j].as_slice()).collect();

    lap("solve");
    // 5. Inference.
    let clusters: Vec<ClusterInput> = if opts.vcov == VcovKind::Cluster {
        data.clusters
            .iter()
            .map(|(name, c)| {
                let (codes, g) = refactor(c, rows);
                ClusterInput {
                    name: name.clone(),
                    codes,
                    groups: g,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    for c in &clusters {
        if c.groups < 2 {
            return Err(EstimationError::OneCluster(c.name.clone()));
        }
    }
    let fe_names: Vec<String> = data.fe.iter().map(|(n, _)| n.clone()).collect();
    let nested: Vec<bool> = fe_codes
        .iter()
        .zip(&fe_levels)
        .zip(&fe_names)
        .map(|((c, &g), name)| vcov::fe_nested_in_clusters(name, c, g, &clusters))
        .collect();
    let inf = vcov::compute(&vcov::VcovInput {
        kind: opts.vcov,
        ssc: opts.ssc,
        x: &xk,
        u: &u,
        bread: &bread,
        beta: &beta,
        names: kept.iter().map(|&j| names[j].clone()).collect(),
        fe_levels: &fe_levels,
        fe_nested: &nested,
        clusters: &clusters,
        level: opts.level,
        has_intercept: !has_fe,
    })?;

    lap("vcov");
    // 6. Fit statistics (pyfixest's definitions).
    let rss = sum_sq(&u);
    let wsum: f64 = weights.as_ref().map_or(n as f64, |w| w.iter().sum());
    let ybar = match &weights {
        Some(w) => y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / wsum,
        None => y.iter().sum::<f64>() / n as f64,
    };
    let tss: f64 = match &weights {
        Some(w) => y
            .iter()
            .zip(w)
            .map(|(a, b)| b * (a - ybar) * (a - ybar))
            .sum(),
        None => y.iter().map(|a| (a - ybar) * (a - ybar)).sum(),
    };
    let nf = n as f64;
    let kf = k as f64;
    let r2 = 1.0 - rss / tss;
    let (adj_r2, within_r2, adj_within_r2) = if has_fe {
        let k_fe: f64 = fe_levels.iter().map(|&g| g as f64 - 1.0).sum::<f64>() + 1.0;
        let adj = (nf - 1.0) / (nf - kf - k_fe);
        let adj_w = (nf - k_fe) / (nf - kf - k_fe);
        let wr2 = 1.0 - rss / sum_sq(&yt);
        (
            1.0 - (rss / tss) * adj,
            Some(wr2),
            Some(1.0 - (rss / sum_sq(&yt)) * adj_w),
        )
    } else {
        (1.0 - (rss / tss) * (nf - 1.0) / (nf - kf), None, None)
    };
    let fe_summary = fe_names
        .iter()
        .zip(&fe_levels)
        .zip(&nested)
        .map(|((name, &levels), &nested_in_cluster)| FeSummary {
            name: name.clone(),
            levels,
            nested_in_cluster,
        })
        .collect();
    Ok(OlsResult {
        outcome: data.y_name.clone(),
        coefficients: inf.coefficients,
        vcov: inf.vcov,
        nobs: n,
        n_missing: sample.n_missing,
        n_singletons: sample.n_singletons,
        dropped,
        fixed_effects: fe_summary,
        vcov_type: match opts.vcov {
            VcovKind::Iid => "iid",
            VcovKind::Hetero => "hetero",
            VcovKind::Cluster => "cluster",
        }
        .into(),
        cluster_vars: clusters.iter().map(|c| c.name.clone()).collect(),
        n_clusters: clusters.iter().map(|c| c.groups).collect(),
        df_k: inf.df_k,
        df_t: inf.df_t,
        r2,
        adj_r2,
        within_r2,
        adj_within_r2,
        rmse: (rss / nf).sqrt(),
        rss,
        wald: inf.wald,
        demean_iterations: iterations,
        converged,
        warnings,
    })
}

/// The selected rows of a column: borrowed when every row is selected.
fn subset<'a>(c: &'a [f64], rows: &[usize], all: bool) -> std::borrow::Cow<'a, [f64]> {
    if all {
        std::borrow::Cow::Borrowed(c)
    } else {
        std::borrow::Cow::Owned(rows.iter().map(|&i| c[i]).collect())
    }
}

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
fn gram(cols: &[&[f64]]) -> Mat<f64> {
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
fn independent_columns(xtx: &Mat<f64>, tol: f64) -> Vec<usize> {
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
