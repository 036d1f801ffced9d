//! From the panel to an estimator's columns: the sample filter, products `a:b`, generated terms
//! (`rel::-3` indicators of fixest's `i()`, `l(x,1)` lags, `f(x,1)` leads) and FE / cluster
//! codes (`a^b` interactions), each restricted to the model's sample. The expansion of fixest's
//! `i()`/`l()`/`f()` terms against the data lives in `terms.rs`.
//!
//! Speed: factor codes are computed once per column (or interaction) for the whole run and
//! shared by every model through a cache; text columns already are codes, and `a^b` combines
//! two code columns arithmetically, so no per-row allocation or string hashing happens here.

use crate::expr;
use crate::model::PlannedModel;
use crate::spec::factors;
use ingest::{Data, Panel, MISSING_CODE};
use measures::eval::Evaluator;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Codes of a factor over all rows and the number of codes; cloned cheaply from the cache. A
/// text column's codes are the panel's own (borrowed: 0.4 GB not copied at 1e8 rows).
type Codes<'a> = (Shared<'a, u32>, usize);

/// Column access by name, with per-run caches of codes and generated columns.
pub struct PanelView<'a> {
    panel: &'a Panel,
    eval: Evaluator<'a>,
    index: HashMap<&'a str, usize>,
    codes: Mutex<HashMap<String, Codes<'a>>>,
    generated: Mutex<HashMap<String, Arc<Vec<f64>>>>,
}

/// A full-length numeric column: borrowed from the panel or generated once and shared.
pub enum ColRef<'a> {
    /// A column of the panel.
    Borrowed(&'a [f64]),
    /// A generated column (`rel::k`, `l(x,1)`), computed once per run.
    Shared(Arc<Vec<f64>>),
}

impl std::ops::Deref for ColRef<'_> {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        match self {
            ColRef::Borrowed(s) => s,
            ColRef::Shared(a) => a,
        }
    }
}

/// A column of a model: borrowed from the panel, shared with the run's caches, or owned when
/// the model's sample or a product made a new one. A model copies a column only when it must.
pub enum Shared<'a, T> {
    /// Borrowed from the panel.
    Borrowed(&'a [T]),
    /// Shared with the run's caches.
    Arc(Arc<Vec<T>>),
    /// Built for this model.
    Owned(Vec<T>),
}

impl<T> std::ops::Deref for Shared<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Shared::Borrowed(s) => s,
            Shared::Arc(a) => a,
            Shared::Owned(v) => v,
        }
    }
}

/// A copy only of owned values; borrowed and shared ones stay so.
impl<T: Clone> Clone for Shared<'_, T> {
    fn clone(&self) -> Self {
        match self {
            Shared::Borrowed(s) => Shared::Borrowed(s),
            Shared::Arc(a) => Shared::Arc(a.clone()),
            Shared::Owned(v) => Shared::Owned(v.clone()),
        }
    }
}

impl<T> Shared<'_, T> {
    /// The values.
    pub fn as_slice(&self) -> &[T] {
        self
    }
}

/// A generated factor: `col::level`, `l(x,k)` or `f(x,k)`.
enum Factor<'t> {
    Plain(&'t str),
    Level(&'t str, &'t str),
    Shift(&'t str, i64),
}

fn parse_factor(f: &str) -> Factor<'_> {
    if let Some((col, level)) = f.split_once("::") {
        return Factor::Level(col, level);
    }
    for (prefix, sign) in [("l(", -1), ("f(", 1)] {
        if let Some(inner) = f.strip_prefix(prefix).and_then(|s| s.strip_suffix(')')) {
            let (col, k) = inner.split_once(',').unwrap_or((inner, "1"));
            if let Ok(k) = k.trim().parse::<i64>() {
                return Factor::Shift(col.trim(), sign * k);
            }
        }
    }
    Factor::Plain(f)
}

