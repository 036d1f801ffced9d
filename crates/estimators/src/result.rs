//! The result of a fit: everything the report needs, serialisable to JSON.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One estimated coefficient and its inference.
pub struct Coefficient {
    /// Regressor name.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// t statistic.
    pub t_stat: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower end of the confidence interval.
    pub ci_low: f64,
    /// Upper end of the confidence interval.
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A regressor dropped from the fit.
pub struct Dropped {
    /// Its name.
    pub name: String,
    /// `absorbed by fixed effects` or `collinear`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One absorbed fixed effect.
pub struct FeSummary {
    /// Its name.
    pub name: String,
    /// Its levels in the estimation sample.
    pub levels: usize,
    /// Whether it is nested in a cluster variable (then not counted in K).
    pub nested_in_cluster: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A Wald (F) test of linear restrictions.
pub struct Wald {
    /// The F statistic.
    pub stat: f64,
    /// Its p-value.
    pub p_value: f64,
    /// Numerator degrees of freedom.
    pub df1: usize,
    /// Denominator degrees of freedom.
    pub df2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A fitted OLS model with fixest's inference conventions.
pub struct OlsResult {
    /// Name of the outcome.
    pub outcome: String,
    /// Coefficients of the kept regressors, in order.
    pub coefficients: Vec<Coefficient>,
    /// Row-major, in the order of `coefficients`.
    pub vcov: Vec<Vec<f64>>,
    /// Observations in the estimation sample.
    pub nobs: usize,
    /// Rows dropped for missing values.
    pub n_missing: usize,
    /// Rows dropped for infinite values.
    #[serde(default)]
    pub n_infinite: usize,
    /// Rows dropped as FE singletons.
    pub n_singletons: usize,
    /// Regressors dropped (absorbed or collinear) and why.
    pub dropped: Vec<Dropped>,
    /// The absorbed fixed effects.
    pub fixed_effects: Vec<FeSummary>,
    /// `iid`, `hetero` or `cluster`.
    pub vcov_type: String,
    /// Cluster variables of the vcov.
    pub cluster_vars: Vec<String>,
    /// Clusters per cluster variable.
    pub n_clusters: Vec<usize>,
    /// K used in the small-sample adjustment.
    pub df_k: usize,
    /// Degrees of freedom of the t distribution for p-values and intervals.
    pub df_t: f64,
    /// NaN (null in JSON) where the estimator defines no R², e.g. Callaway-Sant'Anna.
    #[serde(with = "nan_as_null")]
    pub r2: f64,
    #[serde(with = "nan_as_null")]
    /// Adjusted R².
    pub adj_r2: f64,
    /// R² after absorbing the fixed effects.
    pub within_r2: Option<f64>,
    /// Adjusted within R².
    pub adj_within_r2: Option<f64>,
    #[serde(with = "nan_as_null")]
    /// Root mean squared error of the residuals.
    pub rmse: f64,
    #[serde(with = "nan_as_null")]
    /// Residual sum of squares.
    pub rss: f64,
    /// F test that all (non-intercept) coefficients are zero, with the model's vcov.
    pub wald: Option<Wald>,
    /// Iterations of the FE absorption.
    pub demean_iterations: usize,
    /// Whether the FE absorption converged.
    pub converged: bool,
    /// What the reader should know about this fit (non-convergence, a dropped treatment kept).
    pub warnings: Vec<String>,
}

/// A statistic an estimator may not define: NaN in Rust, null in JSON (which has no NaN).
pub(crate) mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_none()
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// Vectors of statistics some of which may be undefined: NaN in Rust, null in JSON.
pub(crate) mod nan_as_null_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| (!x.is_nan()).then_some(*x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect())
    }
}

impl OlsResult {
    /// The result without the fit statistics of a regression (R², RMSE, the overall Wald test),
    /// for estimators that define none: their columns print none.
    pub fn without_fit_statistics(mut self) -> OlsResult {
        self.r2 = f64::NAN;
        self.adj_r2 = f64::NAN;
        self.within_r2 = None;
        self.adj_within_r2 = None;
        self.rmse = f64::NAN;
        self.rss = f64::NAN;
        self.wald = None;
        self
    }

    /// The coefficient called `name`, if estimated.
    pub fn coef(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}
