//! OLS with absorbed fixed effects: sample, within transformation, collinearity, solve,
//! inference. Conventions follow fixest as implemented by pyfixest 0.60, the reference our
//! tests compare against.

use crate::demean::FeStructure;
use crate::error::EstimationError;
use crate::model::{OlsData, OlsOptions, VcovKind};
use crate::prep::{dense_codes, select_rows};
use crate::result::{Dropped, FeSummary, Inference, OlsResult};
use crate::vcov::{self, ClusterInput};
use faer::linalg::solvers::{DenseSolveCore, Solve};
use faer::{Mat, Side};

mod linalg;
pub(crate) use linalg::dot;
use linalg::{gram, independent_columns};

/// Name of the intercept when no fixed effects are absorbed.
pub const INTERCEPT: &str = "(Intercept)";

/// Estimates one OLS model with absorbed fixed effects and fixest's inference.
pub fn fit(data: &OlsData, opts: &OlsOptions) -> Result<OlsResult, EstimationError> {
    let p = Prepared::new(data, opts)?;
    let mut cols: Vec<&[f64]> = vec![data.y];
    cols.extend(data.x.iter().map(|(_, c)| *c));
    let mut t = p.transform(&cols);
    let yt = t.remove(0);
    let xt = data.x.iter().map(|(n, _)| n.clone()).zip(t).collect();
    p.estimate(&data.y_name, data.y, yt, xt)
}

/// A transformed column: demeaned and scaled by sqrt(weight), with the weighted sum of squares
/// of the untransformed column (to tell "absorbed by the FE" from "small").
#[derive(Debug, Clone)]
pub struct Transformed {
    /// The transformed (demeaned, weighted) column on the estimation sample.
    pub values: Vec<f64>,
    /// Sum of squares of the column before demeaning (for relative tolerances).
    pub raw_ss: f64,
    /// Iterations of the FE absorption.
    pub iterations: usize,
    /// Whether the FE absorption converged.
    pub converged: bool,
    /// Whether the Krylov solver (not the alternating projections) absorbed the FE.
    pub krylov: bool,
}

/// Everything about a fit that does not depend on the values of y and the regressors: the
/// estimation sample, the FE structure, weights and clusters. Models that share them (the
/// draws of a placebo) transform each column once and re-use it.
pub struct Prepared<'a> {
    opts: &'a OlsOptions,
    rows: Vec<usize>,
    all_rows: bool,
    n_missing: usize,
    n_infinite: usize,
    n_singletons: usize,
    weights: Option<Vec<f64>>,
    sqrt_w: Option<Vec<f64>>,
    fe_levels: Vec<usize>,
    fe_names: Vec<String>,
    fe: FeStructure<'a>,
    nested: Vec<bool>,
    clusters: Vec<ClusterInput<'a>>,
    /// Latitude and longitude on the sample (Conley errors).
    coords: Option<(Vec<f64>, Vec<f64>)>,
    dispersion: Option<f64>,
}

impl<'a> Prepared<'a> {
    /// Rows of the estimation sample.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// A GLM with known dispersion (1 for Poisson PML): the iid vcov uses it instead of the
    /// residual variance, and inference is z-based (normal p-values and intervals), as fixest.
    pub fn with_dispersion(mut self, phi: f64) -> Self {
        self.dispersion = Some(phi);
        self
    }

