//! A user's data file (`.csv`, `.parquet`, Stata `.dta`) read into a [`Panel`]: the keys it
//! declares (any, under whatever names and types the file uses: none for a cross-section, a time
//! key for repeated cross-sections, unit and time for a panel), text kept as categoricals, and
//! the keys checked (present, integral time, unique (unit, time) in a panel) before anything
//! else runs.
//!
//! Longer than 600 lines on purpose: one reader and every check of its keys and cells in one
//! place, about a quarter of it the unit tests that pin them.

use crate::error::{IngestError, Result};
use crate::panel::{extension, fmt_number, Column, Data, Panel, MISSING_CODE};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a time key that is a date becomes an integral period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The calendar year: 2010.
    #[default]
    Year,
    /// Quarters counted as `4 * year + quarter - 1`, so lags of one are one quarter.
    Quarter,
    /// Months counted as `12 * year + month - 1`.
    Month,
    /// Days since 1970-01-01.
    Day,
}

/// One dataset of a workspace: the file and the keys it declares (each optional; see
/// [`crate::Shape`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DatasetSpec {
    /// The data file, relative to the workspace root.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// The column identifying units followed over time (text or integer); with `time`, unique
    /// together.
    #[serde(default)]
    pub unit: Option<String>,
    /// The column identifying periods (integer, integral numbers, text integers or a date).
    #[serde(default)]
    pub time: Option<String>,
    /// The column of the level at which a treatment is assigned (a state for individuals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// For a date time key: how dates map to periods (default: year).
    #[serde(default)]
    pub period: Option<Period>,
    /// Field separator of a CSV file (default `,`).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Decimal mark of a CSV file's numbers: `.` (default) or `,` (`1,5`, as a European
    /// spreadsheet writes it; then the fields are separated by something else, usually `;`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<char>,
}

impl DatasetSpec {
    /// A spec naming only the keys of a panel.
    pub fn keys(unit: &str, time: &str) -> DatasetSpec {
        DatasetSpec {
            unit: Some(unit.into()),
            time: Some(time.into()),
            ..DatasetSpec::default()
        }
    }
}

/// Cells that mean "no value" in a CSV (R's `NA`, Stata's `.`, pandas' `nan`, empty).
pub const CSV_MISSING: &[&str] = &["", "NA", "N/A", "NaN", "nan", "NULL", "null", "."];

/// Reads every column of a data file as it is (no key checks): for guessing keys.
pub fn read_columns(path: &Path, delimiter: Option<char>) -> Result<Vec<(String, Data)>> {
    let spec = DatasetSpec {
        delimiter,
        ..DatasetSpec::default()
    };
    read_any(path, &spec).map(|f| f.columns)
}

/// The decimal mark of a text data file separated by `delimiter`: `,` when the file is not
/// comma-separated and a cell of its first data lines is a number written with a comma
/// (`1,5`, `-0,25`), else `None` (the default `.`).
pub fn sniff_decimal(path: &Path, delimiter: Option<char>) -> Option<char> {
    let sep = delimiter.filter(|c| *c != ',')?;
    let file = std::fs::File::open(path).ok()?;
    let reader = std::io::BufReader::new(std::io::Read::take(file, 1 << 16));
    let comma_number = |cell: &str| {
        let c = cell.trim().trim_start_matches('-');
        match c.split_once(',') {
            Some((a, b)) => {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|x| x.is_ascii_digit())
                    && b.bytes().all(|x| x.is_ascii_digit())
            }
            None => false,
        }
    };
    std::io::BufRead::lines(reader)
        .skip(1)
        .take(50)
        .map_while(std::result::Result::ok)
        .any(|l| l.split(sep).any(comma_number))
        .then_some(',')
}

/// Field separators other than the comma that data files use (`;` in European spreadsheets'
/// exports, tab, `|`), with how each is written in YAML.
const OTHER_SEPARATORS: [(u8, &str); 3] = [(b';', ";"), (b'\t', "\\t"), (b'|', "|")];

/// The field separator of a text data file when it is not the comma: a first line without a
/// comma that holds `;` (a European spreadsheet's export), a tab or `|`, whichever is most
/// frequent. `None` for a comma file, a one-column file and any other format.
pub fn sniff_delimiter(path: &Path) -> Option<char> {
    if !matches!(extension(path).as_str(), "csv" | "txt") {
        return None;
    }
    let mut first = Vec::new();
    let file = std::fs::File::open(path).ok()?;
    std::io::BufRead::read_until(
        &mut std::io::BufReader::new(std::io::Read::take(file, 1 << 16)),
        b'\n',
        &mut first,
    )
    .ok()?;
    if first.contains(&b',') {
        return None;
    }
    OTHER_SEPARATORS
        .into_iter()
        .map(|(c, _)| (c, first.iter().filter(|&&b| b == c).count()))
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| char::from(c))
}

/// Named columns as read from a file.
pub type Columns = Vec<(String, Data)>;

/// Labels a file gives its columns, (column, label).
pub type Labels = Vec<(String, String)>;

/// What a data file holds, as read.
struct FileColumns {
    /// The columns regspec can use.
    columns: Columns,
    /// The line of the first data row (text files only).
    first_line: Option<usize>,
    /// Variable labels (Stata files only).
    labels: Labels,
    /// Columns of a type regspec cannot use (a Parquet list or struct), with the type: left
    /// out, and refused only where a spec uses them.
    unsupported: Unsupported,
}

/// The columns of a file, the line of its first data row (text files only), its variable
/// labels (Stata files only) and the columns of types regspec cannot use.
fn read_any(path: &Path, spec: &DatasetSpec) -> Result<FileColumns> {
    if !path.exists() {
        return Err(IngestError::file(path, "data file not found"));
    }
    let ext = extension(path);
    let csv = matches!(ext.as_str(), "csv" | "tsv" | "txt");
    for (field, set) in [
        ("delimiter", spec.delimiter.is_some()),
        ("decimal", spec.decimal.is_some()),
    ] {
        if set && !csv {
            return Err(IngestError::file(
                path,
                format!("`{field}` applies to CSV files, not to `.{ext}`"),
            ));
        }
    }
    let plain = |(columns, unsupported): (Columns, Unsupported)| FileColumns {
        columns,
        first_line: None,
        labels: Vec::new(),
        unsupported,
    };
    Ok(match ext.as_str() {
        "csv" | "tsv" | "txt" => FileColumns {
            first_line: Some(2),
            ..plain(read_csv(path, spec)?)
        },
        "parquet" | "pq" => plain(read_parquet(path)?),
        "dta" => {
            let (columns, labels) = crate::dta::read_dta(path)?;
            FileColumns {
                labels,
                ..plain((columns, Vec::new()))
            }
        }
        _ => {
            return Err(IngestError::file(
                path,
                format!("unsupported data file type `.{ext}`; use .csv, .parquet or .dta"),
            ))
        }
    })
}

