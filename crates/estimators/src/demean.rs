//! Absorbing fixed effects: the within transformation by alternating projections, or by a
//! preconditioned Krylov solver ([`krylov`]) where the projections converge slowly.
//!
//! Which solver ([`DemeanMethod`]): `auto` (the default) gives each column a budget of
//! [`AUTO_MAP_ITERATIONS`] accelerated projection iterations; a column that has not converged
//! by then is handed to the Krylov solver. Easy designs (the projections converge in a few
//! iterations) are therefore untouched, and a slowly mixing worker-firm graph costs at most the
//! budget before the Krylov solver takes over. The decision is per column and depends only on
//! that column's own iterations, so a column gets the same result whatever it is demeaned with.
//!
//! We iterate in the space of fixed-effect coefficients, not observations (as fixest does):
//! one block Gauss-Seidel sweep updates each FE's coefficients given the others, accelerated
//! with Irons-Tuck extrapolation. With one FE the projection is exact in one pass.
//!
//! Layout, chosen for speed and reproducibility:
//! - all columns (y and every regressor) are demeaned together, their coefficients interleaved
//!   (`alpha[g * m + c]` for group g, column c), so one visit of a group serves every column;
//! - for each FE k the rows are grouped by their level (a counting sort done once), and the
//!   codes of the other FEs are stored in that order ([`grouping`]; nothing is stored when the
//!   rows already are in that order, as a panel's are for its unit FE). Updating FE k is then
//!   a gather-only loop over its groups, run in parallel over groups with no shared writes:
//!   every sum is taken in the same order whatever the number of threads, so results are
//!   bit-for-bit reproducible.

mod grouping;
mod krylov;
mod scatter;

use grouping::Grouping;

use rayon::prelude::*;
use std::borrow::Cow;

/// The solver that absorbs the fixed effects (`demean:` in a spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemeanMethod {
    /// Alternating projections, handing columns that have not converged after
    /// [`AUTO_MAP_ITERATIONS`] iterations to the Krylov solver.
    #[default]
    Auto,
    /// Accelerated alternating projections only (fixest's and reghdfe's method).
    Map,
    /// Schwarz-preconditioned LSMR only (pyfixest's `LsmrDemeaner(backend="within")`).
    #[serde(alias = "within")]
    Krylov,
}

/// Accelerated projection iterations (two sweeps each) a column gets under
/// [`DemeanMethod::Auto`] before the Krylov solver takes it over.
pub const AUTO_MAP_ITERATIONS: usize = 20;

/// The fixed-effect structure of an estimation sample: dense codes `0..levels` per FE.
#[derive(Debug, Clone)]
pub struct FeStructure<'c> {
    /// Dense codes of each fixed effect, one per row.
    pub codes: Vec<Cow<'c, [u32]>>,
    /// Levels of each fixed effect.
    pub levels: Vec<usize>,
    /// Row weights (None: unweighted).
    pub weights: Option<Vec<f64>>,
    /// Sum of weights (or count) per level, per FE.
    sum_w: Vec<Vec<f64>>,
    /// Each FE's grouping of the rows; `None` for an FE updated in scatter form (see
    /// [`scatter::scatter_of`]), which never walks its own groups: at 1e8 rows that saves its
    /// permutation and the other FEs' codes in its order (0.4 GB each).
    groups: Vec<Option<Grouping>>,
    /// The Krylov solver of this structure, built on first use and shared by every column.
    krylov: krylov::KrylovCache,
}

#[derive(Debug, Clone, Copy, PartialEq)]
/// How the alternating projections ended.
pub struct DemeanStats {
    /// Iterations used.
    pub iterations: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Whether the Krylov solver (not the projections) gave the result.
    pub krylov: bool,
}

/// Groups per parallel task: enough tasks to balance FEs with few, large groups. Chunking
/// never changes a result (each group is summed sequentially in row order).
fn group_chunk(levels: usize) -> usize {
    levels.div_ceil(64).clamp(1, 256)
}

