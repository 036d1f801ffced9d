//! Variance-covariance matrices and inference with fixest's small-sample conventions
//! (iid, HC1, CR1 one- and two-way), as pyfixest 0.60 computes them.

use crate::error::EstimationError;
use crate::model::{GDf, KFixef, Ssc, VcovKind};
use crate::result::{Coefficient, Wald};
use faer::linalg::solvers::Solve;
use faer::Mat;
use statrs::distribution::{ContinuousCDF, FisherSnedecor, StudentsT};

/// One cluster variable on the estimation sample.
pub struct ClusterInput<'a> {
    /// Its name.
    pub name: String,
    /// Dense codes, one per row (the data's own when they already are).
    pub codes: std::borrow::Cow<'a, [u32]>,
    /// Number of clusters.
    pub groups: usize,
}

/// Everything a vcov and its inference need from a fit.
pub struct VcovInput<'a> {
    /// The estimator.
    pub kind: VcovKind,
    /// Small-sample corrections.
    pub ssc: Ssc,
    /// Transformed (demeaned, weighted) regressors that were kept.
    pub x: &'a [&'a [f64]],
    /// Transformed residuals.
    pub u: &'a [f64],
    /// (X'X)^-1.
    pub bread: &'a Mat<f64>,
    /// Coefficients of the kept regressors.
    pub beta: &'a [f64],
    /// Their names.
    pub names: Vec<String>,
    /// Levels of each absorbed FE.
    pub fe_levels: &'a [usize],
    /// Whether each FE is nested in a cluster.
    pub fe_nested: &'a [bool],
    /// Cluster variables.
    pub clusters: &'a [ClusterInput<'a>],
    /// Confidence level.
    pub level: f64,
    /// Whether the model has an intercept (counted in K).
    pub has_intercept: bool,
    /// A known dispersion for the iid vcov (1 for Poisson); `None`: estimated from residuals.
    pub dispersion: Option<f64>,
    /// Latitude and longitude of each row, degrees (Conley errors).
    pub coords: Option<(&'a [f64], &'a [f64])>,
    /// z statistics, p-values and intervals from the standard normal (a GLM with known
    /// dispersion: Poisson, logit), as fixest; otherwise the t distribution with `df_t`.
    pub normal: bool,
}

/// Inference on a fit.
pub struct Inference {
    /// Coefficients with standard errors, t, p and intervals.
    pub coefficients: Vec<Coefficient>,
    /// The variance-covariance matrix.
    pub vcov: Vec<Vec<f64>>,
    /// K of the small-sample adjustment.
    pub df_k: usize,
    /// Degrees of freedom of the t distribution.
    pub df_t: f64,
    /// F test that all coefficients are zero.
    pub wald: Option<Wald>,
}

/// An FE is nested in the clusters when every one of its levels falls in a single cluster of
/// some cluster variable (or it is itself a cluster variable).
pub fn fe_nested_in_clusters(
    name: &str,
    codes: &[u32],
    levels: usize,
    clusters: &[ClusterInput],
) -> bool {
    clusters.iter().any(|c| {
        if c.name == name {
            return true;
        }
        let mut owner = vec![u32::MAX; levels];
        codes.iter().zip(c.codes.iter()).all(|(&f, &g)| {
            let o = &mut owner[f as usize];
            if *o == u32::MAX {
                *o = g;
                true
            } else {
                *o == g
            }
        })
    })
}

/// K of the small-sample adjustment, as pyfixest's `get_ssc`.
fn df_k(ssc: &Ssc, k: usize, fe_levels: &[usize], nested: &[bool], clustered: bool) -> usize {
    let n_fe = fe_levels.len();
    if n_fe == 0 {
        return k;
    }
    let k_fe: usize = fe_levels.iter().sum();
    let k_fe_adj = if n_fe > 1 { k_fe - (n_fe - 1) } else { k_fe };
    match ssc.k_fixef {
        KFixef::None => k,
        KFixef::Full => k + k_fe_adj,
        KFixef::Nonnested => {
            let n_nested = if clustered {
                nested.iter().filter(|b| **b).count()
            } else {
                0
            };
            if n_nested == 0 {
                k + k_fe_adj
            } else {
                let k_nested: usize = fe_levels
                    .iter()
                    .zip(nested)
                    .filter(|(_, b)| **b)
                    .map(|(g, _)| g)
                    .sum();
                k + k_fe_adj - k_nested + n_nested
            }
        }
    }
}

/// sum_g S_g S_g' with S_g the within-cluster sum of scores x_i u_i.
fn cluster_meat(x: &[&[f64]], u: &[f64], codes: &[u32], groups: usize) -> Mat<f64> {
    let k = x.len();
    let mut s = vec![0.0; groups * k];
    for i in 0..u.len() {
        let g = codes[i] as usize;
        for j in 0..k {
            s[g * k + j] += x[j][i] * u[i];
        }
    }
    Mat::from_fn(k, k, |a, b| {
        (0..groups).map(|g| s[g * k + a] * s[g * k + b]).sum()
    })
}

