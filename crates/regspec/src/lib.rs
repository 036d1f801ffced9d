//! The regspec runner: spec files in, a plan of models out, estimated in parallel with a
//! cache, results written atomically. Split like pyfixest: request (`spec`, `expr`), plan
//! (`plan`, `check`), runner (`run`, `exec`, `frame`); numerics live in the estimators crate
//! and rendering in the report crate.

#![warn(missing_docs)]
// Diagnostics are large, rare values collected into lists; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod cache;
pub mod check;
pub mod data;
pub mod diag;
pub mod exec;
pub mod expr;
pub mod frame;
pub mod honest;
pub mod limits;
pub mod model;
pub mod names;
pub mod output;
pub mod plan;
pub mod provenance;
pub mod records;
pub mod reportset;
pub mod run;
pub mod slurm;
pub mod spec;
pub mod status;
pub mod summary;
pub mod terms;
pub mod verify;
pub mod workspace;
pub mod yaml;

/// The version of regspec (part of every cache key and provenance record).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
