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
/// Which fixed-effect coefficients count in the small-sample K (fixest's `fixef.K`).
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
/// Degrees of freedom of multi-way clustered inference (fixest's `cluster.df`).
pub enum GDf {
    /// Each cluster dimension's own G.
    Conventional,
    /// The smallest G of the cluster dimensions (fixest's default).
    Min,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// The variance-covariance estimator.
pub enum VcovKind {
    /// Homoskedastic.
    Iid,
    /// HC1.
    Hetero,
    /// CR1, one- or two-way (Cameron-Gelbach-Miller).
    Cluster,
    /// Driscoll-Kraay panel HAC: scores summed by period, Bartlett kernel over `lag` periods
    /// (default floor(T^(1/4))). Its one cluster variable is the period, coded in time order.
    DriscollKraay {
        /// Bandwidth in periods.
        lag: Option<u32>,
    },
    /// Newey-West panel HAC: each unit's scores over its periods, Bartlett kernel over `lag`
    /// periods (default floor(T^(1/4))). Its cluster variables are the unit and the period
    /// (coded in time order).
    NeweyWest {
        /// Bandwidth in periods.
        lag: Option<u32>,
    },
    /// Conley (1999) spatial HAC: scores of rows within `cutoff_km` of each other (great-circle
    /// distance) correlated with the kernel's weight, within each period when the data have
    /// periods; with `lag`, also each unit's own scores over `lag` periods (Bartlett), as R's
    /// conleyreg. Its code columns are the unit and the period (coded in time order), when
    /// the data have them.
    Conley {
        /// Distance beyond which rows are uncorrelated, in km.
        cutoff_km: f64,
        /// The spatial kernel.
        kernel: ConleyKernel,
        /// Serial bandwidth in periods (0: within-period correlation only).
        lag: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// The spatial kernel of Conley standard errors, on distance over the cutoff.
pub enum ConleyKernel {
    /// 1 - d/cutoff within the cutoff (conleyreg's default).
    Bartlett,
    /// 1 within the cutoff (fixest's).
    Uniform,
}

impl VcovKind {
    /// Whether the vcov reads cluster-like code columns (clusters, or the panel's unit and
    /// period for the HAC estimators).
    pub fn uses_codes(self) -> bool {
        matches!(
            self,
            VcovKind::Cluster
                | VcovKind::DriscollKraay { .. }
                | VcovKind::NeweyWest { .. }
                | VcovKind::Conley { .. }
        )
    }

    /// Whether this is a HAC estimator (panel or spatial): its code columns are the panel's
    /// unit and period, the period (the last) coded in time order; it takes no clusters.
    pub fn is_hac(self) -> bool {
        matches!(
            self,
            VcovKind::DriscollKraay { .. } | VcovKind::NeweyWest { .. } | VcovKind::Conley { .. }
        )
    }
}

#[derive(Debug, Clone)]
/// How an OLS model is estimated and its inference computed.
pub struct OlsOptions {
    /// The vcov estimator.
    pub vcov: VcovKind,
    /// Small-sample corrections.
    pub ssc: Ssc,
    /// Drop singleton FE groups iteratively (as fixest and reghdfe).
    pub drop_singletons: bool,
    /// Convergence tolerance of the FE absorption.
    pub fixef_tol: f64,
    /// Iteration cap of the FE absorption.
    pub fixef_maxiter: usize,
    /// The solver of the FE absorption.
    pub demean: crate::demean::DemeanMethod,
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
            demean: crate::demean::DemeanMethod::Auto,
            collin_tol: 1e-10,
            level: 0.95,
        }
    }
}

/// Columns of one regression. FE and cluster columns are integer codes, [`crate::MISSING`] for
/// missing; numeric columns use NaN for missing.
#[derive(Debug, Clone)]
pub struct OlsData<'a> {
    /// Name of the outcome.
    pub y_name: String,
    /// The outcome, NaN for missing.
    pub y: &'a [f64],
    /// Regressors by name, NaN for missing.
    pub x: Vec<(String, &'a [f64])>,
    /// Fixed effects by name, as codes ([`crate::MISSING`] for missing).
    pub fe: Vec<(String, &'a [u32])>,
    /// Analytic weights.
    pub weights: Option<&'a [f64]>,
    /// Cluster variables by name, as codes (one, or two for two-way clustering).
    pub clusters: Vec<(String, &'a [u32])>,
    /// Latitude and longitude in degrees (Conley errors only), NaN for missing.
    pub coords: Option<(&'a [f64], &'a [f64])>,
}
