use thiserror::Error;

/// Why a model could not be estimated. Degenerate designs are errors, never NaN estimates.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EstimationError {
    #[error("column `{0}` has {1} rows, the outcome has {2}")]
    LengthMismatch(String, usize, usize),
    #[error("no observations left after dropping missing values and singletons")]
    NoObservations,
    #[error(
        "the outcome `{0}` is constant in the estimation sample (after absorbing fixed effects)"
    )]
    ConstantOutcome(String),
    #[error("every regressor is absorbed by the fixed effects or collinear: {0}")]
    AllRegressorsDropped(String),
    #[error("{n} observations cannot identify {k} parameters")]
    TooFewObservations { n: usize, k: usize },
    #[error(
        "cluster variable `{0}` has a single cluster; clustered standard errors are undefined"
    )]
    OneCluster(String),
    #[error("{0}")]
    Invalid(String),
}
