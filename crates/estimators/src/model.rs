//! What a caller asks of an OLS fit: data columns and options. Plain slices, so the estimators
//! crate knows nothing of panels, specs or files.

use serde::{Deserialize, Serialize};

/// fixest's small-sample corrections (its `ssc()`), with fixest's and pyfixest's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ssc {
    /// Multiply by (N-1)/(N-K) (N/(N-K) for hetero).
    pub k_adj: bool,
    /// Which FE coefficients count in K.
    pub k_fixef: KFixef,
    /// Multiply clustered vcov by G/(G-1).
    pub g_adj: bool,
    /// With multi-way clustering: each term's own G, or the smallest G for all.
    pub g_df: GDf,
}

impl Default for Ssc {
    fn default() -> Self {
        Ssc {
            k_adj: true,
            k_fixef: KFixef::Nonnested,
            g_adj: true,
            g_df: GDf::Min,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KFixef {
    /// FE coefficients are not counted.
    None,
    /// FE nested in a cluster variable are not counted (the default).
    Nonnested,
    /// Every FE coefficient is counted.
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GDf {
    Conventional,
    Min,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VcovKind {
    Iid,
    /// HC1.
    Hetero,
    /// CR1, one- or two-way (Cameron-Gelbach-Miller).
    Cluster,
}

#[derive(Debug, Clone)]
pub struct OlsOptions {
    pub vcov: VcovKind,
    pub ssc: Ssc,
    pub drop_singletons: bool,
    pub fixef_tol: f64,
    pub fixef_maxiter: usize,
    /// Relative pivot below which a regressor counts as collinear.
    pub collin_tol: f64,
    /// Confidence level of the intervals.
    pub level: f64,
}

impl Default for OlsOptions {
    fn default() -> Self {
        OlsOptions {
            vcov: VcovKind::Iid,
            ssc: Ssc::default(),
            drop_singletons: true,
            fixef_tol: 1e-10,
            fixef_maxiter: 100_000,
            collin_tol: 1e-10,
            level: 0.95,
        }
    }
}

/// Columns of one regression. FE and cluster columns are integer codes, [`crate::MISSING`] for
/// missing; numeric columns use NaN for missing.
#[derive(Debug, Clone)]
pub struct OlsData<'a> {
    pub y_name: String,
    pub y: &'a [f64],
    pub x: Vec<(String, &'a [f64])>,
    pub fe: Vec<(String, &'a [u32])>,
    pub weights: Option<&'a [f64]>,
    pub clusters: Vec<(String, &'a [u32])>,
}
