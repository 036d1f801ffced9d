//! `data/sources.yaml`: which raw file feeds which raw variable, the sample, and the choices a
//! researcher flips (signing list, WDI vintage, Hofstede dimensions). Measures refer to raw
//! variables only by the names declared here, so swapping a source never touches Rust.

use ingest::error::{IngestError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
/// The schema of `data/sources.yaml`: which raw file feeds which variable of the study panel.
pub struct SourcesConfig {
    /// The countries and years of the panel.
    pub sample: SampleSpec,
    /// Which signing list, WDI vintage and distance conventions the study uses.
    pub choices: Choices,
    /// Named BRI signing-date lists; `choices.signing_list` picks the one that defines treatment.
    pub signing_lists: BTreeMap<String, SourceSpec>,
    /// Named WDI vintages; a variable written `{wdi: CODE}` is read from `choices.wdi_vintage`.
    #[serde(default)]
    pub wdi_vintages: BTreeMap<String, SourceSpec>,
    /// Raw country-year variables by the name the measures use.
    pub variables: BTreeMap<String, VariableSpec>,
    /// What the `coop*` variables count; decides the panel's `outcome_source`.
    #[serde(default)]
    pub outcome_kind: OutcomeKind,
    /// Time-invariant country variables (Hofstede dimensions, route list, 16+1 membership), by name.
    #[serde(default)]
    pub country_variables: BTreeMap<String, SourceSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
/// The panel's countries (a one-column list) and year range.
pub struct SampleSpec {
    /// The country list.
    pub countries: SourceSpec,
    /// First year of the panel.
    pub first_year: i32,
    /// Last year of the panel.
    pub last_year: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
/// The study's choices among declared alternatives.
pub struct Choices {
    /// Name of the signing list that defines treatment (a key of `signing_lists`).
    pub signing_list: String,
    /// A second signing list for the robustness check with alternative dates.
    pub alternative_signing_list: Option<String>,
    /// Name of the WDI vintage (a key of `wdi_vintages`).
    pub wdi_vintage: String,
    /// 4 (pdi, idv, mas, uai: Kogut and Singh's original) or 6 (adds ltowvs, ivr).
    pub hofstede_dimensions: u8,
    #[serde(default)]
    /// Which year's Hofstede scores enter the cultural distance.
    pub cultural_distance_time: CdTime,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
/// What the outcome counts measure: co-authored works (public proxy) or co-invented patents.
pub enum OutcomeKind {
    /// OpenAlex co-authored works: the public proxy.
    #[default]
    Coauthorship,
    /// Co-invented patents (WIPO PCT) in the documented co-patent layout: the paper's outcome.
    Copatents,
}

/// How the time-invariant Kogut-Singh cultural distance gets time variation.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CdTime {
    /// CD_jt = KS_j / (t - t0 + 1), t0 the first sample year: distance shrinks as contact
    /// accumulates, and the variation survives country and year fixed effects.
    #[default]
    Interacted,
    /// CD_jt = KS_j + 1 / (t - t0 + 1), the additive convention of part of the trade
    /// literature. With country and year FE it is fully absorbed; use it without them.
    Additive,
    /// CD_jt = KS_j: no time variation (absorbed by country FE; for cross-section use).
    Constant,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
/// The layout of a raw file.
pub enum ReaderKind {
    /// One row per code-year (optionally filtered): WDI long, DDF datapoints, WGI, OpenAlex, OECD.
    Long,
    /// World Bank API layout: preamble lines, then Country Code, Indicator Code, one column a year.
    Wide,
    /// One row per code, no year (Hofstede, route list, sample list).
    Country,
    /// One row per code with a signing year or date.
    Signing,
    /// A Parquet file with one row per code-year (the `long` layout, stored as Parquet).
    Parquet,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
/// One raw file and how to read it.
pub struct SourceSpec {
    /// Its layout (inferred from the file when absent).
    pub reader: Option<ReaderKind>,
    /// Relative to the raw-data directory.
    pub file: Option<String>,
    /// Column of country codes (or names, with a crosswalk).
    pub code_column: Option<String>,
    /// Column of years.
    pub year_column: Option<String>,
    /// Column of values.
    pub value_column: Option<String>,
    /// Keep only rows whose column equals the value (`indicator: va`).
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    /// For `wide` files: the value of `Indicator Code` to read.
    pub indicator: Option<String>,
    /// Column holding the indicator code in a long multi-indicator file.
    pub indicator_column: Option<String>,
    /// Maps the file's codes or names to ISO3.
    pub crosswalk: Option<Crosswalk>,
    /// Field delimiter of a text file (default: comma).
    pub delimiter: Option<char>,
    #[serde(default)]
    /// Lines to skip before the header.
    pub skip_lines: usize,
    #[serde(default)]
    /// Numbers are written with a decimal comma.
    pub decimal_comma: bool,
    /// Rows whose code maps to no country (aggregates) are skipped when true; an error otherwise.
    #[serde(default)]
    pub skip_unknown_codes: bool,
    /// Human note carried into the panel's provenance.
    pub note: Option<String>,
}

/// Maps a source's own codes or country names to ISO3 through a two-column file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crosswalk {
    /// The crosswalk file, relative to the raw-data directory.
    pub file: String,
    /// Its column of the source's codes or names.
    pub from: String,
    /// Its column of ISO3 codes.
    pub to: String,
    /// Its field delimiter (default: comma).
    pub delimiter: Option<char>,
}

/// A raw variable: either a WDI indicator read from the chosen vintage, or any source.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariableSpec {
    /// WDI indicator code, read from `choices.wdi_vintage` unless `vintage` pins another.
    pub wdi: Option<String>,
    /// A WDI vintage other than the chosen one, for this variable.
    pub vintage: Option<String>,
    /// A full source, when the variable does not come from WDI.
    #[serde(flatten)]
    pub source: SourceSpec,
}

impl SourcesConfig {
    /// Reads and validates `data/sources.yaml`.
    pub fn load(path: &Path) -> Result<SourcesConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| IngestError::file(path, format!("cannot read file: {e}")))?;
        let mut cfg: SourcesConfig = serde_yaml::from_str(&text).map_err(|e| {
            let (line, col) = e
                .location()
                .map(|l| (l.line() as u64, l.column()))
                .unwrap_or((0, 0));
            let mut err = IngestError::file(path, format!("{e}"));
            if line > 0 {
                err.line = Some(line);
                err.column = Some(format!("{col}"));
            }
            err
        })?;
        cfg.validate(path)?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        cfg.resolve_local_crosswalks(
            &std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf()),
        );
        Ok(cfg)
    }

    /// Crosswalk paths starting with `./` name the workspace's own files, relative to the
    /// directory of the sources file; they are made absolute here so readers need not know it.
    fn resolve_local_crosswalks(&mut self, base: &Path) {
        let fix = |spec: &mut SourceSpec| {
            if let Some(cw) = spec.crosswalk.as_mut() {
                if let Some(rest) = cw.file.strip_prefix("./") {
                    cw.file = base.join(rest).to_string_lossy().into_owned();
                }
            }
        };
        fix(&mut self.sample.countries);
        self.signing_lists.values_mut().for_each(fix);
        self.wdi_vintages.values_mut().for_each(fix);
        self.variables.values_mut().for_each(|v| fix(&mut v.source));
        self.country_variables.values_mut().for_each(fix);
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |m: String| Err(IngestError::file(path, m));
        if !self.signing_lists.contains_key(&self.choices.signing_list) {
            return bad(format!(
                "choices.signing_list `{}` is not one of signing_lists: {}",
                self.choices.signing_list,
                self.signing_lists
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(alt) = &self.choices.alternative_signing_list {
            if !self.signing_lists.contains_key(alt) {
                return bad(format!(
                    "choices.alternative_signing_list `{alt}` is not one of signing_lists"
                ));
            }
        }
        if !self.wdi_vintages.contains_key(&self.choices.wdi_vintage) {
            return bad(format!(
                "choices.wdi_vintage `{}` is not one of wdi_vintages: {}",
                self.choices.wdi_vintage,
                self.wdi_vintages
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if ![4, 6].contains(&self.choices.hofstede_dimensions) {
            return bad(format!(
                "choices.hofstede_dimensions must be 4 or 6, found {}",
                self.choices.hofstede_dimensions
            ));
        }
        if self.sample.first_year > self.sample.last_year {
            return bad("sample.first_year is after sample.last_year".into());
        }
        Ok(())
    }

    /// The concrete source of a raw variable, WDI indicators resolved against the chosen vintage.
    pub fn resolve(&self, name: &str) -> Result<SourceSpec> {
        let var = self.variables.get(name).ok_or_else(|| {
            IngestError::file(
                Path::new("data/sources.yaml"),
                format!("variable `{name}` is needed by the measures but not declared under `variables`"),
            )
        })?;
        match &var.wdi {
            None => Ok(var.source.clone()),
            Some(code) => {
                let vintage = var.vintage.as_deref().unwrap_or(&self.choices.wdi_vintage);
                let base = self.wdi_vintages.get(vintage).ok_or_else(|| {
                    IngestError::file(
                        Path::new("data/sources.yaml"),
                        format!("variable `{name}`: unknown WDI vintage `{vintage}`"),
                    )
                })?;
                let mut spec = base.clone();
                match spec.reader {
                    Some(ReaderKind::Wide) => spec.indicator = Some(code.clone()),
                    _ => {
                        let col = spec
                            .indicator_column
                            .clone()
                            .unwrap_or_else(|| "indicator".into());
                        spec.filter.insert(col, code.clone());
                    }
                }
                spec.note = Some(format!("WDI {code}, vintage {vintage}"));
                Ok(spec)
            }
        }
    }
}
