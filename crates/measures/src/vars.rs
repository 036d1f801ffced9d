//! Variables declared in YAML (`variables:` in `regspec.yaml` or a spec file): each a name and
//! an expression of [`crate::expr`], computed in declaration order into the panel, so a later
//! variable may use an earlier one. Every problem is reported (not only the first), each with
//! the variable it belongs to and the character of the expression it points at.

use crate::eval::Evaluator;
use crate::expr;
use ingest::Panel;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Variable definitions in the order they were written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for Definitions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Definitions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map from variable names to expressions, e.g. `ln_gdp: log(gdp)`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Definitions, A::Error> {
                let mut out: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, ExprText>()? {
                    if out.iter().any(|(n, _)| *n == k) {
                        return Err(serde::de::Error::custom(format!(
                            "variable `{k}` is defined twice"
                        )));
                    }
                    out.push((k, v.0));
                }
                Ok(Definitions(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for Definitions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// An expression written as text, or a bare number (`zero: 0`).
struct ExprText(String);

impl<'de> Deserialize<'de> for ExprText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum T {
            S(String),
            F(f64),
            B(bool),
        }
        Ok(ExprText(match T::deserialize(d)? {
            T::S(s) => s,
            T::F(f) => ingest::panel::fmt_number(f),
            T::B(b) => b.to_string(),
        }))
    }
}

/// A problem with one definition.
#[derive(Debug, Clone, PartialEq)]
pub struct VarError {
    /// Index of the definition in its list.
    pub index: usize,
    /// The variable being defined.
    pub name: String,
    /// 0-based character offset in the expression, when known.
    pub pos: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// Computes every definition into the panel, in order. On errors, every problem is returned
/// and the panel holds the variables that did compute.
pub fn apply(panel: &mut Panel, defs: &Definitions, origin: &str) -> Result<(), Vec<VarError>> {
    let mut errors = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    // One (unit, time) index for every definition: variables add columns, never rows or keys.
    let index = crate::eval::IndexSlot::new();
    for (i, (name, text)) in defs.0.iter().enumerate() {
        let err = |pos: Option<usize>, message: String| VarError {
            index: i,
            name: name.clone(),
            pos,
            message,
        };
        if !valid_name(name) {
            errors.push(err(
                None,
                format!("`{name}` is not a valid variable name (letters, digits and `_`, not starting with a digit)"),
            ));
            continue;
        }
        if panel.column(name).is_some() {
            errors.push(err(
                None,
                format!("variable `{name}` would replace the column `{name}` of the data; choose another name"),
            ));
            continue;
        }
        let e = match expr::parse(text) {
            Ok(e) => e,
            Err(p) => {
                errors.push(err(Some(p.pos), p.message));
                continue;
            }
        };
        let mut cols = Vec::new();
        e.columns(&mut cols);
        if cols.iter().any(|c| failed.contains(c)) {
            failed.push(name.clone()); // the cause is reported at the failed variable
            continue;
        }
        let ev = Evaluator::with_index(panel, &index);
        match ev.eval_column(&e) {
            Ok(data) => {
                drop(ev);
                panel.set_data(name, data, format!("{text} ({origin})"));
            }
            Err(x) => {
                failed.push(name.clone());
                errors.push(err(x.pos, x.message));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn valid_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_alphabetic() || f == '_')
        && s.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use ingest::Data;

    /// Two units, years with a gap: A has 2010, 2011, 2013; B has 2010, 2011, 2012.
    /// Rows are deliberately out of order.
    fn panel() -> Panel {
        let ids = ["A", "B", "A", "B", "A", "B"].map(String::from);
        let years = [2011, 2010, 2010, 2011, 2013, 2012];
        let mut p = Panel::from_rows(("iso3", "year"), &ids, &years);
        p.set(
            "x",
            vec![
                Some(2.0),
                Some(10.0),
                Some(1.0),
                None,
                Some(4.0),
                Some(30.0),
            ],
            "test",
        );
        p.set(
            "d",
            vec![
                Some(1.0),
                Some(0.0),
                Some(0.0),
                Some(0.0),
                Some(1.0),
                Some(0.0),
            ],
            "test",
        );
        p.set_data(
            "region",
            Data::from_text(["N", "S", "N", "S", "N", "S"].iter().map(|s| Some(*s))),
            "test",
        );
        p
    }

    fn run(p: &mut Panel, defs: &[(&str, &str)]) -> Result<(), Vec<VarError>> {
        let d = Definitions(
            defs.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        apply(p, &d, "test")
    }

    fn col(p: &Panel, n: &str) -> Vec<Option<f64>> {
        p.column(n).unwrap().options()
    }

    const NA: Option<f64> = None;

    #[test]
    fn elementwise_functions_by_hand() {
        let mut p = panel();
        run(
            &mut p,
            &[
                ("lx", "log(x)"),
                ("l1", "log1p(x - 2)"),
                ("e", "exp(d)"),
                ("s", "sqrt(x - 3)"),
                ("a", "abs(1 - x)"),
                ("pw", "pow(x, 2)"),
                ("ie", "if_else(d == 1, x, -x)"),
                ("ar", "(x + 1) * 2 / 4 - 1"),
                ("cmp", "x >= 2 and not d"),
                ("m", "is_missing(x)"),
                ("co", "coalesce(x, 0)"),
                ("fl", "floor(x / 4)"),
                ("ce", "ceil(x / 4)"),
                ("ro", "round(x / 4)"),
            ],
        )
        .unwrap();
        // x / 4 = 0.5, 2.5, 0.25, NA, 1, 7.5 (round half away from zero).
        assert_eq!(
            col(&p, "fl"),
            [Some(0.0), Some(2.0), Some(0.0), NA, Some(1.0), Some(7.0)]
        );
        assert_eq!(
            col(&p, "ce"),
            [Some(1.0), Some(3.0), Some(1.0), NA, Some(1.0), Some(8.0)]
        );
        assert_eq!(
            col(&p, "ro"),
            [Some(1.0), Some(3.0), Some(0.0), NA, Some(1.0), Some(8.0)]
        );
        let e1 = std::f64::consts::E;
        assert_eq!(col(&p, "lx")[1], Some(10f64.ln()));
        assert_eq!(col(&p, "lx")[3], NA);
        // log1p(x - 2): x = 1 -> log1p(-1) is missing; x = 2 -> 0.
        assert_eq!(col(&p, "l1")[2], NA);
        assert_eq!(col(&p, "l1")[0], Some(0.0));
        assert_eq!(col(&p, "e")[0], Some(e1));
        assert_eq!(col(&p, "s")[0], NA); // sqrt(-1)
        assert_eq!(col(&p, "s")[4], Some(1.0));
        assert_eq!(col(&p, "a")[1], Some(9.0));
        assert_eq!(col(&p, "pw")[5], Some(900.0));
        assert_eq!(col(&p, "ie")[..3], [Some(2.0), Some(-10.0), Some(-1.0)]);
        assert_eq!(col(&p, "ie")[3], NA);
        assert_eq!(col(&p, "ar")[0], Some(0.5)); // (2+1)*2/4-1
        assert_eq!(col(&p, "cmp")[..4], [Some(0.0), Some(1.0), Some(0.0), NA]);
        assert_eq!(col(&p, "m")[3], Some(1.0));
        assert_eq!(col(&p, "co")[3], Some(0.0));
    }

    #[test]
    fn lags_leads_and_diffs_respect_gaps() {
        let mut p = panel();
        run(
            &mut p,
            &[
                ("l1", "lag(x, 1)"),
                ("l2", "lag(x, 2)"),
                ("f1", "lead(x)"),
                ("dx", "diff(x)"),
            ],
        )
        .unwrap();
        // Rows: 0 A2011=2, 1 B2010=10, 2 A2010=1, 3 B2011=NA, 4 A2013=4, 5 B2012=30.
        assert_eq!(col(&p, "l1"), [Some(1.0), NA, NA, Some(10.0), NA, NA]);
        // A2013's lag 1 is 2012, absent (a gap): missing, not A2011's value.
        assert_eq!(col(&p, "l2"), [NA, NA, NA, NA, Some(2.0), Some(10.0)]);
        assert_eq!(col(&p, "f1"), [NA, NA, Some(2.0), Some(30.0), NA, NA]);
        assert_eq!(col(&p, "dx"), [Some(1.0), NA, NA, NA, NA, NA]);
    }

    #[test]
    fn group_statistics_cohorts_and_relative_time() {
        let mut p = panel();
        run(
            &mut p,
            &[
                ("mu", "mean_by(x, unit)"),
                ("mt", "mean_by(x, year)"),
                ("sr", "sum_by(x, region)"),
                ("lo", "min_by(x, unit)"),
                ("hi", "max_by(x, unit)"),
                ("g", "first_treated(d)"),
                ("x11", "at(x, 2011)"),
                ("x12", "at(x, 2012)"),
                ("rel", "rel_time(g)"),
            ],
        )
        .unwrap();
        // A: 2, 1, 4 -> 7/3; B: 10, NA, 30 -> 20 (missing ignored).
        assert_eq!(col(&p, "mu")[0], Some(7.0 / 3.0));
        assert_eq!(col(&p, "mu")[3], Some(20.0));
        // 2010: 10 and 1 -> 5.5; 2011: 2 and NA -> 2.
        assert_eq!(col(&p, "mt")[1], Some(5.5));
        assert_eq!(col(&p, "mt")[3], Some(2.0));
        assert_eq!(col(&p, "sr")[0], Some(7.0));
        assert_eq!(col(&p, "lo")[4], Some(1.0));
        assert_eq!(col(&p, "hi")[1], Some(30.0));
        // A is first treated in 2011 (d = 1 at A2011 and A2013); B never.
        assert_eq!(
            col(&p, "g"),
            [Some(2011.0), NA, Some(2011.0), NA, Some(2011.0), NA]
        );
        assert_eq!(
            col(&p, "rel"),
            [Some(0.0), NA, Some(-1.0), NA, Some(2.0), NA]
        );
    }

    #[test]
    fn winsor_and_standardize() {
        let mut p = panel();
        run(&mut p, &[("w", "winsor(x, 0.25)"), ("z", "standardize(x)")]).unwrap();
        // Non-missing x sorted: 1, 2, 4, 10, 30. Type-7 quantiles: q(0.25) = 2, q(0.75) = 10.
        assert_eq!(
            col(&p, "w"),
            [Some(2.0), Some(10.0), Some(2.0), NA, Some(4.0), Some(10.0)]
        );
        // mean 47/5 = 9.4; sample variance = sum of squares of deviations / 4.
        let dev: f64 = [1.0f64, 2.0, 4.0, 10.0, 30.0]
            .iter()
            .map(|v| (v - 9.4) * (v - 9.4))
            .sum();
        let sd = (dev / 4.0).sqrt();
        assert!((col(&p, "z")[1].unwrap() - (10.0 - 9.4) / sd).abs() < 1e-15);
        assert_eq!(col(&p, "z")[3], NA);
    }

    #[test]
    fn text_columns_in_conditions() {
        let mut p = panel();
        run(
            &mut p,
            &[
                ("north", "region == \"N\""),
                ("either", "region in [\"S\", \"X\"]"),
            ],
        )
        .unwrap();
        assert_eq!(col(&p, "north")[..2], [Some(1.0), Some(0.0)]);
        assert_eq!(col(&p, "either")[..2], [Some(0.0), Some(1.0)]);
        let e = run(&mut p, &[("bad", "region + 1")]).unwrap_err();
        assert!(
            e[0].message
                .contains("column `region` is text (e.g. \"N\")"),
            "{:?}",
            e
        );
    }

    #[test]
    fn every_error_is_reported_with_its_variable() {
        let mut p = panel();
        let e = run(
            &mut p,
            &[
                ("a", "lgo(x)"),
                ("b", "x + nosuch"),
                ("c", "a + 1"),
                ("x", "1"),
                ("dd", "lag(x, 0.5)"),
            ],
        )
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}"); // `c` fails because `a` did: not reported twice
        assert!(e[0]
            .message
            .contains("unknown function `lgo`; did you mean `log`?"));
        assert_eq!(e[0].pos, Some(0));
        assert!(e[1].message.contains("unknown column `nosuch`"));
        assert!(e[2].message.contains("would replace the column `x`"));
        assert!(e[3].message.contains("whole number"), "{e:?}");
    }

    #[test]
    fn duplicate_keys_are_named() {
        let ids = ["A", "A"].map(String::from);
        let mut p = Panel::from_rows(("iso3", "year"), &ids, &[2010, 2010]);
        p.set("x", vec![Some(1.0), Some(2.0)], "t");
        let e = run(&mut p, &[("l", "lag(x)")]).unwrap_err();
        assert!(
            e[0].message.contains("duplicate (iso3, year) = (A, 2010)"),
            "{e:?}"
        );
    }
}
