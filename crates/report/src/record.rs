//! The report's input contract: what a run writes per model and per table (the fit plus what the
//! report needs to describe it: names, labels, FE, clustering, weights, sample, provenance, and
//! rows of statistics an estimator adds). The runner fills these; the report only reads them.

use estimators::{OlsResult, Wald};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One event-time estimate, for figures.
pub struct EventPoint {
    /// Period relative to adoption.
    pub rel_time: i64,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// Lower end of the confidence interval.
    pub ci_low: f64,
    /// Upper end of the confidence interval.
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// Event-time estimates of one model, drawn as a figure.
pub struct EventStudy {
    /// The omitted (reference) period, plotted at zero.
    pub reference: i64,
    /// Endpoints bin everything beyond them.
    pub window: (i64, i64),
    /// The estimates by event time.
    pub points: Vec<EventPoint>,
    /// Joint F test that every pre-period coefficient is zero.
    pub pretrend: Option<Wald>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One model as the report sees it: what was specified and what was estimated.
pub struct ModelRecord {
    /// Model name.
    pub name: String,
    /// Column header.
    pub label: String,
    /// Its table.
    pub table: String,
    /// Its spec file.
    pub spec_file: String,
    /// Hash of the resolved spec: what the cache is keyed on, with the data hash.
    pub spec_hash: String,
    /// Key of the data it ran on.
    pub data_hash: String,
    /// The model as planned (every field, options included): `regspec status` names the
    /// fields a spec edit changed.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub plan: serde_json::Value,
    /// Estimator name.
    pub estimator: String,
    /// The outcome.
    pub outcome: String,
    /// The coefficient of interest.
    pub treatment: Option<String>,
    /// Controls.
    pub controls: Vec<String>,
    /// Fixed effects as specified (the fit's own are in `result.fixed_effects`).
    pub fe: Vec<String>,
    /// Cluster variables as specified (the fit's own are in `result.inference`).
    pub cluster: Vec<String>,
    /// The sampling or analytic weights, when the model is weighted.
    #[serde(default)]
    pub weights: Option<String>,
    /// Sample filter.
    pub sample: Option<String>,
    /// Short name of the sample.
    pub sample_label: Option<String>,
    /// Table panel.
    pub panel: Option<String>,
    /// The fit (or, for robust-DID estimators, their estimates in the same layout).
    pub result: OlsResult,
    /// Rows of statistics the estimator reports under the coefficients, in its order.
    #[serde(default)]
    pub stats: Vec<StatRow>,
    /// Sentences the estimator adds to the table's notes (what is omitted, what is binned).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Event-time estimates, when the estimator has them.
    pub event_study: Option<EventStudy>,
    /// What the estimator reports beyond the table, typed by the estimator and serialised under
    /// its own name (`callaway_santanna`, `psm`, `placebo`, `bootstrap`, ...): written at the top
    /// level of the model's JSON, read back with [`ModelRecord::detail`].
    #[serde(flatten)]
    pub details: BTreeMap<String, serde_json::Value>,
    /// Figures the estimator draws beyond its event study, in kinds the report knows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<FigureSpec>,
    /// HonestDiD sensitivity analyses of the event study.
    #[serde(default)]
    pub honest: Vec<HonestRecord>,
    /// The overall ATT of a heterogeneity-robust estimator (Sun-Abraham, Callaway-Sant'Anna,
    /// imputation): the key estimate of its column in curves and adjustments.
    #[serde(default)]
    pub overall: Option<Overall>,
}

impl ModelRecord {
    /// The estimator's details under `key`, as the type it wrote (None when absent or of
    /// another shape).
    pub fn detail<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_value(self.details.get(key)?.clone()).ok()
    }
}

/// A figure an estimator asks for, as data in a kind the report draws: a new estimator uses
/// these without a change to the report. Axis titles may name a variable (`x_var`), which the
/// figure shows by the table's label for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FigureSpec {
    /// A histogram of draws with the actual estimate marked (randomization inference).
    Draws {
        /// What the figure shows, after the outcome in its title.
        what: String,
        /// The draws.
        values: Vec<f64>,
        /// The actual estimate.
        actual: f64,
        /// The x-axis title, followed by the label of `x_var` when given.
        x_label: String,
        /// A variable named at the end of the x-axis title.
        x_var: Option<String>,
        /// The y-axis title.
        y_label: String,
    },
    /// Points in named groups (one marker colour each, in order) with a horizontal reference
    /// line (the Goodman-Bacon decomposition: 2x2 estimates against their weights).
    Scatter {
        /// What the figure shows, after the outcome in its title.
        what: String,
        /// The x-axis title.
        x_label: String,
        /// The y-axis title.
        y_label: String,
        /// The height of the horizontal line, if any.
        reference: Option<f64>,
        /// The groups of points, each with its legend label.
        groups: Vec<(String, Vec<(f64, f64)>)>,
    },
}

