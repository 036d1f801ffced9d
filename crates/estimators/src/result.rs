//! The result of a fit: everything the report needs, serialisable to JSON.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One estimated coefficient and its inference.
pub struct Coefficient {
    /// Regressor name.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub std_error: f64,
    /// t statistic.
    pub t_stat: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower end of the confidence interval.
    pub ci_low: f64,
    /// Upper end of the confidence interval.
    pub ci_high: f64,
    /// For a coefficient of one level of a term (an `i()` dummy `rel::3`, an event-time effect),
    /// the term and the level: set where the coefficient is made, read by everyone after it
    /// (labels, row order, event-study figures, HonestDiD) instead of splitting the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// A level of a term: the coefficient named `term::value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// The term: the variable of an `i()` term, or an estimator's event-time prefix.
    pub term: String,
    /// The level as written.
    pub value: String,
}

impl Level {
    /// The level of a regressor named `term::value` (fixest's name of an `i()` dummy), read
    /// once, when its coefficient is made.
    pub fn of_name(name: &str) -> Option<Level> {
        let (term, value) = name.rsplit_once("::")?;
        Some(Level {
            term: term.to_string(),
            value: value.to_string(),
        })
    }

    /// The level as a whole number (an event time), if it is one.
    pub fn event_time(&self) -> Option<i64> {
        self.value.parse().ok()
    }
}

impl Coefficient {
    /// The effect named `prefix::level` (an event time) with its inference: t = estimate / se,
    /// the two-sided p-value of t from `p_of_t` (the estimator's distribution), the interval
    /// estimate +- q se. One constructor for every robust-DID estimator's event-time effects.
    pub fn event(
        prefix: &str,
        level: impl std::fmt::Display,
        estimate: f64,
        std_error: f64,
        q: f64,
        p_of_t: impl Fn(f64) -> f64,
    ) -> Coefficient {
        let t = estimate / std_error;
        let level = level.to_string();
        Coefficient {
            name: format!("{prefix}::{level}"),
            estimate,
            std_error,
            t_stat: t,
            p_value: p_of_t(t),
            ci_low: estimate - q * std_error,
            ci_high: estimate + q * std_error,
            level: Some(Level {
                term: prefix.to_string(),
                value: level,
            }),
        }
    }

    /// An event-time effect whose p-value and interval its estimator computed itself (a
    /// horizon's own regression, a delta-method average).
    pub fn event_given(
        prefix: &str,
        level: impl std::fmt::Display,
        estimate: f64,
        std_error: f64,
        p_value: f64,
        (ci_low, ci_high): (f64, f64),
    ) -> Coefficient {
        Coefficient {
            ci_low,
            ci_high,
            ..Coefficient::event(prefix, level, estimate, std_error, 0.0, |_| p_value)
        }
    }

