//! Column-wise evaluation of [`crate::expr`] expressions on a [`Panel`]: every operation runs
//! over whole columns (no per-row name lookups), missing is NaN, text stays as codes.
//!
//! Panel functions walk the rows in (unit, time) order ([`PanelIndex`]), so a lag is the value
//! at time t - k of the same unit, missing when that period is absent (a gap gives a missing
//! lag, never the previous row).
//!
//! Longer than 600 lines on purpose: every function of the language is one arm of one `match`
//! in `Evaluator::call`, so the whole language is read (and reviewed) in one place.

use crate::expr::{Call, CmpOp, Expr};
use ingest::{Data, Panel, MISSING_CODE};
use std::borrow::Cow;

/// An evaluation error, with the character offset it refers to when known.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// Character offset in the expression, when known.
    pub pos: Option<usize>,
    /// What went wrong.
    pub message: String,
}

impl EvalError {
    fn new(message: impl Into<String>) -> Self {
        EvalError {
            pos: None,
            message: message.into(),
        }
    }
    fn at(pos: usize, message: impl Into<String>) -> Self {
        EvalError {
            pos: Some(pos),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if let Some(p) = self.pos {
            write!(f, " (at character {})", p + 1)?;
        }
        Ok(())
    }
}

/// Every function the language knows, with its use, for checks and did-you-mean.
pub const FUNCTIONS: &[(&str, &str)] = &[
    ("log", "log(x): natural log, missing for x <= 0"),
    ("log1p", "log1p(x): log(1 + x), missing for x <= -1"),
    ("exp", "exp(x)"),
    ("sqrt", "sqrt(x): missing for x < 0"),
    ("abs", "abs(x)"),
    ("floor", "floor(x)"),
    ("ceil", "ceil(x)"),
    ("round", "round(x)"),
    ("pow", "pow(x, p)"),
    ("if_else", "if_else(condition, a, b)"),
    ("is_missing", "is_missing(x): 1 where x is missing, else 0"),
    ("coalesce", "coalesce(x, y): x where present, else y"),
    (
        "lag",
        "lag(x, k = 1): x at time t - k of the same unit (a panel)",
    ),
    (
        "lead",
        "lead(x, k = 1): x at time t + k of the same unit (a panel)",
    ),
    ("diff", "diff(x, k = 1): x - lag(x, k) (a panel)"),
    (
        "mean_by",
        "mean_by(x, group): mean of x over the group's non-missing rows",
    ),
    ("sum_by", "sum_by(x, group)"),
    ("min_by", "min_by(x, group)"),
    ("max_by", "max_by(x, group)"),
    (
        "at",
        "at(x, t): x of the same unit at time t (a base-year value; a panel); missing if absent",
    ),
    (
        "first_treated",
        "first_treated(d, by = group): first time d != 0 in the group (default: the unit of a panel, else the dataset's `group`); missing if never",
    ),
    (
        "rel_time",
        "rel_time(cohort): time - cohort; missing if cohort is missing",
    ),
    (
        "winsor",
        "winsor(x, p): x clipped at its p and 1 - p quantiles",
    ),
    ("standardize", "standardize(x): (x - mean) / sd"),
];

/// A value during evaluation.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// A numeric column.
    Num(Cow<'a, [f64]>),
    /// A number.
    Scalar(f64),
    /// A text literal.
    Text(String),
    /// A text column: codes and levels.
    Cat(Cow<'a, [u32]>, Cow<'a, [String]>),
}

/// Rows in (unit, time) order and each row's unit and time: what panel functions need.
pub struct PanelIndex {
    /// Row numbers in (unit, time) order.
    pub order: Vec<u32>,
    /// Unit code of each row.
    pub units: Vec<u32>,
    /// Period of each row.
    pub times: Vec<f64>,
    /// `(start, end)` of each unit's run in `order`.
    pub runs: Vec<(usize, usize)>,
}

/// What a dataset must declare for the functions that follow a unit over time.
fn needs_panel(panel: &Panel) -> String {
    format!(
        "follows a unit over time and needs a panel: declare `unit` and `time` (one row per unit and period) under `data:` in regspec.yaml; this dataset is {}",
        panel.shape().describe()
    )
}

impl PanelIndex {
    /// Builds the index; duplicate (unit, time) keys are an error naming both, and data without
    /// panel keys an error saying what to declare.
    pub fn new(panel: &Panel) -> Result<PanelIndex, EvalError> {
        let Some((unit_key, time_key)) = panel.panel_keys() else {
            return Err(EvalError::new(needs_panel(panel)));
        };
        let (order, times, units) = ingest::table::key_order(panel, unit_key, time_key);
        let mut runs = Vec::new();
        let mut start = 0;
        for i in 0..order.len() {
            let r = order[i] as usize;
            if i > 0 {
                let p = order[i - 1] as usize;
                if units[p] == units[r] && times[p] == times[r] {
                    let unit = panel
                        .column(unit_key)
                        .and_then(|c| c.text(r))
                        .unwrap_or_default();
                    return Err(EvalError::new(format!(
                        "duplicate ({unit_key}, {time_key}) = ({unit}, {}): a panel function needs one row per unit and period",
                        ingest::panel::fmt_number(times[r])
                    )));
                }
                if units[p] != units[r] {
                    runs.push((start, i));
                    start = i;
                }
            }
        }
        if !order.is_empty() {
            runs.push((start, order.len()));
        }
        Ok(PanelIndex {
            order,
            units,
            times,
            runs,
        })
    }