/// An overall average treatment effect on the treated and its standard error (normal inference).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    /// The effect.
    pub estimate: f64,
    /// Its standard error.
    pub std_error: f64,
}

/// One HonestDiD analysis of a model's event study, with its target in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HonestRecord {
    /// What is tested, e.g. "the effect at t = 0".
    pub target: String,
    /// The robust confidence sets and the breakdown value.
    pub analysis: estimators::honest::Sensitivity,
    /// What was handed to HonestDiD: the event times (pre-periods, then post periods)...
    #[serde(default)]
    pub event_times: Vec<i64>,
    /// ...their coefficients...
    #[serde(default)]
    pub beta: Vec<f64>,
    /// ...and their vcov.
    #[serde(default)]
    pub sigma: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
/// One table as the report sees it.
pub struct TableRecord {
    /// Table name (file stem of its outputs).
    pub table: String,
    /// What its data's key is made of, each hashed (`data file`, `variable <name>`):
    /// `regspec status` says which changed and which models read it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
    /// Title.
    pub title: Option<String>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Its spec file.
    pub spec_file: String,
    /// Variable labels.
    pub labels: BTreeMap<String, String>,
    /// Coefficients to show, in order.
    pub keep: Option<Vec<String>>,
    /// Coefficients to hide.
    pub drop: Vec<String>,
    /// Template override.
    pub template: Option<String>,
    /// Number formatting of the rendered table (digits, stars, below); parsed by the report.
    #[serde(default)]
    pub format: serde_json::Value,
    /// Human description of the data the models ran on.
    pub data_source: String,
    /// True on the demo panel: every output must say the data are simulated.
    pub data_simulated: bool,
    /// Version of regspec that wrote it.
    pub program_version: String,
    /// Its models, in spec order.
    pub models: Vec<ModelRecord>,
    /// Draw the table's specification curve (`curve:` of the spec).
    #[serde(default)]
    pub curve: Option<crate::curve::CurveOptions>,
    /// Multiple-testing adjustments of the key p-values across the models (`adjust:`).
    #[serde(default)]
    pub adjust: Vec<crate::curve::Adjust>,
    /// Draw a coefficient plot of the models' key estimates (`coefplot: true`).
    #[serde(default)]
    pub coefplot: bool,
    /// Where the table came from (version, spec and data hashes, commit, date).
    #[serde(default)]
    pub provenance: Option<Provenance>,
    /// The curve, derived from the models when the table is written.
    #[serde(default)]
    pub curve_result: Option<crate::curve::Curve>,
}

impl TableRecord {
    /// The table without its models: what a part of a wide table starts from, without cloning
    /// every model of the whole table.
    pub fn without_models(&self) -> TableRecord {
        TableRecord {
            table: self.table.clone(),
            inputs: self.inputs.clone(),
            title: self.title.clone(),
            notes: self.notes.clone(),
            spec_file: self.spec_file.clone(),
            labels: self.labels.clone(),
            keep: self.keep.clone(),
            drop: self.drop.clone(),
            template: self.template.clone(),
            format: self.format.clone(),
            data_source: self.data_source.clone(),
            data_simulated: self.data_simulated,
            program_version: self.program_version.clone(),
            models: Vec::new(),
            curve: self.curve.clone(),
            adjust: self.adjust.clone(),
            coefplot: self.coefplot,
            provenance: self.provenance.clone(),
            curve_result: self.curve_result.clone(),
        }
    }
}

