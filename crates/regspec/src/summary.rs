//! The human summary printed after a panel is built.

use ingest::Panel;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A short description of a panel for `regspec panel`: rows, keys, columns with their
/// missing counts.
pub fn panel_summary(p: &Panel) -> String {
    let mut s = String::new();
    let ids = p.ids();
    let countries: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let years: BTreeSet<i32> = p.years().iter().copied().collect();
    let _ = writeln!(
        s,
        "panel: {} rows, {} countries, years {}-{}",
        p.nrows(),
        countries.len(),
        years.first().copied().unwrap_or(0),
        years.last().copied().unwrap_or(0)
    );
    for (k, v) in &p.meta {
        let _ = writeln!(s, "  {k}: {v}");
    }
    if let Some(sign) = p.column("sign_year") {
        let mut by_year: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
        let mut never = BTreeSet::new();
        for (id, v) in ids.iter().zip(sign.options()) {
            match v {
                Some(y) => by_year.entry(y as i64).or_default().insert(id.as_str()),
                None => never.insert(id.as_str()),
            };
        }
        let _ = writeln!(s, "treated countries by signing year:");
        for (y, cs) in &by_year {
            let _ = writeln!(
                s,
                "  {y}: {:>2}  {}",
                cs.len(),
                cs.iter().copied().collect::<Vec<_>>().join(" ")
            );
        }
        let _ = writeln!(s, "  never: {:>2}", never.len());
    }
    let _ = writeln!(s, "{:<20} {:>8}  source", "variable", "missing");
    for (c, (_, miss)) in p.columns.iter().zip(p.missing_counts()) {
        let _ = writeln!(s, "{:<20} {:>8}  {}", c.name, miss, c.source);
    }
    s
}
