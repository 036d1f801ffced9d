//! de Chaisemartin and D'Haultfoeuille's event-study estimators for treatments that switch
//! on and off or take many values (REStat 2024; Stata/R `did_multiplegt_dyn` 2.x).
//!
//! A group's status quo is its first-period treatment d_sq; F_g is the first period its
//! treatment differs from the period before, S_g = +1 if that change is up (a switcher in),
//! -1 if down (out). For ℓ = 1..L, DID_ℓ compares each switcher's outcome change from F_g - 1
//! to F_g - 1 + ℓ with the mean change of the groups with the same d_sq that have not switched
//! by then; switchers in and out are estimated separately and averaged with their numbers,
//! switchers out with the sign flipped, so that DID_ℓ is the effect of having been exposed to a
//! weakly higher treatment for ℓ periods. Placebo ℓ compares the changes from F_g - 1 to
//! F_g - 1 - ℓ of the same groups. Normalised: divided by the switchers' average cumulated
//! treatment change. Groups whose treatment moves both above and below d_sq are dropped, as
//! are status-quo groups without variation in F_g and (period, status quo) cells without a
//! never-switcher.
//!
//! Standard errors: did_multiplegt_dyn's plug-in variance, each group's influence with the
//! switchers' outcome changes centred by their cohort (d_sq, F_g, D at F_g) and the controls'
//! by their (period, d_sq) cell, each scaled by sqrt(n / (n - 1)) of its cell (the union of the
//! two when one side has a single member), clustered when asked. As the reference, the
//! switchers-out run's variance terms are added to the switchers-in run's with the same
//! weights as the estimates, without the estimate's sign flip.

use crate::error::EstimationError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod design;
use design::{key, Design};

/// The panel the estimator reads: one entry per row.
pub struct DcdhInput<'a> {
    /// Group (unit) codes.
    pub groups: &'a [u32],
    /// Period of each row as its rank in time order (0 = first period of the data).
    pub periods: &'a [u32],
    /// Number of periods.
    pub n_periods: usize,
    /// The treatment (no missing values).
    pub d: &'a [f64],
    /// The outcome (NaN missing).
    pub y: &'a [f64],
    /// The cluster of each row (constant within groups), when clustered.
    pub cluster: Option<&'a [u32]>,
}

/// Which switchers are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Switchers {
    /// Both, switchers out with the sign flipped.
    Both,
    /// Treatment increases only.
    In,
    /// Treatment decreases only.
    Out,
}

/// Estimator settings.
#[derive(Debug, Clone, Copy)]
pub struct DcdhSettings {
    /// Effects ℓ = 1..effects.
    pub effects: usize,
    /// Placebos ℓ = 1..placebo (at most `effects`).
    pub placebo: usize,
    /// Divide by the average cumulated treatment change.
    pub normalized: bool,
    /// Which switchers.
    pub switchers: Switchers,
    /// Count clusters as moderndid 0.2.0 does, for comparing with that reference only: its
    /// polars `n_unique` over a (period, status quo) cell, and over a placebo's cohort (every
    /// row of its groups), counts the non-members' missing cluster as one more.
    /// did_multiplegt_dyn (Stata's `gegen nunique`) counts the members' clusters only.
    pub moderndid_cluster_count: bool,
}

/// One effect or placebo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Horizon {
    /// ℓ for effects, -ℓ for placebos.
    pub h: i64,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Switchers it averages over.
    pub n_switchers: usize,
    /// Observations (group-periods) it uses.
    pub nobs: usize,
    /// The average cumulated treatment change it is divided by (normalised only).
    pub delta_d: Option<f64>,
}

/// The estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dcdh {
    /// Effects ℓ = 1..L (those with switchers).
    pub effects: Vec<Horizon>,
    /// Placebos ℓ = 1..P.
    pub placebos: Vec<Horizon>,
    /// Groups in the estimation (G).
    pub n_groups: usize,
    /// Groups dropped for moving both above and below their status quo.
    pub n_bidirectional: usize,
    /// Switchers in and out.
    pub n_switchers_in: usize,
    /// Switchers out.
    pub n_switchers_out: usize,
}

/// One direction's pass at one horizon: per-group influences for the estimate and the
/// variance, the weighted and unweighted numbers of switchers, the rows used, and the
/// average cumulated treatment change.
struct Pass {
    u: Vec<f64>,
    u_var: Vec<f64>,
    n_weighted: f64,
    n_switchers: usize,
    counted: Vec<Vec<bool>>,
    delta_d: Option<f64>,
}

/// Sums and counts of a cell, for the centring of the variance.
#[derive(Default, Clone)]
struct Cell {
    w: f64,
    wd: f64,
    n: usize,
    clusters: Vec<u32>,
}

