//! `estimators`: the numerics and inference of regspec. Works on plain slices; knows nothing of
//! panels, specs or files (see ARCHITECTURE.md).

#![warn(missing_docs)]

pub mod bacon;
pub mod bootstrap;
/// Conley spatial HAC.
pub mod conley;
pub mod cs;
/// de Chaisemartin-D'Haultfoeuille event studies.
pub mod dcdh;
pub mod demean;
/// Why an estimation failed.
pub mod error;
pub mod etwfe;
pub mod event;
/// Poisson pseudo-maximum likelihood with fixed effects.
pub mod glm;
pub mod honest;
pub mod imputation;
/// Two-stage least squares with fixed effects.
pub mod iv;
pub mod lpdid;
pub mod model;
pub mod multitest;
pub mod ols;
pub mod placebo;
pub mod ppml;
pub mod prep;
pub mod psm;
pub mod result;
/// Synthetic difference-in-differences.
pub mod sdid;
pub mod sunab;
pub mod vcov;

pub use bacon::{bacon, Bacon};
pub use bootstrap::{wild_cluster_bootstrap, BootInput, BootWeights, WildBootstrap};
pub use cs::{
    callaway_santanna, multiplier_bootstrap, CallawaySantAnna, CsBasePeriod, CsControl, CsData,
    CsMethod, CsSettings,
};
pub use error::EstimationError;
pub use imputation::{imputation, Imputation};
pub use model::{ConleyKernel, GDf, KFixef, OlsData, OlsOptions, Ssc, VcovKind};
pub use ols::fit;
pub use placebo::{placebo, PanelIds, Placebo, PlaceboMode};
pub use prep::{factorize_f64, MISSING};
pub use psm::{psm_did, Psm, PsmOptions, UnitData};
pub use result::{Coefficient, Inference, Level, OlsResult, Wald};
pub use vcov::wald_subset;