    /// The value of `x` at time t + `shift` of the same unit (missing when absent).
    pub fn shift(&self, x: &[f64], shift: i64) -> Vec<f64> {
        let mut out = vec![f64::NAN; x.len()];
        for &(s, e) in &self.runs {
            let run = &self.order[s..e];
            for &r in run {
                let target = self.times[r as usize] + shift as f64;
                if let Ok(j) = run.binary_search_by(|&q| self.times[q as usize].total_cmp(&target))
                {
                    out[r as usize] = x[run[j] as usize];
                }
            }
        }
        out
    }
}

/// Evaluates expressions on one panel; the index is built on first use.
pub struct Evaluator<'p> {
    /// The panel evaluated on.
    pub panel: &'p Panel,
    index: IndexCell<'p>,
}

/// The (unit, time) index, built on first use: held by the evaluator, or shared by the caller
/// across evaluators of panels with the same keys (declared variables add columns, not rows).
pub type IndexSlot = std::sync::OnceLock<Result<PanelIndex, EvalError>>;

enum IndexCell<'p> {
    Own(IndexSlot),
    Shared(&'p IndexSlot),
}

impl<'p> Evaluator<'p> {
    /// An evaluator of expressions on `panel`.
    pub fn new(panel: &'p Panel) -> Self {
        Evaluator {
            panel,
            index: IndexCell::Own(IndexSlot::new()),
        }
    }

    /// An evaluator that uses (and fills) a caller's index slot; the panel's keys must be those
    /// the slot was built from.
    pub fn with_index(panel: &'p Panel, slot: &'p IndexSlot) -> Self {
        Evaluator {
            panel,
            index: IndexCell::Shared(slot),
        }
    }

    /// The (unit, time) index for function `f`, built on first use.
    fn index_for(&self, c: &Call) -> Result<&PanelIndex, EvalError> {
        self.index()
            .map_err(|e| EvalError::at(c.pos, format!("`{}` {}", c.name, e.message)))
    }

