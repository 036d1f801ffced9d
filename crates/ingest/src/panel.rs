//! The tidy panel every regspec command works on: one row per (unit, time), columns held once
//! and typed. Numbers are `f64` with NaN for missing (8 bytes a cell, directly usable as an
//! estimator's slice); text is a categorical: `u32` codes into a list of levels (4 bytes a
//! cell, usable as fixed effect or cluster without any per-row hashing later).
//!
//! The keys are ordinary columns named by [`Panel::unit`], [`Panel::time`] and [`Panel::group`],
//! whatever a user's file calls them (`iso3`, `state`, `firm_id`; `year`, `quarter`), and each
//! is optional: a dataset declares only what it has ([`Shape`]). The time key is always numeric
//! and integral (a date is mapped to a period when read).

use crate::error::{IngestError, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The code of a missing categorical cell.
pub const MISSING_CODE: u32 = u32::MAX;

/// The values of one column.
#[derive(Debug, Clone)]
pub enum Data {
    /// Numbers; NaN is missing.
    Num(Vec<f64>),
    /// Text as codes into `levels` (levels in order of first appearance); [`MISSING_CODE`] is
    /// missing.
    Cat {
        /// Codes into `levels`, one per row.
        codes: Vec<u32>,
        /// The distinct texts.
        levels: Vec<String>,
    },
}

/// Equal when every cell is equal, missing (NaN) cells included.
impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        match (self, other) {
            (Data::Num(a), Data::Num(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
            }
            (
                Data::Cat { codes, levels },
                Data::Cat {
                    codes: c2,
                    levels: l2,
                },
            ) => codes == c2 && levels == l2,
            _ => false,
        }
    }
}

impl Data {
    /// Rows.
    pub fn len(&self) -> usize {
        match self {
            Data::Num(v) => v.len(),
            Data::Cat { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds a categorical from text cells, levels in order of first appearance.
    pub fn from_text<'a>(cells: impl Iterator<Item = Option<&'a str>>) -> Data {
        let mut index: std::collections::HashMap<&'a str, u32, foldhash::fast::RandomState> =
            Default::default();
        let mut levels = Vec::new();
        let codes = cells
            .map(|c| match c {
                None => MISSING_CODE,
                Some(s) => *index.entry(s).or_insert_with(|| {
                    levels.push(s.to_string());
                    (levels.len() - 1) as u32
                }),
            })
            .collect();
        Data::Cat { codes, levels }
    }
}

#[derive(Debug, Clone, PartialEq)]
/// A named column of a panel.
pub struct Column {
    /// Column name.
    pub name: String,
    /// Its values.
    pub data: Data,
    /// Where the numbers came from (file and indicator, or the formula of a derived measure).
    pub source: String,
}

impl Column {
    /// The numeric value at a row; `None` when missing or when the column is text.
    pub fn value(&self, row: usize) -> Option<f64> {
        match &self.data {
            Data::Num(v) => Some(v[row]).filter(|x| !x.is_nan()),
            Data::Cat { .. } => None,
        }
    }

    /// The numbers, when the column is numeric.
    pub fn numbers(&self) -> Option<&[f64]> {
        match &self.data {
            Data::Num(v) => Some(v),
            Data::Cat { .. } => None,
        }
    }

    /// Every value as an option (missing and text are `None`); for tests and small panels.
    pub fn options(&self) -> Vec<Option<f64>> {
        (0..self.data.len()).map(|r| self.value(r)).collect()
    }

    /// The cell as text: the level of a categorical, the number otherwise.
    pub fn text(&self, row: usize) -> Option<String> {
        match &self.data {
            Data::Num(v) => Some(v[row]).filter(|x| !x.is_nan()).map(fmt_number),
            Data::Cat { codes, levels } => levels.get(codes[row] as usize).cloned(),
        }
    }

    /// Whether the column holds text.
    pub fn is_text(&self) -> bool {
        matches!(self.data, Data::Cat { .. })
    }

    /// Rows with a missing value.
    pub fn missing(&self) -> usize {
        match &self.data {
            Data::Num(v) => v.iter().filter(|x| x.is_nan()).count(),
            Data::Cat { codes, .. } => codes.iter().filter(|c| **c == MISSING_CODE).count(),
        }
    }
}

/// A number for each code of a categorical column; missing codes give NaN (missing).
pub fn map_codes(codes: &[u32], f: impl Fn(u32) -> f64) -> Vec<f64> {
    codes
        .iter()
        .map(|&c| if c == MISSING_CODE { f64::NAN } else { f(c) })
        .collect()
}

/// A number as a user wrote it: integers without a decimal point.
pub fn fmt_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// What a dataset's keys make of its rows. Which functions and estimators need which shape is
/// stated where they are defined and enforced by `regspec check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// No time key: a table of rows (a cross-section); rows need not be unique.
    CrossSection,
    /// A time key without a unit key: repeated cross-sections (individuals surveyed each
    /// period, spells with several rows per person and period); rows need not be unique.
    RepeatedCrossSections,
    /// Unit and time keys, unique together: a panel.
    Panel,
}

impl Shape {
    /// How a user would call it, in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::CrossSection => "a cross-section (no time key)",
            Shape::RepeatedCrossSections => "repeated cross-sections (a time key, no unit key)",
            Shape::Panel => "a panel (unit and time keys)",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
/// A table of named columns of equal length with its declared keys. With unit and time keys
/// (a panel) the pairs are unique; rows are in a canonical order once canonicalized
/// ([`crate::table::canonicalize`]).
pub struct Panel {
    /// Name of the unit key column (`None`: rows are not followed over time).
    pub unit: Option<String>,
    /// Name of the time key column (numeric, integral; `None`: a cross-section).
    pub time: Option<String>,
    /// Name of the group column: the level at which a treatment is assigned (a state for
    /// individuals); the default level of cohorts on data without a unit key (declared only
    /// there: a panel's cohorts are its units).
    pub group: Option<String>,
    /// Every column, the two keys included.
    pub columns: Vec<Column>,
    /// Facts about the whole panel (outcome source, simulated or real, choices made).
    pub meta: BTreeMap<String, String>,
}

impl Default for Panel {
    /// An empty table without keys.
    fn default() -> Self {
        Panel {
            unit: None,
            time: None,
            group: None,
            columns: Vec::new(),
            meta: BTreeMap::new(),
        }
    }
}

impl Panel {
    /// A panel with its two key columns and nothing else.
    pub fn from_keys(unit: &str, unit_data: Data, time: &str, times: Vec<f64>) -> Panel {
        Panel {
            unit: Some(unit.to_string()),
            time: Some(time.to_string()),
            group: None,
            columns: vec![
                Column {
                    name: unit.to_string(),
                    data: unit_data,
                    source: "unit key".into(),
                },
                Column {
                    name: time.to_string(),
                    data: Data::Num(times),
                    source: "time key".into(),
                },
            ],
            meta: BTreeMap::new(),
        }
    }

