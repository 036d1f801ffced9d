//! Absorbing fixed effects: the within transformation by alternating projections.
//!
//! We iterate in the space of fixed-effect coefficients, not observations (as fixest does):
//! one block Gauss-Seidel sweep updates each FE's coefficients given the others, each update
//! one pass over the rows. The sweep is accelerated with Irons-Tuck extrapolation. With one FE
//! the projection is exact in one pass. Columns are demeaned in parallel with rayon.

use rayon::prelude::*;

/// The fixed-effect structure of an estimation sample: dense codes `0..levels` per FE.
#[derive(Debug, Clone)]
pub struct FeStructure {
    pub codes: Vec<Vec<u32>>,
    pub levels: Vec<usize>,
    pub weights: Option<Vec<f64>>,
    /// Sum of weights (or count) per level, per FE.
    sum_w: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemeanStats {
    pub iterations: usize,
    pub converged: bool,
}

impl FeStructure {
    pub fn new(codes: Vec<Vec<u32>>, levels: Vec<usize>, weights: Option<Vec<f64>>) -> Self {
        let sum_w = codes
            .iter()
            .zip(&levels)
            .map(|(c, &g)| {
                let mut s = vec![0.0; g];
                match &weights {
                    Some(w) => c.iter().zip(w).for_each(|(&k, &wi)| s[k as usize] += wi),
                    None => c.iter().for_each(|&k| s[k as usize] += 1.0),
                }
                s
            })
            .collect();
        FeStructure {
            codes,
            levels,
            weights,
            sum_w,
        }
    }

    pub fn n_fe(&self) -> usize {
        self.codes.len()
    }

    /// B_k[g] = sum_{i in g} w_i v_i.
    fn group_sums(&self, k: usize, v: &[f64]) -> Vec<f64> {
        let mut b = vec![0.0; self.levels[k]];
        let c = &self.codes[k];
        match &self.weights {
            Some(w) => (0..v.len()).for_each(|i| b[c[i] as usize] += w[i] * v[i]),
            None => (0..v.len()).for_each(|i| b[c[i] as usize] += v[i]),
        }
        b
    }

    /// alpha_k = (B_k - sum over rows of w_i * sum_{j != k} alpha_j[c_j(i)]) / S_k.
    fn update(&self, k: usize, b: &[f64], alpha: &mut [Vec<f64>]) {
        let mut acc = b.to_vec();
        let ck = &self.codes[k];
        let others: Vec<usize> = (0..self.n_fe()).filter(|&j| j != k).collect();
        let n = ck.len();
        if others.len() == 1 {
            let j = others[0];
            let (cj, aj) = (&self.codes[j], &alpha[j]);
            match &self.weights {
                Some(w) => (0..n).for_each(|i| acc[ck[i] as usize] -= w[i] * aj[cj[i] as usize]),
                None => (0..n).for_each(|i| acc[ck[i] as usize] -= aj[cj[i] as usize]),
            }
        } else if others.len() == 2 {
            let (j1, j2) = (others[0], others[1]);
            let (c1, a1, c2, a2) = (&self.codes[j1], &alpha[j1], &self.codes[j2], &alpha[j2]);
            match &self.weights {
                Some(w) => (0..n).for_each(|i| {
                    acc[ck[i] as usize] -= w[i] * (a1[c1[i] as usize] + a2[c2[i] as usize])
                }),
                None => (0..n)
                    .for_each(|i| acc[ck[i] as usize] -= a1[c1[i] as usize] + a2[c2[i] as usize]),
            }
        } else {
            for i in 0..n {
                let s: f64 = others
                    .iter()
                    .map(|&j| alpha[j][self.codes[j][i] as usize])
                    .sum();
                let wi = self.weights.as_ref().map_or(1.0, |w| w[i]);
                acc[ck[i] as usize] -= wi * s;
            }
        }
        for (a, (num, den)) in alpha[k].iter_mut().zip(acc.iter().zip(&self.sum_w[k])) {
            *a = if *den > 0.0 { num / den } else { 0.0 };
        }
    }

    /// One Gauss-Seidel sweep over all FEs.
    fn sweep(&self, b: &[Vec<f64>], alpha: &mut [Vec<f64>]) {
        for k in 0..self.n_fe() {
            self.update(k, &b[k], alpha);
        }
    }

    /// Demeans `v`, returning the residual from projecting it on all FE dummies.
    pub fn demean(&self, v: &[f64], tol: f64, maxiter: usize) -> (Vec<f64>, DemeanStats) {
        let k = self.n_fe();
        if k == 0 {
            return (
                v.to_vec(),
                DemeanStats {
                    iterations: 0,
                    converged: true,
                },
            );
        }
        let b: Vec<Vec<f64>> = (0..k).map(|j| self.group_sums(j, v)).collect();
        let mut alpha: Vec<Vec<f64>> = self.levels.iter().map(|&g| vec![0.0; g]).collect();
        let mut stats = DemeanStats {
            iterations: 1,
            converged: true,
        };
        self.sweep(&b, &mut alpha);
        if k >= 2 {
            stats = self.iterate(&b, &mut alpha, tol, maxiter);
        }
        let mut out = v.to_vec();
        for (j, a) in alpha.iter().enumerate() {
            let c = &self.codes[j];
            out.iter_mut()
                .zip(c)
                .for_each(|(o, &g)| *o -= a[g as usize]);
        }
        (out, stats)
    }

