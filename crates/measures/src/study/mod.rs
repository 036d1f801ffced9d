//! The flagship study's own code, in one place that the generic modules do not use
//! (`tests/workspace/code.rs` checks it): the study's raw public
//! files (`raw`: their layouts, ISO3 harmonisation, `data/sources.yaml`), the measures built from
//! them (treatment timing, HOMIC and HOSIC, institutional and cultural distance, controls), and
//! the demo panel simulated with the study's schema and known effects (`demo`). Each measure's
//! formula is in its doc comment and pinned by a unit test on hand-computed values. A missing
//! input gives a missing output; nothing is filled silently.

pub mod controls;
pub mod demo;
pub mod distance;
pub mod outcomes;
pub mod raw;
pub mod treatment;

pub use raw::{load, RawInputs, SourcesConfig};

use ingest::{IngestError, Panel};
use raw::Series;

use std::path::Path;

/// The key columns of the study's panel built from raw files (the study's workspace declares
/// the same names in its `regspec.yaml`): countries by ISO3 code, calendar years.
pub const STUDY_KEYS: (&str, &str) = ("iso3", "year");

/// Builds the study's panel: one row per sample country and year, every measure a column.
pub fn build_panel(raw: &RawInputs) -> Result<Panel, IngestError> {
    let mut panel = Panel::balanced(
        crate::study::STUDY_KEYS,
        &raw.countries,
        raw.first_year,
        raw.last_year,
    );
    treatment::add(&mut panel, raw)?;
    outcomes::add(&mut panel, raw)?;
    distance::add(&mut panel, raw)?;
    controls::add(&mut panel, raw)?;
    panel.meta.insert("data".into(), "real public data".into());
    panel.meta.insert(
        "signing_list".into(),
        raw.config.choices.signing_list.clone(),
    );
    panel
        .meta
        .insert("wdi_vintage".into(), raw.config.choices.wdi_vintage.clone());
    panel.meta.insert(
        "hofstede_dimensions".into(),
        raw.config.choices.hofstede_dimensions.to_string(),
    );
    // Rows in the canonical (country, year) order every panel has, whatever the order of the
    // sample list.
    ingest::table::canonicalize(&mut panel);
    Ok(panel)
}

pub(crate) fn series<'a>(raw: &'a RawInputs, name: &str) -> Result<&'a Series, IngestError> {
    raw.series.get(name).ok_or_else(|| undeclared(name))
}

pub(crate) fn country<'a>(
    raw: &'a RawInputs,
    name: &str,
) -> Result<&'a raw::CountryValues, IngestError> {
    raw.country.get(name).ok_or_else(|| undeclared(name))
}

fn undeclared(name: &str) -> IngestError {
    IngestError::file(
        Path::new("data/sources.yaml"),
        format!("variable `{name}` is needed by the measures but not declared"),
    )
}

/// The value of a series at each panel row.
pub(crate) fn at_rows(panel: &Panel, s: &Series) -> Vec<Option<f64>> {
    panel
        .ids()
        .iter()
        .zip(&panel.years())
        .map(|(id, y)| s.get(&(id.clone(), *y)).copied())
        .collect()
}

pub(crate) fn provenance(raw: &RawInputs, name: &str) -> String {
    raw.provenance.get(name).cloned().unwrap_or_default()
}

pub(crate) fn dummy(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::study::raw::config::*;
    use crate::study::RawInputs;
    use std::collections::BTreeMap;

    /// A tiny raw input set: the caller fills series and country values.
    pub fn raw(countries: &[&str], first: i32, last: i32) -> RawInputs {
        let yaml = r#"
sample: {countries: {file: x}, first_year: 2008, last_year: 2018}
choices: {signing_list: a, wdi_vintage: w, hofstede_dimensions: 4}
signing_lists: {a: {file: x}}
wdi_vintages: {w: {file: x}}
variables: {}
"#;
        let config: SourcesConfig = serde_yaml::from_str(yaml).unwrap();
        RawInputs {
            countries: countries.iter().map(|s| s.to_string()).collect(),
            first_year: first,
            last_year: last,
            signing: BTreeMap::new(),
            alternative_signing: None,
            series: BTreeMap::new(),
            country: BTreeMap::new(),
            provenance: BTreeMap::new(),
            config,
        }
    }
}
