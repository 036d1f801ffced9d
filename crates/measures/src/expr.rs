//! The expression language of regspec: sample filters (`year != 2013 and not cee16`,
//! `region == "EU"`, `state in ["CA", "TX"]`) and declared variables (`log(gdp)`,
//! `lag(x, 1)`, `if_else(treat == 1, year - cohort, 0)`). One grammar for both, parsed here and
//! evaluated column-wise by [`crate::eval`].
//!
//! Grammar (lowest precedence first):
//! ```text
//! or    := and ("or" and)*
//! and   := unary ("and" unary)*
//! unary := "not" unary | cmp
//! cmp   := sum (("=="|"!="|"<"|"<="|">"|">=") sum | "in" list)?
//! sum   := prod (("+"|"-") prod)*
//! prod  := neg (("*"|"/") neg)*
//! neg   := "-" neg | atom
//! atom  := number | "text" | column | name "(" args ")" | "(" or ")" | list
//! list  := "[" (or ("," or)*)? "]"
//! args  := arg ("," arg)*      arg := name "=" or | or (":" or)?
//! ```
//! A bare column in a condition is true when non-zero. Missing values propagate: a row whose
//! condition touches a missing value is not selected (`false and missing` is false,
//! `true or missing` is true, as in the first version of the filter language).
//!
//! Over 600 lines only by its unit tests (the grammar itself is about 550 lines, one parser that
//! reads best in one place).

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
/// A parsed expression.
pub enum Expr {
    /// A number literal.
    Num(f64),
    /// A text literal.
    Text(String),
    /// A column.
    Col(String),
    /// A list `[a, b]` (for `in` and `ref =`).
    List(Vec<Expr>),
    /// `a:b` inside a function's arguments (`l(x, 1:2)`).
    Range(Box<Expr>, Box<Expr>),
    /// `not x`.
    Not(Box<Expr>),
    /// `-x`.
    Neg(Box<Expr>),
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// A comparison.
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
    /// `x in [a, b]`.
    In(Box<Expr>, Vec<Expr>),
    /// Arithmetic.
    Arith(Box<Expr>, ArithOp, Box<Expr>),
    /// A function call.
    Call(Call),
}

/// A function call, with its position for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Function name.
    pub name: String,
    /// Positional arguments.
    pub args: Vec<Expr>,
    /// Named arguments (`ref = -1`).
    pub named: Vec<(String, Expr)>,
    /// 0-based character offset of the function name.
    pub pos: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
/// A comparison operator.
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq)]
/// An arithmetic operator.
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