impl<'a> PanelView<'a> {
    /// A view of `panel` with empty caches.
    pub fn new(panel: &'a Panel) -> Self {
        PanelView {
            panel,
            eval: Evaluator::new(panel),
            index: panel
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.as_str(), i))
                .collect(),
            codes: Mutex::new(HashMap::new()),
            generated: Mutex::new(HashMap::new()),
        }
    }

    /// The panel.
    pub fn panel(&self) -> &'a Panel {
        self.panel
    }

    /// A row as a reader finds it: by its keys (`state TX in year 2003`) where the dataset has
    /// keys, and by its place in the file always (`line 12`).
    pub fn describe_row(&self, row: usize) -> String {
        let keys: Vec<String> = [&self.panel.unit, &self.panel.time, &self.panel.group]
            .into_iter()
            .flatten()
            .map(|k| format!("{k} {}", self.label(k, row)))
            .collect();
        let at = ingest::table::locate_row(self.panel, row);
        if keys.is_empty() {
            format!("the row at {at}")
        } else {
            format!("{} ({at})", keys.join(" in "))
        }
    }

    /// Whether the panel has a column `name`.
    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Whether column `name` holds text.
    pub fn is_text(&self, name: &str) -> bool {
        self.col(name).is_some_and(|c| c.is_text())
    }

    /// Every column name.
    pub fn names(&self) -> Vec<&str> {
        self.panel.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// Rows of the panel.
    pub fn nrows(&self) -> usize {
        self.panel.nrows()
    }

    pub(crate) fn col(&self, name: &str) -> Option<&'a ingest::Column> {
        self.index.get(name).map(|&i| &self.panel.columns[i])
    }

    /// Value at a row: the number, or the code of a text cell; `None` when missing or unknown.
    pub fn get(&self, name: &str, row: usize) -> Option<f64> {
        match &self.col(name)?.data {
            Data::Num(v) => Some(v[row]).filter(|x| !x.is_nan()),
            Data::Cat { codes, .. } => Some(codes[row])
                .filter(|c| *c != MISSING_CODE)
                .map(f64::from),
        }
    }

    /// A cell as a reader would name it: the text of a text cell, the number otherwise.
    pub fn label(&self, name: &str, row: usize) -> String {
        match self.col(name).map(|c| &c.data) {
            Some(Data::Cat { codes, levels }) => levels
                .get(codes[row] as usize)
                .cloned()
                .unwrap_or_else(|| "(missing)".into()),
            Some(Data::Num(v)) => format!("{}", v[row]),
            None => String::new(),
        }
    }

    /// Rows where the filter is true (and evaluates without missing values).
    pub fn select(&self, filter: Option<&expr::Expr>) -> Vec<usize> {
        self.try_select(filter).unwrap_or_default()
    }

    /// Rows where the filter is true, or why it cannot be evaluated.
    pub fn try_select(&self, filter: Option<&expr::Expr>) -> Result<Vec<usize>, String> {
        match filter {
            None => Ok((0..self.nrows()).collect()),
            Some(e) => self.eval.select(e).map_err(|e| e.to_string()),
        }
    }

    /// Checks that a term can be computed: every column exists, and is numeric where a
    /// number is needed. `numeric` is false for FE and cluster terms.
    pub fn check_term(&self, term: &str, numeric: bool) -> Result<(), String> {
        let parts: Vec<&str> = if numeric {
            factors(term)
        } else {
            term.split('^').collect()
        };
        for f in parts {
            let (col, needs_number) = match parse_factor(f) {
                Factor::Plain(c) => (c, numeric),
                Factor::Level(c, _) => (c, false),
                Factor::Shift(c, _) => (c, true),
            };
            if !self.has(col) {
                if let Some(why) = ingest::table::unsupported_column(self.panel, col) {
                    return Err(why);
                }
                let hint = crate::diag::suggest(col, self.names())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(format!("unknown column `{col}`{hint}"));
            }
            if let Some(file) = self.panel.meta.get(&format!("empty.{col}")) {
                return Err(format!(
                    "column `{col}` is empty: every cell of it in {file} is missing"
                ));
            }
            if needs_number && self.is_text(col) {
                if let Some(cell) = self.panel.meta.get(&format!("not_a_number.{col}")) {
                    return Err(format!(
                        "column `{col}` has a cell that is not a number: {cell} (its other cells are numbers; fix the cell or write it as missing, NA)"
                    ));
                }
                let c = self.col(col).expect("checked");
                let sample = (0..self.nrows())
                    .find_map(|r| c.text(r))
                    .unwrap_or_default();
                return Err(format!(
                    "column `{col}` is text (e.g. \"{sample}\") where a number is needed; use it as a fixed effect, a cluster, in `i({col})` or compare it with text in a filter"
                ));
            }
        }
        Ok(())
    }

    /// A factor over all rows.
    fn factor(&self, f: &str) -> Option<ColRef<'a>> {
        match parse_factor(f) {
            Factor::Plain(c) => match &self.col(c)?.data {
                Data::Num(v) => Some(ColRef::Borrowed(v)),
                Data::Cat { .. } => None,
            },
            generated => {
                if let Some(v) = self.generated.lock().ok()?.get(f) {
                    return Some(ColRef::Shared(v.clone()));
                }
                let v = match generated {
                    Factor::Level(c, level) => match &self.col(c)?.data {
                        Data::Num(v) => {
                            let l: f64 = level.parse().ok()?;
                            v.iter()
                                .map(|x| if x.is_nan() { f64::NAN } else { b(*x == l) })
                                .collect()
                        }
                        Data::Cat { codes, levels } => {
                            let k = levels.iter().position(|x| x == level).map(|i| i as u32);
                            ingest::panel::map_codes(codes, |c| b(Some(c) == k))
                        }
                    },
                    Factor::Shift(c, k) => {
                        let x = self.factor(c)?;
                        self.eval.index().ok()?.shift(&x, k)
                    }
                    Factor::Plain(_) => unreachable!(),
                };
                let v = Arc::new(v);
                self.generated.lock().ok()?.insert(f.to_string(), v.clone());
                Some(ColRef::Shared(v))
            }
        }
    }

    /// A numeric term on the given rows: a column, a generated column, or a product `a:b`.
    /// NaN for missing.
    pub fn numeric(&self, term: &str, rows: &[usize]) -> Vec<f64> {
        match self.numeric_shared(term, rows) {
            Shared::Owned(v) => v,
            other => other.to_vec(),
        }
    }

    /// [`PanelView::numeric`] without a copy when the term is one column over every row.
    pub fn numeric_shared(&self, term: &str, rows: &[usize]) -> Shared<'a, f64> {
        let fs: Vec<Option<ColRef>> = factors(term).into_iter().map(|f| self.factor(f)).collect();
        if fs.iter().any(Option::is_none) {
            return Shared::Owned(vec![f64::NAN; rows.len()]);
        }
        let mut fs: Vec<ColRef> = fs.into_iter().flatten().collect();
        if fs.len() == 1 && rows.len() == self.nrows() {
            return match fs.remove(0) {
                ColRef::Borrowed(s) => Shared::Borrowed(s),
                ColRef::Shared(a) => Shared::Arc(a),
            };
        }
        Shared::Owned(
            rows.iter()
                .map(|&r| fs.iter().fold(1.0, |acc, c| acc * c[r]))
                .collect(),
        )
    }

    /// Codes of one column over all rows, computed once per run.
    fn column_codes(&self, name: &str) -> Codes<'a> {
        if let Some(c) = self.codes.lock().ok().and_then(|m| m.get(name).cloned()) {
            return c;
        }
        let n = self.nrows();
        let c: Codes = match self.col(name) {
            None => (Shared::Arc(Arc::new(vec![MISSING_CODE; n])), 0),
            Some(col) => match &col.data {
                Data::Cat { codes, levels } => (Shared::Borrowed(codes), levels.len()),
                Data::Num(_) => {
                    let (codes, k) = ingest::table::key_codes(col);
                    (Shared::Arc(Arc::new(codes)), k)
                }
            },
        };
        if let Ok(mut m) = self.codes.lock() {
            m.insert(name.to_string(), c.clone());
        }
        c
    }

    /// Codes of a factor term over all rows: a column, or the interaction `a^b` combined
    /// arithmetically (pairs numbered in order of first appearance).
    fn term_codes(&self, term: &str) -> Codes<'a> {
        if let Some(c) = self.codes.lock().ok().and_then(|m| m.get(term).cloned()) {
            return c;
        }
        let mut parts = term.split('^');
        let first = self.column_codes(parts.next().unwrap_or(""));
        let combined = parts.fold(first, |acc, p| {
            let next = self.column_codes(p);
            let (codes, k) = interact(&acc.0, &next.0, next.1);
            (Shared::Arc(Arc::new(codes)), k)
        });
        if let Ok(mut m) = self.codes.lock() {
            m.insert(term.to_string(), combined.clone());
        }
        combined
    }

    /// Integer codes of a factor on the given rows (not renumbered: estimators densify).
    pub fn codes(&self, term: &str, rows: &[usize]) -> Vec<u32> {
        self.codes_shared(term, rows).to_vec()
    }

    /// The codes of the model's `cluster` variables on `rows`; the period of a panel HAC vcov
    /// (its last) coded in time order, as its kernel runs over time.
    pub fn cluster_codes(
        &self,
        m: &PlannedModel,
        rows: &[usize],
    ) -> Vec<(String, Shared<'a, u32>)> {
        m.cluster
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if m.vcov.is_hac() && i + 1 == m.cluster.len() {
                    (t.clone(), Shared::Owned(time_ranks(&self.numeric(t, rows))))
                } else {
                    (t.clone(), self.codes_shared(t, rows))
                }
            })
            .collect()
    }

    /// [`PanelView::codes`] without a copy when the model uses every row.
    pub fn codes_shared(&self, term: &str, rows: &[usize]) -> Shared<'a, u32> {
        let (codes, _) = self.term_codes(term);
        if rows.len() == self.nrows() {
            return codes;
        }
        Shared::Owned(rows.iter().map(|&r| codes[r]).collect())
    }
}