    /// Fixed-point iteration on the FE coefficients with Irons-Tuck acceleration. The state is
    /// every FE but the first, which each sweep recomputes from the others.
    fn iterate(
        &self,
        b: &[Vec<f64>],
        alpha: &mut [Vec<f64>],
        tol: f64,
        maxiter: usize,
    ) -> DemeanStats {
        let flat = |a: &[Vec<f64>]| -> Vec<f64> { a[1..].iter().flatten().copied().collect() };
        let unflat = |x: &[f64], a: &mut [Vec<f64>]| {
            let mut off = 0;
            for v in a[1..].iter_mut() {
                let len = v.len();
                v.copy_from_slice(&x[off..off + len]);
                off += len;
            }
        };
        let mut x = flat(alpha);
        for it in 1..=maxiter {
            self.sweep(b, alpha);
            let gx = flat(alpha);
            if converged(&x, &gx, tol) {
                return DemeanStats {
                    iterations: 2 * it,
                    converged: true,
                };
            }
            self.sweep(b, alpha);
            let ggx = flat(alpha);
            if converged(&gx, &ggx, tol) {
                return DemeanStats {
                    iterations: 2 * it + 1,
                    converged: true,
                };
            }
            // Irons-Tuck: X' = GGX - (d2 . dGX / d2 . d2) dGX, dGX = GGX - GX, d2 = dGX - (GX - X).
            let (mut vprod, mut ssq) = (0.0, 0.0);
            for i in 0..x.len() {
                let dgx = ggx[i] - gx[i];
                let d2 = dgx - (gx[i] - x[i]);
                vprod += d2 * dgx;
                ssq += d2 * d2;
            }
            if ssq > 0.0 {
                let coef = vprod / ssq;
                for i in 0..x.len() {
                    x[i] = ggx[i] - coef * (ggx[i] - gx[i]);
                }
            } else {
                x.copy_from_slice(&ggx);
            }
            unflat(&x, alpha);
            // The first FE is a function of the others: refresh it for the next sweep's start.
            self.update(0, &b[0], alpha);
        }
        self.sweep(b, alpha);
        DemeanStats {
            iterations: 2 * maxiter + 1,
            converged: false,
        }
    }

    /// Demeans several columns in parallel.
    pub fn demean_many(
        &self,
        cols: &[&[f64]],
        tol: f64,
        maxiter: usize,
    ) -> Vec<(Vec<f64>, DemeanStats)> {
        cols.par_iter()
            .map(|c| self.demean(c, tol, maxiter))
            .collect()
    }
}

/// fixest's criterion: |a - b| / (0.1 + |a|) <= tol for every coefficient.
fn converged(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.iter()
        .zip(b)
        .all(|(a, b)| (a - b).abs() <= tol * (0.1 + a.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Residuals must be orthogonal to every FE dummy: group sums of w * r are zero.
    fn assert_orthogonal(fe: &FeStructure, r: &[f64]) {
        for k in 0..fe.n_fe() {
            for s in fe.group_sums(k, r) {
                assert!(s.abs() < 1e-9, "group sum {s}");
            }
        }
    }

    #[test]
    fn one_fe_is_group_demeaning() {
        let fe = FeStructure::new(vec![vec![0, 0, 1, 1, 1]], vec![2], None);
        let (r, st) = fe.demean(&[1.0, 3.0, 2.0, 4.0, 6.0], 1e-12, 100);
        assert_eq!(r, vec![-1.0, 1.0, -2.0, 0.0, 2.0]);
        assert!(st.converged);
    }

    #[test]
    fn two_and_three_fe_unbalanced_weighted() {
        let n = 200;
        let c1: Vec<u32> = (0..n).map(|i| (i * 7 % 13) as u32).collect();
        let c2: Vec<u32> = (0..n).map(|i| (i * 3 % 11) as u32).collect();
        let c3: Vec<u32> = (0..n).map(|i| ((i * i) % 5) as u32).collect();
        let v: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 0.37).sin() * 10.0 + i as f64 * 0.01)
            .collect();
        let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64).collect();
        let fe2 = FeStructure::new(vec![c1.clone(), c2.clone()], vec![13, 11], None);
        let (r, st) = fe2.demean(&v, 1e-13, 10_000);
        assert!(st.converged);
        assert_orthogonal(&fe2, &r);
        let fe3 = FeStructure::new(vec![c1, c2, c3], vec![13, 11, 5], Some(w));
        let (r, st) = fe3.demean(&v, 1e-13, 10_000);
        assert!(st.converged);
        assert_orthogonal(&fe3, &r);
    }
}
