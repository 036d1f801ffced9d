//! The study's raw public files: `data/sources.yaml` ([`SourcesConfig`]) declares which file
//! feeds which raw variable; [`load`] reads them all (in parallel, each distinct file parsed once)
//! into plain country-year maps keyed by harmonised ISO3 codes. The measures never see a file, and
//! no reader knows what a measure is.

pub mod codes;
pub mod config;
pub mod readers;

pub use config::SourcesConfig;
pub use readers::{CountryValues, Series};

use ingest::{IngestError, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// Every declared source, read. Measures take their inputs from here by declared name.
#[derive(Debug, Clone)]
pub struct RawInputs {
    /// ISO3 codes of the panel's countries.
    pub countries: Vec<String>,
    /// First year.
    pub first_year: i32,
    /// Last year.
    pub last_year: i32,
    /// Signing year of each signing country (the chosen list).
    pub signing: BTreeMap<String, i32>,
    /// Signing years of the alternative list, when declared.
    pub alternative_signing: Option<BTreeMap<String, i32>>,
    /// Country-year series by variable name.
    pub series: BTreeMap<String, Series>,
    /// Time-invariant country values by variable name.
    pub country: BTreeMap<String, CountryValues>,
    /// Variable name -> human description of its source, for the panel's provenance.
    pub provenance: BTreeMap<String, String>,
    /// The configuration that was read.
    pub config: SourcesConfig,
}

fn describe(spec: &config::SourceSpec) -> String {
    let mut s = spec.file.clone().unwrap_or_default();
    if let Some(n) = &spec.note {
        s = format!("{s} ({n})");
    } else if let Some(v) = &spec.value_column {
        s = format!("{s} [{v}]");
    }
    s
}

/// Reads everything `sources.yaml` declares from `raw_dir`.
pub fn load(raw_dir: &Path, cfg: &SourcesConfig) -> Result<RawInputs> {
    if !raw_dir.is_dir() {
        return Err(IngestError::file(raw_dir, "raw-data directory not found"));
    }
    let countries = readers::read_codes(raw_dir, &cfg.sample.countries, "sample.countries")?;
    let signing_spec = &cfg.signing_lists[&cfg.choices.signing_list];
    let signing = readers::read_signing(raw_dir, signing_spec, "signing_lists")?;
    let alternative_signing = match &cfg.choices.alternative_signing_list {
        Some(name) => Some(readers::read_signing(
            raw_dir,
            &cfg.signing_lists[name],
            name,
        )?),
        None => None,
    };
    let mut provenance = BTreeMap::new();
    provenance.insert("sign_year".to_string(), describe(signing_spec));
    // Files are read in parallel (each distinct file parsed once, see csvtab); results are
    // collected in declaration order, so errors and output do not depend on scheduling.
    use rayon::prelude::*;
    let names: Vec<&String> = cfg.variables.keys().collect();
    let read: Vec<Result<(String, Series, String)>> = names
        .par_iter()
        .map(|name| {
            let spec = cfg.resolve(name)?;
            Ok((
                (*name).clone(),
                readers::read_series(raw_dir, &spec, name)?,
                describe(&spec),
            ))
        })
        .collect();
    let mut series = BTreeMap::new();
    for r in read {
        let (name, s, d) = r?;
        provenance.insert(name.clone(), d);
        series.insert(name, s);
    }
    let cnames: Vec<(&String, &config::SourceSpec)> = cfg.country_variables.iter().collect();
    let read: Vec<Result<(String, CountryValues, String)>> = cnames
        .par_iter()
        .map(|(name, spec)| {
            Ok((
                (*name).clone(),
                readers::read_country(raw_dir, spec, name)?,
                describe(spec),
            ))
        })
        .collect();
    let mut country = BTreeMap::new();
    for r in read {
        let (name, c, d) = r?;
        provenance.insert(name.clone(), d);
        country.insert(name, c);
    }
    Ok(RawInputs {
        countries,
        first_year: cfg.sample.first_year,
        last_year: cfg.sample.last_year,
        signing,
        alternative_signing,
        series,
        country,
        provenance,
        config: cfg.clone(),
    })
}
