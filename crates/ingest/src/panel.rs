//! The tidy panel every regspec command works on: one row per (unit, time), columns held once
//! and typed. Numbers are `f64` with NaN for missing (8 bytes a cell, directly usable as an
//! estimator's slice); text is a categorical: `u32` codes into a list of levels (4 bytes a
//! cell, usable as fixed effect or cluster without any per-row hashing later).
//!
//! The unit and time keys are ordinary columns named by [`Panel::unit`] and [`Panel::time`]:
//! whatever a user's file calls them (`iso3`, `state`, `firm_id`; `year`, `quarter`). The time
//! key is always numeric and integral (a date is mapped to a period when read).

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

#[derive(Debug, Clone, PartialEq)]
/// A panel: named columns of equal length, keyed by (unit, time), rows in (unit, time) order
/// once canonicalized.
pub struct Panel {
    /// Name of the unit key column.
    pub unit: String,
    /// Name of the time key column (numeric, integral).
    pub time: String,
    /// Every column, the two keys included.
    pub columns: Vec<Column>,
    /// Facts about the whole panel (outcome source, simulated or real, choices made).
    pub meta: BTreeMap<String, String>,
}

impl Default for Panel {
    fn default() -> Self {
        Panel::from_keys("iso3", Data::from_text(std::iter::empty()), "year", vec![])
    }
}

impl Panel {
    /// A panel with its two key columns and nothing else.
    pub fn from_keys(unit: &str, unit_data: Data, time: &str, times: Vec<f64>) -> Panel {
        Panel {
            unit: unit.to_string(),
            time: time.to_string(),
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

    /// A panel keyed by text unit ids (`iso3`) and integer years, from row-wise keys.
    pub fn from_rows(ids: &[String], years: &[i32]) -> Panel {
        Panel::from_keys(
            "iso3",
            Data::from_text(ids.iter().map(|s| Some(s.as_str()))),
            "year",
            years.iter().map(|&y| f64::from(y)).collect(),
        )
    }

    /// A balanced panel skeleton, countries in the given order, years ascending.
    pub fn balanced(countries: &[String], first: i32, last: i32) -> Panel {
        let mut ids = Vec::new();
        let mut years = Vec::new();
        for c in countries {
            for y in first..=last {
                ids.push(c.clone());
                years.push(y);
            }
        }
        Panel::from_rows(&ids, &years)
    }

    /// Rows.
    pub fn nrows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The unit key of every row, as text (for the study's country-keyed measures).
    pub fn ids(&self) -> Vec<String> {
        let c = self.column(&self.unit).expect("unit key column");
        (0..self.nrows())
            .map(|r| c.text(r).unwrap_or_default())
            .collect()
    }

    /// The time key of every row as an integer.
    pub fn years(&self) -> Vec<i32> {
        let c = self.column(&self.time).expect("time key column");
        c.numbers()
            .expect("numeric time key")
            .iter()
            .map(|&t| t as i32)
            .collect()
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

    /// Every column but the two keys.
    pub fn variables(&self) -> impl Iterator<Item = &Column> {
        self.columns
            .iter()
            .filter(|c| c.name != self.unit && c.name != self.time)
    }

    /// The panel as a polars DataFrame (text columns as strings).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let cols: Vec<polars::prelude::Column> = self
            .columns
            .iter()
            .map(|c| {
                let name = c.name.as_str().into();
                match &c.data {
                    Data::Num(v) if c.name == self.time => polars::prelude::Column::new(
                        name,
                        v.iter().map(|&x| x as i64).collect::<Vec<i64>>(),
                    ),
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
        let meta = PanelMeta {
            meta: self.meta.clone(),
            sources: self
                .variables()
                .map(|c| (c.name.clone(), c.source.clone()))
                .collect(),
        };
        let meta_path = meta_path(path);
        let tmp = meta_path.with_extension("json.tmp");
        let json = serde_json::to_string_pretty(&meta).unwrap_or_default() + "\n";
        std::fs::write(&tmp, json).map_err(|e| io(&e))?;
        std::fs::rename(&tmp, &meta_path).map_err(|e| io(&e))?;
        Ok(())
    }

    /// Reads a panel written by [`Panel::write`] (keys `iso3` and `year`). Any other file goes
    /// through [`crate::table::read_panel`] with its keys declared.
    pub fn read(path: &Path) -> Result<Panel> {
        crate::table::read_panel(path, &crate::table::DatasetSpec::keys("iso3", "year"))
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