    /// A panel keyed by text unit ids and integer periods, from row-wise keys; `keys` names the
    /// two key columns (unit, time).
    pub fn from_rows(keys: (&str, &str), ids: &[String], periods: &[i32]) -> Panel {
        Panel::from_keys(
            keys.0,
            Data::from_text(ids.iter().map(|s| Some(s.as_str()))),
            keys.1,
            periods.iter().map(|&y| f64::from(y)).collect(),
        )
    }

    /// A balanced panel skeleton, units in the given order, periods ascending.
    pub fn balanced(keys: (&str, &str), units: &[String], first: i32, last: i32) -> Panel {
        let mut ids = Vec::new();
        let mut periods = Vec::new();
        for c in units {
            for y in first..=last {
                ids.push(c.clone());
                periods.push(y);
            }
        }
        Panel::from_rows(keys, &ids, &periods)
    }

    /// What the keys make of the rows.
    pub fn shape(&self) -> Shape {
        match (&self.unit, &self.time) {
            (Some(_), Some(_)) => Shape::Panel,
            (None, Some(_)) => Shape::RepeatedCrossSections,
            _ => Shape::CrossSection,
        }
    }

    /// The unit and time key names of a panel; `None` for other shapes.
    pub fn panel_keys(&self) -> Option<(&str, &str)> {
        Some((self.unit.as_deref()?, self.time.as_deref()?))
    }

    /// Whether `name` is one of the declared keys.
    pub fn is_key(&self, name: &str) -> bool {
        [&self.unit, &self.time, &self.group]
            .iter()
            .any(|k| k.as_deref() == Some(name))
    }

    /// Rows.
    pub fn nrows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The unit key of every row, as text (for the study's country-keyed measures, whose
    /// panels always have one; empty otherwise).
    pub fn ids(&self) -> Vec<String> {
        let Some(c) = self.unit.as_deref().and_then(|u| self.column(u)) else {
            return Vec::new();
        };
        (0..self.nrows())
            .map(|r| c.text(r).unwrap_or_default())
            .collect()
    }

    /// The time key of every row as an integer (empty without a time key).
    pub fn years(&self) -> Vec<i32> {
        self.time
            .as_deref()
            .and_then(|t| self.column(t)?.numbers())
            .map(|v| v.iter().map(|&t| t as i32).collect())
            .unwrap_or_default()
    }

    /// Adds or replaces a numeric column given as options; its length must match the panel.
    pub fn set(&mut self, name: &str, values: Vec<Option<f64>>, source: impl Into<String>) {
        let v = values.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect();
        self.set_data(name, Data::Num(v), source);
    }

    /// Adds or replaces a column; its length must match the panel.
    pub fn set_data(&mut self, name: &str, data: Data, source: impl Into<String>) {
        assert_eq!(
            data.len(),
            self.nrows(),
            "column {name} has the wrong length"
        );
        let col = Column {
            name: name.to_string(),
            data,
            source: source.into(),
        };
        match self.columns.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = col,
            None => self.columns.push(col),
        }
    }

    /// Missing cells per non-key column.
    pub fn missing_counts(&self) -> Vec<(String, usize)> {
        self.variables()
            .map(|c| (c.name.clone(), c.missing()))
            .collect()
    }

