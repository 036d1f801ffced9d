//! Goodman-Bacon (2021) decomposition of the two-way fixed-effects DID estimate in a balanced
//! panel with staggered adoption: every 2x2 comparison (treated vs never treated, early vs
//! late, late vs early adopters) with its estimate and weight. The weights sum to one and the
//! weighted estimates sum to the TWFE coefficient of `y ~ D | unit + time`.

// Index loops mirror the matrix algebra of the formulas they implement.
#![allow(clippy::needless_range_loop)]

use crate::error::EstimationError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One 2x2 comparison of the decomposition.
pub struct BaconTerm {
    /// `treated vs never treated`, `early vs late (late not yet treated)`,
    /// `late vs early (early already treated)`.
    pub kind: String,
    /// Adoption period of the group whose change is measured.
    pub treated: i64,
    /// Adoption period of the control group (None: never treated within the sample).
    pub control: Option<i64>,
    /// The 2x2 DID estimate.
    pub estimate: f64,
    /// Its weight in the TWFE coefficient (weights sum to one).
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// The comparisons of one kind, pooled.
pub struct BaconKind {
    /// One of [`NEVER`], [`EARLY_LATE`], [`LATE_EARLY`].
    pub kind: String,
    /// Sum of the kind's weights.
    pub weight: f64,
    /// Weighted average of the kind's 2x2 estimates.
    pub estimate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// The Goodman-Bacon decomposition of a TWFE coefficient.
pub struct Bacon {
    /// Every 2x2 comparison.
    pub terms: Vec<BaconTerm>,
    /// The comparisons pooled by kind.
    pub by_kind: Vec<BaconKind>,
    /// Sum of weight x estimate: the TWFE coefficient.
    pub twfe: f64,
}

/// Treated groups against never-treated units.
pub const NEVER: &str = "treated vs never treated";
/// Earlier adopters against later ones before they adopt (a clean comparison).
pub const EARLY_LATE: &str = "early vs late (late not yet treated)";
/// Later adopters against earlier ones already treated (the "forbidden" comparison).
pub const LATE_EARLY: &str = "late vs early (early already treated)";

/// `unit` dense codes, `time` periods, `adopt` the unit's first treated period (None: never,
/// or not within the sample), `y` the outcome; every unit observed in every period.
pub fn bacon(
    unit: &[u32],
    time: &[i64],
    adopt: &[Option<i64>],
    y: &[f64],
) -> Result<Bacon, EstimationError> {
    let n = y.len();
    if y.iter().any(|v| !v.is_finite()) {
        return Err(EstimationError::Invalid(
            "the Bacon decomposition needs the outcome in every unit and period".into(),
        ));
    }
    let periods: Vec<i64> = {
        let mut p: Vec<i64> = time.to_vec();
        p.sort_unstable();
        p.dedup();
        p
    };
    let t_n = periods.len();
    let n_units = unit.iter().map(|&u| u as usize + 1).max().unwrap_or(0);
    if n != n_units * t_n {
        return Err(EstimationError::Invalid(format!(
            "the Bacon decomposition needs a balanced panel: {n} rows for {n_units} units x {t_n} periods"
        )));
    }
    let (first, last) = (periods[0], periods[t_n - 1]);
    // Unit-level adoption inside the window; units adopting after the last period are never
    // treated here, units treated from the first period on are always treated (not supported).
    let mut g_of = vec![None; n_units];
    for i in 0..n {
        g_of[unit[i] as usize] = adopt[i].filter(|&a| a <= last);
    }
    if g_of.iter().any(|g| g.is_some_and(|a| a <= first)) {
        return Err(EstimationError::Invalid(
            "units treated in the first period (always treated) are not supported".into(),
        ));
    }
    // Mean outcome per unit and period.
    let pidx: BTreeMap<i64, usize> = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let mut ybar = vec![vec![f64::NAN; t_n]; n_units];
    for i in 0..n {
        ybar[unit[i] as usize][pidx[&time[i]]] = y[i];
    }
    if ybar.iter().flatten().any(|v| v.is_nan()) {
        return Err(EstimationError::Invalid(
            "the Bacon decomposition needs one row per unit and period".into(),
        ));
    }
    // Groups: adoption period -> units; never -> units.
    let mut groups: BTreeMap<Option<i64>, Vec<usize>> = BTreeMap::new();
    for (u, g) in g_of.iter().enumerate() {
        groups.entry(*g).or_default().push(u);
    }
    let nu = n_units as f64;
    let share = |g: &Option<i64>| groups.get(g).map_or(0.0, |v| v.len() as f64 / nu);
    // Group mean outcome over a range of period indices.
    let gmean = |g: &Option<i64>, from: usize, to: usize| -> f64 {
        let us = &groups[g];
        let mut s = 0.0;
        for &u in us {
            s += ybar[u][from..to].iter().sum::<f64>();
        }
        s / (us.len() * (to - from)) as f64
    };
    let tix = |a: i64| pidx.get(&a).copied().unwrap_or(t_n);
    // Share of the window's periods in which the group is treated.
    let dbar = |g: &Option<i64>| g.map_or(0.0, |a| (t_n - tix(a)) as f64 / t_n as f64);
    let dd = |treat: &Option<i64>, ctrl: &Option<i64>, from: usize, mid: usize, to: usize| -> f64 {
        (gmean(treat, mid, to) - gmean(treat, from, mid))
            - (gmean(ctrl, mid, to) - gmean(ctrl, from, mid))
    };
    let timing: Vec<Option<i64>> = groups.keys().copied().filter(|g| g.is_some()).collect();
    let mut terms = Vec::new();
    for k in &timing {
        let (nk, dk) = (share(k), dbar(k));
        let tk = tix(k.unwrap_or(last));
        if groups.contains_key(&None) {
            let nunt = share(&None);
            let nku = nk / (nk + nunt);
            let w = (nk + nunt).powi(2) * nku * (1.0 - nku) * dk * (1.0 - dk);
            terms.push(BaconTerm {
                kind: NEVER.into(),
                treated: k.unwrap_or(0),
                control: None,
                estimate: dd(k, &None, 0, tk, t_n),
                weight: w,
            });
        }
        for l in timing.iter().filter(|l| l.unwrap_or(0) > k.unwrap_or(0)) {
            let (nl, dl) = (share(l), dbar(l));
            let tl = tix(l.unwrap_or(last));
            let nkl = nk / (nk + nl);
            // k treated, l not yet: periods before l adopts.
            let w_early = ((nk + nl) * (1.0 - dl)).powi(2)
                * nkl
                * (1.0 - nkl)
                * ((dk - dl) / (1.0 - dl))
                * ((1.0 - dk) / (1.0 - dl));
            terms.push(BaconTerm {
                kind: EARLY_LATE.into(),
                treated: k.unwrap_or(0),
                control: *l,
                estimate: dd(k, l, 0, tk, tl),
                weight: w_early,
            });
            // l treated, k already treated: periods from k's adoption on.
            let w_late =
                ((nk + nl) * dk).powi(2) * nkl * (1.0 - nkl) * (dl / dk) * ((dk - dl) / dk);
            terms.push(BaconTerm {
                kind: LATE_EARLY.into(),
                treated: l.unwrap_or(0),
                control: *k,
                estimate: dd(l, k, tk, tl, t_n),
                weight: w_late,
            });
        }
    }
    let total: f64 = terms.iter().map(|t| t.weight).sum();
    if total <= 0.0 {
        return Err(EstimationError::Invalid(
            "no 2x2 comparison has variation in treatment".into(),
        ));
    }
    for t in &mut terms {
        t.weight /= total;
    }
    let by_kind = [NEVER, EARLY_LATE, LATE_EARLY]
        .iter()
        .filter_map(|k| {
            let ts: Vec<&BaconTerm> = terms.iter().filter(|t| t.kind == *k).collect();
            let w: f64 = ts.iter().map(|t| t.weight).sum();
            (w > 0.0).then(|| BaconKind {
                kind: k.to_string(),
                weight: w,
                estimate: ts.iter().map(|t| t.weight * t.estimate).sum::<f64>() / w,
            })
        })
        .collect();
    let twfe = terms.iter().map(|t| t.weight * t.estimate).sum();
    Ok(Bacon {
        terms,
        by_kind,
        twfe,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OlsData, OlsOptions};

    /// The weighted 2x2 estimates add up to the TWFE coefficient (the decomposition's identity).
    #[test]
    fn weights_reproduce_twfe() {
        let (units, periods) = (12u32, 8i64);
        let adopt_unit = |u: u32| match u % 4 {
            0 => None,
            1 => Some(3),
            2 => Some(5),
            _ => Some(6),
        };
        let mut unit = Vec::new();
        let mut time = Vec::new();
        let mut adopt = Vec::new();
        let mut y = Vec::new();
        let mut d = Vec::new();
        for u in 0..units {
            for t in 0..periods {
                let a = adopt_unit(u);
                let treated = a.is_some_and(|a| t >= a);
                unit.push(u);
                time.push(t);
                adopt.push(a);
                d.push(f64::from(u8::from(treated)));
                // Heterogeneous, growing effects: the case where the decomposition matters.
                let effect = if treated {
                    1.0 + 0.5 * (t - a.unwrap()) as f64 + f64::from(u % 3)
                } else {
                    0.0
                };
                y.push(
                    f64::from(u) * 0.3
                        + (t as f64).sin()
                        + effect
                        + ((u as f64) * 1.7 + t as f64).cos() * 0.2,
                );
            }
        }
        let b = bacon(&unit, &time, &adopt, &y).unwrap();
        let sum_w: f64 = b.terms.iter().map(|t| t.weight).sum();
        assert!((sum_w - 1.0).abs() < 1e-12);
        let tcodes: Vec<u32> = time.iter().map(|&t| t as u32).collect();
        let data = OlsData {
            coords: None,
            y_name: "y".into(),
            y: &y,
            x: vec![("d".into(), &d)],
            fe: vec![("unit".into(), &unit), ("time".into(), &tcodes)],
            weights: None,
            clusters: vec![],
        };
        let twfe = crate::fit(
            &data,
            &OlsOptions {
                fixef_tol: 1e-14,
                ..OlsOptions::default()
            },
        )
        .unwrap()
        .coefficients[0]
            .estimate;
        assert!(
            (b.twfe - twfe).abs() < 1e-9,
            "decomposition {} vs TWFE {twfe}",
            b.twfe
        );
        assert_eq!(b.by_kind.len(), 3);
    }
}