/// One row of statistics an estimator reports under the coefficients (for example "RI p-value").
/// The report prints the rows of a table's models in order of first appearance, a blank where a
/// model has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatRow {
    /// The row's label (Markdown, and LaTeX after escaping).
    pub label: String,
    /// A LaTeX label when escaping `label` is not enough (math, for example).
    #[serde(default)]
    pub label_tex: Option<String>,
    /// The cell.
    pub value: StatValue,
}

/// A cell of a [`StatRow`], formatted by the report with the table's number style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatValue {
    /// A number with the table's digits, or `digits` when given; null prints blank.
    Num {
        /// The value (None: undefined).
        value: Option<f64>,
        /// Digits after the point, when not the table's.
        #[serde(default)]
        digits: Option<usize>,
    },
    /// A count, with thousands separators.
    Count(usize),
    /// Text as it is.
    Text(String),
    /// Parts written one after the other, e.g. `0.398 (w 0.63)`.
    Seq(Vec<StatValue>),
}

impl StatRow {
    /// A row with a plain label.
    pub fn new(label: &str, value: StatValue) -> StatRow {
        StatRow {
            label: label.into(),
            label_tex: None,
            value,
        }
    }
}

impl StatValue {
    /// A number with the table's digits.
    pub fn num(v: f64) -> StatValue {
        StatValue::Num {
            value: v.is_finite().then_some(v),
            digits: None,
        }
    }

    /// A number with fixed digits.
    pub fn num_digits(v: f64, digits: usize) -> StatValue {
        StatValue::Num {
            value: v.is_finite().then_some(v),
            digits: Some(digits),
        }
    }

    /// Text.
    pub fn text(s: impl Into<String>) -> StatValue {
        StatValue::Text(s.into())
    }
}

/// Where a table came from: printed as the last sentence of its notes (a template can leave it
/// out) and in full by `regspec provenance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Version of regspec.
    pub version: String,
    /// Short SHA-256 of the spec file's text.
    pub spec_hash: String,
    /// Short keys of the data the models ran on (joined by `+` when they differ).
    pub data_hash: String,
    /// The workspace's git commit, when it is a repository.
    pub git_commit: Option<String>,
    /// Tracked files differ from that commit.
    pub git_dirty: bool,
    /// Date of the run (UTC), YYYY-MM-DD.
    pub date: String,
}

impl Provenance {
    /// One line: `regspec 0.1.0; spec 1a2b3c4d5e6f; data 0a1b2c3d4e5f; commit 0123abcd (dirty); run 2026-12-01`.
    pub fn line(&self) -> String {
        let mut parts = vec![
            format!("regspec {}", self.version),
            format!("spec {}", self.spec_hash),
            format!("data {}", self.data_hash),
        ];
        if let Some(c) = &self.git_commit {
            parts.push(if self.git_dirty {
                format!("commit {c} (dirty)")
            } else {
                format!("commit {c}")
            });
        }
        parts.push(format!("run {}", self.date));
        format!("Provenance: {}.", parts.join("; "))
    }
}

impl ModelRecord {
    /// How many observations of the model's sample the fit removed, and why (missing values,
    /// infinite values, fixed-effect singletons); `None` when it removed none.
    pub fn removed(&self) -> Option<String> {
        let r = &self.result;
        let reasons: Vec<(usize, String)> = [
            (r.n_missing, "for a missing value", "for missing values"),
            (r.n_infinite, "for an infinite value", "for infinite values"),
            (
                r.n_singletons,
                "as a fixed-effect singleton",
                "as fixed-effect singletons",
            ),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| (n, if n == 1 { one } else { many }.to_string()))
        .collect();
        let total = match reasons.iter().map(|(n, _)| n).sum::<usize>() {
            1 => "1 observation".to_string(),
            n => format!("{n} observations"),
        };
        match reasons.as_slice() {
            [] => None,
            // "31 observations removed for missing values"
            [(_, why)] => Some(format!("{total} removed {why}")),
            _ => Some(format!(
                "{total} removed ({})",
                reasons
                    .iter()
                    .map(|(n, why)| format!("{n} {why}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}
