//! A thin layer over the `csv` crate that every raw-file reader shares (the study's, in
//! `measures::study`): header lookup with a
//! clear "missing column" error, line numbers on every record, and number parsing that says
//! which cell was not a number. Keeping this in one place is what makes all readers' errors alike.

use crate::error::{IngestError, Result};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Cell contents that mean "no value" in the raw files we read (World Bank `..`, Hofstede `#NULL!`).
const MISSING_TOKENS: &[&str] = &["", "..", "#NULL!", "NA", "NaN", "nan", "null"];

/// A CSV file parsed once: its header and its records with their line numbers.
pub struct CsvTable {
    path: PathBuf,
    header: Vec<String>,
    /// Records with the 1-based line number each starts on.
    records: Vec<(u64, csv::StringRecord)>,
}

/// How to parse a CSV file.
pub struct ReadOptions {
    /// The field separator.
    pub delimiter: u8,
    /// Lines to skip before the header (World Bank API files carry 4 lines of preamble).
    pub skip_lines: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: b',',
            skip_lines: 0,
        }
    }
}

/// Parsed tables by (path, layout, content hash): `sources.yaml` reads the same WDI or WGI file
/// once per variable, and parsing dominates the cost of building the panel. Keyed on the
/// content, so an edited file is parsed again.
type CacheKey = (PathBuf, u8, usize, u64);
static CACHE: std::sync::OnceLock<std::sync::Mutex<HashMap<CacheKey, Arc<CsvTable>>>> =
    std::sync::OnceLock::new();

impl CsvTable {
    /// Reads and parses a file, or returns the table parsed earlier from the same bytes.
    pub fn read_cached(path: &Path, opts: &ReadOptions) -> Result<Arc<CsvTable>> {
        let bytes = std::fs::read(path)
            .map_err(|e| IngestError::file(path, format!("cannot read file: {e}")))?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        let key = (
            path.to_path_buf(),
            opts.delimiter,
            opts.skip_lines,
            h.finish(),
        );
        let cache = CACHE.get_or_init(Default::default);
        if let Some(t) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(t);
        }
        let t = Arc::new(CsvTable::parse(path, &bytes, opts)?);
        if let Ok(mut c) = cache.lock() {
            c.insert(key, t.clone());
        }
        Ok(t)
    }

    /// Reads and parses `path` (errors name the file and, for a bad record, its line).
    pub fn read(path: &Path, opts: &ReadOptions) -> Result<CsvTable> {
        let bytes = std::fs::read(path)
            .map_err(|e| IngestError::file(path, format!("cannot read file: {e}")))?;
        CsvTable::parse(path, &bytes, opts)
    }

    fn parse(path: &Path, bytes: &[u8], opts: &ReadOptions) -> Result<CsvTable> {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        // Skip preamble lines by byte offset so record line numbers stay true to the file.
        let mut offset = 0;
        for _ in 0..opts.skip_lines {
            match text[offset..].find('\n') {
                Some(i) => offset += i + 1,
                None => return Err(IngestError::file(path, "file ends before its header line")),
            }
        }
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(opts.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(&text.as_bytes()[offset..]);
        let line_base = opts.skip_lines as u64;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| IngestError::file(path, format!("malformed header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(IngestError::file(path, "file is empty (no header line)"));
        }
        let mut records = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() + line_base).unwrap_or(0);
                IngestError::at(path, line, None, format!("malformed CSV record: {e}"))
            })?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0) + line_base;
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            records.push((line, rec));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            header,
            records,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Index of a required column, or an error that names the file and the columns it has.
    pub fn col(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            IngestError::at(
                &self.path,
                1,
                Some(name),
                format!("missing column; the file has: {}", self.header.join(", ")),
            )
        })
    }

    /// The records, in file order, each with its line number.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(line, rec)| Row {
            table: self,
            line: *line,
            rec,
        })
    }
}

/// One record of a [`CsvTable`].
pub struct Row<'a> {
    table: &'a CsvTable,
    /// The 1-based line it starts on.
    pub line: u64,
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    /// The cell at `idx`, trimmed (empty when the record is short).
    pub fn str(&self, idx: usize) -> &str {
        self.rec.get(idx).map(str::trim).unwrap_or("")
    }

    fn colname(&self, idx: usize) -> &str {
        self.table
            .header
            .get(idx)
            .map(String::as_str)
            .unwrap_or("?")
    }

    /// An error at this record's line and the column at `idx`.
    pub fn error(&self, idx: usize, message: impl Into<String>) -> IngestError {
        IngestError::at(
            &self.table.path,
            self.line,
            Some(self.colname(idx)),
            message,
        )
    }

    /// A number, `None` for a declared missing token, an error for anything else.
    pub fn f64_opt(&self, idx: usize) -> Result<Option<f64>> {
        self.f64_opt_with(idx, false)
    }

    /// As [`Row::f64_opt`], accepting a decimal comma (the GII panel writes `65,2`).
    pub fn f64_opt_with(&self, idx: usize, decimal_comma: bool) -> Result<Option<f64>> {
        let raw = self.str(idx);
        if MISSING_TOKENS.contains(&raw) {
            return Ok(None);
        }
        let owned;
        let s = if decimal_comma {
            owned = raw.replace(',', ".");
            owned.as_str()
        } else {
            raw
        };
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.error(idx, format!("expected a number, found `{raw}`"))),
        }
    }

    /// A year (an integer), an error naming the cell otherwise.
    pub fn year(&self, idx: usize) -> Result<i32> {
        let raw = self.str(idx);
        // Accept `2015`, `2015.0` and ISO dates `2015-03-27`.
        let head = raw.split(['-', '.']).next().unwrap_or("");
        match head.parse::<i32>() {
            Ok(y) if (1800..=2200).contains(&y) && !raw.is_empty() => Ok(y),
            _ => Err(self.error(idx, format!("expected a year, found `{raw}`"))),
        }
    }

    /// A year, `None` for a declared missing token.
    pub fn year_opt(&self, idx: usize) -> Result<Option<i32>> {
        if MISSING_TOKENS.contains(&self.str(idx)) {
            Ok(None)
        } else {
            self.year(idx).map(Some)
        }
    }
}
