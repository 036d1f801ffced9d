//! Bad raw input gets an error naming the file, the line and the column; never a panic.

use measures::study::raw::config::{ReaderKind, SourceSpec};
use measures::study::raw::readers;
use std::path::PathBuf;

fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("regspec-ingest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for (f, text) in files {
        std::fs::write(d.join(f), text).unwrap();
    }
    d
}

fn long(file: &str) -> SourceSpec {
    SourceSpec {
        reader: Some(ReaderKind::Long),
        file: Some(file.into()),
        code_column: Some("iso3".into()),
        year_column: Some("year".into()),
        value_column: Some("value".into()),
        ..SourceSpec::default()
    }
}

#[test]
fn missing_file() {
    let d = dir("missing", &[]);
    let e = readers::read_series(&d, &long("nope.csv"), "gdp").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("nope.csv: file not found (declared for `gdp`)"),
        "{e}"
    );
}

#[test]
fn missing_column() {
    let d = dir("column", &[("a.csv", "iso3,year,val\nUSA,2010,1\n")]);
    let e = readers::read_series(&d, &long("a.csv"), "gdp").unwrap_err();
    assert_eq!(e.line, Some(1));
    assert_eq!(e.column.as_deref(), Some("value"));
    assert!(
        e.to_string()
            .contains("a.csv:1: column `value`: missing column; the file has: iso3, year, val"),
        "{e}"
    );
}

#[test]
fn non_numeric_value() {
    let d = dir(
        "numeric",
        &[(
            "a.csv",
            "iso3,year,value\nUSA,2010,1\nDEU,2010,12,5\nFRA,2010,abc\n",
        )],
    );
    let e = readers::read_series(&d, &long("a.csv"), "gdp").unwrap_err();
    assert!(
        e.to_string()
            .contains("a.csv:4: column `value`: expected a number, found `abc`"),
        "{e}"
    );
}

#[test]
fn duplicate_country_year() {
    let d = dir(
        "dup",
        &[(
            "a.csv",
            "iso3,year,value\nUSA,2010,1\nDEU,2010,2\nUSA,2010,3\n",
        )],
    );
    let e = readers::read_series(&d, &long("a.csv"), "gdp").unwrap_err();
    assert!(
        e.to_string()
            .contains("a.csv:4: column `iso3`: duplicate row for USA 2010 (first at line 2)"),
        "{e}"
    );
}

#[test]
fn unknown_country_code() {
    let d = dir(
        "code",
        &[("a.csv", "iso3,year,value\nUSA,2010,1\nXYZ,2010,2\n")],
    );
    let e = readers::read_series(&d, &long("a.csv"), "gdp").unwrap_err();
    assert!(
        e.to_string()
            .contains("a.csv:3: column `iso3`: unknown country code `XYZ`"),
        "{e}"
    );
    // Declared aggregates are skipped instead.
    let spec = SourceSpec {
        skip_unknown_codes: true,
        ..long("a.csv")
    };
    assert_eq!(readers::read_series(&d, &spec, "gdp").unwrap().len(), 1);
}

#[test]
fn world_bank_wide_layout_and_aliases() {
    let text = "\u{feff}\"Data Source\",\"WDI\",\n\n\"Last Updated Date\",\"2022-12-22\",\n\n\
        \"Country Name\",\"Country Code\",\"Indicator Name\",\"Indicator Code\",\"2010\",\"2011\",\n\
        \"Romania\",\"ROM\",\"GNI\",\"NY.GNP.PCAP.CD\",\"8000\",\"\",\n\
        \"World\",\"WLD\",\"GNI\",\"NY.GNP.PCAP.CD\",\"9000\",\"9100\",\n";
    let d = dir("wide", &[("w.csv", text)]);
    let spec = SourceSpec {
        reader: Some(ReaderKind::Wide),
        file: Some("w.csv".into()),
        indicator: Some("NY.GNP.PCAP.CD".into()),
        skip_lines: 4,
        skip_unknown_codes: true,
        ..SourceSpec::default()
    };
    let s = readers::read_series(&d, &spec, "gni").unwrap();
    assert_eq!(s.get(&("ROU".to_string(), 2010)), Some(&8000.0));
    assert_eq!(s.len(), 1, "empty cell is missing, WLD is no country");
    let bad = SourceSpec {
        indicator: Some("XX".into()),
        ..spec
    };
    assert!(readers::read_series(&d, &bad, "gni")
        .unwrap_err()
        .to_string()
        .contains("indicator `XX`"));
}

#[test]
fn copatent_layout() {
    // The documented co-patent layout: iso3, year, copatents, partner_patents, china_patents.
    let d = dir("copat", &[("copatents.csv", "iso3,year,copatents,partner_patents,china_patents\nDEU,2015,120,48000,30000\nUSA,2015,900,150000,30000\n")]);
    let spec = SourceSpec {
        value_column: Some("copatents".into()),
        ..long("copatents.csv")
    };
    let s = readers::read_series(&d, &spec, "coop").unwrap();
    assert_eq!(s.get(&("USA".to_string(), 2015)), Some(&900.0));
}

#[test]
fn parquet_layout() {
    use polars::prelude::*;
    let d = dir("pq", &[]);
    let mut df = df!(
        "iso3" => ["USA", "DEU", "XYZ"],
        "year" => [2010i32, 2010, 2010],
        "value" => [1.0, 2.0, 3.0]
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(d.join("a.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    let spec = SourceSpec {
        reader: Some(ReaderKind::Parquet),
        ..long("a.parquet")
    };
    let e = readers::read_series(&d, &spec, "x").unwrap_err();
    assert!(
        e.to_string()
            .contains("a.parquet:3: column `iso3`: unknown country code `XYZ`"),
        "{e}"
    );
    let spec = SourceSpec {
        skip_unknown_codes: true,
        ..spec
    };
    let s = readers::read_series(&d, &spec, "x").unwrap();
    assert_eq!(s.get(&("DEU".to_string(), 2010)), Some(&2.0));
    let bad = SourceSpec {
        value_column: Some("val".into()),
        ..spec
    };
    assert!(readers::read_series(&d, &bad, "x")
        .unwrap_err()
        .to_string()
        .contains("column `val`: missing column"));
}
