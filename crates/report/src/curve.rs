//! Specification curves and multiple-testing adjustments across the models of a table: each
//! model's key estimate (its treatment coefficient, or the overall ATT of a robust-DID
//! estimator), the choices that produced it, the curve's summary, the curve figure, and
//! Bonferroni and Holm adjusted p-values. All of it is derived from the table's record, so it is
//! the same however the models were scheduled, cached or sharded.

use crate::record::{ModelRecord, StatRow, StatValue, TableRecord};
use serde::{Deserialize, Serialize};

/// `curve:` options of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurveOptions {
    /// Significance levels of the summary (shares significant at each).
    #[serde(default = "default_levels")]
    pub levels: Vec<f64>,
    /// Beyond this many models the figure shows evenly spaced order statistics (always the
    /// smallest, the median and the largest), and its caption says how many.
    #[serde(default = "default_max_points")]
    pub max_points: usize,
}

impl Default for CurveOptions {
    fn default() -> Self {
        CurveOptions {
            levels: default_levels(),
            max_points: default_max_points(),
        }
    }
}

fn default_levels() -> Vec<f64> {
    vec![0.1, 0.05, 0.01]
}
fn default_max_points() -> usize {
    500
}

/// Multiple-testing adjustments are computed in `estimators`; this crate names and renders them.
pub use estimators::multitest::{adjust, romano_wolf, Adjust};

/// The row label of an adjusted p-value.
pub fn label(a: Adjust) -> &'static str {
    match a {
        Adjust::Bonferroni => "p-value, Bonferroni",
        Adjust::Holm => "p-value, Holm",
        Adjust::RomanoWolf => "p-value, Romano-Wolf",
    }
}

/// A model's key estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEstimate {
    /// What it is (the coefficient's name, or "ATT").
    pub what: String,
    /// The estimate.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
    /// Its two-sided p-value.
    pub p_value: f64,
    /// 95% interval.
    pub ci: (f64, f64),
}

/// The key estimate of a model: the overall ATT of Sun-Abraham, Callaway-Sant'Anna or imputation (normal
/// inference, as those estimators report it), else the treatment coefficient, else the table's
/// first kept coefficient. None when the model has none (an event study without a treatment).
pub fn key_estimate(t: &TableRecord, m: &ModelRecord) -> Option<KeyEstimate> {
    let overall = |est: f64, se: f64| {
        (est.is_finite() && se.is_finite() && se > 0.0).then(|| KeyEstimate {
            what: "ATT".into(),
            estimate: est,
            std_error: se,
            p_value: estimators::multitest::normal_p(est / se),
            ci: {
                let z = estimators::multitest::normal_quantile(0.975);
                (est - z * se, est + z * se)
            },
        })
    };
    if let Some(o) = &m.overall {
        return overall(o.estimate, o.std_error);
    }
    let names: Vec<&String> = m.treatment.iter().chain(t.keep.iter().flatten()).collect();
    names.into_iter().find_map(|n| {
        let c = m.result.coefficients.iter().find(|c| &c.name == n)?;
        c.estimate.is_finite().then(|| KeyEstimate {
            what: c.name.clone(),
            estimate: c.estimate,
            std_error: c.std_error,
            p_value: c.p_value,
            ci: (c.ci_low, c.ci_high),
        })
    })
}

/// One point of a specification curve: a model, its key estimate, and its choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The model.
    pub model: String,
    /// Its key estimate.
    pub key: KeyEstimate,
    /// The value of each choice dimension (in [`Curve::dimensions`] order).
    pub choices: Vec<String>,
}

/// A table's specification curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The choice dimensions that vary across the models.
    pub dimensions: Vec<String>,
    /// Points sorted by estimate.
    pub points: Vec<CurvePoint>,
    /// Models without a key estimate (left out).
    pub skipped: Vec<String>,
    /// The summary.
    pub summary: CurveSummary,
}

/// The summary of a specification curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveSummary {
    /// Models on the curve.
    pub n: usize,
    /// Share of estimates above zero.
    pub share_positive: f64,
    /// Share significant at each level, (level, share).
    pub share_significant: Vec<(f64, f64)>,
    /// Share significant and positive at each level, (level, share).
    pub share_significant_positive: Vec<(f64, f64)>,
    /// Median estimate.
    pub median: f64,
    /// Smallest and largest estimate.
    pub range: (f64, f64),
}

/// A model's value of each choice dimension, (dimension, value).
type Choices = Vec<(&'static str, String)>;

fn choice_values(t: &TableRecord, m: &ModelRecord) -> Choices {
    let name = |v: &str| crate::format::plain(t.labels.get(v).map_or(v, String::as_str));
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter().map(|x| name(x)).collect::<Vec<_>>().join(", ")
        }
    };
    vec![
        ("Outcome", name(&m.outcome)),
        (
            "Treatment",
            m.treatment.as_deref().map_or_else(|| "none".into(), name),
        ),
        ("Estimator", m.estimator.clone()),
        (
            "Sample",
            m.sample_label
                .as_deref()
                .or(m.sample.as_deref())
                .map_or_else(|| "full".into(), name),
        ),
        ("Controls", list(&m.controls)),
        ("Fixed effects", list(&m.fe)),
        (
            "Inference",
            if m.cluster.is_empty() {
                m.result.inference.short()
            } else {
                format!("cluster: {}", list(&m.cluster))
            },
        ),
    ]
}

/// For each model of `t`, every choice dimension with its value, and the dimensions whose value
/// differs between the models (the ones a curve or a coefficient plot has to show).
fn varying_choices(t: &TableRecord) -> (Vec<Choices>, Vec<usize>) {
    let all: Vec<Choices> = t.models.iter().map(|m| choice_values(t, m)).collect();
    let varying = match all.first() {
        Some(first) => (0..first.len())
            .filter(|&d| all.iter().any(|c| c[d].1 != first[d].1))
            .collect(),
        None => Vec::new(),
    };
    (all, varying)
}

