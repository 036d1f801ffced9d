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
    /// LaTeX and Word: a table with more columns is set as several tables of at most this many
    /// columns each (numbered on, "continued" in the caption, the notes under the last part),
    /// instead of being scaled down to the line width. Markdown, HTML and Typst keep one table.
    pub columns_per_table: Option<usize>,
    /// Where the rows that describe each column's design (fixed effects, controls, weights,
    /// sample) go: before the fit statistics (`first`) or after them (`last`, as fixest's
    /// `style.tex("aer")` sets them).
    pub design_rows: DesignRows,
    /// A fixed effect's row label, `{}` standing for the variable's label: `"{} FE"`, or
    /// `"{} fixed effects"` in the journal styles.
    pub fe_label: String,
    /// Words the notes start with (`"Notes:"`, in italics in LaTeX); none by default.
    pub notes_intro: Option<String>,
    /// Word only: the columns a Word table shows (default 120, about fourteen landscape
    /// pages); a wider table (a grid of thousands of models) shows its first ones and says
    /// where every column is. Building a Word table of 10,000 columns took seconds, and no one
    /// reads one.
    pub word_columns: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Where a table's design rows (fixed effects, controls, weights, sample) go.
pub enum DesignRows {
    /// Before the fit statistics (observations, R²).
    First,
    /// After the fit statistics and the estimators' own rows.
    Last,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// Journal conventions a table's `format: {style: ...}` starts from.
pub enum Journal {
    /// regspec's own: stars at 10%, 5% and 1%, standard errors below, three decimals, design
    /// rows ("Country FE") before the fit statistics.
    Default,
    /// The AEA journals (AER, AEJs), whose style guide asks for no significance stars:
    /// standard errors in parentheses, fit statistics before the design rows ("Country fixed
    /// effects"), notes introduced by "Notes:".
    Aer,
    /// The Quarterly Journal of Economics: as the AEA style, with stars at 10%, 5% and 1%.
    Qje,
    /// Econometrica: as the AEA style (no stars).
    Econometrica,
}

impl Journal {
    /// The style the journal asks for.
    fn style(self) -> Style {
        let journal = Style {
            design_rows: DesignRows::Last,
            fe_label: "{} fixed effects".into(),
            notes_intro: Some("Notes:".into()),
            ..Style::default()
        };
        match self {
            Journal::Default => Style::default(),
            Journal::Qje => journal,
            Journal::Aer | Journal::Econometrica => Style {
                stars: Vec::new(),
                ..journal
            },
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
            design_rows: DesignRows::First,
            fe_label: "{} FE".into(),
            notes_intro: None,
            word_columns: 120,
        }
    }
}

impl Style {
    /// The `format` a table is written with: the workspace's (`format:` in regspec.yaml) with
    /// the spec file's keys over it.
    pub fn merge(
        workspace: Option<&serde_json::Value>,
        spec: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        for v in [workspace, spec].into_iter().flatten() {
            if let Some(o) = v.as_object() {
                for (k, x) in o {
                    // A journal named in the spec starts over from that journal: the workspace's
                    // other keys do not carry into it.
                    if k == "style" {
                        out.clear();
                    }
                    out.insert(k.clone(), x.clone());
                }
            }
        }
        if out.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::Value::Object(out)
        }
    }

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
        if s.word_columns == 0 {
            return Err("table `format`: word_columns must be at least 1".into());
        }
        if s.fe_label.matches("{}").count() != 1 {
            return Err(format!(
                "table `format`: fe_label `{}` must contain `{{}}` once, where the fixed effect's label goes",
                s.fe_label
            ));
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
        assert_eq!(aer.design_rows, DesignRows::Last);
        assert_eq!(aer.fe_label, "{} fixed effects");
        assert_eq!(aer.notes_intro.as_deref(), Some("Notes:"));
        let qje = Style::from_value(&serde_json::json!({"style": "qje", "digits": 2})).unwrap();
        assert_eq!((qje.stars.len(), qje.digits), (3, 2));
        assert_eq!(qje.design_rows, DesignRows::Last);
        assert!(Style::from_value(&serde_json::json!({"fe_label": "FE"})).is_err());
        assert!(Style::from_value(&serde_json::json!({"style": "jpe"})).is_err());
        assert_eq!(
            Style::from_value(&serde_json::json!({"columns_per_table": 6}))
                .unwrap()
                .columns_per_table,
            Some(6)
        );
    }

    #[test]
    fn workspace_format_under_the_spec() {
        use serde_json::json;
        // The spec's keys win; the workspace's others stay.
        let m = Style::merge(
            Some(&json!({"style": "aer", "digits": 2})),
            Some(&json!({"digits": 4})),
        );
        assert_eq!(m, json!({"style": "aer", "digits": 4}));
        // A journal in the spec starts over from it.
        let m = Style::merge(
            Some(&json!({"style": "aer", "digits": 2})),
            Some(&json!({"style": "qje"})),
        );
        assert_eq!(m, json!({"style": "qje"}));
        assert_eq!(Style::merge(None, None), serde_json::Value::Null);
        assert_eq!(
            Style::merge(Some(&json!({"digits": 2})), None),
            json!({"digits": 2})
        );
    }
}