/// Prefix of the panel's `meta` entries that hold a column's label from the data file (a
/// Stata variable label): `label.<column>`.
pub const LABEL_META: &str = "label.";

/// The labels a data file gives its columns (see [`LABEL_META`]), by column name.
pub fn column_labels(panel: &Panel) -> std::collections::BTreeMap<String, String> {
    panel
        .meta
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(LABEL_META)?.to_string(), v.clone())))
        .collect()
}

/// Prefix of the panel's `meta` entries naming a column left out for its type:
/// `unsupported.<column>` = the type.
pub const UNSUPPORTED_META: &str = "unsupported.";

/// Columns of a type regspec cannot use, with the type (see [`UNSUPPORTED_META`]).
type Unsupported = Vec<(String, String)>;

/// Why a column the file has is not in the panel, when it was left out for its type: the
/// message to give where a spec uses it.
pub fn unsupported_column(panel: &Panel, name: &str) -> Option<String> {
    let t = panel.meta.get(&format!("{UNSUPPORTED_META}{name}"))?;
    Some(format!(
        "column `{name}` has type {t}, which regspec cannot use (numbers, text and dates only)"
    ))
}

/// Reads a data file and checks its keys.
pub fn read_panel(path: &Path, spec: &DatasetSpec) -> Result<Panel> {
    let FileColumns {
        columns: mut cols,
        first_line,
        labels,
        unsupported,
    } = read_any(path, spec)?;
    if cols.first().is_none_or(|(_, d)| d.is_empty()) {
        return Err(IngestError::file(
            path,
            "the file has no data rows (a header alone, or nothing)",
        ));
    }
    // A column with no value at all is an empty numeric column, remembered as such, so that
    // using it says so instead of calling it text.
    let mut empty: Vec<String> = Vec::new();
    for (name, d) in cols.iter_mut() {
        if let Data::Cat { codes, .. } = d {
            if codes.iter().all(|&c| c == MISSING_CODE) {
                *d = Data::Num(vec![f64::NAN; codes.len()]);
                empty.push(name.clone());
            }
        }
    }
    // A text column whose other cells are numbers has a bad cell: remember where, so that using
    // the column as a number names the cell, not just the column.
    let bad_cells: Vec<(String, String)> = cols
        .iter()
        .filter_map(|(name, d)| {
            let (row, value) = first_non_number(d)?;
            let at = match first_line {
                Some(f) => format!("line {}", row + f),
                None => format!("row {}", row + 1),
            };
            Some((
                name.clone(),
                format!("`{value}` at {at} of {}", path.display()),
            ))
        })
        .collect();
    let mut panel = assemble(path, cols, spec, first_line)?;
    for (name, cell) in bad_cells {
        panel.meta.insert(format!("not_a_number.{name}"), cell);
    }
    for (name, label) in labels {
        panel.meta.insert(format!("{LABEL_META}{name}"), label);
    }
    for name in empty {
        panel
            .meta
            .insert(format!("empty.{name}"), path.display().to_string());
    }
    for (name, dtype) in unsupported {
        panel
            .meta
            .insert(format!("{UNSUPPORTED_META}{name}"), dtype);
    }
    panel.meta.insert("file".into(), path.display().to_string());
    if let Some(l) = first_line {
        panel.meta.insert("first_data_line".into(), l.to_string());
    }
    panel.attach_meta(path);
    Ok(panel)
}

/// Where a data row is in its file: `line N` for text files, `row N` otherwise.
pub fn locate_row(panel: &Panel, row: usize) -> String {
    match panel
        .meta
        .get("first_data_line")
        .and_then(|l| l.parse::<usize>().ok())
    {
        Some(first) => format!("line {}", row + first),
        None => format!("row {}", row + 1),
    }
}

/// In a text column that also holds numbers, the first cell that is not one.
fn first_non_number(d: &Data) -> Option<(usize, String)> {
    let Data::Cat { codes, levels } = d else {
        return None;
    };
    let numeric: Vec<bool> = levels
        .iter()
        .map(|l| l.trim().parse::<f64>().is_ok())
        .collect();
    if !numeric.iter().any(|n| *n) || numeric.iter().all(|n| *n) {
        return None;
    }
    let row = codes
        .iter()
        .position(|&c| c != MISSING_CODE && !numeric[c as usize])?;
    Some((row, levels[codes[row] as usize].clone()))
}

/// Every line of a CSV has as many fields as its header (quotes respected): a row cut short or
/// with an extra separator is an error naming its line, never a row of missing values. A header
/// of one field that holds another common separator (`;`, tab, `|`: a European spreadsheet's
/// export) is an error that names it and says how to declare it.
fn check_fields(path: &Path, bytes: impl std::io::Read, sep: u8) -> Result<()> {
    let mut header_other = [0usize; 3];
    let mut expected: Option<usize> = None;
    let (mut fields, mut line, mut in_quotes, mut empty) = (1usize, 1u64, false, true);
    let wrong_separator = |header_other: &[usize; 3]| -> Option<String> {
        let (i, n) = header_other
            .iter()
            .enumerate()
            .filter(|(i, n)| **n > 0 && OTHER_SEPARATORS[*i].0 != sep)
            .max_by_key(|(_, n)| **n)?;
        Some(format!(
            "the header is one field holding {n} `{}`: if that separates the fields, declare it (`delimiter: \"{}\"` under `data:` in regspec.yaml)",
            OTHER_SEPARATORS[i].1, OTHER_SEPARATORS[i].1
        ))
    };
    let mut check = |fields: usize,
                     line: u64,
                     empty: bool,
                     header_other: &[usize; 3]|
     -> Result<()> {
        if empty {
            return Ok(());
        }
        match expected {
            None => {
                expected = Some(fields);
                if fields == 1 {
                    if let Some(hint) = wrong_separator(header_other) {
                        return Err(IngestError::at(path, line, None, hint));
                    }
                }
            }
            Some(e) if e != fields => {
                return Err(IngestError::at(
                    path,
                    line,
                    None,
                    format!(
                        "this row has {fields} field(s), the header has {e}: a row cut short or with a stray separator"
                    ),
                ))
            }
            _ => {}
        }
        Ok(())
    };
    // Streamed in blocks: a large file is never held in memory for this check.
    let mut reader = std::io::BufReader::with_capacity(1 << 20, bytes);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = std::io::Read::read(&mut reader, &mut buf)
            .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
        if k == 0 {
            break;
        }
        for &b in &buf[..k] {
            match b {
                b'"' => {
                    in_quotes = !in_quotes;
                    empty = false;
                }
                b'\n' if !in_quotes => {
                    check(fields, line, empty, &header_other)?;
                    fields = 1;
                    line += 1;
                    empty = true;
                }
                b'\r' => {}
                _ if b == sep && !in_quotes => {
                    fields += 1;
                    empty = false;
                }
                _ => {
                    if line == 1 && !in_quotes {
                        if let Some(i) = OTHER_SEPARATORS.iter().position(|(c, _)| *c == b) {
                            header_other[i] += 1;
                        }
                    }
                    empty = false;
                }
            }
        }
    }
    check(fields, line, empty, &header_other)
}

