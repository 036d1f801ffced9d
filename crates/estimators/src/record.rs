//! What a run writes per model and per table: the fit plus what the report needs to describe it
//! (names, labels, FE, clustering, sample, provenance). Lives here so the report crate depends
//! only on estimators' types.

use crate::result::{OlsResult, Wald};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPoint {
    pub rel_time: i64,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventStudy {
    /// The omitted (reference) period, plotted at zero.
    pub reference: i64,
    /// Endpoints bin everything beyond them.
    pub window: (i64, i64),
    pub points: Vec<EventPoint>,
    /// Joint F test that every pre-period coefficient is zero.
    pub pretrend: Option<Wald>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    pub name: String,
    pub label: String,
    pub table: String,
    pub spec_file: String,
    /// Hash of the resolved spec: what the cache is keyed on, with the data hash.
    pub spec_hash: String,
    pub data_hash: String,
    pub estimator: String,
    pub outcome: String,
    pub treatment: Option<String>,
    pub controls: Vec<String>,
    pub fe: Vec<String>,
    pub cluster: Vec<String>,
    /// The sampling or analytic weights, when the model is weighted.
    #[serde(default)]
    pub weights: Option<String>,
    pub sample: Option<String>,
    pub sample_label: Option<String>,
    pub panel: Option<String>,
    pub result: OlsResult,
    pub event_study: Option<EventStudy>,
    #[serde(default)]
    pub placebo: Option<crate::placebo::Placebo>,
    #[serde(default)]
    pub psm: Option<crate::psm::Psm>,
    #[serde(default)]
    pub bootstrap: Option<crate::bootstrap::WildBootstrap>,
    #[serde(default)]
    pub bacon: Option<crate::bacon::Bacon>,
    #[serde(default)]
    pub callaway_santanna: Option<crate::cs::CallawaySantAnna>,
    #[serde(default)]
    pub imputation: Option<crate::imputation::Imputation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRecord {
    pub table: String,
    pub title: Option<String>,
    pub notes: Option<String>,
    pub spec_file: String,
    pub labels: BTreeMap<String, String>,
    pub keep: Option<Vec<String>>,
    pub drop: Vec<String>,
    pub template: Option<String>,
    /// Number formatting of the rendered table (digits, stars, below); parsed by the report.
    #[serde(default)]
    pub format: serde_json::Value,
    /// Human description of the data the models ran on.
    pub data_source: String,
    /// True on the demo panel: every output must say the data are simulated.
    pub data_simulated: bool,
    pub program_version: String,
    pub models: Vec<ModelRecord>,
}
