//! Sample filters: readable boolean expressions over panel columns, e.g.
//! `year != 2013 and year != 2014`, `not cee16`, `treat == 1 or (route and year >= 2013)`.
//!
//! Grammar: or-expr := and-expr ("or" and-expr)*; and-expr := unary ("and" unary)*;
//! unary := "not" unary | cmp; cmp := atom (("=="|"!="|"<"|"<="|">"|">=") atom)?;
//! atom := number | column | "(" or-expr ")". A bare column is true when non-zero.
//! A row whose filter touches a missing value is excluded.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Col(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// 0-based character offset in the expression.
    pub pos: usize,
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
    Ident(String),
    Op(String),
    LParen,
    RParen,
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push((i, Tok::LParen));
            i += 1;
        } else if c == ')' {
            out.push((i, Tok::RParen));
            i += 1;
        } else if c.is_ascii_digit()
            || c == '.'
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == 'e')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let v = text.parse::<f64>().map_err(|_| ParseError {
                pos: start,
                message: format!("bad number `{text}`"),
            })?;
            out.push((start, Tok::Num(v)));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((start, Tok::Ident(chars[start..i].iter().collect())));
        } else if "=!<>".contains(c) {
            let start = i;
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = if ["==", "!=", "<=", ">="].contains(&two.as_str()) {
                i += 2;
                two
            } else if c == '<' || c == '>' {
                i += 1;
                c.to_string()
            } else {
                let hint = if c == '=' {
                    "; use `==` to compare"
                } else {
                    "; use `not` or `!=`"
                };
                return Err(ParseError {
                    pos: start,
                    message: format!("unexpected `{c}`{hint}"),
                });
            };
            out.push((start, Tok::Op(op)));
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
}

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
    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.and()?;
        while self.keyword("or") {
            self.i += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.unary()?;
        while self.keyword("and") {
            self.i += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.keyword("not") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Expr, ParseError> {
        let lhs = self.atom()?;
        if let Some(Tok::Op(op)) = self.peek().cloned() {
            self.i += 1;
            let op = match op.as_str() {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            let rhs = self.atom()?;
            return Ok(Expr::Cmp(Box::new(lhs), op, Box::new(rhs)));
        }
        Ok(lhs)
    }
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        match self.peek().cloned() {
            Some(Tok::Num(v)) => {
                self.i += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Ident(s)) if !["and", "or", "not"].contains(&s.as_str()) => {
                self.i += 1;
                match s.as_str() {
                    "true" => Ok(Expr::Num(1.0)),
                    "false" => Ok(Expr::Num(0.0)),
                    _ => Ok(Expr::Col(s)),
                }
            }
            Some(Tok::LParen) => {
                self.i += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(ParseError {
                        pos: self.pos(),
                        message: "expected `)`".into(),
                    });
                }
                self.i += 1;
                Ok(e)
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
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {v}"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
    }
}

pub fn parse(s: &str) -> Result<Expr, ParseError> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return Err(ParseError {
            pos: 0,
            message: "empty filter".into(),
        });
    }
    let mut p = Parser {
        toks,
        i: 0,
        len: s.chars().count(),
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
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Num(_) => {}
            Expr::Col(c) => {
                if !out.contains(c) {
                    out.push(c.clone())
                }
            }
            Expr::Not(e) => e.columns(out),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(a, _, b) => {
                a.columns(out);
                b.columns(out);
            }
        }
    }

    /// Value of the expression at a row; `None` when a missing value is involved.
    pub fn eval(&self, get: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        Some(match self {
            Expr::Num(v) => *v,
            Expr::Col(c) => get(c)?,
            Expr::Not(e) => b(e.eval(get)? == 0.0),
            Expr::And(x, y) => b(x.eval(get)? != 0.0 && y.eval(get)? != 0.0),
            Expr::Or(x, y) => b(x.eval(get)? != 0.0 || y.eval(get)? != 0.0),
            Expr::Cmp(x, op, y) => {
                let (x, y) = (x.eval(get)?, y.eval(get)?);
                b(match op {
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                })
            }
        })
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
        assert!(parse("").is_err());
    }
}