impl<'c> FeStructure<'c> {
    /// The structure of `codes` (dense, `levels[k]` levels each) with optional row weights.
    pub fn new<C: Into<Cow<'c, [u32]>>>(
        codes: Vec<C>,
        levels: Vec<usize>,
        weights: Option<Vec<f64>>,
    ) -> Self {
        let codes: Vec<Cow<'c, [u32]>> = codes.into_iter().map(Into::into).collect();
        let k = codes.len();
        let n = codes.first().map_or(0, |c| c.len());
        let groups: Vec<Option<Grouping>> = (0..k)
            .into_par_iter()
            .map(|j| {
                (scatter::scatter_of(&levels, n, j).is_none())
                    .then(|| Grouping::build(&codes, levels[j], weights.as_deref(), j))
            })
            .collect();
        // Per level, the count or the sum of weights, added in row order (as a grouping's
        // stable order adds them), whether or not the FE has a grouping.
        let sum_w = groups
            .iter()
            .enumerate()
            .map(|(j, gr)| match gr {
                Some(gr) => {
                    let w = match gr.perm {
                        Some(_) => gr.weights.as_deref(),
                        None => weights.as_deref(),
                    };
                    (0..gr.offsets.len() - 1)
                        .map(|g| {
                            let (s, e) = (gr.offsets[g], gr.offsets[g + 1]);
                            w.map_or((e - s) as f64, |w| w[s..e].iter().sum())
                        })
                        .collect()
                }
                None => {
                    let mut s = vec![0.0; levels[j]];
                    match &weights {
                        None => codes[j].iter().for_each(|&c| s[c as usize] += 1.0),
                        Some(w) => codes[j]
                            .iter()
                            .zip(w)
                            .for_each(|(&c, wr)| s[c as usize] += wr),
                    }
                    s
                }
            })
            .collect();
        FeStructure {
            codes,
            levels,
            weights,
            sum_w,
            groups,
            krylov: Default::default(),
        }
    }

    /// Number of fixed effects.
    pub fn n_fe(&self) -> usize {
        self.codes.len()
    }

    /// Runs `f(g, slot)` for every group g of FE k, `slot` the group's m interleaved values,
    /// in parallel over chunks of groups (each group handled by one task, in row order).
    fn for_each_group(
        &self,
        k: usize,
        m: usize,
        out: &mut [f64],
        f: impl Fn(usize, &mut [f64]) + Sync,
    ) {
        let gc = group_chunk(self.levels[k]);
        out.par_chunks_mut(m * gc)
            .enumerate()
            .for_each(|(chunk, dst)| {
                for (gl, slot) in dst.chunks_mut(m).enumerate() {
                    f(chunk * gc + gl, slot);
                }
            });
    }

    /// B_k[g * m + c] = sum over rows of group g of w_i * col_c[i].
    fn group_sums(&self, k: usize, cols: &[&[f64]]) -> Vec<f64> {
        let m = cols.len();
        let mut out = vec![0.0; self.levels[k] * m];
        let Some(gr) = &self.groups[k] else {
            // An FE without a grouping (few levels): one pass over the rows per column, in
            // row order, so each group's sum adds the same terms in the same order as the
            // grouped walk would (bit for bit).
            let codes = &self.codes[k];
            let sums: Vec<Vec<f64>> = cols
                .par_iter()
                .map(|c| {
                    let mut acc = vec![0.0; self.levels[k]];
                    match &self.weights {
                        None => codes
                            .iter()
                            .zip(c.iter())
                            .for_each(|(&g, v)| acc[g as usize] += v),
                        Some(w) => codes
                            .iter()
                            .zip(c.iter())
                            .zip(w)
                            .for_each(|((&g, v), wr)| acc[g as usize] += wr * v),
                    }
                    acc
                })
                .collect();
            for (ci, s) in sums.iter().enumerate() {
                for (g, v) in s.iter().enumerate() {
                    out[g * m + ci] = *v;
                }
            }
            return out;
        };
        let (_, weights) = self.in_group_order(k, gr);
        self.for_each_group(k, m, &mut out, |g, slot| {
            for r in gr.offsets[g]..gr.offsets[g + 1] {
                let row = gr.perm.as_ref().map_or(r, |p| p[r] as usize);
                let w = weights.map_or(1.0, |w| w[r]);
                slot.iter_mut()
                    .zip(cols)
                    .for_each(|(a, c)| *a += w * c[row]);
            }
        });
        out
    }

    /// alpha_k = (B_k - sum over the rows of each group of w_i * sum_{j != k} alpha_j[c_j(i)])
    /// / S_k, for all columns. The hot loop of the estimator: gathers only, parallel by group.
    fn update(&self, k: usize, m: usize, b: &[f64], alpha: &mut [Vec<f64>]) {
        if let Some(big) = self.scatter_source(k) {
            return self.update_scatter(k, big, m, b, alpha);
        }
        let mut out = std::mem::take(&mut alpha[k]);
        // An FE without a grouping is always updated in scatter form (above).
        let Some(gr) = &self.groups[k] else {
            alpha[k] = out;
            return;
        };
        let others: Vec<&Vec<f64>> = (0..self.n_fe())
            .filter(|&j| j != k)
            .map(|j| &alpha[j])
            .collect();
        let sw = &self.sum_w[k];
        let (cross, weights) = self.in_group_order(k, gr);
        self.for_each_group(k, m, &mut out, |g, slot| {
            let (s, e) = (gr.offsets[g], gr.offsets[g + 1]);
            slot.fill(0.0);
            match (others.as_slice(), weights) {
                ([a1], None) => {
                    for &code in &cross[0][s..e] {
                        let b1 = code as usize * m;
                        slot.iter_mut()
                            .zip(&a1[b1..b1 + m])
                            .for_each(|(d, v)| *d += v);
                    }
                }
                ([a1, a2], None) => {
                    let (c1, c2) = (cross[0], cross[1]);
                    for r in s..e {
                        let (b1, b2) = (c1[r] as usize * m, c2[r] as usize * m);
                        for ((d, v1), v2) in
                            slot.iter_mut().zip(&a1[b1..b1 + m]).zip(&a2[b2..b2 + m])
                        {
                            *d += v1 + v2;
                        }
                    }
                }
                (all, w) => {
                    for r in s..e {
                        let wr = w.map_or(1.0, |w| w[r]);
                        for (a, c) in all.iter().zip(&cross) {
                            let bj = c[r] as usize * m;
                            slot.iter_mut()
                                .zip(&a[bj..bj + m])
                                .for_each(|(d, v)| *d += wr * v);
                        }
                    }
                }
            }
            let den = sw[g];
            let idx = g * m;
            for (d, bv) in slot.iter_mut().zip(&b[idx..idx + m]) {
                *d = if den > 0.0 { (bv - *d) / den } else { 0.0 };
            }
        });
        alpha[k] = out;
    }

    /// When FE k has few levels and another FE has many more, updating k by walking the rows
    /// grouped by that large FE reads its coefficients sequentially and scatters into k's small,
    /// cache-resident accumulator, instead of gathering the large FE's coefficients at random.
    /// The choice depends on the FE structure only (not on the number of columns), so a
    /// column's arithmetic is the same whichever columns it is demeaned with.
    fn scatter_source(&self, k: usize) -> Option<usize> {
        scatter::scatter_of(&self.levels, self.codes.first().map_or(0, |c| c.len()), k)
    }

    fn sweep(&self, m: usize, b: &[Vec<f64>], alpha: &mut [Vec<f64>]) {
        for (k, bk) in b.iter().enumerate() {
            self.update(k, m, bk, alpha);
        }
    }

    /// Demeans one column.
    pub fn demean(
        &self,
        v: &[f64],
        tol: f64,
        maxiter: usize,
        method: DemeanMethod,
    ) -> (Vec<f64>, DemeanStats) {
        let (mut out, mut stats) = self.demean_many(&[v], tol, maxiter, method);
        (
            out.pop().unwrap_or_default(),
            stats.pop().unwrap_or(DemeanStats {
                iterations: 0,
                converged: true,
                krylov: false,
            }),
        )
    }

    /// Demeans several columns, returning each residual from projecting it on all FE dummies,
    /// by the solver `method` names. `tol` is the projections' relative change in the FE
    /// coefficients or the Krylov solver's relative normal-equations residual; `maxiter` caps
    /// the iterations of either.
    pub fn demean_many(
        &self,
        cols: &[&[f64]],
        tol: f64,
        maxiter: usize,
        method: DemeanMethod,
    ) -> (Vec<Vec<f64>>, Vec<DemeanStats>) {
        // One FE is exact in one projection: no solver choice to make.
        if self.n_fe() < 2 || method == DemeanMethod::Map {
            return self.project(cols, tol, maxiter);
        }
        let krylov = |cols: &[&[f64]]| {
            self.krylov
                .demean(&self.codes, self.weights.as_deref(), cols, tol, maxiter)
                // The solver fails only on inputs the projections also take (it validates
                // lengths and finiteness, which the estimation sample guarantees): fall back.
                .unwrap_or_else(|_| self.project(cols, tol, maxiter))
        };
        if method == DemeanMethod::Krylov {
            return krylov(cols);
        }
        let (mut out, mut stats) = self.project(cols, tol, maxiter.min(AUTO_MAP_ITERATIONS));
        let slow: Vec<usize> = (0..cols.len()).filter(|&c| !stats[c].converged).collect();
        if !slow.is_empty() {
            let sub: Vec<&[f64]> = slow.iter().map(|&c| cols[c]).collect();
            let (vals, st) = krylov(&sub);
            for ((c, v), s) in slow.into_iter().zip(vals).zip(st) {
                out[c] = v;
                stats[c] = s;
            }
        }
        (out, stats)
    }

    /// Demeans several columns together by alternating projections.
    fn project(
        &self,
        cols: &[&[f64]],
        tol: f64,
        maxiter: usize,
    ) -> (Vec<Vec<f64>>, Vec<DemeanStats>) {
        let k = self.n_fe();
        let m = cols.len();
        if k == 0 || m == 0 {
            let st = DemeanStats {
                iterations: 0,
                converged: true,
                krylov: false,
            };
            return (cols.iter().map(|c| c.to_vec()).collect(), vec![st; m]);
        }
        let b: Vec<Vec<f64>> = (0..k).map(|j| self.group_sums(j, cols)).collect();
        let mut alpha: Vec<Vec<f64>> = self.levels.iter().map(|&g| vec![0.0; g * m]).collect();
        let mut stats = vec![
            DemeanStats {
                iterations: 1,
                converged: true,
                krylov: false,
            };
            m
        ];
        self.sweep(m, &b, &mut alpha);
        if k >= 2 {
            stats = self.iterate(m, &b, &mut alpha, tol, maxiter);
        }
        let out = cols
            .par_iter()
            .enumerate()
            .map(|(c, col)| {
                let mut o = col.to_vec();
                for (j, a) in alpha.iter().enumerate() {
                    let codes = &self.codes[j];
                    o.iter_mut()
                        .zip(codes.iter())
                        .for_each(|(x, &g)| *x -= a[g as usize * m + c]);
                }
                o
            })
            .collect();
        (out, stats)
    }

    /// Fixed-point iteration on the FE coefficients with Irons-Tuck acceleration, one
    /// extrapolation coefficient per column. The state is every FE but the first, which each
    /// sweep recomputes from the others.
    fn iterate(
        &self,
        m: usize,
        b: &[Vec<f64>],
        alpha: &mut [Vec<f64>],
        tol: f64,
        maxiter: usize,
    ) -> Vec<DemeanStats> {
        // Columns are iterated together but converge one by one: a converged column is frozen
        // (its coefficients restored after every later sweep), so each column's result is
        // bit-for-bit what demeaning it alone gives, whatever columns it is demeaned with.
        let len: usize = alpha[1..].iter().map(Vec::len).sum();
        let flat = |a: &[Vec<f64>], out: &mut Vec<f64>| {
            out.clear();
            a[1..].iter().for_each(|v| out.extend_from_slice(v));
        };
        let unflat = |x: &[f64], a: &mut [Vec<f64>]| {
            let mut off = 0;
            for v in a[1..].iter_mut() {
                let n = v.len();
                v.copy_from_slice(&x[off..off + n]);
                off += n;
            }
        };
        let mut stats = vec![
            DemeanStats {
                iterations: 2 * maxiter + 1,
                converged: false,
                krylov: false,
            };
            m
        ];
        let mut done = vec![false; m];
        let mut frozen: Vec<Vec<f64>> = alpha.to_vec();
        let restore = |alpha: &mut [Vec<f64>], frozen: &[Vec<f64>], done: &[bool]| {
            if done.iter().any(|d| *d) {
                for (a, f) in alpha.iter_mut().zip(frozen) {
                    for (i, v) in a.iter_mut().enumerate() {
                        if done[i % m] {
                            *v = f[i];
                        }
                    }
                }
            }
        };
        // Marks the columns whose state moved less than `tol`; returns true when all are done.
        let check = |old: &[f64],
                     new: &[f64],
                     iters: usize,
                     alpha: &[Vec<f64>],
                     done: &mut Vec<bool>,
                     frozen: &mut Vec<Vec<f64>>,
                     stats: &mut Vec<DemeanStats>| {
            let mut ok = vec![true; m];
            for (i, (a, b)) in old.iter().zip(new).enumerate() {
                if (a - b).abs() > tol * (0.1 + a.abs()) {
                    ok[i % m] = false;
                }
            }
            for c in 0..m {
                if !done[c] && ok[c] {
                    done[c] = true;
                    stats[c] = DemeanStats {
                        iterations: iters,
                        converged: true,
                        krylov: false,
                    };
                    for (f, a) in frozen.iter_mut().zip(alpha) {
                        for (i, v) in f.iter_mut().enumerate() {
                            if i % m == c {
                                *v = a[i];
                            }
                        }
                    }
                }
            }
            done.iter().all(|d| *d)
        };
        let (mut x, mut gx, mut ggx) = (
            Vec::with_capacity(len),
            Vec::with_capacity(len),
            Vec::with_capacity(len),
        );
        flat(alpha, &mut x);
        let mut vprod = vec![0.0; m];
        let mut ssq = vec![0.0; m];
        for it in 1..=maxiter {
            self.sweep(m, b, alpha);
            restore(alpha, &frozen, &done);
            flat(alpha, &mut gx);
            if check(&x, &gx, 2 * it, alpha, &mut done, &mut frozen, &mut stats) {
                return stats;
            }
            self.sweep(m, b, alpha);
            restore(alpha, &frozen, &done);
            flat(alpha, &mut ggx);
            if check(
                &gx,
                &ggx,
                2 * it + 1,
                alpha,
                &mut done,
                &mut frozen,
                &mut stats,
            ) {
                return stats;
            }
            // Irons-Tuck: X' = GGX - (d2 . dGX / d2 . d2) dGX, dGX = GGX - GX, d2 = dGX - (GX - X),
            // the inner products taken column by column (entry i belongs to column i % m).
            vprod.fill(0.0);
            ssq.fill(0.0);
            for i in 0..len {
                let dgx = ggx[i] - gx[i];
                let d2 = dgx - (gx[i] - x[i]);
                vprod[i % m] += d2 * dgx;
                ssq[i % m] += d2 * d2;
            }
            for i in 0..len {
                let c = i % m;
                x[i] = if done[c] {
                    ggx[i]
                } else if ssq[c] > 0.0 {
                    ggx[i] - (vprod[c] / ssq[c]) * (ggx[i] - gx[i])
                } else {
                    ggx[i]
                };
            }
            unflat(&x, alpha);
            // The first FE is a function of the others: refresh it for the next sweep's start.
            self.update(0, m, &b[0], alpha);
            restore(alpha, &frozen, &done);
        }
        self.sweep(m, b, alpha);
        restore(alpha, &frozen, &done);
        stats
    }
}

#[cfg(test)]
mod tests;