/// The names of a CSV header, quotes removed (the first line only; quoted separators kept).
fn header_names(path: &Path, sep: u8) -> Result<Vec<String>> {
    let file = std::fs::File::open(path)
        .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
    let mut first = Vec::new();
    std::io::BufRead::read_until(&mut std::io::BufReader::new(file), b'\n', &mut first)
        .map_err(|e| IngestError::file(path, format!("cannot read: {e}")))?;
    let text = String::from_utf8_lossy(&first);
    let text = text
        .trim_end_matches(['\n', '\r'])
        .trim_start_matches('\u{feff}');
    let (mut names, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c as u32 == u32::from(sep) && !quoted => names.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    names.push(cur);
    Ok(names)
}

/// A header that names a column twice is an error naming both fields: reading it would keep
/// one of the two silently.
fn check_header(path: &Path, sep: u8) -> Result<()> {
    let names = header_names(path, sep)?;
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = seen.insert(n.trim(), i) {
            return Err(IngestError {
                file: path.into(),
                line: Some(1),
                column: Some(n.trim().to_string()),
                message: format!(
                    "the header names this column twice (fields {} and {}): rename one of them",
                    j + 1,
                    i + 1
                ),
            });
        }
    }
    Ok(())
}

fn read_csv(path: &Path, spec: &DatasetSpec) -> Result<(Columns, Unsupported)> {
    let err = |e: &dyn std::fmt::Display| IngestError::file(path, format!("cannot read: {e}"));
    let sep = spec
        .delimiter
        .unwrap_or(if extension(path) == "tsv" { '\t' } else { ',' });
    let decimal_comma = match spec.decimal {
        None | Some('.') => false,
        Some(',') if sep != ',' => true,
        Some(',') => {
            return Err(IngestError::file(
                path,
                "a decimal comma needs another field separator (`delimiter: \";\"`)",
            ))
        }
        Some(c) => {
            return Err(IngestError::file(
                path,
                format!("decimal mark `{c}`: it is `.` or `,`"),
            ))
        }
    };
    check_fields(
        path,
        std::fs::File::open(path).map_err(|e| err(&e))?,
        sep as u8,
    )?;
    check_header(path, sep as u8)?;
    let nulls = NullValues::AllColumns(CSV_MISSING.iter().map(|s| (*s).into()).collect());
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .map_parse_options(|o| {
            o.with_separator(sep as u8)
                .with_decimal_comma(decimal_comma)
                .with_null_values(Some(nulls.clone()))
        })
        .try_into_reader_with_file_path(Some(path.into()))
        .map_err(|e| err(&e))?
        .finish()
        .map_err(|e| err(&e))?;
    frame_columns(path, df)
}

fn read_parquet(path: &Path) -> Result<(Columns, Unsupported)> {
    let err = |e: &dyn std::fmt::Display| IngestError::file(path, format!("cannot read: {e}"));
    let f = std::fs::File::open(path).map_err(|e| err(&e))?;
    let df = ParquetReader::new(f).finish().map_err(|e| err(&e))?;
    frame_columns(path, df)
}

/// Converts a polars frame column by column, releasing each polars column once converted, so
/// the peak memory is one copy of the data plus one column. A column of a type regspec cannot
/// use (a list, a struct) is left out and returned with its type: a file is refused for it only
/// where a spec uses it.
fn frame_columns(path: &Path, df: DataFrame) -> Result<(Columns, Unsupported)> {
    let mut out = Vec::with_capacity(df.width());
    let mut unsupported = Vec::new();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut cols = df.into_columns();
    cols.reverse();
    for name in names {
        let c = cols.pop().expect("one column per name");
        let colerr = |m: String| IngestError {
            file: path.into(),
            line: None,
            column: Some(name.clone()),
            message: m,
        };
        let data = match c.dtype() {
            DataType::String => text_column(c.str().map_err(|e| colerr(e.to_string()))?),
            DataType::Date => {
                // Days since the epoch; the time key maps them to periods, other columns stay
                // numeric days.
                let days = c
                    .cast(&DataType::Int32)
                    .map_err(|e| colerr(e.to_string()))?;
                let ca = days.i32().map_err(|e| colerr(e.to_string()))?;
                Data::Num(
                    ca.iter()
                        .map(|v| v.map_or(f64::NAN, |d| date_tag(d as i64)))
                        .collect(),
                )
            }
            dt if dt.is_primitive_numeric() || dt.is_bool() => {
                let cast = c
                    .cast(&DataType::Float64)
                    .map_err(|e| colerr(e.to_string()))?;
                let ca = cast.f64().map_err(|e| colerr(e.to_string()))?;
                let mut v = Vec::with_capacity(ca.len());
                for arr in ca.downcast_iter() {
                    match arr.validity() {
                        None => v.extend_from_slice(arr.values()),
                        Some(_) => v.extend(arr.iter().map(|x| x.copied().unwrap_or(f64::NAN))),
                    }
                }
                Data::Num(v)
            }
            DataType::Null => Data::Num(vec![f64::NAN; c.len()]),
            other => match c.cast(&DataType::String) {
                Ok(cast) if !other.is_nested() => {
                    text_column(cast.str().map_err(|e| colerr(e.to_string()))?)
                }
                _ => {
                    unsupported.push((name, other.to_string()));
                    continue;
                }
            },
        };
        out.push((name, data));
    }
    Ok((out, unsupported))
}

/// A polars text column as codes and levels, coded on every core ([`crate::factor`]).
fn text_column(ca: &StringChunked) -> Data {
    let arrays: Vec<_> = ca.downcast_iter().collect();
    let mut starts = Vec::with_capacity(arrays.len());
    let mut at = 0;
    for a in &arrays {
        starts.push(at);
        at += a.len();
    }
    crate::factor::factorize(ca.len(), |r| {
        let k = starts.partition_point(|&s| s <= r) - 1;
        arrays[k].get(r - starts[k])
    })
}

/// Dates travel as days since the epoch offset by a tag far outside any year or id, so the
/// time key can tell a date column from an integer one without a second type.
pub(crate) const DATE_TAG: f64 = 1e12;

