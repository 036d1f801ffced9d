//! `ingest`: data files to a typed table. [`Panel`] holds columns once and typed; [`read_panel`]
//! reads a user's CSV, Parquet or Stata file with the keys it declares (a panel, repeated
//! cross-sections or a cross-section: [`panel::Shape`]) and puts its rows in one canonical order.
//! `csvtab` parses a CSV file once, for readers of other layouts (the study's raw files, read in
//! `measures::study`).

#![warn(missing_docs)]

pub mod csvtab;
mod dta;
pub mod error;
mod factor;
pub mod panel;
pub mod table;

pub use error::{IngestError, Result};
pub use panel::{Column, Data, Panel, MISSING_CODE};
pub use table::{read_panel, DatasetSpec, Period};

/// The closest candidate within edit distance 2 (or a third of the word), for "did you mean".
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
