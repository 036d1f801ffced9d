//! The design of the estimator: each group's status quo, first switch, its direction and how
//! long it is observed after it; the groups and rows the estimator keeps (as
//! did_multiplegt_dyn's preprocessing); the balanced group x period grid.

use super::DcdhInput;
use crate::error::EstimationError;
use std::collections::HashMap;

/// A group's place in the design.
#[derive(Clone)]
pub(super) struct Group {
    pub(super) d_sq: f64,
    /// First switch, 1-based period; None for a never-switcher.
    pub(super) f: Option<usize>,
    /// Periods from F_g to the group's last period, F_g included.
    pub(super) l: usize,
    pub(super) s: i8,
    pub(super) d_fg: f64,
    pub(super) cluster: u32,
}

/// The balanced design: groups x periods (1-based t), NaN where missing.
pub(super) struct Design {
    pub(super) groups: Vec<Group>,
    pub(super) t_n: usize,
    pub(super) y: Vec<Vec<f64>>,
    pub(super) d: Vec<Vec<f64>>,
    /// T_g per group (1-based): the last period its status-quo cell has controls.
    pub(super) t_g: Vec<usize>,
    pub(super) n_bidirectional: usize,
}

/// Bit pattern of a treatment value, for grouping by equality.
pub(super) fn key(v: f64) -> u64 {
    (v + 0.0).to_bits()
}

impl Design {
    pub(super) fn build(inp: &DcdhInput) -> Result<Design, EstimationError> {
        let t_n = inp.n_periods;
        let mut rows: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, &g) in inp.groups.iter().enumerate() {
            rows.entry(g).or_default().push(i);
        }
        let mut ids: Vec<u32> = rows.keys().copied().collect();
        ids.sort_unstable();
        let mut kept: Vec<(u32, Group, Vec<usize>)> = Vec::new();
        let mut n_bidirectional = 0;
        for g in ids {
            let mut r = rows.remove(&g).unwrap_or_default();
            r.sort_by_key(|&i| inp.periods[i]);
            if r.iter().all(|&i| !inp.y[i].is_finite()) {
                continue;
            }
            let d_sq = inp.d[r[0]];
            let first = r
                .windows(2)
                .position(|w| inp.d[w[1]] != inp.d[w[0]])
                .map(|p| r[p + 1]);
            let above = r.iter().any(|&i| inp.d[i] > d_sq);
            let below = r.iter().any(|&i| inp.d[i] < d_sq);
            if above && below {
                n_bidirectional += 1;
                continue;
            }
            let last = inp.periods[*r.last().unwrap_or(&r[0])] as usize + 1;
            let group = match first {
                Some(i) => {
                    let f = inp.periods[i] as usize + 1;
                    Group {
                        d_sq,
                        f: Some(f),
                        l: last + 1 - f,
                        s: if inp.d[i] > d_sq { 1 } else { -1 },
                        d_fg: inp.d[i],
                        cluster: inp.cluster.map_or(g, |c| c[r[0]]),
                    }
                }
                None => Group {
                    d_sq,
                    f: None,
                    l: 0,
                    s: 0,
                    d_fg: f64::NAN,
                    cluster: inp.cluster.map_or(g, |c| c[r[0]]),
                },
            };
            kept.push((g, group, r));
        }
        // Status-quo values whose groups all switch at once (or never): no comparison.
        let mut by_sq: HashMap<u64, Vec<f64>> = HashMap::new();
        for (_, g, r) in &kept {
            let f = g.f.map_or(0.0, |f| f as f64);
            by_sq
                .entry(key(g.d_sq))
                .or_default()
                .extend(r.iter().map(|_| f));
        }
        let varies: HashMap<u64, bool> = by_sq
            .into_iter()
            .map(|(k, v)| {
                let n = v.len() as f64;
                let m = v.iter().sum::<f64>() / n;
                let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                (k, n > 1.0 && (sd * 1000.0).round() / 1000.0 > 0.0)
            })
            .collect();
        kept.retain(|(_, g, _)| varies[&key(g.d_sq)]);
        // (period, status quo) cells with a never-switcher observed.
        let mut has_never: HashMap<(usize, u64), bool> = HashMap::new();
        for (_, g, r) in &kept {
            for &i in r {
                let e = has_never
                    .entry((inp.periods[i] as usize, key(g.d_sq)))
                    .or_insert(false);
                *e |= g.f.is_none();
            }
        }
        let mut groups = Vec::new();
        let mut y = Vec::new();
        let mut d = Vec::new();
        for (_, g, r) in kept {
            let mut yy = vec![f64::NAN; t_n + 1];
            let mut dd = vec![f64::NAN; t_n + 1];
            let mut any = false;
            for i in r {
                let t = inp.periods[i] as usize;
                if has_never[&(t, key(g.d_sq))] {
                    yy[t + 1] = inp.y[i];
                    dd[t + 1] = inp.d[i];
                    any = true;
                }
            }
            if any {
                groups.push(g);
                y.push(yy);
                d.push(dd);
            }
        }
        if groups.is_empty() {
            return Err(EstimationError::Invalid(
                "no group is left to compare: every status-quo treatment value lacks either switchers or groups that never switch".into(),
            ));
        }
        // T_g: the last period before the last switch (or the end) of the status-quo cell.
        let mut cell_end: HashMap<u64, usize> = HashMap::new();
        for g in &groups {
            let end = g.f.unwrap_or(t_n + 1);
            let e = cell_end.entry(key(g.d_sq)).or_insert(0);
            *e = (*e).max(end);
        }
        let t_g = groups.iter().map(|g| cell_end[&key(g.d_sq)] - 1).collect();
        Ok(Design {
            groups,
            t_n,
            y,
            d,
            t_g,
            n_bidirectional,
        })
    }
}