#[derive(Debug, Clone, PartialEq)]
/// Why an expression does not parse.
pub struct ParseError {
    /// 0-based character offset in the expression.
    pub pos: usize,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.pos + 1)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Text(String),
    Ident(String),
    Op(String),
    Punct(char),
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if "()[],:".contains(c) {
            out.push((i, Tok::Punct(c)));
            i += 1;
        } else if c == '"' || c == '\'' {
            let start = i;
            i += 1;
            let mut text = String::new();
            while i < chars.len() && chars[i] != c {
                text.push(chars[i]);
                i += 1;
            }
            if i == chars.len() {
                return Err(ParseError {
                    pos: start,
                    message: format!("unclosed text: add a closing {c}"),
                });
            }
            i += 1;
            out.push((start, Tok::Text(text)));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            i += 1;
            while i < chars.len() {
                let d = chars[i];
                let exp_sign = (d == '-' || d == '+') && matches!(chars[i - 1], 'e' | 'E');
                if d.is_ascii_digit() || d == '.' || d == 'e' || d == 'E' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            let text: String = chars[start..i].iter().collect();
            let v = text.parse::<f64>().map_err(|_| ParseError {
                pos: start,
                message: format!("bad number `{text}`"),
            })?;
            out.push((start, Tok::Num(v)));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push((start, Tok::Ident(chars[start..i].iter().collect())));
        } else if "=!<>".contains(c) {
            let start = i;
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = if ["==", "!=", "<=", ">="].contains(&two.as_str()) {
                i += 2;
                two
            } else if c == '<' || c == '>' || c == '=' {
                i += 1;
                c.to_string()
            } else {
                return Err(ParseError {
                    pos: start,
                    message: "unexpected `!`; use `not` or `!=`".into(),
                });
            };
            out.push((start, Tok::Op(op)));
        } else if "+-*/".contains(c) {
            out.push((i, Tok::Op(c.to_string())));
            i += 1;
        } else if c == '&' || c == '|' {
            let word = if c == '&' { "and" } else { "or" };
            return Err(ParseError {
                pos: i,
                message: format!("unexpected `{c}`; write `{word}`"),
            });
        } else {
            return Err(ParseError {
                pos: i,
                message: format!("unexpected character `{c}`"),
            });
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    len: usize,
    /// The depth of the tree being built: parentheses, calls, unary operators and each operator
    /// of a chain (`a + b + c` is two deep) add one.
    depth: usize,
}

/// How deep an expression may nest. Parsing, evaluating and dropping a tree recurse once per
/// level, so a deeper tree (10,000 parentheses, a sum of 100,000 terms) would overflow the
/// stack; it is an error instead. Real variables nest a few levels.
pub const MAX_DEPTH: usize = 200;

const KEYWORDS: &[&str] = &["and", "or", "not", "in"];

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.i).map_or(self.len, |t| t.0)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == k)
    }
    fn punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }
    fn op(&self, o: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(s)) if s == o)
    }
    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.punct(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(ParseError {
                pos: self.pos(),
                message: format!("expected `{c}`"),
            })
        }
    }
    /// One level deeper, or an error past [`MAX_DEPTH`].
    fn deeper(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError {
                pos: self.pos(),
                message: format!(
                    "the expression nests deeper than {MAX_DEPTH} levels (each parenthesis, call and operator of a chain such as a + b + c counts); split it into several variables"
                ),
            });
        }
        Ok(())
    }
    /// Runs `f` one level deeper; the depth is restored after it.
    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.deeper()?;
        self.scoped(f)
    }
    /// Runs `f` (which may go deeper, as a chain of operators does) and restores the depth.
    fn scoped<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        let base = self.depth;
        let r = f(self);
        self.depth = base;
        r
    }
    fn or(&mut self) -> Result<Expr, ParseError> {
        self.scoped(|p| {
            let mut e = p.and()?;
            while p.keyword("or") {
                p.i += 1;
                p.deeper()?;
                e = Expr::Or(Box::new(e), Box::new(p.and()?));
            }
            Ok(e)
        })
    }
    fn and(&mut self) -> Result<Expr, ParseError> {
        self.scoped(|p| {
            let mut e = p.unary()?;
            while p.keyword("and") {
                p.i += 1;
                p.deeper()?;
                e = Expr::And(Box::new(e), Box::new(p.unary()?));
            }
            Ok(e)
        })
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.keyword("not") {
            self.i += 1;
            return self.nested(|p| Ok(Expr::Not(Box::new(p.unary()?))));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr, ParseError> {
        let lhs = self.sum()?;
        if self.keyword("in") {
            self.i += 1;
            if !self.punct('[') {
                return Err(ParseError {
                    pos: self.pos(),
                    message: "`in` takes a list: `state in [\"CA\", \"TX\"]`".into(),
                });
            }
            let Expr::List(items) = self.atom()? else {
                unreachable!("a `[` atom is a list")
            };
            return Ok(Expr::In(Box::new(lhs), items));
        }
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            let op = match op.as_str() {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::Ge,
                "=" => {
                    return Err(ParseError {
                        pos: self.pos(),
                        message: "unexpected `=`; use `==` to compare".into(),
                    })
                }
                _ => return Ok(lhs),
            };
            self.i += 1;
            let rhs = self.sum()?;
            return Ok(Expr::Cmp(Box::new(lhs), op, Box::new(rhs)));
        }
        Ok(lhs)
    }
    fn sum(&mut self) -> Result<Expr, ParseError> {
        self.chain(&[("+", ArithOp::Add), ("-", ArithOp::Sub)], Self::prod)
    }
    fn prod(&mut self) -> Result<Expr, ParseError> {
        self.chain(&[("*", ArithOp::Mul), ("/", ArithOp::Div)], Self::neg)
    }
    /// A left-associative chain `a op b op c` of the operators `ops` over operands parsed by
    /// `operand`; each operator makes the tree one level deeper.
    fn chain(
        &mut self,
        ops: &[(&str, ArithOp)],
        operand: fn(&mut Self) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        self.scoped(|p| {
            let mut e = operand(p)?;
            while let Some(&(_, op)) = ops.iter().find(|(o, _)| p.op(o)) {
                p.i += 1;
                p.deeper()?;
                e = Expr::Arith(Box::new(e), op, Box::new(operand(p)?));
            }
            Ok(e)
        })
    }
    fn neg(&mut self) -> Result<Expr, ParseError> {
        if self.op("-") {
            self.i += 1;
            return self.nested(|p| {
                Ok(match p.neg()? {
                    Expr::Num(v) => Expr::Num(-v),
                    e => Expr::Neg(Box::new(e)),
                })
            });
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.i += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Text(t)) => {
                self.i += 1;
                Ok(Expr::Text(t))
            }
            Some(Tok::Ident(s)) if !KEYWORDS.contains(&s.as_str()) => {
                self.i += 1;
                if self.punct('(') {
                    self.i += 1;
                    return self.nested(|p| p.call(s, pos));
                }
                Ok(match s.as_str() {
                    "true" => Expr::Num(1.0),
                    "false" => Expr::Num(0.0),
                    _ => Expr::Col(s),
                })
            }
            Some(Tok::Punct('(')) => {
                self.i += 1;
                let e = self.nested(Self::or)?;
                self.expect(')')?;
                Ok(e)
            }
            Some(Tok::Punct('[')) => {
                self.i += 1;
                let mut items = Vec::new();
                while !self.punct(']') {
                    if !items.is_empty() {
                        self.expect(',')?;
                    }
                    items.push(self.nested(Self::or)?);
                }
                self.i += 1;
                Ok(Expr::List(items))
            }
            Some(t) => Err(ParseError {
                pos,
                message: format!("expected a column, a number or `(`, found {}", describe(&t)),
            }),
            None => Err(ParseError {
                pos,
                message: "expression ends too early".into(),
            }),
        }
    }
    fn call(&mut self, name: String, pos: usize) -> Result<Expr, ParseError> {
        let mut args = Vec::new();
        let mut named = Vec::new();
        while !self.punct(')') {
            if !(args.is_empty() && named.is_empty()) {
                self.expect(',')?;
            }
            // `name = value`
            if let (Some(Tok::Ident(k)), Some((_, Tok::Op(eq)))) =
                (self.peek().cloned(), self.toks.get(self.i + 1))
            {
                if eq == "=" {
                    self.i += 2;
                    named.push((k, self.or()?));
                    continue;
                }
            }
            if !named.is_empty() {
                return Err(ParseError {
                    pos: self.pos(),
                    message: "positional arguments come before named ones".into(),
                });
            }
            let a = self.or()?;
            if self.punct(':') {
                self.i += 1;
                let b = self.or()?;
                args.push(Expr::Range(Box::new(a), Box::new(b)));
            } else {
                args.push(a);
            }
            if self.peek().is_none() {
                return Err(ParseError {
                    pos: self.pos(),
                    message: format!("expected `)` to close `{name}(`"),
                });
            }
        }
        self.i += 1;
        Ok(Expr::Call(Call {
            name,
            args,
            named,
            pos,
        }))
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Text(s) => format!("text \"{s}\""),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Punct(c) => format!("`{c}`"),
    }
}

