//! The scatter form of the projections' update, for an FE with few levels beside a much larger
//! one: rows walked in the large FE's grouping (its coefficients read in order), the small FE's
//! sums accumulated in cache-resident buffers.

use super::FeStructure;
use rayon::prelude::*;

/// The FE whose grouping the update of FE `k` walks in scatter form, if any (see
/// [`FeStructure::scatter_source`]): `k` has few levels and the FE with the most levels has at
/// least eight times as many, on at least 65,536 rows. That FE has the most levels, so it is never
/// in scatter form itself and always has its grouping.
pub(super) fn scatter_of(levels: &[usize], n: usize, k: usize) -> Option<usize> {
    let big = (0..levels.len())
        .filter(|&j| j != k)
        .max_by_key(|&j| levels[j])?;
    let small = levels[k] <= 1 << 16;
    (small && levels[big] >= 8 * levels[k] && n >= 1 << 16).then_some(big)
}

impl FeStructure<'_> {
    /// The scatter form of [`Self::update`]: rows in the large FE's grouping, split into a
    /// fixed number of blocks of its groups (so sums do not depend on the thread count), each
    /// block accumulating into its own buffer, buffers added in block order.
    pub(super) fn update_scatter(
        &self,
        k: usize,
        big: usize,
        m: usize,
        b: &[f64],
        alpha: &mut [Vec<f64>],
    ) {
        const BLOCKS: usize = 8;
        let Some(gr) = &self.groups[big] else {
            return;
        };
        // Position of FE o among `big`'s cross arrays (every FE but `big`, in index order).
        let pos = |o: usize| if o < big { o } else { o - 1 };
        let (cross, weights) = self.in_group_order(big, gr);
        let ck = cross[pos(k)];
        let rest: Vec<(usize, &[u32])> = (0..self.n_fe())
            .filter(|&o| o != k && o != big)
            .map(|o| (o, cross[pos(o)]))
            .collect();
        let gk = self.levels[k];
        let gb = self.levels[big];
        let alpha_ro = &*alpha;
        let parts: Vec<Vec<f64>> = (0..BLOCKS)
            .into_par_iter()
            .map(|blk| {
                let mut acc = vec![0.0; gk * m];
                let mut t = vec![0.0; m];
                for g in (blk * gb / BLOCKS)..((blk + 1) * gb / BLOCKS) {
                    let ab = &alpha_ro[big][g * m..g * m + m];
                    for r in gr.offsets[g]..gr.offsets[g + 1] {
                        t.copy_from_slice(ab);
                        for (o, c) in &rest {
                            let base = c[r] as usize * m;
                            t.iter_mut()
                                .zip(&alpha_ro[*o][base..base + m])
                                .for_each(|(a, v)| *a += v);
                        }
                        let w = weights.map_or(1.0, |w| w[r]);
                        let base = ck[r] as usize * m;
                        acc[base..base + m]
                            .iter_mut()
                            .zip(&t)
                            .for_each(|(a, v)| *a += w * v);
                    }
                }
                acc
            })
            .collect();
        let sums = self.combine(parts);
        for (gi, &den) in self.sum_w[k].iter().enumerate() {
            let idx = gi * m;
            for ((a, bv), sv) in alpha[k][idx..idx + m]
                .iter_mut()
                .zip(&b[idx..idx + m])
                .zip(&sums[idx..idx + m])
            {
                *a = if den > 0.0 { (bv - sv) / den } else { 0.0 };
            }
        }
    }

    /// Adds the blocks' buffers in block order.
    fn combine(&self, parts: Vec<Vec<f64>>) -> Vec<f64> {
        let mut it = parts.into_iter();
        let mut total = it.next().unwrap_or_default();
        for p in it {
            total.iter_mut().zip(&p).for_each(|(a, b)| *a += b);
        }
        total
    }
}