impl Cell {
    fn add(&mut self, w: f64, wd: f64, cluster: u32) {
        self.w += w;
        self.wd += wd;
        self.n += 1;
        self.clusters.push(cluster);
    }

    /// Degrees of freedom: members, or distinct clusters when clustered.
    fn dof(&self, clustered: bool) -> f64 {
        if clustered {
            let mut c = self.clusters.clone();
            c.sort_unstable();
            c.dedup();
            c.len() as f64
        } else {
            self.n as f64
        }
    }
}

fn pass(x: &Design, h: usize, placebo: bool, s: i8, clustered: bool, quirk: bool) -> Pass {
    let g_n = x.groups.len();
    let t_n = x.t_n;
    let gf = g_n as f64;
    // Outcome changes per (group, period); NaN where not defined.
    let diff = |g: usize, t: usize| -> f64 {
        let y = &x.y[g];
        if placebo {
            if t > 2 * h {
                y[t - 2 * h] - y[t - h]
            } else {
                f64::NAN
            }
        } else if t > h {
            y[t] - y[t - h]
        } else {
            f64::NAN
        }
    };
    let w = |g: usize, t: usize| -> f64 {
        if x.y[g][t].is_finite() && x.d[g][t].is_finite() {
            1.0
        } else {
            0.0
        }
    };
    let never =
        |g: usize, t: usize| -> f64 { f64::from(u8::from(x.groups[g].f.is_none_or(|f| f > t))) };
    // Controls per (period, status quo).
    let mut n_control: HashMap<(usize, u64), f64> = HashMap::new();
    for g in 0..g_n {
        for t in 1..=t_n {
            if diff(g, t).is_finite() {
                *n_control.entry((t, key(x.groups[g].d_sq))).or_insert(0.0) +=
                    never(g, t) * w(g, t);
            }
        }
    }
    let nc = |g: usize, t: usize| {
        n_control
            .get(&(t, key(x.groups[g].d_sq)))
            .copied()
            .unwrap_or(0.0)
    };
    // Switchers: at t = F_g - 1 + h, with h periods of the switch observed and controls.
    let dist = |g: usize, t: usize| -> f64 {
        if !diff(g, t).is_finite() {
            return f64::NAN;
        }
        let grp = &x.groups[g];
        let on =
            grp.f.is_some_and(|f| t + 1 == f + h) && grp.l >= h && nc(g, t) > 0.0 && grp.s == s;
        f64::from(u8::from(on))
    };
    let mut n_treated: HashMap<(usize, u64), f64> = HashMap::new();
    let mut n_weighted = 0.0;
    let mut switchers = 0;
    for g in 0..g_n {
        for t in 1..=t_n {
            let dd = dist(g, t);
            if dd == 1.0 {
                *n_treated.entry((t, key(x.groups[g].d_sq))).or_insert(0.0) += w(g, t);
                n_weighted += w(g, t);
                switchers += 1;
            }
        }
    }
    let nt = |g: usize, t: usize| {
        n_treated
            .get(&(t, key(x.groups[g].d_sq)))
            .copied()
            .unwrap_or(0.0)
    };
    let mut out = Pass {
        u: vec![0.0; g_n],
        u_var: vec![0.0; g_n],
        n_weighted,
        n_switchers: switchers,
        counted: vec![vec![false; t_n + 1]; g_n],
        delta_d: None,
    };
    if switchers == 0 {
        return out;
    }
    let safe_n = n_weighted.max(1e-10);
    let safe_nc = |g: usize, t: usize| {
        let c = nc(g, t);
        if c == 0.0 {
            1.0
        } else {
            c
        }
    };
    // The weight of each row in the estimate: +1 for a switcher, minus the switchers' share of
    // the controls for a control.
    let factor =
        |g: usize, t: usize| -> f64 { dist(g, t) - nt(g, t) / safe_nc(g, t) * never(g, t) };
    for g in 0..g_n {
        for t in 1..=t_n {
            let dd = diff(g, t);
            if !dd.is_finite() {
                continue;
            }
            let v = gf / safe_n * w(g, t) * factor(g, t) * dd;
            out.u[g] += v;
            out.counted[g][t] = v != 0.0 || dd == 0.0;
        }
    }
    // Normalisation: the switchers' average treatment change over F_g..F_g - 1 + h.
    let mut num = 0.0;
    let mut den = 0.0;
    for g in 0..g_n {
        let grp = &x.groups[g];
        let Some(f) = grp.f else { continue };
        let t = f + h - 1;
        if t > t_n || dist(g, t) != 1.0 {
            continue;
        }
        // Missing treatments add nothing (the reference sums what is there).
        let sum: f64 = (f..=t)
            .map(|u| x.d[g][u] - grp.d_sq)
            .filter(|v| v.is_finite())
            .sum();
        num += w(g, t) * if grp.s == 1 { sum } else { -sum };
        den += w(g, t);
    }
    out.delta_d = (den > 0.0).then(|| num / den);
    // Variance: centre switchers by cohort, controls by cell, with the cells' dof factors.
    let mut cohorts: HashMap<(u64, usize, u64), Cell> = HashMap::new();
    let mut controls: HashMap<(usize, u64), Cell> = HashMap::new();
    let mut unions: HashMap<(usize, u64), Cell> = HashMap::new();
    for g in 0..g_n {
        let grp = &x.groups[g];
        for t in 1..=t_n {
            let dd = diff(g, t);
            if !dd.is_finite() {
                continue;
            }
            let wd = dd * w(g, t);
            let is_s = dist(g, t) == 1.0;
            let is_c = never(g, t) == 1.0;
            let sq = key(grp.d_sq);
            if is_s {
                cohorts
                    .entry((sq, grp.f.unwrap_or(0), key(grp.d_fg)))
                    .or_default()
                    .add(w(g, t), wd, grp.cluster);
            }
            if is_c {
                controls
                    .entry((t, sq))
                    .or_default()
                    .add(w(g, t), wd, grp.cluster);
            }
            if is_s || is_c {
                unions
                    .entry((t, sq))
                    .or_default()
                    .add(w(g, t), wd, grp.cluster);
            }
        }
    }
    // Cells with rows that are not members (moderndid's cluster count; see the settings).
    let mut partial: HashMap<(usize, u64), (bool, bool)> = HashMap::new();
    if quirk && clustered {
        for g in 0..g_n {
            for t in 1..=t_n {
                let finite = diff(g, t).is_finite();
                let is_s = finite && dist(g, t) == 1.0;
                let is_c = finite && never(g, t) == 1.0;
                let e = partial
                    .entry((t, key(x.groups[g].d_sq)))
                    .or_insert((false, false));
                e.0 |= !is_c;
                e.1 |= !(is_s || is_c);
            }
        }
    }
    let extra = |t: usize, sq: u64, union: bool| -> f64 {
        partial
            .get(&(t, sq))
            .map_or(0.0, |p| f64::from(u8::from(if union { p.1 } else { p.0 })))
    };
    const ABSENT: f64 = 9999.0;
    for g in 0..g_n {
        let grp = &x.groups[g];
        if x.t_g[g] < h + 1 {
            continue;
        }
        let sq = key(grp.d_sq);
        for t in (h + 1)..=t_n.min(x.t_g[g]) {
            let dd = diff(g, t);
            if !dd.is_finite() {
                continue;
            }
            let is_s = dist(g, t) == 1.0;
            let is_c = never(g, t) == 1.0;
            let cohort = is_s.then(|| &cohorts[&(sq, grp.f.unwrap_or(0), key(grp.d_fg))]);
            let control = is_c.then(|| &controls[&(t, sq)]);
            let union = (is_s || is_c).then(|| &unions[&(t, sq)]);
            let dof = |c: Option<&Cell>| c.map_or(ABSENT, |c| c.dof(clustered));
            let mean = |c: Option<&Cell>| c.filter(|c| c.w > 0.0).map_or(0.0, |c| c.wd / c.w);
            let (mut ds, mut dn, mut du) = (dof(cohort), dof(control), dof(union));
            // A placebo's cohort cell is every row of its groups, not only the switch rows.
            if cohort.is_some() && quirk && clustered && placebo {
                ds += 1.0;
            }
            if control.is_some() {
                dn += extra(t, sq, false);
            }
            if union.is_some() {
                du += extra(t, sq, true);
            }
            let at_target = grp.f.is_some_and(|f| t + 1 == f + h);
            let before = grp.f.is_none_or(|f| t < f);
            let e_hat = if !(at_target || before) {
                0.0
            } else if at_target && ds >= 2.0 {
                mean(cohort)
            } else if before && dn >= 2.0 {
                mean(control)
            } else if du >= 2.0 && ((at_target && ds == 1.0) || (before && dn == 1.0)) {
                mean(union)
            } else {
                0.0
            };
            let scale = if at_target && ds > 1.0 {
                (ds / (ds - 1.0)).sqrt()
            } else if before && dn > 1.0 {
                (dn / (dn - 1.0)).sqrt()
            } else if du >= 2.0 && ((at_target && ds == 1.0) || (before && dn == 1.0)) {
                (du / (du - 1.0)).sqrt()
            } else {
                1.0
            };
            out.u_var[g] += gf / safe_n * w(g, t) * factor(g, t) * scale * (dd - e_hat);
        }
    }
    out
}

