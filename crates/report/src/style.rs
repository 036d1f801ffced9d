//! Number formatting and significance conventions of a table, from the spec file's `format:`
//! block (validated here, so a typo is an error and not a silent default).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// What is printed below each estimate.
pub enum Below {
    /// Standard errors in parentheses.
    Se,
    /// t statistics in parentheses.
    T,
    /// 95% confidence intervals in brackets.
    Ci,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
/// Number formatting of a table (`format:` in a spec file).
pub struct Style {
    /// A journal's conventions as the starting point (`style: aer`); the other keys override
    /// them. Only read through [`Style::from_value`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<Journal>,
    /// Decimal places.
    pub digits: usize,
    /// Significance thresholds, largest first: p below the threshold earns the stars.
    pub stars: Vec<(f64, String)>,
    /// What goes below the estimates.
    pub below: Below,
    /// LaTeX only: a table with more columns is set as several tables of at most this many
    /// columns each (numbered on, "continued" in the caption, the notes under the last part),
    /// instead of being scaled down to the line width. Markdown and HTML keep one table.
    pub columns_per_table: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Journal conventions a table's `format: {style: ...}` starts from.
pub enum Journal {
    /// regspec's own: stars at 10%, 5% and 1%, standard errors below, three decimals.
    Default,
    /// The AEA journals (AER, AEJs): no significance stars, standard errors in parentheses.
    Aer,
    /// The Quarterly Journal of Economics: stars at 10%, 5% and 1%, standard errors below.
    Qje,
    /// Econometrica: no significance stars, standard errors in parentheses.
    Econometrica,
}

impl Journal {
    /// The style the journal asks for.
    fn style(self) -> Style {
        let no_stars = Style {
            stars: Vec::new(),
            ..Style::default()
        };
        match self {
            Journal::Default | Journal::Qje => Style::default(),
            Journal::Aer | Journal::Econometrica => no_stars,
        }
    }
}

impl Default for Style {
    fn default() -> Self {
        Style {
            style: None,
            digits: 3,
            stars: vec![(0.1, "*".into()), (0.05, "**".into()), (0.01, "***".into())],
            below: Below::Se,
            columns_per_table: None,
        }
    }
}

impl Style {
    /// The style of a spec file's `format` (defaults where absent); an error names what is wrong.
    pub fn from_value(v: &serde_json::Value) -> Result<Style, String> {
        if v.is_null() {
            return Ok(Style::default());
        }
        // A journal's style first, then the keys written beside it.
        let merged = match v.get("style") {
            Some(j) => {
                let journal: Journal = serde_json::from_value(j.clone())
                    .map_err(|e| format!("table `format`: style: {e}"))?;
                let mut base = serde_json::to_value(journal.style()).map_err(|e| e.to_string())?;
                if let (Some(b), Some(o)) = (base.as_object_mut(), v.as_object()) {
                    for (k, x) in o {
                        b.insert(k.clone(), x.clone());
                    }
                }
                base
            }
            None => v.clone(),
        };
        let s: Style =
            serde_json::from_value(merged).map_err(|e| format!("table `format`: {e}"))?;
        if s.digits > 10 {
            return Err("table `format`: digits must be at most 10".into());
        }
        if s.columns_per_table == Some(0) {
            return Err("table `format`: columns_per_table must be at least 1".into());
        }
        Ok(s)
    }

    /// The stars of the smallest threshold p is below.
    pub fn stars_for(&self, p: f64) -> String {
        self.stars
            .iter()
            .filter(|(thr, _)| p < *thr)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    /// (stars, threshold) pairs for the legend, fewest stars first.
    pub fn legend(&self) -> Vec<(String, f64)> {
        let mut v: Vec<(String, f64)> = self.stars.iter().map(|(t, s)| (s.clone(), *t)).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars() {
        let s = Style::default();
        assert_eq!(s.stars_for(0.2), "");
        assert_eq!(s.stars_for(0.07), "*");
        assert_eq!(s.stars_for(0.03), "**");
        assert_eq!(s.stars_for(0.001), "***");
        assert!(Style::from_value(&serde_json::json!({"digitz": 2})).is_err());
        assert_eq!(
            Style::from_value(&serde_json::json!({"digits": 2, "below": "t"}))
                .unwrap()
                .digits,
            2
        );
        assert!(Style::from_value(&serde_json::json!({"columns_per_table": 0})).is_err());
        // Journal styles, and a key beside the style overriding it.
        let aer = Style::from_value(&serde_json::json!({"style": "aer"})).unwrap();
        assert!(aer.stars.is_empty() && aer.below == Below::Se && aer.digits == 3);
        let qje = Style::from_value(&serde_json::json!({"style": "qje", "digits": 2})).unwrap();
        assert_eq!((qje.stars.len(), qje.digits), (3, 2));
        assert!(Style::from_value(&serde_json::json!({"style": "jpe"})).is_err());
        assert_eq!(
            Style::from_value(&serde_json::json!({"columns_per_table": 6}))
                .unwrap()
                .columns_per_table,
            Some(6)
        );
    }
}