/// Parses an expression.
pub fn parse(s: &str) -> Result<Expr, ParseError> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return Err(ParseError {
            pos: 0,
            message: "empty expression".into(),
        });
    }
    let mut p = Parser {
        toks,
        i: 0,
        len: s.chars().count(),
        depth: 0,
    };
    let e = p.or()?;
    if p.i < p.toks.len() {
        let t = describe(&p.toks[p.i].1);
        return Err(ParseError {
            pos: p.pos(),
            message: format!("unexpected {t}; join conditions with `and` or `or`"),
        });
    }
    Ok(e)
}

impl Expr {
    /// Every column the expression reads, in order of first use.
    pub fn columns(&self, out: &mut Vec<String>) {
        self.visit(&mut |e| {
            if let Expr::Col(c) = e {
                if !out.contains(c) {
                    out.push(c.clone())
                }
            }
        });
    }

    /// Every function call, for checking names before evaluation.
    pub fn calls(&self) -> Vec<&Call> {
        let mut out = Vec::new();
        self.visit_ref(&mut out);
        out
    }

    fn visit_ref<'a>(&'a self, out: &mut Vec<&'a Call>) {
        if let Expr::Call(c) = self {
            out.push(c);
        }
        for child in self.children() {
            child.visit_ref(out);
        }
    }

    fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        for c in self.children() {
            c.visit(f);
        }
    }

    fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Num(_) | Expr::Text(_) | Expr::Col(_) => vec![],
            Expr::List(v) => v.iter().collect(),
            Expr::Not(e) | Expr::Neg(e) => vec![e],
            Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::Cmp(a, _, b)
            | Expr::Arith(a, _, b)
            | Expr::Range(a, b) => vec![a, b],
            Expr::In(a, v) => std::iter::once(&**a).chain(v.iter()).collect(),
            Expr::Call(c) => c
                .args
                .iter()
                .chain(c.named.iter().map(|(_, e)| e))
                .collect(),
        }
    }

    /// Value of a purely numeric expression at one row; `None` when a missing value is
    /// involved. Used for small things (a row of a filter in tests); columns go through
    /// [`crate::eval`].
    pub fn eval(&self, get: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        Some(match self {
            Expr::Num(v) => *v,
            Expr::Col(c) => get(c)?,
            Expr::Not(e) => b(e.eval(get)? == 0.0),
            Expr::Neg(e) => -e.eval(get)?,
            Expr::And(x, y) => b(x.eval(get)? != 0.0 && y.eval(get)? != 0.0),
            Expr::Or(x, y) => b(x.eval(get)? != 0.0 || y.eval(get)? != 0.0),
            Expr::Cmp(x, op, y) => b(op.apply(x.eval(get)?, y.eval(get)?)),
            Expr::Arith(x, op, y) => op.apply(x.eval(get)?, y.eval(get)?),
            Expr::In(x, items) => {
                let x = x.eval(get)?;
                let mut hit = false;
                for i in items {
                    hit |= i.eval(get)? == x;
                }
                b(hit)
            }
            Expr::Text(_) | Expr::List(_) | Expr::Range(..) | Expr::Call(_) => return None,
        })
    }
}