/// Estimates the effects and placebos of `inp`.
pub fn dcdh(inp: &DcdhInput, st: &DcdhSettings) -> Result<Dcdh, EstimationError> {
    let x = Design::build(inp)?;
    let g_n = x.groups.len();
    let gf = g_n as f64;
    let clustered = inp.cluster.is_some();
    let dirs: &[i8] = match st.switchers {
        Switchers::Both => &[1, -1],
        Switchers::In => &[1],
        Switchers::Out => &[-1],
    };
    let horizon = |h: usize, placebo: bool| -> Option<Horizon> {
        let passes: Vec<(i8, Pass)> = dirs
            .iter()
            .map(|&s| {
                (
                    s,
                    pass(&x, h, placebo, s, clustered, st.moderndid_cluster_count),
                )
            })
            .collect();
        let n_total: f64 = passes.iter().map(|(_, p)| p.n_weighted).sum();
        let n_switchers: usize = passes.iter().map(|(_, p)| p.n_switchers).sum();
        if n_switchers == 0 {
            return None;
        }
        let mut u = vec![0.0; g_n];
        let mut u_var = vec![0.0; g_n];
        let mut delta = 0.0;
        let mut counted = vec![vec![false; x.t_n + 1]; g_n];
        for (s, p) in &passes {
            if p.n_switchers == 0 {
                continue;
            }
            let share = p.n_weighted / n_total;
            for g in 0..g_n {
                u[g] += share * f64::from(*s) * p.u[g];
                u_var[g] += share * p.u_var[g];
                for (c, pc) in counted[g].iter_mut().zip(&p.counted[g]) {
                    *c |= *pc;
                }
            }
            delta += share * p.delta_d.unwrap_or(0.0);
        }
        let mut estimate = u.iter().sum::<f64>() / gf;
        let mut se = match inp.cluster {
            None => u_var.iter().map(|v| v * v).sum::<f64>().sqrt() / gf,
            Some(_) => {
                // In cluster order, so the sum is the same on every run.
                let mut by: std::collections::BTreeMap<u32, f64> = Default::default();
                for (g, v) in u_var.iter().enumerate() {
                    *by.entry(x.groups[g].cluster).or_insert(0.0) += v;
                }
                by.values().map(|v| v * v).sum::<f64>().sqrt() / gf
            }
        };
        let delta_d = st.normalized.then_some(delta);
        if st.normalized {
            estimate /= delta;
            se /= delta;
        }
        Some(Horizon {
            h: if placebo { -(h as i64) } else { h as i64 },
            estimate,
            std_error: se,
            n_switchers,
            nobs: counted.iter().flatten().filter(|c| **c).count(),
            delta_d,
        })
    };
    let effects: Vec<Horizon> = (1..=st.effects).filter_map(|h| horizon(h, false)).collect();
    let placebos: Vec<Horizon> = (1..=st.placebo.min(st.effects))
        .filter_map(|h| horizon(h, true))
        .collect();
    if effects.is_empty() {
        return Err(EstimationError::Invalid(
            "no switcher has a comparison group at any horizon: no effect can be estimated".into(),
        ));
    }
    let count = |s: i8| x.groups.iter().filter(|g| g.s == s).count();
    Ok(Dcdh {
        effects,
        placebos,
        n_groups: g_n,
        n_bidirectional: x.n_bidirectional,
        n_switchers_in: count(1),
        n_switchers_out: count(-1),
    })
}