    /// The time key's values, for function `c` (an error saying what to declare without one).
    fn times_for(&self, c: &Call) -> Result<&'p [f64], EvalError> {
        self.panel
            .time
            .as_deref()
            .and_then(|t| self.panel.column(t)?.numbers())
            .ok_or_else(|| {
                EvalError::at(
                    c.pos,
                    format!(
                        "`{}` needs a time key: declare `time` under `data:` in regspec.yaml; this dataset is {}",
                        c.name,
                        self.panel.shape().describe()
                    ),
                )
            })
    }

    /// The (unit, time) index, built on first use.
    pub fn index(&self) -> Result<&PanelIndex, EvalError> {
        let slot = match &self.index {
            IndexCell::Own(s) => s,
            IndexCell::Shared(s) => s,
        };
        slot.get_or_init(|| PanelIndex::new(self.panel))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Evaluates an expression to a column.
    pub fn eval(&self, e: &Expr) -> Result<Val<'p>, EvalError> {
        let n = self.panel.nrows();
        Ok(match e {
            Expr::Num(v) => Val::Scalar(*v),
            Expr::Text(t) => Val::Text(t.clone()),
            Expr::Col(c) => self.column(c)?,
            Expr::List(_) | Expr::Range(..) => {
                return Err(EvalError::new(
                    "a list is only allowed after `in` or as an option",
                ))
            }
            Expr::Neg(x) => map1(self.num(x)?, |v| -v),
            Expr::Not(x) => map1(self.num(x)?, |v| {
                if v.is_nan() {
                    f64::NAN
                } else {
                    b(v == 0.0)
                }
            }),
            Expr::And(x, y) => zip2(self.num(x)?, self.num(y)?, n, |a, c| {
                if a.is_nan() {
                    f64::NAN
                } else if a == 0.0 {
                    0.0
                } else if c.is_nan() {
                    f64::NAN
                } else {
                    b(c != 0.0)
                }
            }),
            Expr::Or(x, y) => zip2(self.num(x)?, self.num(y)?, n, |a, c| {
                if a.is_nan() {
                    f64::NAN
                } else if a != 0.0 {
                    1.0
                } else if c.is_nan() {
                    f64::NAN
                } else {
                    b(c != 0.0)
                }
            }),
            Expr::Arith(x, op, y) => {
                let op = *op;
                zip2(self.num(x)?, self.num(y)?, n, move |a, c| {
                    let v = op.apply(a, c);
                    if v.is_finite() || a.is_infinite() || c.is_infinite() {
                        v
                    } else {
                        f64::NAN // 0/0 and x/0 are missing, not infinite
                    }
                })
            }
            Expr::Cmp(x, op, y) => self.compare(x, *op, y)?,
            Expr::In(x, items) => {
                let mut acc: Option<Val> = None;
                for it in items {
                    let eq = self.compare(x, CmpOp::Eq, it)?;
                    acc = Some(match acc {
                        None => eq,
                        Some(a) => zip2(num_of(a)?, num_of(eq)?, n, |p, q| {
                            if p.is_nan() || q.is_nan() {
                                f64::NAN
                            } else {
                                b(p != 0.0 || q != 0.0)
                            }
                        }),
                    });
                }
                acc.unwrap_or(Val::Scalar(0.0))
            }
            Expr::Call(c) => self.call(c)?,
        })
    }

    /// Evaluates to a full numeric column (scalars broadcast).
    pub fn eval_column(&self, e: &Expr) -> Result<Data, EvalError> {
        let n = self.panel.nrows();
        Ok(match self.eval(e)? {
            Val::Num(v) => Data::Num(v.into_owned()),
            Val::Scalar(s) => Data::Num(vec![s; n]),
            Val::Cat(c, l) => Data::Cat {
                codes: c.into_owned(),
                levels: l.into_owned(),
            },
            Val::Text(t) => Data::Cat {
                codes: vec![0; n],
                levels: vec![t],
            },
        })
    }

    /// Rows where a condition is true (missing is not true).
    pub fn select(&self, e: &Expr) -> Result<Vec<usize>, EvalError> {
        let n = self.panel.nrows();
        Ok(match self.num(e)? {
            Val::Scalar(s) => {
                if !s.is_nan() && s != 0.0 {
                    (0..n).collect()
                } else {
                    vec![]
                }
            }
            Val::Num(v) => v
                .iter()
                .enumerate()
                .filter(|(_, x)| !x.is_nan() && **x != 0.0)
                .map(|(i, _)| i)
                .collect(),
            _ => unreachable!("num() returns numbers"),
        })
    }

    fn column(&self, name: &str) -> Result<Val<'p>, EvalError> {
        let c = match self.panel.column(name) {
            Some(c) => c,
            None => {
                // `unit` and `time` name the keys when no column has that name.
                let alias = match name {
                    "unit" => self.panel.unit.as_deref(),
                    "time" => self.panel.time.as_deref(),
                    "group" => self.panel.group.as_deref(),
                    _ => None,
                };
                match alias.and_then(|a| self.panel.column(a)) {
                    Some(c) => c,
                    None => {
                        let names = self.panel.columns.iter().map(|c| c.name.as_str());
                        let hint = ingest::suggest(name, names)
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        if let Some(why) = ingest::table::unsupported_column(self.panel, name) {
                            return Err(EvalError::new(why));
                        }
                        return Err(EvalError::new(format!("unknown column `{name}`{hint}")));
                    }
                }
            }
        };
        Ok(match &c.data {
            Data::Num(v) => Val::Num(Cow::Borrowed(v)),
            Data::Cat { codes, levels } => Val::Cat(Cow::Borrowed(codes), Cow::Borrowed(levels)),
        })
    }

    /// Evaluates and insists on numbers; text gets an error naming the column and a value.
    fn num(&self, e: &Expr) -> Result<Val<'p>, EvalError> {
        num_of(self.eval(e)?).map_err(|err| match e {
            // A numeric column with one bad cell: name the cell (the reader recorded where).
            Expr::Col(c) => match self.panel.meta.get(&format!("not_a_number.{c}")) {
                Some(cell) => EvalError::new(format!(
                    "column `{c}` has a cell that is not a number: {cell} (its other cells are numbers; fix the cell or write it as missing, NA)"
                )),
                None => named(err, e),
            },
            _ => named(err, e),
        })
    }

    fn compare(&self, x: &Expr, op: CmpOp, y: &Expr) -> Result<Val<'p>, EvalError> {
        let n = self.panel.nrows();
        let (vx, vy) = (self.eval(x)?, self.eval(y)?);
        match (vx, vy) {
            (Val::Cat(codes, levels), Val::Text(t)) | (Val::Text(t), Val::Cat(codes, levels)) => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(EvalError::new("text can only be compared with == or !="));
                }
                let target = levels.iter().position(|l| *l == t).map(|i| i as u32);
                let eq = op == CmpOp::Eq;
                Ok(Val::Num(Cow::Owned(ingest::panel::map_codes(
                    &codes,
                    |k| b((Some(k) == target) == eq),
                ))))
            }
            (Val::Cat(c1, l1), Val::Cat(c2, l2)) => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(EvalError::new("text can only be compared with == or !="));
                }
                let eq = op == CmpOp::Eq;
                Ok(Val::Num(Cow::Owned(
                    c1.iter()
                        .zip(c2.iter())
                        .map(|(&a, &c)| {
                            if a == MISSING_CODE || c == MISSING_CODE {
                                f64::NAN
                            } else {
                                b((l1[a as usize] == l2[c as usize]) == eq)
                            }
                        })
                        .collect(),
                )))
            }
            (Val::Text(a), Val::Text(c)) => {
                Ok(Val::Scalar(b(op.apply(f64::from(u8::from(a == c)), 1.0))))
            }
            (a, c) => {
                let (a, c) = (
                    num_of(a).map_err(|e| named(e, x))?,
                    num_of(c).map_err(|e| named(e, y))?,
                );
                Ok(zip2(a, c, n, move |p, q| {
                    if p.is_nan() || q.is_nan() {
                        f64::NAN
                    } else {
                        b(op.apply(p, q))
                    }
                }))
            }
        }
    }

    fn call(&self, c: &Call) -> Result<Val<'p>, EvalError> {
        let name = c.name.as_str();
        let Some((_, usage)) = FUNCTIONS.iter().find(|(f, _)| *f == name) else {
            let hint = ingest::suggest(name, FUNCTIONS.iter().map(|(f, _)| *f))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(EvalError::at(
                c.pos,
                format!("unknown function `{name}`{hint}"),
            ));
        };
        let arity = |lo: usize, hi: usize| -> Result<(), EvalError> {
            if c.args.len() < lo || c.args.len() > hi || !c.named.is_empty() {
                return Err(EvalError::at(c.pos, format!("usage: {usage}")));
            }
            Ok(())
        };
        let int_arg = |i: usize, default: i64| -> Result<i64, EvalError> {
            match c.args.get(i) {
                None => Ok(default),
                Some(Expr::Num(v)) if v.fract() == 0.0 => Ok(*v as i64),
                Some(_) => Err(EvalError::at(
                    c.pos,
                    format!("`{name}` takes a whole number here; usage: {usage}"),
                )),
            }
        };
        let n = self.panel.nrows();
        let unary = |f: fn(f64) -> f64| -> Result<Val<'p>, EvalError> {
            arity(1, 1)?;
            Ok(map1(self.num(&c.args[0])?, f))
        };
        match name {
            "log" => unary(|x| if x > 0.0 { x.ln() } else { f64::NAN }),
            "log1p" => unary(|x| if x > -1.0 { x.ln_1p() } else { f64::NAN }),
            "exp" => unary(f64::exp),
            "sqrt" => unary(|x| if x >= 0.0 { x.sqrt() } else { f64::NAN }),
            "abs" => unary(f64::abs),
            "floor" => unary(f64::floor),
            "ceil" => unary(f64::ceil),
            "round" => unary(f64::round),
            "pow" => {
                arity(2, 2)?;
                let (x, p) = (self.num(&c.args[0])?, self.num(&c.args[1])?);
                Ok(zip2(x, p, n, |a, q| {
                    let v = a.powf(q);
                    if v.is_finite() {
                        v
                    } else {
                        f64::NAN
                    }
                }))
            }
            "if_else" => {
                arity(3, 3)?;
                let cond = full(self.num(&c.args[0])?, n);
                let (a, e) = (
                    full(self.num(&c.args[1])?, n),
                    full(self.num(&c.args[2])?, n),
                );
                Ok(Val::Num(Cow::Owned(
                    (0..n)
                        .map(|i| {
                            if cond[i].is_nan() {
                                f64::NAN
                            } else if cond[i] != 0.0 {
                                a[i]
                            } else {
                                e[i]
                            }
                        })
                        .collect(),
                )))
            }
            "is_missing" => {
                arity(1, 1)?;
                Ok(match self.eval(&c.args[0])? {
                    Val::Cat(codes, _) => Val::Num(Cow::Owned(
                        codes.iter().map(|&k| b(k == MISSING_CODE)).collect(),
                    )),
                    v => map1(num_of(v)?, |x| b(x.is_nan())),
                })
            }
            "coalesce" => {
                arity(2, 2)?;
                Ok(zip2(
                    self.num(&c.args[0])?,
                    self.num(&c.args[1])?,
                    n,
                    |a, e| if a.is_nan() { e } else { a },
                ))
            }
            "lag" | "lead" | "diff" => {
                arity(1, 2)?;
                let k = int_arg(1, 1)?;
                if k < 0 {
                    return Err(EvalError::at(c.pos, format!("`{name}` takes k >= 0")));
                }
                let x = full(self.num(&c.args[0])?, n);
                let idx = self.index_for(c)?;
                Ok(Val::Num(Cow::Owned(match name {
                    "lag" => idx.shift(&x, -k),
                    "lead" => idx.shift(&x, k),
                    _ => {
                        let l = idx.shift(&x, -k);
                        x.iter().zip(&l).map(|(a, p)| a - p).collect()
                    }
                })))
            }
            "mean_by" | "sum_by" | "min_by" | "max_by" => {
                arity(2, 2)?;
                let x = full(self.num(&c.args[0])?, n);
                let (groups, ng) = self.groups(&c.args[1])?;
                Ok(Val::Num(Cow::Owned(group_stat(name, &x, &groups, ng))))
            }
            "at" => {
                arity(2, 2)?;
                let t = match &c.args[1] {
                    Expr::Num(t) if t.fract() == 0.0 => *t,
                    _ => {
                        return Err(EvalError::at(
                            c.pos,
                            format!("`at` takes a whole-number time; usage: {usage}"),
                        ))
                    }
                };
                let x = full(self.num(&c.args[0])?, n);
                let idx = self.index_for(c)?;
                let mut out = vec![f64::NAN; n];
                for &(s, e) in &idx.runs {
                    let run = &idx.order[s..e];
                    let v = run
                        .binary_search_by(|&q| idx.times[q as usize].total_cmp(&t))
                        .map_or(f64::NAN, |j| x[run[j] as usize]);
                    for &r in run {
                        out[r as usize] = v;
                    }
                }
                Ok(Val::Num(Cow::Owned(out)))
            }
            "first_treated" => {
                if c.args.len() != 1 || c.named.iter().any(|(k, _)| k != "by") || c.named.len() > 1
                {
                    return Err(EvalError::at(c.pos, format!("usage: {usage}")));
                }
                let d = full(self.num(&c.args[0])?, n);
                let times = self.times_for(c)?;
                let (groups, ng) = match c.named.first() {
                    Some((_, by)) => self.groups(by)?,
                    None => {
                        let level = self.panel.unit.as_deref().or(self.panel.group.as_deref());
                        let Some(col) = level.and_then(|l| self.panel.column(l)) else {
                            return Err(EvalError::at(
                                c.pos,
                                format!(
                                    "`first_treated` needs the level its cohorts are set at: write `first_treated(d, by = state)` or declare `group` (or a panel's `unit`) under `data:` in regspec.yaml; this dataset is {}",
                                    self.panel.shape().describe()
                                ),
                            ));
                        };
                        ingest::table::key_codes(col)
                    }
                };
                // The earliest period with d != 0 in each group, spread to the group's rows.
                let mut first = vec![f64::INFINITY; ng];
                for ((&v, &g), &t) in d.iter().zip(&groups).zip(times) {
                    if g != MISSING_CODE && !v.is_nan() && v != 0.0 && t < first[g as usize] {
                        first[g as usize] = t;
                    }
                }
                Ok(Val::Num(Cow::Owned(
                    groups
                        .iter()
                        .map(|&g| match first.get(g as usize) {
                            Some(&t) if t.is_finite() => t,
                            _ => f64::NAN,
                        })
                        .collect(),
                )))
            }
            "rel_time" => {
                arity(1, 1)?;
                let g = full(self.num(&c.args[0])?, n);
                let times = self.times_for(c)?;
                Ok(Val::Num(Cow::Owned(
                    times.iter().zip(&g).map(|(t, g)| t - g).collect(),
                )))
            }
            "winsor" => {
                arity(2, 2)?;
                let p = match &c.args[1] {
                    Expr::Num(p) if *p > 0.0 && *p < 0.5 => *p,
                    _ => {
                        return Err(EvalError::at(
                            c.pos,
                            "winsor(x, p) needs a number p with 0 < p < 0.5",
                        ))
                    }
                };
                let x = full(self.num(&c.args[0])?, n);
                let mut s: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
                s.sort_by(f64::total_cmp);
                if s.is_empty() {
                    return Ok(Val::Num(Cow::Owned(x)));
                }
                let (lo, hi) = (quantile(&s, p), quantile(&s, 1.0 - p));
                Ok(Val::Num(Cow::Owned(
                    x.iter()
                        .map(|v| if v.is_nan() { *v } else { v.clamp(lo, hi) })
                        .collect(),
                )))
            }
            "standardize" => {
                arity(1, 1)?;
                let x = full(self.num(&c.args[0])?, n);
                let vals: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
                let m = vals.len() as f64;
                if m < 2.0 {
                    return Err(EvalError::at(
                        c.pos,
                        "standardize needs at least two values",
                    ));
                }
                let mean = vals.iter().sum::<f64>() / m;
                let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m - 1.0)).sqrt();
                if sd == 0.0 {
                    return Err(EvalError::at(c.pos, "standardize: the column is constant"));
                }
                Ok(Val::Num(Cow::Owned(
                    x.iter().map(|v| (v - mean) / sd).collect(),
                )))
            }
            _ => unreachable!("every listed function is handled"),
        }
    }

    /// Dense group codes of a grouping argument (a text or numeric column).
    fn groups(&self, e: &Expr) -> Result<(Vec<u32>, usize), EvalError> {
        match self.eval(e)? {
            Val::Cat(codes, levels) => Ok((codes.into_owned(), levels.len())),
            Val::Num(v) => {
                let col = ingest::Column {
                    name: String::new(),
                    data: Data::Num(v.into_owned()),
                    source: String::new(),
                };
                Ok(ingest::table::key_codes(&col))
            }
            _ => Err(EvalError::new("group by a column")),
        }
    }
}

