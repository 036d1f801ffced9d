//! Stata `.dta` files (every release, through the `dta` crate) into typed columns:
//! - numbers of every storage type become `f64` (a `float` is widened exactly, as `f32 -> f64`
//!   always is; no decimal rounding is invented);
//! - every missing value (`.`, `.a` to `.z`) is missing;
//! - a numeric variable with a value label becomes text categories (its labels; a value without
//!   a label keeps its number as text);
//! - dates: `%td` becomes a date (mapped to a period when it is the time key), `%tq` and `%tm`
//!   become regspec's integral quarters and months (`4 * year + q - 1`, `12 * year + m - 1`).

use crate::error::{IngestError, Result};
use crate::panel::{fmt_number, Data};
use crate::table::{Columns, Labels};
use dta::stata::dta::dta_reader::DtaReader;
use dta::stata::dta::value::Value;
use dta::stata::dta::value_label_table::ValueLabelTable;
use dta::stata::dta::variable_type::VariableType;
use dta::stata::stata_byte::StataByte;
use dta::stata::stata_double::StataDouble;
use dta::stata::stata_float::StataFloat;
use dta::stata::stata_int::StataInt;
use dta::stata::stata_long::StataLong;
use std::path::Path;

/// Days from 1960-01-01 (Stata's epoch) to 1970-01-01.
const STATA_EPOCH_DAYS: f64 = -3653.0;

enum Cells {
    Num(Vec<f64>),
    Text(Vec<Option<String>>),
}

/// The variables of a `.dta` file, and the variable labels of those that have one (Stata's
/// `label variable`), which reports use where a spec gives no label of its own.
pub(crate) fn read_dta(path: &Path) -> Result<(Columns, Labels)> {
    let err = |e: &dyn std::fmt::Display| IngestError::file(path, format!("cannot read: {e}"));
    let header = DtaReader::new().from_path(path).map_err(|e| err(&e))?;
    let schema_reader = header.read_header().map_err(|e| err(&e))?;
    let mut chars = schema_reader.read_schema().map_err(|e| err(&e))?;
    chars.skip_to_end().map_err(|e| err(&e))?;
    let mut records = chars.into_record_reader().map_err(|e| err(&e))?;
    let schema = records.schema().clone();
    let vars = schema.variables();
    if let Some(v) = vars
        .iter()
        .find(|v| v.variable_type() == VariableType::LongString)
    {
        return Err(IngestError {
            file: path.into(),
            line: None,
            column: Some(v.name().to_string()),
            message: "strL (long string) variables are not supported; `recast str# ...` in Stata"
                .into(),
        });
    }
    let mut cells: Vec<Cells> = vars
        .iter()
        .map(|v| match v.variable_type() {
            VariableType::FixedString(_) => Cells::Text(Vec::new()),
            _ => Cells::Num(Vec::new()),
        })
        .collect();
    let mut row = 0usize;
    while let Some(rec) = records.read_record().map_err(|e| err(&e))? {
        row += 1;
        for (i, value) in rec.values().iter().enumerate() {
            match (&mut cells[i], value) {
                (Cells::Text(t), Value::String(s)) => {
                    t.push(Some(s.to_string()).filter(|s| !s.is_empty()))
                }
                (Cells::Num(v), x) => v.push(number(x)),
                _ => {
                    return Err(IngestError {
                        file: path.into(),
                        line: None,
                        column: Some(vars[i].name().to_string()),
                        message: format!("unexpected cell type at row {row}"),
                    })
                }
            }
        }
    }
    let mut strings = records.into_long_string_reader().map_err(|e| err(&e))?;
    strings.skip_to_end().map_err(|e| err(&e))?;
    let mut labels_reader = strings.into_value_label_reader().map_err(|e| err(&e))?;
    let mut labels = ValueLabelTable::new();
    labels_reader
        .read_remaining_into(&mut labels)
        .map_err(|e| err(&e))?;
    let var_labels: Vec<(String, String)> = vars
        .iter()
        .filter(|v| !v.label().trim().is_empty())
        .map(|v| (v.name().to_string(), v.label().trim().to_string()))
        .collect();
    let mut out = Vec::with_capacity(vars.len());
    for (v, c) in vars.iter().zip(cells) {
        let data = match c {
            Cells::Text(t) => Data::from_text(t.iter().map(|s| s.as_deref())),
            Cells::Num(mut x) => match labels.get(v.value_label_name()) {
                Some(set) if !v.value_label_name().is_empty() => {
                    let text: Vec<Option<String>> = x
                        .iter()
                        .map(|&n| {
                            if n.is_nan() {
                                None
                            } else if n.fract() == 0.0 && n.abs() < 2.1e9 {
                                Some(
                                    set.label_for(n as i32)
                                        .map_or_else(|| fmt_number(n), str::to_string),
                                )
                            } else {
                                Some(fmt_number(n))
                            }
                        })
                        .collect();
                    Data::from_text(text.iter().map(|s| s.as_deref()))
                }
                _ => {
                    let fmt = v.format();
                    if fmt.starts_with("%td") || fmt.starts_with("%d") {
                        for d in x.iter_mut().filter(|d| !d.is_nan()) {
                            *d = crate::table::DATE_TAG + *d + STATA_EPOCH_DAYS;
                        }
                    } else if fmt.starts_with("%tq") {
                        x.iter_mut().for_each(|q| *q += 4.0 * 1960.0);
                    } else if fmt.starts_with("%tm") {
                        x.iter_mut().for_each(|m| *m += 12.0 * 1960.0);
                    }
                    Data::Num(x)
                }
            },
        };
        out.push((v.name().to_string(), data));
    }
    Ok((out, var_labels))
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Byte(StataByte::Present(x)) => f64::from(*x),
        Value::Int(StataInt::Present(x)) => f64::from(*x),
        Value::Long(StataLong::Present(x)) => f64::from(*x),
        Value::Float(StataFloat::Present(x)) => f64::from(*x),
        Value::Double(StataDouble::Present(x)) => *x,
        _ => f64::NAN,
    }
}
