//! The second demeaning solver: LSMR on the fixed-effect normal equations, preconditioned by
//! additive Schwarz over factor-pair subdomains with approximate Cholesky local solves (the
//! `within` crate).
//!
//! Why a second solver: alternating projections converge at the rate of the FE graph's
//! mixing. A worker-firm panel where few workers move (AKM wage decompositions, teacher or
//! hospital value-added, exporter-importer pairs) mixes slowly, and the projections need
//! thousands of sweeps where a preconditioned Krylov method needs tens of iterations.
//!
//! The preconditioner depends on the FE codes and weights only, so it is built once per
//! [`super::FeStructure`] (lazily, on the first column that needs it) and reused by every
//! column and every model demeaned with that structure. The Schwarz build is static (not the
//! crate's adaptive diagonal-then-Schwarz ladder) so a column's result does not depend on which
//! columns were solved before it.

use super::DemeanStats;
use rayon::prelude::*;
use std::sync::{Arc, OnceLock};
use within::{LsmrOptions, PreconditionerConfig, Solver};

/// The lazily built solver of one FE structure (shared by clones of the structure).
#[derive(Debug, Clone, Default)]
pub(super) struct KrylovCache(OnceLock<Arc<Result<Solver<'static>, String>>>);

impl KrylovCache {
    /// The structure's solver, built on first use from its codes and weights.
    fn solver(
        &self,
        codes: &[std::borrow::Cow<[u32]>],
        weights: Option<&[f64]>,
    ) -> Arc<Result<Solver<'static>, String>> {
        self.0
            .get_or_init(|| {
                let build = || -> Result<Solver<'static>, String> {
                    let effects = codes
                        .iter()
                        .map(|c| within::Effect::new(c, true, std::iter::empty()))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| e.to_string())?;
                    let design = within::Design::new(effects)
                        .map_err(|e| e.to_string())?
                        .into_owned();
                    let precond = PreconditionerConfig::Additive {
                        local_solver: Default::default(),
                        reduction: Default::default(),
                    };
                    Solver::new(design, weights, precond).map_err(|e| e.to_string())
                };
                Arc::new(build())
            })
            .clone()
    }

    /// Demeans `cols` (each solved independently, in parallel over columns): the residuals of
    /// the weighted least-squares projection on every FE dummy. `tol` is LSMR's relative
    /// residual tolerance, `maxiter` its iteration cap.
    pub(super) fn demean(
        &self,
        codes: &[std::borrow::Cow<[u32]>],
        weights: Option<&[f64]>,
        cols: &[&[f64]],
        tol: f64,
        maxiter: usize,
    ) -> Result<(Vec<Vec<f64>>, Vec<DemeanStats>), String> {
        let solver = self.solver(codes, weights);
        let solver = solver.as_ref().as_ref().map_err(Clone::clone)?;
        let lsmr = LsmrOptions {
            tol,
            maxiter,
            local_size: None,
        };
        // LSMR's inner products are parallel reductions whose association depends on how
        // rayon splits the work, so the last bits of a result would vary from run to run. Each
        // column is solved on a pool of one thread (deterministic splitting), the columns in
        // parallel: the same bits on every run and every number of threads.
        let solved: Vec<(Vec<f64>, DemeanStats)> = cols
            .par_iter()
            .map(|col| {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .build()
                    .map_err(|e| e.to_string())?;
                let r = pool
                    .install(|| solver.solve(col, &lsmr))
                    .map_err(|e| e.to_string())?;
                Ok((
                    r.demeaned,
                    DemeanStats {
                        iterations: r.iterations,
                        converged: r.converged,
                        krylov: true,
                    },
                ))
            })
            .collect::<Result<_, String>>()?;
        let (out, stats) = solved.into_iter().unzip();
        Ok((out, stats))
    }
}