/// Type-7 quantile (linear interpolation between order statistics; numpy's and R's default).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn group_stat(how: &str, x: &[f64], groups: &[u32], ng: usize) -> Vec<f64> {
    let mut acc = vec![
        match how {
            "min_by" => f64::INFINITY,
            "max_by" => f64::NEG_INFINITY,
            _ => 0.0,
        };
        ng
    ];
    let mut count = vec![0usize; ng];
    for (v, &g) in x.iter().zip(groups) {
        if g == MISSING_CODE || v.is_nan() {
            continue;
        }
        let a = &mut acc[g as usize];
        *a = match how {
            "min_by" => a.min(*v),
            "max_by" => a.max(*v),
            _ => *a + v,
        };
        count[g as usize] += 1;
    }
    groups
        .iter()
        .map(|&g| {
            if g == MISSING_CODE || count[g as usize] == 0 {
                f64::NAN
            } else if how == "mean_by" {
                acc[g as usize] / count[g as usize] as f64
            } else {
                acc[g as usize]
            }
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

fn named(e: EvalError, x: &Expr) -> EvalError {
    match x {
        Expr::Col(c) if e.message.starts_with("this expression") => EvalError {
            pos: e.pos,
            message: e
                .message
                .replacen("this expression", &format!("column `{c}`"), 1),
        },
        _ => e,
    }
}

fn num_of(v: Val<'_>) -> Result<Val<'_>, EvalError> {
    match v {
        v @ (Val::Num(_) | Val::Scalar(_)) => Ok(v),
        Val::Cat(codes, levels) => {
            let sample = codes
                .iter()
                .find(|&&k| k != MISSING_CODE)
                .and_then(|&k| levels.get(k as usize))
                .cloned()
                .unwrap_or_default();
            Err(EvalError::new(format!(
                "this expression is text (e.g. \"{sample}\") where a number is needed; compare it with text (`== \"{sample}\"`) or use it as a fixed effect or cluster"
            )))
        }
        Val::Text(t) => Err(EvalError::new(format!(
            "text \"{t}\" where a number is needed"
        ))),
    }
}

fn full(v: Val<'_>, n: usize) -> Vec<f64> {
    match v {
        Val::Num(x) => x.into_owned(),
        Val::Scalar(s) => vec![s; n],
        _ => vec![f64::NAN; n],
    }
}

fn map1<'a>(v: Val<'a>, f: impl Fn(f64) -> f64) -> Val<'a> {
    match v {
        Val::Scalar(s) => Val::Scalar(f(s)),
        Val::Num(x) => Val::Num(Cow::Owned(x.iter().map(|&a| f(a)).collect())),
        other => other,
    }
}

fn zip2<'a>(x: Val<'a>, y: Val<'a>, n: usize, f: impl Fn(f64, f64) -> f64) -> Val<'a> {
    match (x, y) {
        (Val::Scalar(a), Val::Scalar(c)) => Val::Scalar(f(a, c)),
        (Val::Scalar(a), Val::Num(y)) => Val::Num(Cow::Owned(y.iter().map(|&c| f(a, c)).collect())),
        (Val::Num(x), Val::Scalar(c)) => Val::Num(Cow::Owned(x.iter().map(|&a| f(a, c)).collect())),
        (Val::Num(x), Val::Num(y)) => Val::Num(Cow::Owned(
            x.iter().zip(y.iter()).map(|(&a, &c)| f(a, c)).collect(),
        )),
        _ => Val::Num(Cow::Owned(vec![f64::NAN; n])),
    }
}
