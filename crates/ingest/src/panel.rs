//! The tidy country-year panel: what ingest and measures produce and the runner estimates on.
//! Kept as plain columns (not a DataFrame) so measures are ordinary, testable Rust; polars is
//! used at the edges, to write and read Parquet and CSV.

use crate::error::{IngestError, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub values: Vec<Option<f64>>,
    /// Where the numbers came from (file and indicator, or the formula of a derived measure).
    pub source: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Panel {
    /// ISO3 code of each row.
    pub ids: Vec<String>,
    pub years: Vec<i32>,
    pub columns: Vec<Column>,
    /// Facts about the whole panel (outcome source, simulated or real, choices made).
    pub meta: BTreeMap<String, String>,
}

impl Panel {
    /// A balanced panel skeleton, countries in the given order, years ascending.
    pub fn balanced(countries: &[String], first: i32, last: i32) -> Panel {
        let mut p = Panel::default();
        for c in countries {
            for y in first..=last {
                p.ids.push(c.clone());
                p.years.push(y);
            }
        }
        p
    }

    pub fn nrows(&self) -> usize {
        self.ids.len()
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Adds or replaces a column; its length must match the panel.
    pub fn set(&mut self, name: &str, values: Vec<Option<f64>>, source: impl Into<String>) {
        assert_eq!(
            values.len(),
            self.nrows(),
            "column {name} has the wrong length"
        );
        let col = Column {
            name: name.to_string(),
            values,
            source: source.into(),
        };
        match self.columns.iter_mut().find(|c| c.name == name) {
            Some(c) => *c = col,
            None => self.columns.push(col),
        }
    }

    pub fn missing_counts(&self) -> Vec<(String, usize)> {
        self.columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.values.iter().filter(|v| v.is_none()).count(),
                )
            })
            .collect()
    }

    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let mut cols: Vec<polars::prelude::Column> = Vec::with_capacity(self.columns.len() + 2);
        cols.push(polars::prelude::Column::new("iso3".into(), &self.ids));
        cols.push(polars::prelude::Column::new("year".into(), &self.years));
        for c in &self.columns {
            cols.push(polars::prelude::Column::new(
                c.name.as_str().into(),
                &c.values,
            ));
        }
        DataFrame::new_infer_height(cols).map_err(|e| {
            IngestError::file(Path::new("<panel>"), format!("cannot build table: {e}"))
        })
    }

    /// Writes Parquet or CSV by extension, plus `<file>.meta.json` with provenance. Written to a
    /// temporary file and renamed, so a failure never leaves a half-written panel behind.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut df = self.to_dataframe()?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
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
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.source.clone()))
                .collect(),
        };
        let meta_path = meta_path(path);
        let tmp = meta_path.with_extension("json.tmp");
        let json = serde_json_string(&meta);
        std::fs::write(&tmp, json).map_err(|e| io(&e))?;
        std::fs::rename(&tmp, &meta_path).map_err(|e| io(&e))?;
        Ok(())
    }

    /// Reads a panel written by [`Panel::write`] or any CSV/Parquet with `iso3` and `year`
    /// columns and numeric variables.
    pub fn read(path: &Path) -> Result<Panel> {
        if !path.exists() {
            return Err(IngestError::file(path, "panel file not found"));
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let err = |e: &dyn std::fmt::Display| IngestError::file(path, format!("cannot read: {e}"));
        let df = match ext.as_str() {
            "parquet" => {
                let f = std::fs::File::open(path).map_err(|e| err(&e))?;
                ParquetReader::new(f).finish().map_err(|e| err(&e))?
            }
            "csv" => CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(None)
                .try_into_reader_with_file_path(Some(path.into()))
                .map_err(|e| err(&e))?
                .finish()
                .map_err(|e| err(&e))?,
            _ => {
                return Err(IngestError::file(
                    path,
                    "panel must end in .parquet or .csv",
                ))
            }
        };
        let mut panel = Panel::from_dataframe(&df, path)?;
        if let Ok(text) = std::fs::read_to_string(meta_path(path)) {
            if let Ok(m) = serde_json::from_str::<PanelMeta>(&text) {
                panel.meta = m.meta;
                for c in &mut panel.columns {
                    if let Some(s) = m.sources.get(&c.name) {
                        c.source = s.clone();
                    }
                }
            }
        }
        Ok(panel)
    }

    fn from_dataframe(df: &DataFrame, path: &Path) -> Result<Panel> {
        let colerr = |c: &str, m: String| IngestError {
            file: path.into(),
            line: None,
            column: Some(c.into()),
            message: m,
        };
        let ids = df
            .column("iso3")
            .map_err(|_| colerr("iso3", "missing column".into()))?;
        let ids = ids
            .str()
            .map_err(|_| colerr("iso3", "must be text".into()))?;
        let years = df
            .column("year")
            .map_err(|_| colerr("year", "missing column".into()))?;
        let years = years
            .cast(&DataType::Int32)
            .map_err(|e| colerr("year", e.to_string()))?;
        let years = years.i32().map_err(|e| colerr("year", e.to_string()))?;
        let mut p = Panel::default();
        for (row, (id, y)) in ids.iter().zip(years.iter()).enumerate() {
            let id =
                id.ok_or_else(|| colerr("iso3", format!("empty value at data row {}", row + 1)))?;
            let y =
                y.ok_or_else(|| colerr("year", format!("empty value at data row {}", row + 1)))?;
            p.ids.push(id.to_string());
            p.years.push(y);
        }
        for c in df.columns() {
            let name = c.name().as_str();
            if name == "iso3" || name == "year" {
                continue;
            }
            let Ok(cast) = c.cast(&DataType::Float64) else {
                continue;
            };
            let Ok(ca) = cast.f64() else { continue };
            if !c.dtype().is_primitive_numeric() && !c.dtype().is_bool() {
                continue; // text columns are carried by no estimator
            }
            p.columns.push(Column {
                name: name.to_string(),
                values: ca.iter().collect(),
                source: String::new(),
            });
        }
        Ok(p)
    }
}

#[derive(Serialize, Deserialize)]
struct PanelMeta {
    meta: BTreeMap<String, String>,
    sources: BTreeMap<String, String>,
}

fn meta_path(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".meta.json");
    s.into()
}

fn serde_json_string(m: &PanelMeta) -> String {
    serde_json::to_string_pretty(m).unwrap_or_default() + "\n"
}
