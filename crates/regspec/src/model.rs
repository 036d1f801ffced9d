//! The planned model: one model resolved from its spec file, everything an estimator needs.
//! A leaf of the runner's modules (the plan makes it; check, the frame, the estimators and the
//! cache read it), so that nothing below the plan depends on the plan.

use estimators::demean::DemeanMethod;
use estimators::{Ssc, VcovKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One model resolved from its spec file: everything an estimator needs, nothing it must
/// look up again. Its hash is its cache key.
pub struct PlannedModel {
    /// The table (spec file) it belongs to.
    pub table: String,
    /// Path of its spec file.
    pub spec_file: String,
    /// Model name, unique in its table.
    pub name: String,
    /// Column header.
    pub label: String,
    /// The outcome.
    pub outcome: String,
    /// The coefficient of interest, when there is one.
    pub treatment: Option<String>,
    /// Treatment first, then regressors, then controls. `a:b` is the product of two columns.
    pub regressors: Vec<String>,
    /// Controls (also in `regressors`; shown as "Controls: Yes").
    pub controls: Vec<String>,
    /// `a^b` is the interaction of two FE.
    pub fe: Vec<String>,
    /// Cluster variables (one, or two for two-way clustering).
    pub cluster: Vec<String>,
    /// The vcov estimator.
    pub vcov: VcovKind,
    /// The sample filter.
    pub sample: Option<String>,
    /// Short name of the sample for the table.
    pub sample_label: Option<String>,
    /// Weights column.
    pub weights: Option<String>,
    /// Estimator name (a key of `exec::ESTIMATORS`).
    pub estimator: String,
    /// Estimator options, validated by the estimator's `check`.
    pub options: BTreeMap<String, serde_json::Value>,
    /// Small-sample corrections.
    pub ssc: Ssc,
    /// How the fixed effects are absorbed (absent from the hash when `auto`, the default).
    #[serde(default, skip_serializing_if = "is_auto")]
    pub demean: DemeanMethod,
    /// Table panel (Panel A, Panel B).
    pub panel: Option<String>,
    /// Endogenous regressors of an IV model (formula `| d ~ z`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endogenous: Vec<String>,
    /// Excluded instruments of an IV model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instruments: Vec<String>,
    /// A dropped treatment is a warning instead of an error (absent from the hash when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_dropped_treatment: bool,
    /// Latitude and longitude columns of a Conley vcov (absent from the hash otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordinates: Vec<String>,
    /// The cache key of the model as written (before the data completes it): lets a rerun
    /// find its results without reading the data.
    #[serde(skip)]
    pub key: String,
}

impl PlannedModel {
    /// The model's cache key: a hash of everything the plan says (16 hex digits of SHA-256 of
    /// its JSON), so any change of a field that can change a fit changes the key.
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_string(self).unwrap_or_default();
        Sha256::digest(json.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Every panel column the model reads.
    pub fn columns(&self) -> Vec<String> {
        let mut out = vec![self.outcome.clone()];
        for r in self
            .regressors
            .iter()
            .chain(&self.endogenous)
            .chain(&self.instruments)
        {
            out.extend(crate::spec::factors(r).into_iter().map(str::to_string));
        }
        for f in self.fe.iter().chain(&self.cluster) {
            out.extend(f.split('^').map(str::to_string));
        }
        out.extend(self.coordinates.iter().cloned());
        out.extend(self.weights.clone());
        out.dedup();
        out
    }
}

fn is_auto(d: &DemeanMethod) -> bool {
    *d == DemeanMethod::Auto
}
