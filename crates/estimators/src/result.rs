//! The result of a fit: everything the report needs, serialisable to JSON.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    pub name: String,
    pub estimate: f64,
    pub std_error: f64,
    pub t_stat: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub name: String,
    /// `absorbed by fixed effects` or `collinear`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeSummary {
    pub name: String,
    pub levels: usize,
    pub nested_in_cluster: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wald {
    pub stat: f64,
    pub p_value: f64,
    pub df1: usize,
    pub df2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlsResult {
    pub outcome: String,
    pub coefficients: Vec<Coefficient>,
    /// Row-major, in the order of `coefficients`.
    pub vcov: Vec<Vec<f64>>,
    pub nobs: usize,
    pub n_missing: usize,
    pub n_singletons: usize,
    pub dropped: Vec<Dropped>,
    pub fixed_effects: Vec<FeSummary>,
    /// `iid`, `hetero` or `cluster`.
    pub vcov_type: String,
    pub cluster_vars: Vec<String>,
    pub n_clusters: Vec<usize>,
    /// K used in the small-sample adjustment.
    pub df_k: usize,
    /// Degrees of freedom of the t distribution for p-values and intervals.
    pub df_t: f64,
    /// NaN (null in JSON) where the estimator defines no R², e.g. Callaway-Sant'Anna.
    #[serde(with = "nan_as_null")]
    pub r2: f64,
    #[serde(with = "nan_as_null")]
    pub adj_r2: f64,
    pub within_r2: Option<f64>,
    pub adj_within_r2: Option<f64>,
    #[serde(with = "nan_as_null")]
    pub rmse: f64,
    #[serde(with = "nan_as_null")]
    pub rss: f64,
    /// F test that all (non-intercept) coefficients are zero, with the model's vcov.
    pub wald: Option<Wald>,
    pub demean_iterations: usize,
    pub converged: bool,
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

    pub fn coef(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}