impl CmpOp {
    /// Compares two numbers.
    pub fn apply(self, x: f64, y: f64) -> bool {
        match self {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        }
    }
}

impl ArithOp {
    /// Combines two numbers.
    pub fn apply(self, x: f64, y: f64) -> f64 {
        match self {
            ArithOp::Add => x + y,
            ArithOp::Sub => x - y,
            ArithOp::Mul => x * y,
            ArithOp::Div => x / y,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(s: &str, vals: &[(&str, f64)]) -> Option<f64> {
        let get = |c: &str| vals.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);
        parse(s).unwrap().eval(&get)
    }

    #[test]
    fn evaluates() {
        assert_eq!(
            eval("year != 2013 and year != 2014", &[("year", 2013.0)]),
            Some(0.0)
        );
        assert_eq!(
            eval("year != 2013 and year != 2014", &[("year", 2015.0)]),
            Some(1.0)
        );
        assert_eq!(eval("not cee16", &[("cee16", 1.0)]), Some(0.0));
        assert_eq!(
            eval(
                "treat == 1 or (x > -1.5 and not y)",
                &[("treat", 0.0), ("x", 0.0), ("y", 0.0)]
            ),
            Some(1.0)
        );
        assert_eq!(eval("x >= 1", &[]), None);
        assert_eq!(eval("2 * x - 3 / y", &[("x", 2.0), ("y", 4.0)]), Some(3.25));
        assert_eq!(eval("-x + 1", &[("x", 2.0)]), Some(-1.0));
        assert_eq!(eval("x in [1, 2]", &[("x", 2.0)]), Some(1.0));
        assert_eq!(eval("1e-3 * x", &[("x", 2.0)]), Some(0.002));
    }

    #[test]
    fn parses_calls_text_and_ranges() {
        let e = parse("i(rel, treat, ref = [-1, -1000])").unwrap();
        let Expr::Call(c) = e else { panic!() };
        assert_eq!(c.name, "i");
        assert_eq!(c.args.len(), 2);
        assert_eq!(c.named[0].0, "ref");
        assert_eq!(
            c.named[0].1,
            Expr::List(vec![Expr::Num(-1.0), Expr::Num(-1000.0)])
        );
        let Expr::Call(c) = parse("l(x, 1:2)").unwrap() else {
            panic!()
        };
        assert_eq!(
            c.args[1],
            Expr::Range(Box::new(Expr::Num(1.0)), Box::new(Expr::Num(2.0)))
        );
        assert_eq!(
            parse("region == \"EU\"").unwrap(),
            Expr::Cmp(
                Box::new(Expr::Col("region".into())),
                CmpOp::Eq,
                Box::new(Expr::Text("EU".into()))
            )
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(parse("year = 2013").unwrap_err().pos, 5);
        assert!(parse("year == 2013 &&")
            .unwrap_err()
            .message
            .contains("`and`"));
        assert!(parse("(year == 1").unwrap_err().message.contains("`)`"));
        assert!(parse("year 2013").unwrap_err().message.contains("join"));
        assert!(parse("region == \"EU")
            .unwrap_err()
            .message
            .contains("unclosed"));
        assert!(parse("log(x").unwrap_err().message.contains("`)`"));
        assert!(parse("").is_err());
    }
}
