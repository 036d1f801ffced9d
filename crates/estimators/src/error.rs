use thiserror::Error;

/// Why a model could not be estimated. Degenerate designs are errors, never NaN estimates.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EstimationError {
    #[error("column `{0}` has {1} rows, the outcome has {2}")]
    /// A column's length differs from the outcome's.
    LengthMismatch(String, usize, usize),
    #[error("no observations left after dropping missing values and singletons")]
    /// Nothing left to estimate on.
    NoObservations,
    #[error(
        "the outcome `{0}` is constant in the estimation sample (after absorbing fixed effects)"
    )]
    /// The outcome does not vary once fixed effects are absorbed.
    ConstantOutcome(String),
    #[error("every regressor is absorbed by the fixed effects or collinear: {0}")]
    /// No regressor survives absorption and collinearity checks.
    AllRegressorsDropped(String),
    #[error("{n} observations cannot identify {k} parameters")]
    /// Fewer observations than parameters.
    TooFewObservations {
        /// Observations.
        n: usize,
        /// Parameters.
        k: usize,
    },
    #[error(
        "cluster variable `{0}` has a single cluster; clustered standard errors are undefined"
    )]
    /// Clustered errors with one cluster.
    OneCluster(String),
    #[error("{0}")]
    /// Any other invalid input, described.
    Invalid(String),
}