    /// Prepares the sample, FE structure, weights and clusters of `data`.
    pub fn new(data: &OlsData<'a>, opts: &'a OlsOptions) -> Result<Prepared<'a>, EstimationError> {
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
        let mut numeric: Vec<&[f64]> = vec![data.y];
        numeric.extend(data.x.iter().map(|(_, c)| *c));
        if let Some(w) = data.weights {
            numeric.push(w);
        }
        let conley = matches!(opts.vcov, VcovKind::Conley { .. });
        match data.coords {
            // Rows without coordinates are missing for a Conley vcov.
            Some((lat, lon)) if conley => {
                check("latitude", lat.len())?;
                check("longitude", lon.len())?;
                numeric.extend([lat, lon]);
            }
            None if conley => {
                return Err(EstimationError::Invalid(
                    "Conley standard errors need each row's latitude and longitude".into(),
                ))
            }
            _ => {}
        }
        let fe_cols: Vec<&[u32]> = data.fe.iter().map(|(_, c)| *c).collect();
        let mut code_cols = fe_cols.clone();
        if opts.vcov.uses_codes() {
            code_cols.extend(data.clusters.iter().map(|(_, c)| *c));
        }
        if opts.vcov.is_hac() && !conley && data.clusters.is_empty() {
            return Err(EstimationError::Invalid(
                "panel HAC standard errors need the panel's period (and unit)".into(),
            ));
        }
        let sample = select_rows(n_all, &numeric, &code_cols, &fe_cols, opts.drop_singletons);
        let rows = sample.rows;
        if rows.is_empty() {
            return Err(EstimationError::NoObservations);
        }
        let all_rows = rows.len() == n_all;
        let weights: Option<Vec<f64>> = data
            .weights
            .map(|w| subset(w, &rows, all_rows).into_owned());
        if weights
            .as_ref()
            .is_some_and(|w| w.iter().all(|v| *v == 0.0))
        {
            return Err(EstimationError::Invalid(format!(
                "the weights are zero on every one of the {} rows of the estimation sample",
                rows.len()
            )));
        }
        // Values whose squares overflow make every sum of squares infinite: say so, rather
        // than a misleading "constant" or a NaN estimate.
        for (name, col) in
            std::iter::once((&data.y_name, data.y)).chain(data.x.iter().map(|(n, c)| (n, *c)))
        {
            let big = rows.iter().map(|&r| col[r].abs()).fold(0.0, f64::max);
            if big > 1e150 {
                return Err(EstimationError::Invalid(format!(
                    "`{name}` has values too large to estimate with (|value| up to {big:e}; their squares overflow): rescale it"
                )));
            }
        }
        let sqrt_w = weights
            .as_ref()
            .map(|w| w.iter().map(|v| v.sqrt()).collect());
        let (fe_codes, fe_levels): (Vec<std::borrow::Cow<[u32]>>, Vec<usize>) = fe_cols
            .iter()
            .map(|c| dense_codes(c, &rows, all_rows))
            .unzip();
        let clusters: Vec<ClusterInput> = if opts.vcov.uses_codes() {
            data.clusters
                .iter()
                .map(|(name, c)| {
                    // HAC kernels run over periods in time order: keep the codes' order.
                    let (codes, groups) = if opts.vcov.is_hac() {
                        let (codes, groups) = crate::prep::refactor_ordered(c, &rows);
                        (codes.into(), groups)
                    } else {
                        dense_codes(c, &rows, all_rows)
                    };
                    ClusterInput {
                        name: name.clone(),
                        codes,
                        groups,
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
        let nested = fe_codes
            .iter()
            .zip(&fe_levels)
            .zip(&fe_names)
            .map(|((c, &g), name)| vcov::fe_nested_in_clusters(name, c, g, &clusters))
            .collect();
        let fe = FeStructure::new(fe_codes, fe_levels.clone(), weights.clone());
        let coords = data.coords.filter(|_| conley).map(|(lat, lon)| {
            (
                subset(lat, &rows, all_rows).into_owned(),
                subset(lon, &rows, all_rows).into_owned(),
            )
        });
        Ok(Prepared {
            opts,
            rows,
            all_rows,
            n_missing: sample.n_missing,
            n_infinite: sample.n_infinite,
            n_singletons: sample.n_singletons,
            weights,
            sqrt_w,
            fe_levels,
            fe_names,
            fe,
            nested,
            coords,
            clusters,
            dispersion: None,
        })
    }

    /// Dense codes of cluster variable `i` on the estimation sample, and its number of clusters.
    pub fn cluster(&self, i: usize) -> Option<(&[u32], usize)> {
        self.clusters.get(i).map(|c| (&*c.codes, c.groups))
    }

    fn has_fe(&self) -> bool {
        !self.fe_levels.is_empty()
    }

    /// Demeans and weights full-length columns on the estimation sample, all together.
    pub fn transform(&self, cols: &[&[f64]]) -> Vec<Transformed> {
        let sub: Vec<std::borrow::Cow<[f64]>> = cols
            .iter()
            .map(|c| subset(c, &self.rows, self.all_rows))
            .collect();
        let refs: Vec<&[f64]> = sub.iter().map(|c| &**c).collect();
        let (demeaned, st) = self.fe.demean_many(
            &refs,
            self.opts.fixef_tol,
            self.opts.fixef_maxiter,
            self.opts.demean,
        );
        demeaned
            .into_iter()
            .zip(&refs)
            .zip(st)
            .map(|((mut v, raw), st)| {
                let raw_ss = match &self.weights {
                    Some(w) => raw.iter().zip(w).map(|(a, w)| w * a * a).sum::<f64>(),
                    None => raw.iter().map(|a| a * a).sum::<f64>(),
                };
                if let Some(s) = &self.sqrt_w {
                    v.iter_mut().zip(s).for_each(|(a, b)| *a *= b);
                }
                Transformed {
                    values: v,
                    raw_ss,
                    iterations: st.iterations,
                    converged: st.converged,
                    krylov: st.krylov,
                }
            })
            .collect()
    }

    /// Solves and infers from a transformed outcome (`y` is the untransformed, full-length
    /// outcome, for the total sum of squares) and named transformed regressors; without FE an
    /// intercept is added first. Any outcome and regressors complete on the prepared sample can
    /// be used: models sharing a sample and FE are estimated from columns transformed once.
    pub fn estimate(
        &self,
        y_name: &str,
        y: &[f64],
        yt: Transformed,
        xt: Vec<(String, Transformed)>,
    ) -> Result<OlsResult, EstimationError> {
        self.estimate_with(y_name, y, yt, xt, None)
    }

    /// [`Prepared::estimate`], or two-stage least squares when `xhat` holds the first-stage
    /// fitted values of every regressor (the exogenous ones are their own): coefficients and
    /// the vcov's bread and scores from `xhat`, residuals from the actual regressors `xt`.
    pub fn estimate_with(
        &self,
        y_name: &str,
        y: &[f64],
        yt: Transformed,
        xt: Vec<(String, Transformed)>,
        xhat: Option<Vec<Transformed>>,
    ) -> Result<OlsResult, EstimationError> {
        let opts = self.opts;
        let n = self.rows.len();
        let has_fe = self.has_fe();
        let (mut names, mut xt_all): (Vec<String>, Vec<Transformed>) = xt.into_iter().unzip();
        // In 2SLS the fitted values estimate and the actual regressors give the residuals;
        // otherwise the one set of columns does both (no copy).
        let mut x_actual: Option<Vec<Transformed>> =
            xhat.map(|h| std::mem::replace(&mut xt_all, h));
        if !has_fe {
            names.insert(0, INTERCEPT.to_string());
            let ones = vec![1.0; y.len()];
            let one = self.transform(&[&ones]).remove(0);
            if let Some(a) = x_actual.as_mut() {
                a.insert(0, one.clone());
            }
            xt_all.insert(0, one);
        }
        let iterations = xt_all
            .iter()
            .map(|t| t.iterations)
            .chain([yt.iterations])
            .max()
            .unwrap_or(0);
        let converged = xt_all.iter().all(|t| t.converged) && yt.converged;
        let krylov_columns = xt_all.iter().chain([&yt]).filter(|t| t.krylov).count();
        let mut warnings = Vec::new();
        if !converged {
            warnings.push(format!(
                "fixed effects did not converge in {} iterations (tol {:e}); estimates may be inaccurate",
                opts.fixef_maxiter, opts.fixef_tol
            ));
        }
        let sum_sq = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>();
        let yss = sum_sq(&yt.values);
        if yss <= 1e-14 * yt.raw_ss.max(f64::MIN_POSITIVE) || yss == 0.0 {
            return Err(EstimationError::ConstantOutcome(y_name.to_string()));
        }
        let yt = yt.values;

        // Regressors absorbed by the FE, then collinear among themselves.
        let mut dropped = Vec::new();
        let mut candidates = Vec::new();
        for (j, xt) in xt_all.iter().enumerate() {
            if has_fe && sum_sq(&xt.values) <= opts.collin_tol * xt.raw_ss.max(f64::MIN_POSITIVE) {
                dropped.push(Dropped {
                    name: names[j].clone(),
                    reason: "absorbed by fixed effects".into(),
                });
            } else {
                candidates.push(j);
            }
        }
        let cand_cols: Vec<&[f64]> = candidates
            .iter()
            .map(|&j| xt_all[j].values.as_slice())
            .collect();
        let xtx = gram(&cand_cols);
        let kept_pos = independent_columns(&xtx, opts.collin_tol);
        for p in 0..candidates.len() {
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
        let xty = Mat::from_fn(k, 1, |a, _| dot(&xt_all[kept[a]].values, &yt));
        let llt = xtx_k
            .llt(Side::Lower)
            .map_err(|_| EstimationError::Invalid("X'X is not positive definite".into()))?;
        let beta_m = llt.solve(&xty);
        let beta: Vec<f64> = (0..k).map(|a| beta_m[(a, 0)]).collect();
        let bread = llt.inverse();
        // Residuals with the actual regressors (the same as `xt_all` outside 2SLS).
        let mut u = yt.clone();
        let actual = x_actual.as_ref().unwrap_or(&xt_all);
        for (a, &j) in kept.iter().enumerate() {
            let b = beta[a];
            u.iter_mut()
                .zip(&actual[j].values)
                .for_each(|(ui, xi)| *ui -= b * xi);
        }
        let xk: Vec<&[f64]> = kept.iter().map(|&j| xt_all[j].values.as_slice()).collect();
        let inf = vcov::compute(&vcov::VcovInput {
            kind: opts.vcov,
            ssc: opts.ssc,
            x: &xk,
            u: &u,
            bread: &bread,
            beta: &beta,
            names: kept.iter().map(|&j| names[j].clone()).collect(),
            fe_levels: &self.fe_levels,
            fe_nested: &self.nested,
            clusters: &self.clusters,
            level: opts.level,
            has_intercept: !has_fe,
            dispersion: self.dispersion,
            coords: self
                .coords
                .as_ref()
                .map(|(a, b)| (a.as_slice(), b.as_slice())),
            normal: self.dispersion.is_some(),
        })?;

        // Fit statistics (pyfixest's definitions).
        let y = subset(y, &self.rows, self.all_rows);
        let rss = sum_sq(&u);
        let (ybar, tss) = match &self.weights {
            Some(w) => {
                let wsum: f64 = w.iter().sum();
                let ybar = y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / wsum;
                (
                    ybar,
                    y.iter()
                        .zip(w)
                        .map(|(a, b)| b * (a - ybar) * (a - ybar))
                        .sum::<f64>(),
                )
            }
            None => {
                let ybar = y.iter().sum::<f64>() / n as f64;
                (ybar, y.iter().map(|a| (a - ybar) * (a - ybar)).sum::<f64>())
            }
        };
        let _ = ybar;
        let nf = n as f64;
        let kf = k as f64;
        let r2 = 1.0 - rss / tss;
        let (adj_r2, within_r2, adj_within_r2) = if has_fe {
            let k_fe: f64 = self.fe_levels.iter().map(|&g| g as f64 - 1.0).sum::<f64>() + 1.0;
            let adj = (nf - 1.0) / (nf - kf - k_fe);
            let adj_w = (nf - k_fe) / (nf - kf - k_fe);
            (
                1.0 - (rss / tss) * adj,
                Some(1.0 - rss / yss),
                Some(1.0 - (rss / yss) * adj_w),
            )
        } else {
            (1.0 - (rss / tss) * (nf - 1.0) / (nf - kf), None, None)
        };
        let fixed_effects = self
            .fe_names
            .iter()
            .zip(&self.fe_levels)
            .zip(&self.nested)
            .map(|((name, &levels), &nested_in_cluster)| FeSummary {
                name: name.clone(),
                levels,
                nested_in_cluster,
            })
            .collect();
        Ok(OlsResult {
            outcome: y_name.to_string(),
            coefficients: inf.coefficients,
            vcov: inf.vcov,
            nobs: n,
            n_missing: self.n_missing,
            n_infinite: self.n_infinite,
            n_singletons: self.n_singletons,
            dropped,
            fixed_effects,
            inference: {
                // HAC carries the bandwidth used (the default is floor(T^(1/4))); the HAC
                // estimators' code columns are the panel's unit and period, not clusters.
                let t_n = self.clusters.last().map_or(0, |c| c.groups) as f64;
                let used = |lag: Option<u32>| lag.map_or(t_n.powf(0.25).floor() as u32, |l| l);
                match opts.vcov {
                    VcovKind::Iid => Inference::Iid,
                    VcovKind::Hetero => Inference::Hetero,
                    VcovKind::Cluster => Inference::Cluster {
                        by: self.clusters.iter().map(|c| c.name.clone()).collect(),
                    },
                    VcovKind::DriscollKraay { lag } => Inference::DriscollKraay { lag: used(lag) },
                    VcovKind::NeweyWest { lag } => Inference::NeweyWest { lag: used(lag) },
                    VcovKind::Conley {
                        cutoff_km,
                        kernel,
                        lag,
                    } => Inference::Conley {
                        cutoff_km,
                        kernel,
                        lag,
                        by_period: !self.clusters.is_empty(),
                    },
                }
            },
            n_clusters: if self.opts.vcov.is_hac() {
                Vec::new()
            } else {
                self.clusters.iter().map(|c| c.groups).collect()
            },
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
            krylov_columns,
            normal_inference: self.dispersion.is_some(),
            converged,
            warnings,
        })
    }
}

/// The selected rows of a column: borrowed when every row is selected.
fn subset<'a>(c: &'a [f64], rows: &[usize], all: bool) -> std::borrow::Cow<'a, [f64]> {
    if all {
        std::borrow::Cow::Borrowed(c)
    } else {
        std::borrow::Cow::Owned(rows.iter().map(|&i| c[i]).collect())
    }
}

/// The TWFE regression of `y` on the 0/1 treatment `d` with unit and period effects and
/// standard errors clustered by `cluster` (HC1 without one): the layout (observations,
/// clusters) of a robust-DID estimator's column, whose own estimates replace the coefficient.
pub fn twfe(
    outcome: &str,
    y: &[f64],
    d: &[f64],
    fe: [(&str, &[u32]); 2],
    cluster: Option<(&str, &[u32])>,
) -> Result<OlsResult, EstimationError> {
    let data = OlsData {
        coords: None,
        y_name: outcome.to_string(),
        y,
        x: vec![("treat_post".into(), d)],
        fe: fe.map(|(n, c)| (n.to_string(), c)).to_vec(),
        weights: None,
        clusters: cluster
            .map(|(n, c)| vec![(n.to_string(), c)])
            .unwrap_or_default(),
    };
    fit(
        &data,
        &OlsOptions {
            vcov: if cluster.is_some() {
                VcovKind::Cluster
            } else {
                VcovKind::Hetero
            },
            ..OlsOptions::default()
        },
    )
}
