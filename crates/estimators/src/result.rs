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
    pub r2: f64,
    pub adj_r2: f64,
    pub within_r2: Option<f64>,
    pub adj_within_r2: Option<f64>,
    pub rmse: f64,
    pub rss: f64,
    /// F test that all (non-intercept) coefficients are zero, with the model's vcov.
    pub wald: Option<Wald>,
    pub demean_iterations: usize,
    pub converged: bool,
    pub warnings: Vec<String>,
}

impl OlsResult {
    pub fn coef(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}
