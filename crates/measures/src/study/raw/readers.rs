//! Readers for the raw layouts. Each turns a declared [`SourceSpec`] into plain maps keyed by
//! ISO3 (and year): the measures never see a file, and no reader knows what a measure is.

use super::codes;
use super::config::{ReaderKind, SourceSpec};
use ingest::csvtab::{CsvTable, ReadOptions, Row};
use ingest::error::{IngestError, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A country-year series; absent keys are missing values.
pub type Series = BTreeMap<(String, i32), f64>;
/// A time-invariant country variable.
pub type CountryValues = BTreeMap<String, f64>;

fn path_of(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<PathBuf> {
    let file = spec.file.as_deref().ok_or_else(|| {
        IngestError::file(
            Path::new("data/sources.yaml"),
            format!("`{what}` declares no `file`"),
        )
    })?;
    let p = raw_dir.join(file);
    if !p.exists() {
        return Err(IngestError::file(
            &p,
            format!("file not found (declared for `{what}`)"),
        ));
    }
    Ok(p)
}

fn open(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<std::sync::Arc<CsvTable>> {
    let path = path_of(raw_dir, spec, what)?;
    let opts = ReadOptions {
        delimiter: spec.delimiter.map(|c| c as u8).unwrap_or(b','),
        skip_lines: spec.skip_lines,
    };
    CsvTable::read_cached(&path, &opts)
}

fn required<'a>(opt: &'a Option<String>, key: &str, what: &str) -> Result<&'a str> {
    opt.as_deref().ok_or_else(|| {
        IngestError::file(
            Path::new("data/sources.yaml"),
            format!("`{what}` needs `{key}`"),
        )
    })
}

/// Resolves a row's country to ISO3 through the declared crosswalk or the built-in code list.
struct CodeMapper {
    crosswalk: Option<HashMap<String, String>>,
    skip_unknown: bool,
}

impl CodeMapper {
    fn new(raw_dir: &Path, spec: &SourceSpec) -> Result<CodeMapper> {
        let crosswalk = match &spec.crosswalk {
            None => None,
            Some(cw) => {
                // Relative paths are in the raw-data directory; SourcesConfig::load made the
                // workspace's own (`./`) crosswalks absolute, which `join` keeps as they are.
                let path = raw_dir.join(&cw.file);
                if !path.exists() {
                    return Err(IngestError::file(&path, "crosswalk file not found"));
                }
                let opts = ReadOptions {
                    delimiter: cw.delimiter.map(|c| c as u8).unwrap_or(b','),
                    skip_lines: 0,
                };
                let t = CsvTable::read(&path, &opts)?;
                let (fi, ti) = (t.col(&cw.from)?, t.col(&cw.to)?);
                let mut map = HashMap::new();
                for row in t.rows() {
                    let to = row.str(ti);
                    if to.is_empty() {
                        continue; // deliberately unmapped (regions, sub-national groups)
                    }
                    match codes::harmonise(to) {
                        Some(iso) => {
                            map.insert(row.str(fi).to_string(), iso);
                        }
                        None if spec.skip_unknown_codes => {}
                        None => return Err(row.error(ti, format!("unknown country code `{to}`"))),
                    }
                }
                Some(map)
            }
        };
        Ok(CodeMapper {
            crosswalk,
            skip_unknown: spec.skip_unknown_codes,
        })
    }

    fn map(&self, row: &Row, idx: usize) -> Result<Option<String>> {
        let raw = row.str(idx);
        let found = match &self.crosswalk {
            Some(cw) => cw.get(raw).cloned(),
            None => codes::harmonise(raw),
        };
        match found {
            Some(iso) => Ok(Some(iso)),
            None if self.skip_unknown => Ok(None),
            None => Err(row.error(idx, format!("unknown country code `{raw}`"))),
        }
    }
}

/// Records the first line of each key; a second occurrence is a duplicate-row error.
fn first_seen<K: std::hash::Hash + Eq>(
    seen: &mut HashMap<K, u64>,
    key: K,
    label: &str,
    row: &Row,
    col: usize,
) -> Result<()> {
    match seen.insert(key, row.line) {
        Some(first) => Err(row.error(
            col,
            format!("duplicate row for {label} (first at line {first})"),
        )),
        None => Ok(()),
    }
}

fn filter_cols(t: &CsvTable, spec: &SourceSpec) -> Result<Vec<(usize, String)>> {
    spec.filter
        .iter()
        .map(|(c, v)| Ok((t.col(c)?, v.clone())))
        .collect()
}

fn keep(row: &Row, filters: &[(usize, String)]) -> bool {
    filters.iter().all(|(i, v)| row.str(*i) == v)
}

/// Reads any declared country-year source.
pub fn read_series(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<Series> {
    match spec.reader.unwrap_or(ReaderKind::Long) {
        ReaderKind::Long => read_long(raw_dir, spec, what),
        ReaderKind::Wide => read_wide(raw_dir, spec, what),
        ReaderKind::Parquet => read_parquet(raw_dir, spec, what),
        other => Err(IngestError::file(
            Path::new("data/sources.yaml"),
            format!("`{what}` is a country-year variable but declares reader `{other:?}`"),
        )),
    }
}

fn read_long(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<Series> {
    let t = open(raw_dir, spec, what)?;
    let ci = t.col(required(&spec.code_column, "code_column", what)?)?;
    let yi = t.col(required(&spec.year_column, "year_column", what)?)?;
    let vi = t.col(required(&spec.value_column, "value_column", what)?)?;
    let filters = filter_cols(&t, spec)?;
    let mapper = CodeMapper::new(raw_dir, spec)?;
    let mut out = Series::new();
    let mut seen: HashMap<(String, i32), u64> = HashMap::new();
    let mut matched = 0usize;
    for row in t.rows() {
        if !keep(&row, &filters) {
            continue;
        }
        matched += 1;
        let Some(code) = mapper.map(&row, ci)? else {
            continue;
        };
        let year = row.year(yi)?;
        let value = row.f64_opt_with(vi, spec.decimal_comma)?;
        first_seen(
            &mut seen,
            (code.clone(), year),
            &format!("{code} {year}"),
            &row,
            ci,
        )?;
        if let Some(v) = value {
            out.insert((code, year), v);
        }
    }
    if matched == 0 && !spec.filter.is_empty() {
        return Err(IngestError::file(
            t.path(),
            format!(
                "no row matches the filter {:?} declared for `{what}`",
                spec.filter
            ),
        ));
    }
    Ok(out)
}

/// The `long` layout stored as Parquet: code, year and value columns, optional equality
/// filters. Errors name the file, the 1-based data row and the column.
fn read_parquet(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<Series> {
    use polars::prelude::{DataType, ParquetReader, SerReader};
    let path = path_of(raw_dir, spec, what)?;
    let err = |m: String| IngestError::file(&path, m);
    let f = std::fs::File::open(&path).map_err(|e| err(format!("cannot read file: {e}")))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| err(format!("not a readable Parquet file: {e}")))?;
    let column = |name: &str| -> Result<polars::prelude::Column> {
        df.column(name).cloned().map_err(|_| IngestError {
            file: path.clone(),
            line: None,
            column: Some(name.to_string()),
            message: format!(
                "missing column; the file has: {}",
                df.get_column_names()
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    };
    let as_str = |c: &polars::prelude::Column, name: &str| -> Result<Vec<Option<String>>> {
        let c = c
            .cast(&DataType::String)
            .map_err(|e| err(format!("column `{name}`: {e}")))?;
        Ok(c.str()
            .map_err(|e| err(format!("column `{name}`: {e}")))?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let as_f64 = |c: &polars::prelude::Column, name: &str| -> Result<Vec<Option<f64>>> {
        let c = c
            .cast(&DataType::Float64)
            .map_err(|e| err(format!("column `{name}` is not numeric: {e}")))?;
        Ok(c.f64()
            .map_err(|e| err(format!("column `{name}`: {e}")))?
            .iter()
            .collect())
    };
    let code_col = required(&spec.code_column, "code_column", what)?;
    let year_col = required(&spec.year_column, "year_column", what)?;
    let value_col = required(&spec.value_column, "value_column", what)?;
    let codes = as_str(&column(code_col)?, code_col)?;
    let years = as_f64(&column(year_col)?, year_col)?;
    let values = as_f64(&column(value_col)?, value_col)?;
    let filters: Vec<(Vec<Option<String>>, String)> = spec
        .filter
        .iter()
        .map(|(c, v)| Ok((as_str(&column(c)?, c)?, v.clone())))
        .collect::<Result<_>>()?;
    let at =
        |row: usize, col: &str, m: String| IngestError::at(&path, row as u64 + 1, Some(col), m);
    let mut out = Series::new();
    for row in 0..df.height() {
        if !filters
            .iter()
            .all(|(c, v)| c[row].as_deref() == Some(v.as_str()))
        {
            continue;
        }
        let raw = codes[row].clone().unwrap_or_default();
        let code = match codes::harmonise(&raw) {
            Some(c) => c,
            None if spec.skip_unknown_codes => continue,
            None => {
                return Err(at(
                    row,
                    code_col,
                    format!("unknown country code `{raw}` (data row)"),
                ))
            }
        };
        let year = match years[row] {
            Some(y) if y.fract() == 0.0 && (1800.0..=2200.0).contains(&y) => y as i32,
            other => {
                return Err(at(
                    row,
                    year_col,
                    format!("expected a year, found {other:?}"),
                ))
            }
        };
        if out.contains_key(&(code.clone(), year)) {
            return Err(at(
                row,
                code_col,
                format!("duplicate row for {code} {year}"),
            ));
        }
        if let Some(v) = values[row].filter(|v| v.is_finite()) {
            out.insert((code, year), v);
        }
    }
    Ok(out)
}

fn read_wide(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<Series> {
    let t = open(raw_dir, spec, what)?;
    let ci = t.col(spec.code_column.as_deref().unwrap_or("Country Code"))?;
    let ii = t.col(spec.indicator_column.as_deref().unwrap_or("Indicator Code"))?;
    let indicator = required(&spec.indicator, "indicator", what)?;
    let year_cols: Vec<(usize, i32)> = t
        .header()
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.parse::<i32>().ok().map(|y| (i, y)))
        .collect();
    let mapper = CodeMapper::new(raw_dir, spec)?;
    let mut out = Series::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in t.rows() {
        if row.str(ii) != indicator {
            continue;
        }
        let Some(code) = mapper.map(&row, ci)? else {
            continue;
        };
        first_seen(&mut seen, code.clone(), &code, &row, ci)?;
        for &(i, y) in &year_cols {
            if let Some(v) = row.f64_opt(i)? {
                out.insert((code.clone(), y), v);
            }
        }
    }
    if seen.is_empty() {
        return Err(IngestError::file(
            t.path(),
            format!("indicator `{indicator}` (for `{what}`) is not in this file"),
        ));
    }
    Ok(out)
}

/// Reads one value column of a one-row-per-country file; cells with a missing token are absent.
pub fn read_country(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<CountryValues> {
    let t = open(raw_dir, spec, what)?;
    let ci = t.col(required(&spec.code_column, "code_column", what)?)?;
    let vi = t.col(required(&spec.value_column, "value_column", what)?)?;
    let filters = filter_cols(&t, spec)?;
    let mapper = CodeMapper::new(raw_dir, spec)?;
    let mut out = CountryValues::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in t.rows() {
        if !keep(&row, &filters) {
            continue;
        }
        let Some(code) = mapper.map(&row, ci)? else {
            continue;
        };
        first_seen(&mut seen, code.clone(), &code, &row, ci)?;
        if let Some(v) = row.f64_opt_with(vi, spec.decimal_comma)? {
            out.insert(code, v);
        }
    }
    Ok(out)
}

/// Reads a signing list: country -> year of signing (dates are cut to their year).
pub fn read_signing(
    raw_dir: &Path,
    spec: &SourceSpec,
    what: &str,
) -> Result<BTreeMap<String, i32>> {
    let t = open(raw_dir, spec, what)?;
    let ci = t.col(required(&spec.code_column, "code_column", what)?)?;
    let yi = t.col(required(&spec.year_column, "year_column", what)?)?;
    let mapper = CodeMapper::new(raw_dir, spec)?;
    let mut out = BTreeMap::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in t.rows() {
        let Some(code) = mapper.map(&row, ci)? else {
            continue;
        };
        first_seen(&mut seen, code.clone(), &code, &row, ci)?;
        if let Some(y) = row.year_opt(yi)? {
            out.insert(code, y);
        }
    }
    Ok(out)
}

/// Reads the sample's country list, in file order.
pub fn read_codes(raw_dir: &Path, spec: &SourceSpec, what: &str) -> Result<Vec<String>> {
    let t = open(raw_dir, spec, what)?;
    let ci = t.col(required(&spec.code_column, "code_column", what)?)?;
    let filters = filter_cols(&t, spec)?;
    let mapper = CodeMapper::new(raw_dir, spec)?;
    let mut out: Vec<String> = Vec::new();
    for row in t.rows() {
        if !keep(&row, &filters) {
            continue;
        }
        let Some(code) = mapper.map(&row, ci)? else {
            continue;
        };
        if out.contains(&code) {
            return Err(row.error(ci, format!("country {code} listed twice")));
        }
        out.push(code);
    }
    if out.is_empty() {
        return Err(IngestError::file(
            t.path(),
            format!("no country selected for `{what}`"),
        ));
    }
    Ok(out)
}