/// For each model of `t`, the choices that vary across the table's models, in a few words
/// ("Treat × Post; excl. 2013-14; controls: none"): what tells two rows of a coefficient plot
/// apart when the models' own labels do not.
pub fn choice_labels(t: &TableRecord) -> Vec<String> {
    let (all, varying) = varying_choices(t);
    all.iter()
        .map(|c| {
            varying
                .iter()
                .map(|&d| match c[d].0 {
                    "Controls" => format!("controls: {}", c[d].1),
                    "Fixed effects" => format!("FE: {}", c[d].1),
                    _ => c[d].1.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect()
}

/// The curve of a table's models.
pub fn curve(t: &TableRecord, o: &CurveOptions) -> Curve {
    let mut points = Vec::new();
    let mut skipped = Vec::new();
    let (all, varying) = varying_choices(t);
    let dims: Vec<&'static str> = all
        .first()
        .map(|c| c.iter().map(|(d, _)| *d).collect())
        .unwrap_or_default();
    for (m, c) in t.models.iter().zip(&all) {
        match key_estimate(t, m) {
            Some(key) => points.push(CurvePoint {
                model: m.name.clone(),
                key,
                choices: varying.iter().map(|&d| c[d].1.clone()).collect(),
            }),
            None => skipped.push(m.name.clone()),
        }
    }
    points.sort_by(|a, b| {
        a.key
            .estimate
            .total_cmp(&b.key.estimate)
            .then_with(|| a.model.cmp(&b.model))
    });
    let n = points.len();
    let share = |f: &dyn Fn(&CurvePoint) -> bool| {
        if n == 0 {
            f64::NAN
        } else {
            points.iter().filter(|p| f(p)).count() as f64 / n as f64
        }
    };
    let est: Vec<f64> = points.iter().map(|p| p.key.estimate).collect();
    let median = if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        est[n / 2]
    } else {
        0.5 * (est[n / 2 - 1] + est[n / 2])
    };
    let summary = CurveSummary {
        n,
        share_positive: share(&|p| p.key.estimate > 0.0),
        share_significant: o
            .levels
            .iter()
            .map(|&l| (l, share(&|p| p.key.p_value < l)))
            .collect(),
        share_significant_positive: o
            .levels
            .iter()
            .map(|&l| (l, share(&|p| p.key.p_value < l && p.key.estimate > 0.0)))
            .collect(),
        median,
        range: (
            est.first().copied().unwrap_or(f64::NAN),
            est.last().copied().unwrap_or(f64::NAN),
        ),
    };
    Curve {
        dimensions: varying.iter().map(|&d| dims[d].to_string()).collect(),
        points,
        skipped,
        summary,
    }
}

/// Indices of the points drawn: all up to `max`, else `max` evenly spaced order statistics
/// (the first, the median and the last among them).
pub fn thin(n: usize, max: usize) -> Vec<usize> {
    if n <= max || max < 3 {
        return (0..n).collect();
    }
    let mut idx: Vec<usize> = (0..max)
        .map(|i| ((i as f64) * ((n - 1) as f64) / ((max - 1) as f64)).round() as usize)
        .collect();
    idx.push(n / 2);
    idx.sort_unstable();
    idx.dedup();
    idx
}

/// The table with what is derived from all its models: the adjusted p-value rows of `adjust`
/// (replacing any from an earlier rendering) and the curve of `curve`. Rendering and the JSON use
/// this, so a table re-rendered or merged from shards gets the same numbers.
pub fn derive(t: &TableRecord) -> TableRecord {
    let mut t = t.clone();
    let labels = [
        label(Adjust::Bonferroni),
        label(Adjust::Holm),
        label(Adjust::RomanoWolf),
    ];
    for m in &mut t.models {
        m.stats.retain(|r| !labels.contains(&r.label.as_str()));
    }
    if !t.adjust.is_empty() {
        let p: Vec<f64> = t
            .models
            .iter()
            .map(|m| key_estimate(&t, m).map_or(f64::NAN, |k| k.p_value))
            .collect();
        let methods = t.adjust.clone();
        for a in methods {
            let adjusted = match a {
                Adjust::RomanoWolf => {
                    // The OLS columns' wild cluster bootstraps (the estimator's details).
                    let boots: Vec<Option<estimators::WildBootstrap>> =
                        t.models.iter().map(|m| m.detail("bootstrap")).collect();
                    if boots
                        .iter()
                        .all(|b| b.as_ref().is_some_and(|b| !b.t_draws.is_empty()))
                    {
                        let ts: Vec<f64> = boots.iter().flatten().map(|b| b.t_stat).collect();
                        let ds: Vec<Vec<f64>> =
                            boots.iter().flatten().map(|b| b.t_draws.clone()).collect();
                        romano_wolf(&ts, &ds)
                    } else {
                        vec![f64::NAN; t.models.len()]
                    }
                }
                _ => adjust(&p, a),
            };
            for (m, v) in t.models.iter_mut().zip(adjusted) {
                if v.is_finite() {
                    m.stats.push(StatRow::new(label(a), StatValue::num(v)));
                }
            }
        }
    }
    t.curve_result = t.curve.as_ref().map(|o| curve(&t, o));
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_the_median() {
        let t = thin(10_000, 500);
        assert!(t.len() <= 501 && t.contains(&0) && t.contains(&9_999) && t.contains(&5_000));
        assert_eq!(thin(10, 500).len(), 10);
    }
}
