//! Poisson pseudo-maximum likelihood with absorbed fixed effects (fixest's `fepois`, Stata's
//! `ppmlhdfe`): the Poisson family of [`crate::glm`].

use crate::error::EstimationError;
use crate::glm::{fit_glm, Family};
use crate::model::{OlsData, OlsOptions};
use crate::result::OlsResult;

/// What PPML adds to the fit.
pub type Ppml = crate::glm::Glm;

/// Fits `data` (outcome a non-negative count or share) by PPML; `tol` is the relative deviance
/// tolerance, `maxiter` the IRLS iteration cap.
pub fn fit_ppml(
    data: &OlsData,
    opts: &OlsOptions,
    tol: f64,
    maxiter: usize,
) -> Result<(OlsResult, Ppml), EstimationError> {
    fit_glm(data, opts, Family::Poisson, tol, maxiter)
}