    /// Every column but the unit and time keys.
    pub fn variables(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| {
            Some(c.name.as_str()) != self.unit.as_deref()
                && Some(c.name.as_str()) != self.time.as_deref()
        })
    }

    /// The panel as a polars DataFrame (text columns as strings).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let cols: Vec<polars::prelude::Column> = self
            .columns
            .iter()
            .map(|c| {
                let name = c.name.as_str().into();
                match &c.data {
                    Data::Num(v) if Some(c.name.as_str()) == self.time.as_deref() => {
                        polars::prelude::Column::new(
                            name,
                            v.iter().map(|&x| x as i64).collect::<Vec<i64>>(),
                        )
                    }
                    Data::Num(v) => polars::prelude::Column::new(
                        name,
                        v.iter()
                            .map(|&x| Some(x).filter(|x| !x.is_nan()))
                            .collect::<Vec<Option<f64>>>(),
                    ),
                    Data::Cat { codes, levels } => polars::prelude::Column::new(
                        name,
                        codes
                            .iter()
                            .map(|&k| levels.get(k as usize).map(String::as_str))
                            .collect::<Vec<Option<&str>>>(),
                    ),
                }
            })
            .collect();
        DataFrame::new_infer_height(cols).map_err(|e| {
            IngestError::file(Path::new("<panel>"), format!("cannot build table: {e}"))
        })
    }

    /// Writes Parquet or CSV by extension, plus `<file>.meta.json` with provenance. Written to a
    /// temporary file and renamed, so a failure never leaves a half-written panel behind.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut df = self.to_dataframe()?;
        let ext = extension(path);
        let tmp = path.with_extension(format!("{ext}.tmp"));
        let io = |e: &dyn std::fmt::Display| IngestError::file(path, format!("cannot write: {e}"));
        {
            let mut f = std::fs::File::create(&tmp).map_err(|e| io(&e))?;
            match ext.as_str() {
                "parquet" => {
                    ParquetWriter::new(&mut f)
                        .finish(&mut df)
                        .map_err(|e| io(&e))?;
                }
                "csv" => {
                    CsvWriter::new(&mut f)
                        .include_header(true)
                        .finish(&mut df)
                        .map_err(|e| io(&e))?;
                }
                _ => {
                    return Err(IngestError::file(
                        path,
                        "output must end in .parquet or .csv",
                    ))
                }
            }
        }
        std::fs::rename(&tmp, path).map_err(|e| io(&e))?;
        let mut meta = PanelMeta {
            meta: self.meta.clone(),
            sources: self
                .variables()
                .map(|c| (c.name.clone(), c.source.clone()))
                .collect(),
        };
        for (k, v) in [
            ("unit", &self.unit),
            ("time", &self.time),
            ("group", &self.group),
        ] {
            if let Some(v) = v {
                meta.meta.insert(format!("{KEY_META}{k}"), v.clone());
            }
        }
        let meta_path = meta_path(path);
        let tmp = meta_path.with_extension("json.tmp");
        let json = serde_json::to_string_pretty(&meta).unwrap_or_default() + "\n";
        std::fs::write(&tmp, json).map_err(|e| io(&e))?;
        std::fs::rename(&tmp, &meta_path).map_err(|e| io(&e))?;
        Ok(())
    }

    /// Reads a panel written by [`Panel::write`], with the keys its side file records. Any
    /// other file goes through [`crate::table::read_panel`] with its keys declared.
    pub fn read(path: &Path) -> Result<Panel> {
        let side: Option<PanelMeta> = std::fs::read_to_string(meta_path(path))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let key = |k: &str| side.as_ref()?.meta.get(&format!("{KEY_META}{k}")).cloned();
        let spec = crate::table::DatasetSpec {
            unit: key("unit"),
            time: key("time"),
            group: key("group"),
            ..Default::default()
        };
        crate::table::read_panel(path, &spec)
    }

    /// Attaches the `<file>.meta.json` written beside a panel, if any.
    pub(crate) fn attach_meta(&mut self, path: &Path) {
        if let Ok(text) = std::fs::read_to_string(meta_path(path)) {
            if let Ok(m) = serde_json::from_str::<PanelMeta>(&text) {
                // What was found reading the file (bad cells, empty columns, the file name) wins
                // over what the side file says.
                for (k, v) in m.meta {
                    self.meta.entry(k).or_insert(v);
                }
                for c in &mut self.columns {
                    if let Some(s) = m.sources.get(&c.name) {
                        c.source = s.clone();
                    }
                }
            }
        }
    }
}

pub(crate) fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Prefix of the side file's entries that record a written panel's keys: `key.unit`,
/// `key.time`, `key.group`.
const KEY_META: &str = "key.";

#[derive(Serialize, Deserialize)]
struct PanelMeta {
    meta: BTreeMap<String, String>,
    sources: BTreeMap<String, String>,
}

/// `<file>.meta.json`: the provenance written beside a panel file.
pub fn meta_path(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".meta.json");
    s.into()
}
