//! HonestDiD sensitivity (`honest:`), an option of every event-study estimator: it hands the
//! estimator's own event-time coefficients and their full vcov to
//! [`estimators::honest`], so the periods and the target cannot be mixed up by hand (the pain of
//! HonestDiD issues #45 and #67). The target is named by event time, never by a weight vector.

use estimators::honest::{self, Coefs, Method, Request, Restriction, Sensitivity};
use estimators::OlsResult;
use report::{EventStudy, StatRow, StatValue};

/// `honest: {restrictions: [relative_magnitudes, smoothness], mbar: [...], m: [...],
/// method: C-LF, target: first | average | {period: k}, alpha: 0.05, grid_points: 1000, seed: 0}`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HonestOptions {
    /// Which restrictions to report (default: relative magnitudes).
    #[serde(default = "default_restrictions")]
    pub restrictions: Vec<Restriction>,
    /// `M̄` values for relative magnitudes (default 0, 0.5, 1, 1.5, 2).
    #[serde(default)]
    pub mbar: Option<Vec<f64>>,
    /// `M` values for smoothness (default: 0 to an upper bound from the pre-periods).
    #[serde(default)]
    pub m: Option<Vec<f64>>,
    /// Method for relative magnitudes: `C-LF` (default) or `Conditional`; smoothness uses FLCI.
    #[serde(default)]
    pub method: Option<Method>,
    /// The effect whose robustness is asked about.
    #[serde(default)]
    pub target: Target,
    /// Size of the tests.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Candidate values tested per confidence set.
    #[serde(default = "default_grid_points")]
    pub grid_points: usize,
    /// Seed of the least-favourable critical value's simulation.
    #[serde(default)]
    pub seed: u64,
}

/// The target `θ`: an event time's effect or the average over the post periods.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The first post period (event time 0).
    #[default]
    First,
    /// The average of the post-period effects.
    Average,
    /// One post period's effect.
    Period(i64),
}

fn default_restrictions() -> Vec<Restriction> {
    vec![Restriction::RelativeMagnitudes]
}
fn default_alpha() -> f64 {
    0.05
}
fn default_grid_points() -> usize {
    1000
}

/// Validates the options without data.
pub fn check(o: &HonestOptions) -> Result<(), String> {
    let has = |r| o.restrictions.contains(&r);
    if o.restrictions.is_empty() {
        return Err(
            "option `honest.restrictions` is empty; use relative_magnitudes and/or smoothness"
                .into(),
        );
    }
    if o.mbar.is_some() && !has(Restriction::RelativeMagnitudes) {
        return Err("option `honest.mbar` is given but `honest.restrictions` does not include relative_magnitudes".into());
    }
    if o.m.is_some() && !has(Restriction::Smoothness) {
        return Err(
            "option `honest.m` is given but `honest.restrictions` does not include smoothness"
                .into(),
        );
    }
    match o.method {
        Some(Method::Flci) => {
            return Err("option `honest.method` chooses the relative-magnitudes method (C-LF or Conditional); smoothness always uses FLCI".into())
        }
        Some(_) if !has(Restriction::RelativeMagnitudes) => {
            return Err("option `honest.method` is given but `honest.restrictions` does not include relative_magnitudes".into())
        }
        _ => {}
    }
    for (key, grid) in [("mbar", &o.mbar), ("m", &o.m)] {
        if let Some(g) = grid {
            if g.is_empty() || g.len() > 100 {
                return Err(format!("option `honest.{key}` must list 1 to 100 values"));
            }
            if let Some(v) = g.iter().find(|v| !v.is_finite() || **v < 0.0) {
                return Err(format!(
                    "option `honest.{key}`: {v} is not a non-negative number"
                ));
            }
        }
    }
    if !(o.alpha > 0.0 && o.alpha < 0.5) {
        return Err(format!(
            "option `honest.alpha` ({}) must lie in (0, 0.5)",
            o.alpha
        ));
    }
    if !(10..=100_000).contains(&o.grid_points) {
        return Err(format!(
            "option `honest.grid_points` ({}) must lie in 10..=100000",
            o.grid_points
        ));
    }
    if let Target::Period(k) = o.target {
        if k < 0 {
            return Err(format!("option `honest.target`: period {k} is a pre-period; the target must be a post period (0 or later)"));
        }
    }
    Ok(())
}

