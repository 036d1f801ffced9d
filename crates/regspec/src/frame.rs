//! From the panel to an estimator's columns: the sample filter, products `a:b`, FE and cluster
//! codes (`a^b` interactions), each restricted to the model's sample.

use crate::expr;
use crate::plan::PlannedModel;
use ingest::Panel;
use std::collections::HashMap;

/// Column access by name: `iso3` (codes), `year`, and every panel variable.
pub struct PanelView<'a> {
    panel: &'a Panel,
    years: Vec<f64>,
    ids: Vec<f64>,
    index: HashMap<&'a str, usize>,
}

impl<'a> PanelView<'a> {
    pub fn new(panel: &'a Panel) -> Self {
        let mut codes: HashMap<&str, f64> = HashMap::new();
        let ids = panel
            .ids
            .iter()
            .map(|s| {
                let n = codes.len() as f64;
                *codes.entry(s.as_str()).or_insert(n)
            })
            .collect();
        let index = panel
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.as_str(), i))
            .collect();
        PanelView {
            panel,
            years: panel.years.iter().map(|&y| f64::from(y)).collect(),
            ids,
            index,
        }
    }

    pub fn has(&self, name: &str) -> bool {
        name == "iso3" || name == "year" || self.index.contains_key(name)
    }

    pub fn names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = vec!["iso3", "year"];
        v.extend(self.panel.columns.iter().map(|c| c.name.as_str()));
        v
    }

    pub fn nrows(&self) -> usize {
        self.panel.nrows()
    }

    /// Value at a row; `None` when missing or unknown.
    pub fn get(&self, name: &str, row: usize) -> Option<f64> {
        match name {
            "iso3" => Some(self.ids[row]),
            "year" => Some(self.years[row]),
            _ => self.panel.columns[*self.index.get(name)?].values[row],
        }
    }

    /// Rows where the filter is true (and evaluates without missing values).
    pub fn select(&self, filter: Option<&expr::Expr>) -> Vec<usize> {
        (0..self.nrows())
            .filter(|&r| match filter {
                None => true,
                Some(e) => e.eval(&|c| self.get(c, r)).is_some_and(|v| v != 0.0),
            })
            .collect()
    }

    /// A numeric term on the given rows: a column, or the product `a:b`. NaN for missing.
    pub fn numeric(&self, term: &str, rows: &[usize]) -> Vec<f64> {
        rows.iter()
            .map(|&r| {
                term.split(':')
                    .try_fold(1.0, |acc, c| self.get(c, r).map(|v| acc * v))
                    .unwrap_or(f64::NAN)
            })
            .collect()
    }

    /// Integer codes of a factor on the given rows: a column, or the interaction `a^b`.
    pub fn codes(&self, term: &str, rows: &[usize]) -> Vec<u32> {
        let mut map: HashMap<Vec<u64>, u32> = HashMap::new();
        rows.iter()
            .map(|&r| {
                let key: Option<Vec<u64>> = term
                    .split('^')
                    .map(|c| self.get(c, r).map(f64::to_bits))
                    .collect();
                match key {
                    None => estimators::MISSING,
                    Some(k) => {
                        let n = map.len() as u32;
                        *map.entry(k).or_insert(n)
                    }
                }
            })
            .collect()
    }
}

/// The columns of one model, owned, restricted to its sample.
pub struct ModelFrame {
    pub rows: Vec<usize>,
    pub y: Vec<f64>,
    pub x: Vec<(String, Vec<f64>)>,
    pub fe: Vec<(String, Vec<u32>)>,
    pub cluster: Vec<(String, Vec<u32>)>,
    pub weights: Option<Vec<f64>>,
}

impl ModelFrame {
    pub fn build(
        view: &PanelView,
        m: &PlannedModel,
        extra_x: Vec<(String, Vec<f64>)>,
    ) -> Result<ModelFrame, String> {
        let filter = match &m.sample {
            Some(s) => Some(expr::parse(s).map_err(|e| format!("sample filter: {e}"))?),
            None => None,
        };
        let rows = view.select(filter.as_ref());
        let mut x: Vec<(String, Vec<f64>)> = extra_x
            .into_iter()
            .map(|(n, v)| (n, rows.iter().map(|&r| v[r]).collect()))
            .collect();
        x.extend(
            m.regressors
                .iter()
                .map(|t| (t.clone(), view.numeric(t, &rows))),
        );
        Ok(ModelFrame {
            y: view.numeric(&m.outcome, &rows),
            x,
            fe: m
                .fe
                .iter()
                .map(|t| (t.clone(), view.codes(t, &rows)))
                .collect(),
            cluster: m
                .cluster
                .iter()
                .map(|t| (t.clone(), view.codes(t, &rows)))
                .collect(),
            weights: m.weights.as_ref().map(|w| view.numeric(w, &rows)),
            rows,
        })
    }

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
            clusters: self
                .cluster
                .iter()
                .map(|(n, v)| (n.clone(), v.as_slice()))
                .collect(),
        }
    }
}