    /// (term, event time) of an event-time coefficient.
    pub fn event_time(&self) -> Option<(&str, i64)> {
        let l = self.level.as_ref()?;
        Some((l.term.as_str(), l.event_time()?))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A regressor dropped from the fit.
pub struct Dropped {
    /// Its name.
    pub name: String,
    /// `absorbed by fixed effects` or `collinear`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// One absorbed fixed effect.
pub struct FeSummary {
    /// Its name.
    pub name: String,
    /// Its levels in the estimation sample.
    pub levels: usize,
    /// Whether it is nested in a cluster variable (then not counted in K).
    pub nested_in_cluster: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A Wald (F) test of linear restrictions.
pub struct Wald {
    /// The F statistic.
    pub stat: f64,
    /// Its p-value.
    pub p_value: f64,
    /// Numerator degrees of freedom.
    pub df1: usize,
    /// Denominator degrees of freedom.
    pub df2: f64,
}

/// How a fit's standard errors were computed. Set by the estimator that computed them and
/// rendered by the report (notes, curve choices) from the type: nothing is parsed back from
/// text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inference {
    /// Homoskedastic.
    Iid,
    /// Heteroskedasticity-robust, HC1.
    Hetero,
    /// CR1, one- or two-way (Cameron-Gelbach-Miller), by these variables.
    Cluster {
        /// The cluster variables.
        by: Vec<String>,
    },
    /// Driscoll-Kraay: scores summed by period, Bartlett kernel over `lag` periods.
    DriscollKraay {
        /// The bandwidth used, in periods.
        lag: u32,
    },
    /// Newey-West within units, Bartlett kernel over `lag` periods.
    NeweyWest {
        /// The bandwidth used, in periods.
        lag: u32,
    },
    /// Conley spatial HAC: rows within `cutoff_km` correlated with the kernel's weight.
    Conley {
        /// Distance cutoff in km.
        cutoff_km: f64,
        /// Spatial kernel.
        kernel: crate::model::ConleyKernel,
        /// Serial bandwidth in periods (0: none).
        lag: u32,
        /// Whether the spatial correlation runs within periods (data with periods) rather
        /// than across all rows.
        by_period: bool,
    },
    /// From placebo assignments among the controls (synthetic DID).
    Placebo {
        /// Placebo draws.
        draws: usize,
    },
    /// Leave-one-unit-out jackknife (synthetic DID).
    Jackknife,
    /// From the estimator's influence function with each observation independent (a robust-DID
    /// estimator on repeated cross-sections without a cluster).
    InfluenceFunction,
}

impl Inference {
    /// A short name: `iid`, `hetero`, `cluster`, `driscoll_kraay(2)`, `newey_west(2)`,
    /// `influence_function` (a specification curve's choice values).
    pub fn short(&self) -> String {
        match self {
            Inference::Iid => "iid".into(),
            Inference::Hetero => "hetero".into(),
            Inference::Cluster { .. } => "cluster".into(),
            Inference::DriscollKraay { lag } => format!("driscoll_kraay({lag})"),
            Inference::NeweyWest { lag } => format!("newey_west({lag})"),
            Inference::Conley { cutoff_km, .. } => format!("conley({cutoff_km})"),
            Inference::Placebo { .. } => "placebo".into(),
            Inference::Jackknife => "jackknife".into(),
            Inference::InfluenceFunction => "influence_function".into(),
        }
    }

    /// The cluster variables (none unless clustered).
    pub fn clusters(&self) -> &[String] {
        match self {
            Inference::Cluster { by } => by,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A fitted OLS model with fixest's inference conventions.
pub struct OlsResult {
    /// Name of the outcome.
    pub outcome: String,
    /// Coefficients of the kept regressors, in order.
    pub coefficients: Vec<Coefficient>,
    /// Row-major, in the order of `coefficients`; empty where the estimator has none (LP-DiD's
    /// horizons are separate regressions whose covariances are not estimated).
    pub vcov: Vec<Vec<f64>>,
    /// Observations in the estimation sample.
    pub nobs: usize,
    /// Rows dropped for missing values.
    pub n_missing: usize,
    /// Rows dropped for infinite values.
    #[serde(default)]
    pub n_infinite: usize,
    /// Rows dropped as FE singletons.
    pub n_singletons: usize,
    /// Regressors dropped (absorbed or collinear) and why.
    pub dropped: Vec<Dropped>,
    /// The absorbed fixed effects.
    pub fixed_effects: Vec<FeSummary>,
    /// How the standard errors were computed, typed from the spec to the table's notes.
    pub inference: Inference,
    /// Clusters per cluster variable (of [`Inference::Cluster`]).
    pub n_clusters: Vec<usize>,
    /// K used in the small-sample adjustment.
    pub df_k: usize,
    /// Degrees of freedom of the t distribution for p-values and intervals.
    pub df_t: f64,
    /// NaN (null in JSON) where the estimator defines no R², e.g. Callaway-Sant'Anna.
    #[serde(with = "nan_as_null")]
    pub r2: f64,
    #[serde(with = "nan_as_null")]
    /// Adjusted R².
    pub adj_r2: f64,
    /// R² after absorbing the fixed effects.
    pub within_r2: Option<f64>,
    /// Adjusted within R².
    pub adj_within_r2: Option<f64>,
    #[serde(with = "nan_as_null")]
    /// Root mean squared error of the residuals.
    pub rmse: f64,
    #[serde(with = "nan_as_null")]
    /// Residual sum of squares.
    pub rss: f64,
    /// F test that all (non-intercept) coefficients are zero, with the model's vcov.
    pub wald: Option<Wald>,
    /// Iterations of the FE absorption (the most any column took, projections or Krylov).
    pub demean_iterations: usize,
    /// Columns (outcome and regressors) whose FE the Krylov solver absorbed; 0 (and absent
    /// from JSON) when the alternating projections did all of them.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub krylov_columns: usize,
    /// p-values and intervals from the normal distribution (z statistics: the GLMs, as
    /// fixest) rather than the t distribution with `df_t` (absent from JSON when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub normal_inference: bool,
    /// Whether the FE absorption converged.
    pub converged: bool,
    /// What the reader should know about this fit (non-convergence, a dropped treatment kept).
    pub warnings: Vec<String>,
}

/// A statistic an estimator may not define: NaN in Rust, null in JSON (which has no NaN).
pub(crate) mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_none()
        } else {
            s.serialize_f64(*v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// Vectors of statistics some of which may be undefined: NaN in Rust, null in JSON.
pub(crate) mod nan_as_null_vec {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| (!x.is_nan()).then_some(*x)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?
            .into_iter()
            .map(|x| x.unwrap_or(f64::NAN))
            .collect())
    }
}

impl OlsResult {
    /// The result without the fit statistics of a regression (R², RMSE, the overall Wald test),
    /// for estimators that define none: their columns print none.
    pub fn without_fit_statistics(mut self) -> OlsResult {
        self.r2 = f64::NAN;
        self.adj_r2 = f64::NAN;
        self.within_r2 = None;
        self.adj_within_r2 = None;
        self.rmse = f64::NAN;
        self.rss = f64::NAN;
        self.wald = None;
        self
    }

    /// The coefficient called `name`, if estimated.
    pub fn coef(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