impl Dcdh {
    /// The table's result: `base`'s layout (observations, FE) with effect ℓ as event time
    /// ℓ - 1 and placebo ℓ as event time -ℓ - 1 (t = -1, the period before the switch, the
    /// reference), normal p-values and intervals at `level` as did_multiplegt_dyn's. The
    /// horizons' covariances are not estimated: the vcov is empty.
    pub fn as_result(&self, base: &crate::OlsResult, prefix: &str, level: f64) -> crate::OlsResult {
        let z = crate::multitest::normal_quantile(1.0 - (1.0 - level) / 2.0);
        let mut coefficients: Vec<crate::Coefficient> = self
            .placebos
            .iter()
            .rev()
            .chain(&self.effects)
            .filter(|h| h.estimate.is_finite())
            .map(|h| {
                crate::Coefficient::event_given(
                    prefix,
                    h.h - 1,
                    h.estimate,
                    h.std_error,
                    crate::multitest::normal_p(h.estimate / h.std_error),
                    (h.estimate - z * h.std_error, h.estimate + z * h.std_error),
                )
            })
            .collect();
        coefficients.sort_by_key(|c| c.event_time().map_or(0, |(_, t)| t));
        crate::OlsResult {
            coefficients,
            vcov: Vec::new(),
            normal_inference: true,
            ..base.clone()
        }
        .without_fit_statistics()
    }
}