fn sandwich(bread: &Mat<f64>, meat: &Mat<f64>) -> Mat<f64> {
    bread * meat * bread
}

/// The vcov and inference of a fit, with fixest's small-sample conventions.
pub fn compute(inp: &VcovInput) -> Result<Inference, EstimationError> {
    let n = inp.u.len();
    let k = inp.x.len();
    let nf = n as f64;
    let clustered = inp.kind == VcovKind::Cluster;
    let dk = df_k(&inp.ssc, k, inp.fe_levels, inp.fe_nested, clustered);
    if dk >= n {
        return Err(EstimationError::TooFewObservations { n, k: dk });
    }
    let adj = |hetero: bool| -> f64 {
        if !inp.ssc.k_adj {
            1.0
        } else if hetero {
            nf / (nf - dk as f64)
        } else {
            (nf - 1.0) / (nf - dk as f64)
        }
    };
    let (v, df_t): (Mat<f64>, f64) = match inp.kind {
        VcovKind::Iid => {
            let sigma2 = inp
                .dispersion
                .unwrap_or_else(|| inp.u.iter().map(|e| e * e).sum::<f64>() / (nf - 1.0));
            (inp.bread * faer::Scale(sigma2 * adj(false)), nf - dk as f64)
        }
        VcovKind::Hetero => {
            let meat = Mat::from_fn(k, k, |a, b| {
                (0..n)
                    .map(|i| inp.x[a][i] * inp.x[b][i] * inp.u[i] * inp.u[i])
                    .sum()
            });
            (
                sandwich(inp.bread, &meat) * faer::Scale(adj(true)),
                nf - dk as f64,
            )
        }
        VcovKind::Cluster => {
            // One-way, or two-way as V1 + V2 - V12 (Cameron, Gelbach and Miller 2011).
            let mut terms: Vec<(std::borrow::Cow<[u32]>, usize, f64)> = inp
                .clusters
                .iter()
                .map(|c| (std::borrow::Cow::Borrowed(&*c.codes), c.groups, 1.0))
                .collect();
            if inp.clusters.len() == 2 {
                let (a, b) = (&inp.clusters[0], &inp.clusters[1]);
                let pair: Vec<u32> = a
                    .codes
                    .iter()
                    .zip(b.codes.iter())
                    .map(|(x, y)| x * b.groups as u32 + y)
                    .collect();
                let (codes, g) = crate::prep::refactor(&pair, &(0..n).collect::<Vec<_>>());
                terms.push((codes.into(), g, -1.0));
            }
            let g_min = terms.iter().map(|t| t.1).min().unwrap_or(0);
            let mut v = Mat::<f64>::zeros(k, k);
            let mut df_t = f64::INFINITY;
            for (codes, g, sign) in &terms {
                let g_eff = match inp.ssc.g_df {
                    GDf::Conventional => *g,
                    GDf::Min => g_min,
                } as f64;
                let g_adj = if inp.ssc.g_adj {
                    g_eff / (g_eff - 1.0)
                } else {
                    1.0
                };
                let meat = cluster_meat(inp.x, inp.u, codes, *g);
                v += sandwich(inp.bread, &meat) * faer::Scale(adj(false) * g_adj * sign);
                df_t = df_t.min(g_eff - 1.0);
            }
            (v, df_t)
        }
        VcovKind::DriscollKraay { lag } | VcovKind::NeweyWest { lag } => {
            let dk_kind = matches!(inp.kind, VcovKind::DriscollKraay { .. });
            let time = inp.clusters.last().ok_or_else(|| {
                EstimationError::Invalid("panel HAC needs the period of every row".into())
            })?;
            let t_n = time.groups;
            if t_n < 2 {
                return Err(EstimationError::Invalid(
                    "panel HAC standard errors need at least two periods".into(),
                ));
            }
            let lag = lag.map_or((t_n as f64).powf(0.25).floor() as usize, |l| l as usize);
            let score = |i: usize| -> Vec<f64> { (0..k).map(|a| inp.x[a][i] * inp.u[i]).collect() };
            let mut meat = Mat::<f64>::zeros(k, k);
            let mut add = |a: &[f64], b: &[f64], w: f64, same: bool| {
                crate::conley::add_pair(&mut meat, a, b, w, same)
            };
            let bartlett = |l: usize| 1.0 - l as f64 / (lag as f64 + 1.0);
            if dk_kind {
                // Scores summed by period, then the kernel over periods.
                let mut s_t = vec![vec![0.0; k]; t_n];
                for i in 0..n {
                    let si = score(i);
                    for a in 0..k {
                        s_t[time.codes[i] as usize][a] += si[a];
                    }
                }
                for l in 0..=lag.min(t_n - 1) {
                    for t in l..t_n {
                        add(&s_t[t], &s_t[t - l], bartlett(l), l == 0);
                    }
                }
            } else {
                // Each unit's scores in time order, the kernel over its own observations.
                let unit = &inp.clusters[0];
                let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); unit.groups];
                for i in 0..n {
                    by_unit[unit.codes[i] as usize].push(i);
                }
                for rows in &mut by_unit {
                    rows.sort_by_key(|&i| time.codes[i]);
                    let s: Vec<Vec<f64>> = rows.iter().map(|&i| score(i)).collect();
                    for l in 0..=lag.min(s.len().saturating_sub(1)) {
                        for j in l..s.len() {
                            add(&s[j], &s[j - l], bartlett(l), l == 0);
                        }
                    }
                }
            }
            let tf = t_n as f64;
            let g_adj = if inp.ssc.g_adj { tf / (tf - 1.0) } else { 1.0 };
            (
                sandwich(inp.bread, &meat) * faer::Scale(adj(false) * g_adj),
                tf - 1.0,
            )
        }
        VcovKind::Conley {
            cutoff_km,
            kernel,
            lag,
        } => {
            let (lat, lon) = inp.coords.ok_or_else(|| {
                EstimationError::Invalid("Conley errors need each row's coordinates".into())
            })?;
            // The code columns, when the data have them: [unit, period] or [period].
            let periods = inp.clusters.last().map(|c| (&*c.codes, c.groups));
            let units = match inp.clusters {
                [u, _] => Some((&*u.codes, u.groups)),
                _ => None,
            };
            let meat = crate::conley::meat(&crate::conley::ConleyInput {
                x: inp.x,
                u: inp.u,
                lat,
                lon,
                periods,
                units,
                cutoff_km,
                kernel,
                lag,
            });
            // No small-sample factor (R's conleyreg has none); t with N - K df.
            (sandwich(inp.bread, &meat), nf - dk as f64)
        }
    };

    let tdist = StudentsT::new(0.0, 1.0, df_t)
        .map_err(|e| EstimationError::Invalid(format!("t distribution with {df_t} df: {e}")))?;
    let two_sided = |t: f64| {
        if inp.normal {
            crate::multitest::normal_p(t)
        } else {
            2.0 * tdist.sf(t.abs())
        }
    };
    let upper = 1.0 - (1.0 - inp.level) / 2.0;
    let q = if inp.normal {
        crate::multitest::normal_quantile(upper)
    } else {
        tdist.inverse_cdf(upper)
    };
    let coefficients = (0..k)
        .map(|j| {
            let se = v[(j, j)].max(0.0).sqrt();
            let b = inp.beta[j];
            let t = b / se;
            Coefficient {
                name: inp.names[j].clone(),
                estimate: b,
                std_error: se,
                t_stat: t,
                p_value: two_sided(t),
                ci_low: b - q * se,
                ci_high: b + q * se,
                level: crate::result::Level::of_name(&inp.names[j]),
            }
        })
        .collect();

    // Wald F of all slopes (the intercept, when there is one, excluded as fixest does).
    let idx: Vec<usize> = (0..k)
        .filter(|&j| !(inp.has_intercept && inp.names[j] == crate::ols::INTERCEPT))
        .collect();
    let wald = if idx.is_empty() {
        None
    } else {
        let m = idx.len();
        let vs = Mat::from_fn(m, m, |a, b| v[(idx[a], idx[b])]);
        let bs = Mat::from_fn(m, 1, |a, _| inp.beta[idx[a]]);
        let stat = vs.llt(faer::Side::Lower).ok().map(|llt| {
            let z = llt.solve(&bs);
            (0..m).map(|a| bs[(a, 0)] * z[(a, 0)]).sum::<f64>() / m as f64
        });
        let k_fe: usize = inp.fe_levels.iter().sum();
        let df2 = if clustered {
            df_t
        } else {
            nf - k as f64 - k_fe as f64
        };
        stat.and_then(|stat| {
            let f = FisherSnedecor::new(m as f64, df2).ok()?;
            Some(Wald {
                stat,
                p_value: f.sf(stat),
                df1: m,
                df2,
            })
        })
    };
    let vcov = (0..k)
        .map(|a| (0..k).map(|b| v[(a, b)]).collect())
        .collect();
    Ok(Inference {
        coefficients,
        vcov,
        df_k: dk,
        df_t,
        wald,
    })
}

/// Joint F test that the named coefficients are all zero, with the fit's vcov and t df.
pub fn wald_subset(r: &crate::result::OlsResult, names: &[String]) -> Option<Wald> {
    let idx: Vec<usize> = names
        .iter()
        .filter_map(|n| r.coefficients.iter().position(|c| &c.name == n))
        .collect();
    if idx.is_empty() {
        return None;
    }
    let m = idx.len();
    let vs = Mat::from_fn(m, m, |a, b| r.vcov[idx[a]][idx[b]]);
    let bs = Mat::from_fn(m, 1, |a, _| r.coefficients[idx[a]].estimate);
    let llt = vs.llt(faer::Side::Lower).ok()?;
    let z = llt.solve(&bs);
    let stat = (0..m).map(|a| bs[(a, 0)] * z[(a, 0)]).sum::<f64>() / m as f64;
    let f = FisherSnedecor::new(m as f64, r.df_t).ok()?;
    Some(Wald {
        stat,
        p_value: f.sf(stat),
        df1: m,
        df2: r.df_t,
    })
}