fn date_tag(days: i64) -> f64 {
    DATE_TAG + days as f64
}

fn period_of(days: i64, p: Period) -> f64 {
    // Civil-from-days (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (match p {
        Period::Year => year,
        Period::Quarter => 4 * year + (month - 1) / 3,
        Period::Month => 12 * year + month - 1,
        Period::Day => days,
    }) as f64
}

/// Days since 1970-01-01 of a date written as `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY-MM` (the
/// month's first day) or `YYYYQn` / `YYYY-Qn` (the quarter's first day).
fn text_date(s: &str) -> Option<i64> {
    let up = s.to_ascii_uppercase();
    if let Some((y, q)) = up.split_once('Q') {
        let y: i64 = y.trim_end_matches('-').parse().ok()?;
        let q: i64 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
        return Some(days_from_civil(y, 3 * q - 2, 1));
    }
    let parts: Vec<&str> = s.split(['-', '/']).collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
    let (y, m) = (num(0)?, num(1)?);
    let d = if parts.len() == 2 { 1 } else { num(2)? };
    if parts.len() > 3 || parts[0].len() != 4 || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Builds the panel from converted columns: keys located, typed and checked.
pub(crate) fn assemble(
    path: &Path,
    cols: Vec<(String, Data)>,
    spec: &DatasetSpec,
    first_line: Option<usize>,
) -> Result<Panel> {
    let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
    let declared: Vec<&String> = [&spec.unit, &spec.time, &spec.group]
        .into_iter()
        .flatten()
        .collect();
    for key in &declared {
        if !names.contains(&key.as_str()) {
            let hint = crate::suggest(key, names.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(IngestError {
                file: path.into(),
                line: None,
                column: Some(key.to_string()),
                message: format!("key column not found (columns: {}){hint}", names.join(", ")),
            });
        }
    }
    if spec.unit.is_some() && spec.unit == spec.time {
        return Err(IngestError::file(
            path,
            "unit and time must be two different columns",
        ));
    }
    if spec.period.is_some() && spec.time.is_none() {
        return Err(IngestError::file(
            path,
            "`period` says how a date time key becomes periods; this dataset declares no `time`",
        ));
    }
    if let (Some(_), Some(_), Some(g)) = (&spec.unit, &spec.time, &spec.group) {
        // Accepted, it would change nothing: a panel's cohorts and clusters default to its
        // units. Refused rather than ignored.
        return Err(IngestError {
            file: path.into(),
            line: None,
            column: Some(g.clone()),
            message: format!("`group` sets the level of cohorts on data without a unit key; a panel's cohorts are its units (for cohorts by `{g}` write `first_treated(d, by = {g})`, and `cluster: {g}`)"),
        });
    }
    if let (Some(u), None) = (&spec.unit, &spec.time) {
        return Err(IngestError {
            file: path.into(),
            line: None,
            column: Some(u.clone()),
            message: "a unit key follows units over time and needs a `time` key; for a cross-section declare neither".into(),
        });
    }
    let at = |row: usize| match first_line {
        Some(f) => format!("line {}", row + f),
        None => format!("row {}", row + 1),
    };
    let keyerr = |col: &str, row: Option<usize>, m: String| IngestError {
        file: path.into(),
        line: row.and_then(|r| first_line.map(|f| (r + f) as u64)),
        column: Some(col.into()),
        message: match (row, first_line) {
            (Some(r), None) => format!("{} ({})", m, at(r)),
            _ => m,
        },
    };
    let mut columns = Vec::with_capacity(cols.len());
    for (name, data) in cols {
        let data = if Some(&name) == spec.time.as_ref() {
            time_key(data, spec.period).map_err(|(row, m)| keyerr(&name, row, m))?
        } else {
            if Some(&name) == spec.unit.as_ref() || Some(&name) == spec.group.as_ref() {
                let missing = match &data {
                    Data::Num(v) => v.iter().position(|x| x.is_nan()),
                    Data::Cat { codes, .. } => codes.iter().position(|c| *c == MISSING_CODE),
                };
                if let Some(r) = missing {
                    let which = if Some(&name) == spec.unit.as_ref() {
                        "unit"
                    } else {
                        "group"
                    };
                    return Err(keyerr(&name, Some(r), format!("empty {which} key")));
                }
            }
            data
        };
        columns.push(Column {
            source: path.display().to_string(),
            name,
            data,
        });
    }
    let mut panel = Panel {
        unit: spec.unit.clone(),
        time: spec.time.clone(),
        group: spec.group.clone(),
        columns,
        meta: Default::default(),
    };
    if let (Some((a, b)), Some((unit, time))) = (duplicate_key(&panel), panel.panel_keys()) {
        let u = panel.column(unit).and_then(|c| c.text(a));
        let t = panel.column(time).and_then(|c| c.text(a));
        return Err(keyerr(
            unit,
            Some(b),
            format!(
                "duplicate ({unit}, {time}) = ({}, {}): {} and {}; a panel has one row per unit and period (for data with several rows per {unit} and {time}, such as repeated cross-sections or spells, declare only `time`, and `group` for the level of treatment)",
                u.unwrap_or_default(),
                t.unwrap_or_default(),
                at(a),
                at(b)
            ),
        ));
    }
    canonicalize(&mut panel);
    panel.meta.insert("rows".into(), panel.nrows().to_string());
    Ok(panel)
}

/// Numbers in canonical order: ascending, -0 = +0, missing (NaN) last.
fn num_order(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => (a + 0.0).total_cmp(&(b + 0.0)),
    }
}

/// A number as an integer in [`num_order`]'s order: -0 equals 0, missing (NaN) last.
fn num_key(x: f64) -> u64 {
    if x.is_nan() {
        return u64::MAX;
    }
    let b = (x + 0.0).to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Each row's rank among a number column's distinct values (missing last, as [`num_order`]),
/// and the number of ranks; `None` when it has more than `max` distinct values.
fn num_ranks(v: &[f64], max: usize) -> Option<(Vec<u32>, u64)> {
    let mut seen: foldhash::HashSet<u64> = foldhash::HashSet::default();
    for x in v.iter().filter(|x| !x.is_nan()) {
        seen.insert((x + 0.0).to_bits());
        if seen.len() > max {
            return None;
        }
    }
    let mut distinct: Vec<f64> = seen.into_iter().map(f64::from_bits).collect();
    distinct.sort_by(f64::total_cmp);
    let rank: foldhash::HashMap<u64, u32> = distinct
        .iter()
        .enumerate()
        .map(|(i, x)| (x.to_bits(), i as u32))
        .collect();
    let missing = distinct.len() as u32;
    let ranks = v
        .iter()
        .map(|x| match x.is_nan() {
            true => missing,
            false => rank[&(x + 0.0).to_bits()],
        })
        .collect();
    Some((ranks, u64::from(missing) + 1))
}

/// Each row's rank in a text column's alphabetical order (missing last): equal cells have
/// equal ranks.
fn text_ranks(codes: &[u32], levels: &[String]) -> Vec<u32> {
    use rayon::prelude::*;
    let mut rank_of = vec![0u32; levels.len()];
    for (r, l) in alphabetical(levels).into_iter().enumerate() {
        rank_of[l as usize] = r as u32;
    }
    codes
        .par_iter()
        .with_min_len(1 << 16)
        .map(|&c| rank_of.get(c as usize).copied().unwrap_or(u32::MAX))
        .collect()
}

/// The levels' indices in alphabetical (byte) order, equal texts by index.
///
/// When every level has at most 15 bytes each is one integer that compares as its text does
/// ([`crate::factor::short_key`]): the sort then never follows a pointer (1e7 levels: 11.5 s
/// as strings, under 1 s as integers).
fn alphabetical(levels: &[String]) -> Vec<u32> {
    use rayon::prelude::*;
    let keys: Option<Vec<(u128, u32)>> = levels
        .par_iter()
        .enumerate()
        .map(|(i, s)| crate::factor::short_key(s).map(|k| (k, i as u32)))
        .collect();
    match keys {
        Some(mut keys) => {
            keys.par_sort_unstable();
            keys.into_iter().map(|(_, i)| i).collect()
        }
        None => {
            let mut by_text: Vec<u32> = (0..levels.len() as u32).collect();
            by_text.sort_by(|&a, &b| levels[a as usize].cmp(&levels[b as usize]));
            by_text
        }
    }
}

/// Puts the rows in a canonical order and renumbers every text column's levels in order of
/// first appearance in that order, so that every result (sums, cluster numbering, seeded
/// draws) depends on the data, never on the order of the file's rows.
///
/// The order is by the declared keys (a panel by unit, then time; other data by group, then
/// time; text alphabetically, numbers ascending), then, for data whose keys do not tell rows
/// apart (a cross-section, repeated cross-sections, spells), by every other column in file
/// order. Rows still tied are identical in every column, so their order cannot matter. A file already in
/// that order (the usual case for a panel) is left as it is, at the cost of one pass.
pub fn canonicalize(panel: &mut Panel) {
    /// How one column compares rows: text by the rank of its level, numbers by value.
    enum SortKey<'a> {
        Rank(Vec<u32>),
        Num(&'a [f64]),
    }
    let n = panel.nrows();
    let unique_keys = panel.panel_keys().is_some();
    // A panel in (unit, time) order; other data by group, then time, then every column.
    let keys = if unique_keys {
        [&panel.unit, &panel.time, &panel.group]
    } else {
        [&panel.group, &panel.time, &None]
    };
    let mut sort_cols: Vec<usize> = keys
        .into_iter()
        .flatten()
        .filter_map(|k| panel.columns.iter().position(|c| c.name == *k))
        .collect();
    if !unique_keys {
        let rest: Vec<usize> = (0..panel.columns.len())
            .filter(|i| !sort_cols.contains(i))
            .collect();
        sort_cols.extend(rest);
    }
    // The leading sort columns as one integer per row, in mixed radix of their ranks: the
    // declared keys, then further columns of few distinct values while the radix fits in 64
    // bits; the next column follows as an order-preserving integer. Nearly every comparison of
    // the sort then ends on these two integers, held inline in the array being sorted; the
    // remaining columns break what ties are left.
    let nkeys = keys
        .iter()
        .copied()
        .flatten()
        .filter(|k| panel.columns.iter().any(|c| c.name == **k))
        .count();
    let mut lead = vec![0u64; n];
    let mut radix: u64 = 1;
    let mut in_lead = 0;
    for (i, &c) in sort_cols.iter().enumerate() {
        let ranked = match &panel.columns[c].data {
            Data::Cat { codes, levels } => {
                Some((text_ranks(codes, levels), levels.len() as u64 + 1))
            }
            Data::Num(v) => num_ranks(v, if i < nkeys { usize::MAX } else { 1 << 16 }),
        };
        let Some((ranks, count)) =
            ranked.filter(|(_, k)| i < nkeys || radix.checked_mul(*k).is_some())
        else {
            break;
        };
        radix = radix.saturating_mul(count);
        for (l, r) in lead.iter_mut().zip(ranks) {
            // A missing text key (rank u32::MAX) sorts last, as in the comparison below.
            *l = *l * count + u64::from(r).min(count - 1);
        }
        in_lead += 1;
    }
    let next: Option<Vec<u64>> = sort_cols
        .get(in_lead)
        .map(|&c| match &panel.columns[c].data {
            Data::Cat { codes, levels } => text_ranks(codes, levels)
                .into_iter()
                .map(u64::from)
                .collect(),
            Data::Num(v) => v.iter().map(|&x| num_key(x)).collect(),
        });
    let skip = in_lead + usize::from(next.is_some());
    let sort_keys: Vec<SortKey> = sort_cols[skip..]
        .iter()
        .map(|&c| match &panel.columns[c].data {
            Data::Cat { codes, levels } => SortKey::Rank(text_ranks(codes, levels)),
            Data::Num(v) => SortKey::Num(v),
        })
        .collect();
    // The other columns break ties between rows equal in the leading ones.
    let rest = |a: usize, b: usize| {
        sort_keys
            .iter()
            .map(|k| match k {
                SortKey::Rank(r) => r[a].cmp(&r[b]),
                SortKey::Num(v) => num_order(v[a], v[b]),
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let next_of = |r: usize| next.as_ref().map_or(0, |v| v[r]);
    let cmp = |a: usize, b: usize| {
        (lead[a], next_of(a))
            .cmp(&(lead[b], next_of(b)))
            .then_with(|| rest(a, b))
    };
    let in_order = (1..n).all(|r| cmp(r - 1, r).is_le());
    if in_order
        && panel
            .columns
            .iter()
            .all(|c| levels_in_first_appearance(&c.data))
    {
        return;
    }
    let order: Vec<u32> = if in_order {
        (0..n as u32).collect()
    } else if sort_keys.is_empty() && next.is_none() && radix <= 1 << 32 && n <= 1 << 32 {
        // Rows equal in the leading key are equal in every sort column (a panel's keys are
        // unique; other data sorts by every column): the key and the row, one integer each,
        // sorted as integers (1e8 rows: 1.6 GB less and about twice as fast).
        use rayon::prelude::*;
        let mut keyed: Vec<u64> = lead
            .par_iter()
            .enumerate()
            .map(|(r, &l)| l << 32 | r as u64)
            .collect();
        drop(lead);
        keyed.par_sort_unstable();
        keyed.into_par_iter().map(|k| k as u32).collect()
    } else {
        use rayon::prelude::*;
        let mut rows: Vec<(u64, u64, u32)> = (0..n as u32)
            .map(|r| (lead[r as usize], next_of(r as usize), r))
            .collect();
        // The rows carry their leading keys from here: free the columns of them before the
        // sort (1.6 GB at 1e8 rows).
        drop(lead);
        drop(next);
        rows.par_sort_unstable_by(|a, b| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| rest(a.2 as usize, b.2 as usize))
        });
        rows.into_iter().map(|p| p.2).collect()
    };
    drop(sort_keys);
    for c in &mut panel.columns {
        let data = std::mem::replace(&mut c.data, Data::Num(Vec::new()));
        c.data = match data {
            Data::Num(v) if in_order => Data::Num(v),
            Data::Num(v) => Data::Num(gather(&v, &order)),
            Data::Cat { codes, levels } => {
                let codes: Vec<u32> = if in_order {
                    codes
                } else {
                    gather(&codes, &order)
                };
                renumber(codes, levels)
            }
        };
    }
}

/// `v` in the order `order` (row indices), on every core.
fn gather<T: Copy + Send + Sync>(v: &[T], order: &[u32]) -> Vec<T> {
    use rayon::prelude::*;
    order
        .par_iter()
        .with_min_len(1 << 16)
        .map(|&r| v[r as usize])
        .collect()
}

/// Whether a text column's levels are numbered in order of first appearance, each used (what
/// [`renumber`] would make of them); numbers always are.
fn levels_in_first_appearance(d: &Data) -> bool {
    let Data::Cat { codes, levels } = d else {
        return true;
    };
    let mut next = 0u32;
    for &c in codes {
        if c == next {
            next += 1;
        } else if c > next && c != MISSING_CODE {
            return false;
        }
    }
    next as usize == levels.len()
}

/// Levels renumbered in order of first appearance (unused levels dropped).
fn renumber(codes: Vec<u32>, levels: Vec<String>) -> Data {
    let mut map = vec![MISSING_CODE; levels.len()];
    let mut new_levels = Vec::new();
    let codes = codes
        .into_iter()
        .map(|c| {
            if c == MISSING_CODE {
                return c;
            }
            let m = &mut map[c as usize];
            if *m == MISSING_CODE {
                *m = new_levels.len() as u32;
                new_levels.push(levels[c as usize].clone());
            }
            *m
        })
        .collect();
    Data::Cat {
        codes,
        levels: new_levels,
    }
}

/// The time key as integral numbers, or (row, message).
/// `period` (explicit, or the default: years) applies to dates only; declared for a key of
/// integer periods it would be ignored, so it is refused.
fn time_key(
    data: Data,
    declared: Option<Period>,
) -> std::result::Result<Data, (Option<usize>, String)> {
    let period = declared.unwrap_or_default();
    let mut text_dates = false;
    let v = match data {
        Data::Num(v) => v,
        Data::Cat { codes, levels } => {
            // Text periods that are integers ("2010") are read as numbers; dates ("2010-05-17",
            // "2010-05", "2010Q2") become periods.
            let parsed: Vec<Option<f64>> = levels
                .iter()
                .map(|l| {
                    let l = l.trim();
                    l.parse::<i64>().ok().map(|x| x as f64).or_else(|| {
                        let d = text_date(l)?;
                        text_dates = true;
                        Some(period_of(d, period))
                    })
                })
                .collect();
            if let Some(i) = parsed.iter().position(Option::is_none) {
                let row = codes.iter().position(|&c| c as usize == i);
                return Err((
                    row,
                    format!(
                        "the time key is text (`{}`); use integer periods or dates (2010-05-17, 2010-05, 2010Q2)",
                        levels[i]
                    ),
                ));
            }
            crate::panel::map_codes(&codes, |c| parsed[c as usize].unwrap_or(f64::NAN))
        }
    };
    let mut out = v;
    if declared.is_some() && !text_dates && !out.iter().any(|x| *x >= DATE_TAG / 2.0) {
        return Err((
            None,
            "`period` applies to a time key of dates; this one holds integer periods already"
                .into(),
        ));
    }
    for (r, x) in out.iter_mut().enumerate() {
        if x.is_nan() {
            return Err((Some(r), "empty time key".into()));
        }
        if *x >= DATE_TAG / 2.0 {
            *x = period_of((*x - DATE_TAG) as i64, period);
        } else if x.fract() != 0.0 {
            return Err((
                Some(r),
                format!("time must be an integer period, found {}", fmt_number(*x)),
            ));
        }
    }
    Ok(Data::Num(out))
}

/// Codes of a column for grouping: text codes as they are; numbers numbered in order of first
/// appearance (one hash lookup a row, no sort). Missing is [`MISSING_CODE`].
pub fn key_codes(c: &Column) -> (Vec<u32>, usize) {
    match &c.data {
        Data::Cat { codes, levels } => (codes.clone(), levels.len()),
        Data::Num(v) => {
            let mut map: std::collections::HashMap<u64, u32, foldhash::fast::FixedState> =
                Default::default();
            let codes = v
                .iter()
                .map(|x| {
                    if x.is_nan() {
                        MISSING_CODE
                    } else {
                        // +0.0 and -0.0 are one group.
                        let bits = if *x == 0.0 { 0 } else { x.to_bits() };
                        let next = map.len() as u32;
                        *map.entry(bits).or_insert(next)
                    }
                })
                .collect();
            (codes, map.len())
        }
    }
}

/// Rows sorted by (unit code, time): the order panel functions (lags, first treatment) walk,
/// and where duplicate keys sit side by side. `unit` and `time` are the key columns (a group
/// column stands in for the unit where cohorts are set at the group level).
pub fn key_order(panel: &Panel, unit: &str, time: &str) -> (Vec<u32>, Vec<f64>, Vec<u32>) {
    let (units, _) = panel.column(unit).map(key_codes).unwrap_or_default();
    let times: Vec<f64> = panel
        .column(time)
        .and_then(|c| c.numbers().map(<[f64]>::to_vec))
        .unwrap_or_default();
    let mut order: Vec<u32> = (0..units.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        units[a]
            .cmp(&units[b])
            .then(times[a].total_cmp(&times[b]))
            .then(a.cmp(&b))
    });
    (order, times, units)
}

/// The first pair of rows (earlier, later) sharing a (unit, time) key of a panel.
pub fn duplicate_key(panel: &Panel) -> Option<(usize, usize)> {
    let (unit, time) = panel.panel_keys()?;
    let (units, nu) = panel.column(unit).map(key_codes)?;
    first_duplicate(&units, nu, panel.column(time)?.numbers()?)
}

/// The first pair of rows (earlier, later) with the same unit code (`nu` codes) and period;
/// rows with a missing unit or period are never a pair. With integral periods in a compact
/// range this is one pass over a bitmap of (unit, period) cells; otherwise a sort.
pub fn first_duplicate(units: &[u32], nu: usize, times: &[f64]) -> Option<(usize, usize)> {
    let present = |r: usize| units[r] != MISSING_CODE && !times[r].is_nan();
    let (lo, hi) = (0..times.len())
        .filter(|&r| present(r))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
            (a.min(times[r]), b.max(times[r]))
        });
    let span = if lo > hi { 0.0 } else { hi - lo + 1.0 };
    let cells = span * nu as f64;
    let integral = times.iter().all(|t| t.is_nan() || t.fract() == 0.0);
    if integral && cells > 0.0 && cells <= (1u64 << 32) as f64 {
        let span = span as usize;
        let mut seen = vec![0u64; (nu * span).div_ceil(64)];
        let mut first: Option<usize> = None;
        for r in (0..units.len()).filter(|&r| present(r)) {
            let cell = units[r] as usize * span + (times[r] - lo) as usize;
            let (w, b) = (cell / 64, 1u64 << (cell % 64));
            if seen[w] & b != 0 {
                first = Some(r);
                break;
            }
            seen[w] |= b;
        }
        // The earlier row of the pair, found only when there is one.
        let later = first?;
        let earlier = (0..later).find(|&r| units[r] == units[later] && times[r] == times[later])?;
        return Some((earlier, later));
    }
    let mut order: Vec<usize> = (0..units.len()).filter(|&r| present(r)).collect();
    order.sort_unstable_by(|&a, &b| {
        units[a]
            .cmp(&units[b])
            .then((times[a] + 0.0).total_cmp(&(times[b] + 0.0)))
            .then(a.cmp(&b))
    });
    order.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        (units[a] == units[b] && times[a] == times[b]).then_some((a, b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_map_to_periods() {
        // 2010-05-17 is day 14746 since the epoch.
        assert_eq!(period_of(14746, Period::Year), 2010.0);
        assert_eq!(period_of(14746, Period::Quarter), 4.0 * 2010.0 + 1.0);
        assert_eq!(period_of(14746, Period::Month), 12.0 * 2010.0 + 4.0);
        assert_eq!(period_of(0, Period::Year), 1970.0);
        assert_eq!(period_of(-1, Period::Month), 12.0 * 1969.0 + 11.0);
        assert_eq!(text_date("2010-05-17"), Some(14746));
        assert_eq!(text_date("1970-01-01"), Some(0));
        assert_eq!(text_date("2010/05/17"), Some(14746));
        assert_eq!(
            text_date("2010-05").map(|d| period_of(d, Period::Month)),
            Some(12.0 * 2010.0 + 4.0)
        );
        assert_eq!(
            text_date("2010Q2").map(|d| period_of(d, Period::Quarter)),
            Some(4.0 * 2010.0 + 1.0)
        );
        assert_eq!(
            text_date("2010-q3").map(|d| period_of(d, Period::Quarter)),
            Some(4.0 * 2010.0 + 2.0)
        );
        assert_eq!(text_date("2010-13-01"), None);
        assert_eq!(text_date("abc"), None);
    }

    #[test]
    fn a_period_for_integer_periods_is_refused_not_ignored() {
        let mut spec = DatasetSpec::keys("state", "t");
        spec.period = Some(Period::Quarter);
        let e = assemble(
            Path::new("x.csv"),
            cols(vec![1.0, 2.0, 1.0]),
            &spec,
            Some(2),
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("`period` applies to a time key of dates"),
            "{e}"
        );
        let mut spec = DatasetSpec::keys("state", "t");
        spec.delimiter = Some(';');
        let e = read_panel(
            Path::new("../../tests/fixtures/states/data/states.dta"),
            &spec,
        )
        .unwrap_err();
        assert!(
            e.message.contains("`delimiter` applies to CSV files"),
            "{e}"
        );
    }

    #[test]
    fn text_dates_become_periods() {
        let cols = vec![
            (
                "firm".to_string(),
                Data::from_text(["a", "a", "b"].iter().map(|s| Some(*s))),
            ),
            (
                "date".to_string(),
                Data::from_text(
                    ["2010-01-15", "2010-04-02", "2010-01-31"]
                        .iter()
                        .map(|s| Some(*s)),
                ),
            ),
        ];
        let mut spec = DatasetSpec::keys("firm", "date");
        spec.period = Some(Period::Quarter);
        let p = assemble(Path::new("x.csv"), cols, &spec, Some(2)).unwrap();
        let q = 4.0 * 2010.0;
        assert_eq!(
            p.column("date").unwrap().numbers().unwrap(),
            &[q, q + 1.0, q]
        );
    }

    fn cols(time: Vec<f64>) -> Vec<(String, Data)> {
        vec![
            (
                "state".into(),
                Data::from_text(["CA", "CA", "TX"].iter().map(|s| Some(*s))),
            ),
            ("t".into(), Data::Num(time)),
        ]
    }

    #[test]
    fn rows_are_put_in_key_order_whatever_the_file_order() {
        let p = Path::new("x.csv");
        let spec = DatasetSpec::keys("state", "t");
        let a = assemble(p, cols(vec![2.0, 1.0, 1.0]), &spec, None).unwrap();
        // TX first in the file, then CA twice (t = 2, 1): canonical is CA 1, CA 2, TX 1.
        let shuffled = vec![
            (
                "state".to_string(),
                Data::from_text(["TX", "CA", "CA"].iter().map(|s| Some(*s))),
            ),
            ("t".to_string(), Data::Num(vec![1.0, 2.0, 1.0])),
        ];
        let b = assemble(p, shuffled, &spec, None).unwrap();
        assert_eq!(a.columns, b.columns);
        assert_eq!(b.column("t").unwrap().numbers().unwrap(), &[1.0, 2.0, 1.0]);
        assert_eq!(b.column("state").unwrap().text(0).as_deref(), Some("CA"));
        assert_eq!(b.column("state").unwrap().text(2).as_deref(), Some("TX"));
    }

    #[test]
    fn rows_with_too_few_or_too_many_fields_are_errors() {
        let p = Path::new("x.csv");
        assert!(check_fields(p, &b"a,b\n1,2\n3,4\n"[..], b',').is_ok());
        assert!(
            check_fields(p, &b"a,b\n1,2\n3,4"[..], b',').is_ok(),
            "no final newline is fine"
        );
        assert!(
            check_fields(p, &b"a,b\n\"x,y\",2\n"[..], b',').is_ok(),
            "quoted separator"
        );
        let e = check_fields(p, &b"a,b\n1,2\n3"[..], b',').unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("1 field(s), the header has 2"), "{e}");
        let e = check_fields(p, &b"a,b\n1,2,3\n"[..], b',').unwrap_err();
        assert_eq!(e.line, Some(2));
        // A semicolon file read with a comma: the separator is named, with the way to declare it.
        let e = check_fields(p, &b"state;year;y\nA;2000;1,5\n"[..], b',').unwrap_err();
        assert!(e.message.contains("`delimiter: \";\"`"), "{}", e.message);
        assert_eq!(e.line, Some(1));
        let e = check_fields(p, &b"state;year;y\nA;2000;1\n"[..], b',').unwrap_err();
        assert!(e.message.contains("holding 2 `;`"), "{}", e.message);
        let dir = std::env::temp_dir().join(format!("regspec-sniff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text, want) in [
            ("semi.csv", "state;year;y\nA;2000;1,5\n", Some(';')),
            ("tab.txt", "state\tyear\ty\nA\t2000\t1\n", Some('\t')),
            ("comma.csv", "state,year,note\nA,2000,a;b\n", None),
            ("one.csv", "state\nA\n", None),
        ] {
            let f = dir.join(name);
            std::fs::write(&f, text).unwrap();
            assert_eq!(sniff_delimiter(&f), want, "{name}");
        }
        let semi = dir.join("semi.csv");
        assert_eq!(sniff_decimal(&semi, Some(';')), Some(','));
        assert_eq!(sniff_decimal(&semi, None), None);
        assert_eq!(sniff_decimal(&dir.join("tab.txt"), Some('\t')), None);
        let _ = std::fs::remove_dir_all(&dir);
        // A one-column file without another separator is left to the key checks.
        assert!(check_fields(p, &b"state\nA\n"[..], b',').is_ok());
        assert!(check_fields(p, &b"a;b\n1;2\n"[..], b';').is_ok());
    }

    #[test]
    fn a_bad_cell_in_a_numeric_column_is_found() {
        let d = Data::from_text(["1.5", "2", "abc", "3"].iter().map(|s| Some(*s)));
        assert_eq!(first_non_number(&d), Some((2, "abc".into())));
        let t = Data::from_text(["CA", "TX"].iter().map(|s| Some(*s)));
        assert_eq!(
            first_non_number(&t),
            None,
            "a text column is not a bad numeric one"
        );
    }

    #[test]
    fn unused_columns_of_unsupported_types_do_not_stop_a_read() {
        let dir = std::env::temp_dir().join(format!("regspec-nested-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nested.parquet");
        let tags = Series::new(
            "tags".into(),
            [
                Series::new("".into(), [1i64, 2]),
                Series::new("".into(), [3i64]),
            ],
        );
        let mut df = DataFrame::new_infer_height(vec![
            polars::prelude::Column::new("x".into(), [1.0f64, 2.0]),
            tags.into(),
        ])
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let p = read_panel(&path, &DatasetSpec::default()).unwrap();
        assert_eq!(p.columns.len(), 1, "the list column is left out");
        assert_eq!(
            p.meta.get("unsupported.tags").map(String::as_str),
            Some("list[i64]")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_header_naming_a_column_twice_is_refused() {
        let dir = std::env::temp_dir().join(format!("regspec-dup-header-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.csv");
        std::fs::write(&path, "id,x,\"y\",x\n1,2,3,4\n").unwrap();
        let e = read_panel(&path, &DatasetSpec::default()).unwrap_err();
        assert!(e.to_string().contains("fields 2 and 4"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn rows_without_unique_keys_get_one_order_whatever_the_file_order() {
        // Repeated cross-sections: several rows per (group, time), identical rows included.
        let spec = DatasetSpec {
            time: Some("t".into()),
            group: Some("g".into()),
            ..DatasetSpec::default()
        };
        let rows = [
            ("b", 2.0, 1.0),
            ("a", 1.0, 5.0),
            ("a", 1.0, 3.0),
            ("b", 2.0, 1.0),
            ("a", 2.0, -0.0),
        ];
        let cols = |order: &[usize]| {
            vec![
                (
                    "g".to_string(),
                    Data::from_text(order.iter().map(|&i| Some(rows[i].0))),
                ),
                (
                    "t".to_string(),
                    Data::Num(order.iter().map(|&i| rows[i].1).collect()),
                ),
                (
                    "x".to_string(),
                    Data::Num(order.iter().map(|&i| rows[i].2).collect()),
                ),
            ]
        };
        let p = Path::new("x.csv");
        let a = assemble(p, cols(&[0, 1, 2, 3, 4]), &spec, None).unwrap();
        let b = assemble(p, cols(&[4, 3, 2, 1, 0]), &spec, None).unwrap();
        assert_eq!(a.columns, b.columns);
        assert_eq!(
            a.column("x").unwrap().options(),
            [Some(3.0), Some(5.0), Some(-0.0), Some(1.0), Some(1.0)]
        );
    }

    #[test]
    fn a_group_on_a_panel_is_refused_not_ignored() {
        let spec = DatasetSpec {
            group: Some("x".into()),
            ..DatasetSpec::keys("id", "t")
        };
        let cols = vec![
            ("id".to_string(), Data::Num(vec![1.0, 2.0])),
            ("t".to_string(), Data::Num(vec![1.0, 1.0])),
            ("x".to_string(), Data::Num(vec![1.0, 1.0])),
        ];
        let e = assemble(Path::new("x.csv"), cols, &spec, Some(2)).unwrap_err();
        assert!(
            e.to_string().contains("`group` sets the level of cohorts"),
            "{e}"
        );
    }

    #[test]
    fn keys_are_checked() {
        let p = Path::new("x.csv");
        let spec = DatasetSpec::keys("state", "t");
        assert!(assemble(p, cols(vec![1.0, 2.0, 1.0]), &spec, Some(2)).is_ok());
        let e = assemble(p, cols(vec![1.0, 1.0, 1.0]), &spec, Some(2)).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.message
                .contains("duplicate (state, t) = (CA, 1): line 2 and line 3"),
            "{e}"
        );
        let e = assemble(p, cols(vec![1.0, 1.5, 1.0]), &spec, Some(2)).unwrap_err();
        assert!(e.message.contains("integer period, found 1.5"), "{e}");
        let e = assemble(p, cols(vec![1.0, f64::NAN, 1.0]), &spec, None).unwrap_err();
        assert!(e.message.contains("empty time key (row 2)"), "{e}");
        let e = assemble(
            p,
            cols(vec![1.0, 2.0, 1.0]),
            &DatasetSpec::keys("stat", "t"),
            None,
        )
        .unwrap_err();
        assert!(e.message.contains("did you mean `state`"), "{e}");
    }
}