/// Codes of the pairs (a, b), numbered densely in order of first appearance.
fn interact(a: &[u32], b: &[u32], nb: usize) -> (Vec<u32>, usize) {
    let mut map: HashMap<u64, u32, foldhash::fast::FixedState> = HashMap::default();
    let codes = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            if x == MISSING_CODE || y == MISSING_CODE {
                MISSING_CODE
            } else {
                let key = u64::from(x) * nb as u64 + u64::from(y);
                let next = map.len() as u32;
                *map.entry(key).or_insert(next)
            }
        })
        .collect();
    (codes, map.len())
}

/// Each value's rank among the distinct values (0 for the earliest), as codes.
pub(crate) fn time_ranks(t: &[f64]) -> Vec<u32> {
    let mut distinct: Vec<f64> = t.iter().copied().filter(|x| x.is_finite()).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    t.iter()
        .map(|x| {
            distinct
                .binary_search_by(|d| d.total_cmp(x))
                .map_or(ingest::MISSING_CODE, |k| k as u32)
        })
        .collect()
}

fn b(x: bool) -> f64 {
    if x {
        1.0
    } else {
        0.0
    }
}

/// The columns of one model, restricted to its sample; copied only where the sample or a
/// product requires it.
pub struct ModelFrame<'a> {
    /// Panel rows of the model's sample, complete in every column it uses.
    pub rows: Vec<usize>,
    /// The outcome on those rows.
    pub y: Shared<'a, f64>,
    /// Regressors (treatment, regressors, controls, generated terms) on those rows.
    pub x: Vec<(String, Shared<'a, f64>)>,
    /// Fixed-effect codes on those rows.
    pub fe: Vec<(String, Shared<'a, u32>)>,
    /// Cluster codes on those rows.
    pub cluster: Vec<(String, Shared<'a, u32>)>,
    /// Weights on those rows.
    pub weights: Option<Shared<'a, f64>>,
    /// Latitude and longitude on those rows (Conley errors).
    pub coords: Option<(Shared<'a, f64>, Shared<'a, f64>)>,
}

impl<'a> ModelFrame<'a> {
    /// The columns of model `m` on its sample, with `extra` generated regressors (event-study
    /// dummies, Sun-Abraham cells) over every panel row.
    pub fn build(
        view: &PanelView<'a>,
        m: &PlannedModel,
        extra_x: Vec<(String, Vec<f64>)>,
    ) -> Result<ModelFrame<'a>, String> {
        let filter = match &m.sample {
            Some(s) => Some(expr::parse(s).map_err(|e| format!("sample filter: {e}"))?),
            None => None,
        };
        let rows = view
            .try_select(filter.as_ref())
            .map_err(|e| format!("sample filter: {e}"))?;
        let all = rows.len() == view.nrows();
        let mut x: Vec<(String, Shared<'a, f64>)> = extra_x
            .into_iter()
            .map(|(n, v)| {
                if all {
                    (n, Shared::Owned(v))
                } else {
                    (n, Shared::Owned(rows.iter().map(|&r| v[r]).collect()))
                }
            })
            .collect();
        x.extend(
            m.regressors
                .iter()
                .map(|t| (t.clone(), view.numeric_shared(t, &rows))),
        );
        Ok(ModelFrame {
            y: view.numeric_shared(&m.outcome, &rows),
            x,
            fe: m
                .fe
                .iter()
                .map(|t| (t.clone(), view.codes_shared(t, &rows)))
                .collect(),
            cluster: view.cluster_codes(m, &rows),
            weights: m.weights.as_ref().map(|w| view.numeric_shared(w, &rows)),
            coords: match m.coordinates.as_slice() {
                [lat, lon] => Some((
                    view.numeric_shared(lat, &rows),
                    view.numeric_shared(lon, &rows),
                )),
                _ => None,
            },
            rows,
        })
    }

    /// The frame as the estimators crate's input, with outcome name `y_name`.
    pub fn data(&self, y_name: &str) -> estimators::OlsData<'_> {
        estimators::OlsData {
            y_name: y_name.to_string(),
            y: &self.y,
            x: self
                .x
                .iter()
                .map(|(n, v)| (n.clone(), v.as_slice()))
                .collect(),
            fe: self
                .fe
                .iter()
                .map(|(n, v)| (n.clone(), v.as_slice()))
                .collect(),
            weights: self.weights.as_deref(),
            coords: self
                .coords
                .as_ref()
                .map(|(lat, lon)| (lat.as_slice(), lon.as_slice())),
            clusters: self
                .cluster
                .iter()
                .map(|(n, v)| (n.clone(), v.as_slice()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_keep_level_separators() {
        assert_eq!(factors("a:b"), vec!["a", "b"]);
        assert_eq!(factors("rel::-3:treat"), vec!["rel::-3", "treat"]);
        assert_eq!(factors("l(x,1)"), vec!["l(x,1)"]);
    }

    #[test]
    fn interactions_are_numbered_by_first_appearance() {
        let (c, n) = interact(&[0, 1, 0, 1, MISSING_CODE], &[2, 2, 2, 0, 1], 3);
        assert_eq!(c, vec![0, 1, 0, 2, MISSING_CODE]);
        assert_eq!(n, 3);
    }
}
