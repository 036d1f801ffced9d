//! One FE's rows grouped by level: what the projection's update of that FE walks.

use super::FeStructure;

/// Rows of one FE grouped by level.
#[derive(Debug, Clone)]
pub(super) struct Grouping {
    /// `perm[r]` is the row at position r when rows are sorted by this FE's level; `None` when
    /// the rows already are (then the other FEs' codes and the weights are used as they are).
    /// The unit FE of a panel always is: its rows are in (unit, time) order.
    pub(super) perm: Option<Vec<u32>>,
    /// Level g occupies positions `offsets[g]..offsets[g + 1]`.
    pub(super) offsets: Vec<usize>,
    /// For every other FE j (in index order), its codes in this grouping's row order (empty
    /// without a permutation).
    pub(super) cross: Vec<Vec<u32>>,
    /// Weights in this grouping's row order (`None` without a permutation).
    pub(super) weights: Option<Vec<f64>>,
}

impl Grouping {
    /// FE `j`'s grouping of the rows (`levels` levels), in row order within a level (a stable
    /// counting sort), with the other FEs' codes and the weights in that order; without a
    /// permutation when the rows already are in that order.
    pub(super) fn build(
        codes: &[std::borrow::Cow<[u32]>],
        levels: usize,
        weights: Option<&[f64]>,
        j: usize,
    ) -> Grouping {
        let key = &codes[j];
        let mut offsets = vec![0usize; levels + 1];
        for &c in key.iter() {
            offsets[c as usize + 1] += 1;
        }
        for i in 0..levels {
            offsets[i + 1] += offsets[i];
        }
        if key.windows(2).all(|w| w[0] <= w[1]) {
            return Grouping {
                perm: None,
                offsets,
                cross: Vec::new(),
                weights: None,
            };
        }
        let mut next = offsets.clone();
        let mut perm = vec![0u32; key.len()];
        for (r, &c) in key.iter().enumerate() {
            perm[next[c as usize]] = r as u32;
            next[c as usize] += 1;
        }
        let cross = (0..codes.len())
            .filter(|&o| o != j)
            .map(|o| perm.iter().map(|&r| codes[o][r as usize]).collect())
            .collect();
        let weights = weights.map(|w| perm.iter().map(|&r| w[r as usize]).collect());
        Grouping {
            perm: Some(perm),
            offsets,
            cross,
            weights,
        }
    }
}

impl FeStructure<'_> {
    /// The codes of every FE but `k` (in index order) and the weights, in the row order of
    /// `k`'s grouping `gr`.
    pub(super) fn in_group_order<'s>(
        &'s self,
        k: usize,
        gr: &'s Grouping,
    ) -> (Vec<&'s [u32]>, Option<&'s [f64]>) {
        match gr.perm {
            Some(_) => (
                gr.cross.iter().map(Vec::as_slice).collect(),
                gr.weights.as_deref(),
            ),
            None => (
                (0..self.n_fe())
                    .filter(|&o| o != k)
                    .map(|o| &*self.codes[o])
                    .collect(),
                self.weights.as_deref(),
            ),
        }
    }
}
