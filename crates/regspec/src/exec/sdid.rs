//! Synthetic DID (`estimator: sdid`; Arkhangelsky et al.): unit and time weights that make the
//! controls track the treated units before treatment, the weighted DID as the ATT, placebo or
//! jackknife standard errors. One adoption period (a block design); the sample filter picks a
//! cohort and its controls out of a staggered design.

use super::*;

/// Synthetic difference-in-differences (R's `synthdid`).
pub(crate) struct Sdid;

/// SDID options: `{adopt: sign_year, unit: iso3, time: year, se: placebo | jackknife,
/// reps: 200, seed: 20231129}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SdidOptions {
    adopt: String,
    unit: String,
    time: String,
    #[serde(default = "default_se")]
    se: SeKind,
    /// Placebo replications.
    #[serde(default)]
    reps: Option<usize>,
    /// Seed of the placebo permutations.
    #[serde(default)]
    seed: Option<u64>,
}

#[derive(serde::Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum SeKind {
    Placebo,
    Jackknife,
}

fn default_se() -> SeKind {
    SeKind::Placebo
}

fn sdid_options(m: &PlannedModel) -> Result<SdidOptions, String> {
    let o: SdidOptions = typed_options(m)?;
    if !m.regressors.is_empty() {
        return Err("sdid here has no covariates: no treatment, regressors or controls (treated units are those with `adopt` in the panel's periods)".into());
    }
    if !m.fe.is_empty() {
        return Err("sdid takes no `fe`: its unit and time weights play their part".into());
    }
    if m.weights.is_some() {
        return Err("sdid does not support `weights`".into());
    }
    if !m.cluster.is_empty() {
        return Err(format!(
            "sdid's standard errors come from placebo assignments or the jackknife over units, not clusters: remove `cluster: {}` (`cluster: []` when it comes from `defaults`)",
            m.cluster.join(", ")
        ));
    }
    if o.se == SeKind::Jackknife && (o.reps.is_some() || o.seed.is_some()) {
        return Err("`reps` and `seed` are for `se: placebo`; the jackknife has no draws".into());
    }
    if o.reps == Some(0)
        || o.reps
            .is_some_and(|r| r as u64 > crate::limits::get().draws)
    {
        return Err(format!(
            "option `reps` must be between 1 and {}",
            crate::limits::get().draws
        ));
    }
    Ok(o)
}

