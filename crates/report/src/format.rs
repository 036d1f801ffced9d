//! How one number or cell is written: in LaTeX (escaped text, math-mode minus signs) and in
//! Markdown, with the table's digits and thousands separators. `view` uses these to build
//! every cell; templates never format numbers.

use crate::record::StatValue;

/// Escapes LaTeX's special characters in text.
pub fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' | '%' | '&' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) fn fmt_num(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return String::new();
    }
    let s = format!("{v:.digits$}");
    // A negative zero after rounding prints as 0.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// A statistic's cell with the table's digits.
pub(crate) fn stat_value(v: &StatValue, d: usize) -> String {
    match v {
        StatValue::Num { value, digits } => value
            .map(|x| fmt_num(x, digits.unwrap_or(d)))
            .unwrap_or_default(),
        StatValue::Count(n) => thousands(*n),
        StatValue::Text(t) => t.clone(),
        StatValue::Seq(parts) => parts.iter().map(|p| stat_value(p, d)).collect(),
    }
}

/// Every minus sign of a number (a `-` before a digit, at the start or after a space or an
/// opening bracket) typeset in math mode; hyphens inside words stay.
pub(crate) fn tex_minus(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let starts_number = c == '-'
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())
            && (i == 0 || matches!(chars[i - 1], ' ' | '(' | '['));
        if starts_number {
            out.push_str("$-$");
        } else {
            out.push(c);
        }
    }
    out
}

pub(crate) fn tex_num(s: &str) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("$-${rest}"),
        None => s.to_string(),
    }
}

pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A label written for LaTeX (`Treat $\\times$ Post`) as plain text for figures and HTML.
pub fn plain(label: &str) -> String {
    label
        .replace("$\\times$", "×")
        .replace("\\times", "×")
        .replace("$^2$", "²")
        .replace("\\%", "%")
        .replace("\\_", "_")
        .replace("\\&", "&")
        .replace('$', "")
}