/// The event-time coefficients of `r` named `prefix::k`, in HonestDiD's layout: pre-periods
/// `..., -3, -2` (the reference `-1` omitted), then `0, 1, ...`; with the event times.
fn coefs(r: &OlsResult, es: &EventStudy, prefix: &str) -> Result<(Coefs, Vec<i64>), String> {
    if es.reference != -1 {
        return Err(format!("HonestDiD needs the event study's reference period to be t = -1 (the last period before treatment); this one omits t = {}", es.reference));
    }
    let mut found: Vec<(i64, usize)> = r
        .coefficients
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let (p, k) = c.event_time()?;
            (p == prefix).then_some((k, i))
        })
        .collect();
    found.sort();
    if found.iter().any(|(k, _)| *k == -1) {
        return Err("HonestDiD needs every pre-period effect measured against t = -1, but this event study estimates t = -1 itself (a varying base period); set `base_period: universal`".into());
    }
    let ks: Vec<i64> = found.iter().map(|(k, _)| *k).collect();
    // The periods must run without a gap up to -2 and from 0: HonestDiD's restrictions are
    // about consecutive periods.
    for pair in ks.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b != a + 1 && !(a == -2 && b == 0) {
            return Err(format!("HonestDiD needs consecutive event times, but there is no coefficient between t = {a} and t = {b} (absorbed or dropped)"));
        }
    }
    if ks.first().is_some_and(|k| *k >= 0) || ks.is_empty() {
        return Err(honest::HonestError::NoPrePeriods.to_string());
    }
    if !ks.contains(&0) {
        return Err(honest::HonestError::NoPostPeriods.to_string());
    }
    let npre = ks.iter().filter(|k| **k < 0).count();
    let idx: Vec<usize> = found.iter().map(|(_, i)| *i).collect();
    let c = Coefs {
        beta: idx.iter().map(|&i| r.coefficients[i].estimate).collect(),
        sigma: idx
            .iter()
            .map(|&i| idx.iter().map(|&j| r.vcov[i][j]).collect())
            .collect(),
        npre,
        npost: ks.len() - npre,
    };
    Ok((c, ks))
}

/// Runs the analyses `o` asks for on the event study `es` (coefficients `prefix::k` of `r`).
pub fn run(
    r: &OlsResult,
    es: &EventStudy,
    prefix: &str,
    o: &HonestOptions,
) -> Result<Analyses, String> {
    let (c, ks) = coefs(r, es, prefix)?;
    let post: Vec<i64> = ks.iter().copied().filter(|k| *k >= 0).collect();
    let l: Vec<f64> = match o.target {
        Target::First => post.iter().map(|k| f64::from(u8::from(*k == 0))).collect(),
        Target::Average => vec![1.0 / post.len() as f64; post.len()],
        Target::Period(t) => {
            if !post.contains(&t) {
                return Err(format!(
                    "option `honest.target`: period {t} has no coefficient; the post periods are {}..={}",
                    post[0],
                    post[post.len() - 1]
                ));
            }
            post.iter().map(|k| f64::from(u8::from(*k == t))).collect()
        }
    };
    let mut out = Vec::new();
    for &restriction in &o.restrictions {
        let (grid, method) = match restriction {
            Restriction::RelativeMagnitudes => (
                o.mbar.clone().unwrap_or_default(),
                o.method.unwrap_or(Method::Clf),
            ),
            Restriction::Smoothness => (o.m.clone().unwrap_or_default(), Method::Flci),
        };
        let req = Request {
            restriction,
            method,
            grid,
            l: l.clone(),
            alpha: o.alpha,
            grid_points: o.grid_points,
            seed: o.seed,
        };
        out.push(honest::sensitivity(&c, &req).map_err(|e| e.to_string())?);
    }
    Ok(Analyses {
        results: out,
        event_times: ks,
        coefs: c,
    })
}

/// What HonestDiD was given and what it found.
pub struct Analyses {
    /// One per restriction.
    pub results: Vec<Sensitivity>,
    /// The event times of the coefficients handed over.
    pub event_times: Vec<i64>,
    /// The coefficients and vcov handed over.
    pub coefs: Coefs,
}

/// What the target is, in words, for notes and figure titles.
pub fn target_words(o: &HonestOptions) -> String {
    match o.target {
        Target::First => "the effect at t = 0".into(),
        Target::Average => "the average post-period effect".into(),
        Target::Period(k) => format!("the effect at t = {k}"),
    }
}

/// The table rows: the breakdown value of each analysis.
pub fn rows(s: &[Sensitivity]) -> Vec<StatRow> {
    s.iter()
        .map(|s| {
            let (md, tex) = match s.restriction {
                Restriction::RelativeMagnitudes => (
                    "Breakdown M̄ (HonestDiD, relative magnitudes)",
                    r"Breakdown $\bar{M}$ (HonestDiD, relative magnitudes)",
                ),
                Restriction::Smoothness => (
                    "Breakdown M (HonestDiD, smoothness)",
                    r"Breakdown $M$ (HonestDiD, smoothness)",
                ),
            };
            let top = s.bands.iter().map(|b| b.m).fold(0.0, f64::max);
            let value = match s.breakdown {
                Some(v) => StatValue::num_digits(v, if top < 0.1 { 4 } else { 2 }),
                None => StatValue::Seq(vec![
                    StatValue::text("> "),
                    StatValue::num_digits(top, if top < 0.1 { 4 } else { 2 }),
                ]),
            };
            StatRow {
                label: md.into(),
                label_tex: Some(tex.into()),
                value,
            }
        })
        .collect()
}

/// A sentence for the table notes.
pub fn note(s: &[Sensitivity], o: &HonestOptions) -> String {
    let what: Vec<&str> = s
        .iter()
        .map(|s| match (s.restriction, s.method) {
            (Restriction::RelativeMagnitudes, Method::Conditional) => {
                "relative magnitudes (conditional test)"
            }
            (Restriction::RelativeMagnitudes, _) => "relative magnitudes (C-LF)",
            (Restriction::Smoothness, _) => "smoothness (FLCI)",
        })
        .collect();
    format!(
        "HonestDiD (Rambachan and Roth 2023) for {}, {}: the breakdown value is the smallest bound at which the {:.0}% robust confidence set includes zero (0: the usual interval already does)",
        target_words(o),
        what.join(" and "),
        100.0 * (1.0 - o.alpha)
    )
}