impl Estimator for Sdid {
    fn name(&self) -> &'static str {
        "sdid"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("Synthetic DID")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    fn needs(&self) -> Needs {
        Needs::BalancedPanel
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        sdid_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    fn check_data(&self, view: &PanelView, m: &PlannedModel) -> Result<(), String> {
        let o = sdid_options(m)?;
        // An empty sample (a filter naming no column, or matching no row) is reported by the
        // sample's own check.
        if sample_rows(view, m)?.is_empty() {
            return Ok(());
        }
        Design::read(view, m, &o).map(|_| ())
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        let o = sdid_options(m)?;
        let d = Design::read(view, m, &o)?;
        let se = match o.se {
            SeKind::Jackknife => estimators::sdid::SdidSe::Jackknife,
            SeKind::Placebo => estimators::sdid::SdidSe::Placebo {
                reps: o.reps.unwrap_or(200),
                seed: o.seed.unwrap_or(20231129),
            },
        };
        let input = estimators::sdid::SdidInput {
            y: &d.matrix,
            n_control: d.n_control,
            t_pre: d.t_pre,
        };
        let s = estimators::sdid::sdid(&input, &se, None).map_err(|e| e.to_string())?;
        let base = twfe_base(
            &m.outcome,
            &d.y,
            &d.treated_post,
            [(&o.unit, &d.units), (&o.time, &d.periods)],
            None,
        )?;
        let r = s.as_result(&base, "ATT", 0.95);
        let positive = s.omega.iter().filter(|w| **w > 0.0).count();
        let count = |n: usize| StatValue::text(n.to_string());
        Extras {
            overall: overall(s.att, s.std_error),
            stats: vec![
                StatRow::new("Treated units", count(s.n_treated)),
                StatRow::new(
                    "Control units (weight > 0)",
                    StatValue::text(format!("{} ({positive})", s.n_control)),
                ),
                StatRow::new(
                    "Periods before / after",
                    StatValue::text(format!("{} / {}", s.t_pre, s.t_post)),
                ),
            ],
            notes: vec![
                "Synthetic DID (Arkhangelsky et al. 2021): unit weights on the controls and time weights on the periods before treatment (Frank-Wolfe, regularised as R's synthdid), the ATT their weighted DID, normal inference".into(),
            ],
            ..Extras::default()
        }
        .detail("sdid", &s)
        .map(|x| (r, x))
    }
}

/// The sample as SDID reads it: an outcome matrix (controls first, periods in time order) and
/// the rows of the TWFE layout fit.
struct Design {
    matrix: Vec<Vec<f64>>,
    n_control: usize,
    t_pre: usize,
    y: Vec<f64>,
    treated_post: Vec<f64>,
    units: Vec<u32>,
    periods: Vec<u32>,
}

impl Design {
    fn read(view: &PanelView, m: &PlannedModel, o: &SdidOptions) -> Result<Design, String> {
        let rows = sample_rows(view, m)?;
        let units = view.codes(&o.unit, &rows);
        let times = view.numeric(&o.time, &rows);
        let adopt = view.numeric(&o.adopt, &rows);
        let y = view.numeric(&m.outcome, &rows);
        let mut periods: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
        periods.sort_by(f64::total_cmp);
        periods.dedup();
        let (Some(&first), Some(&last)) = (periods.first(), periods.last()) else {
            return Err("sdid: the sample has no rows".into());
        };
        // Each unit's adoption (constant within units, as `adopt` is by unit) and its rows.
        let mut by_unit: std::collections::BTreeMap<u32, (f64, Vec<usize>)> = Default::default();
        for (i, &u) in units.iter().enumerate() {
            let e = by_unit.entry(u).or_insert((adopt[i], Vec::new()));
            e.1.push(i);
        }
        let mut starts: Vec<f64> = Vec::new();
        for (&u, (a, _)) in &by_unit {
            if a.is_finite() && *a <= first {
                let row = rows[by_unit[&u].1[0]];
                return Err(format!(
                    "sdid needs periods before treatment: `{}` is {a} for {} {}, at or before the first period {first}; leave such units out with `sample:`",
                    o.adopt,
                    o.unit,
                    view.label(&o.unit, row)
                ));
            }
            if a.is_finite() && *a <= last && !starts.contains(a) {
                starts.push(*a);
            }
        }
        starts.sort_by(f64::total_cmp);
        let start = match starts.as_slice() {
            [s] => *s,
            [] => return Err(format!("sdid needs treated units: no unit's `{}` falls in the periods {first}-{last}", o.adopt)),
            many => {
                return Err(format!(
                    "sdid compares one adoption period with controls (a block design); `{}` starts treatment in {} periods ({}): pick one cohort and the units never treated in the sample with `sample:`, as in `sample: \"is_missing({}) or {} == {}\"`",
                    o.adopt,
                    many.len(),
                    many.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
                    o.adopt,
                    o.adopt,
                    many[0]
                ))
            }
        };
        let t_index = |t: f64| periods.partition_point(|p| *p < t);
        let treated = |a: f64| a.is_finite() && a <= last;
        let mut order: Vec<(&u32, &(f64, Vec<usize>))> = by_unit.iter().collect();
        order.sort_by_key(|(_, (a, _))| treated(*a));
        let mut matrix = Vec::with_capacity(order.len());
        for (_, (_, unit_rows)) in &order {
            let mut line = vec![f64::NAN; periods.len()];
            for &i in unit_rows {
                if !y[i].is_finite() {
                    return Err(format!(
                        "sdid needs the outcome in every unit and period: `{}` is missing for {}",
                        m.outcome,
                        view.describe_row(rows[i])
                    ));
                }
                line[t_index(times[i])] = y[i];
            }
            matrix.push(line);
        }
        let n_control = order.iter().filter(|(_, (a, _))| !treated(*a)).count();
        let treated_post = adopt
            .iter()
            .zip(&times)
            .map(|(a, t)| f64::from(u8::from(treated(*a) && *t >= *a)))
            .collect();
        Ok(Design {
            matrix,
            n_control,
            t_pre: t_index(start),
            y,
            treated_post,
            units,
            periods: view.codes(&o.time, &rows),
        })
    }
}
