//! The geometry of a Word table: the page (US Letter, one-inch margins, portrait or
//! landscape), and each table's type size, column widths and decimal stops, measured from its
//! cells so that the widest number and label fit at the largest size that lets the table fit
//! the page.

use crate::md_text;
use crate::view::TableView;
use docx_rs::{Docx, PageMargin, PageOrientationType};

/// US Letter in twentieths of a point (twips), with one-inch margins.
pub(crate) const PAGE: (u32, u32) = (12240, 15840);
const MARGIN: u32 = 1440;
/// Word's default left and right cell margins (twips).
pub(crate) const CELL_PAD: u32 = 108;
/// The serif face of the tables (LibreOffice substitutes its metric twin, Liberation Serif).
pub(crate) const FONT: &str = "Times New Roman";

/// A page's orientation and the text width it leaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Page {
    pub(crate) landscape: bool,
}

impl Page {
    pub(crate) fn text_width(self) -> u32 {
        let w = if self.landscape { PAGE.1 } else { PAGE.0 };
        w - 2 * MARGIN
    }

    /// The document's (or a section's) page size, orientation and margins.
    pub(crate) fn apply(self, doc: Docx) -> Docx {
        let (w, h) = if self.landscape {
            (PAGE.1, PAGE.0)
        } else {
            PAGE
        };
        let doc = doc.page_size(w, h).page_margin(margins());
        if self.landscape {
            doc.page_orient(PageOrientationType::Landscape)
        } else {
            doc
        }
    }
}

pub(crate) fn margins() -> PageMargin {
    let m = MARGIN as i32;
    PageMargin::new()
        .top(m)
        .bottom(m)
        .left(m)
        .right(m)
        .header(720)
        .footer(720)
}

/// Column widths, the type size and the decimal stops of one table.
pub(crate) struct Layout {
    pub(crate) page: Page,
    /// Half-points.
    pub(crate) size: usize,
    pub(crate) label_width: u32,
    pub(crate) column_width: u32,
    /// Per column: the decimal stop from the cell's text edge (twips).
    pub(crate) stops: Vec<u32>,
}

impl Layout {
    /// The regression table's layout, or `None` when it does not fit a landscape page at 8
    /// points.
    pub(crate) fn fit(v: &TableView) -> Option<Layout> {
        Measure::of(&row_labels(v), &column_cells(v)).fit()
    }

    /// How many columns of this table fit a landscape page at 8 points side by side (at least
    /// one): each part of that many columns then fits, its labels and cells being the whole
    /// table's or fewer.
    pub(crate) fn columns_that_fit(v: &TableView) -> usize {
        let m = Measure::of(&row_labels(v), &column_cells(v));
        let (label_width, need, _) = m.widths(16);
        let room = Page { landscape: true }.text_width();
        (room.saturating_sub(label_width) / need.max(1)).max(1) as usize
    }

    /// A table that fits nowhere, set anyway: landscape, 8 points, the columns sharing what
    /// the labels leave (Word wraps what does not fit).
    pub(crate) fn squeezed(v: &TableView) -> Layout {
        let page = Page { landscape: true };
        let ncols = v.columns.len().max(1) as u32;
        let label_width = page.text_width() / 4;
        let column_width = (page.text_width() - label_width) / ncols;
        Layout {
            page,
            size: 16,
            label_width,
            column_width,
            stops: vec![column_width / 2; v.columns.len()],
        }
    }
}

/// What the widths of a table's columns are measured from: its longest row label, and per
/// column the widest integer and fractional parts of its numbers, and its widest text cell.
pub(crate) struct Measure {
    label_chars: usize,
    /// Per column: characters before and after the decimal point of its widest number.
    numeric: Vec<(usize, usize)>,
    number_chars: usize,
    /// Text cells (intervals, "Yes", "999 (rademacher)") wrap past 14 characters.
    widest_text: usize,
}

impl Measure {
    pub(crate) fn of(labels: &[String], cells: &[Vec<String>]) -> Measure {
        let label_chars = labels
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(6, 44);
        let split = |s: &str| -> (usize, usize) {
            match s.find('.') {
                Some(i) => (s[..i].chars().count(), s[i..].chars().count()),
                None => (s.chars().count(), 0),
            }
        };
        let numeric: Vec<(usize, usize)> = cells
            .iter()
            .map(|col| {
                col.iter()
                    .filter(|s| is_number(s))
                    .map(|s| split(s))
                    .fold((1, 0), |a, b| (a.0.max(b.0), a.1.max(b.1)))
            })
            .collect();
        let number_chars = numeric.iter().map(|(a, b)| a + b).max().unwrap_or(4);
        let widest_text = cells
            .iter()
            .flatten()
            .filter(|s| !is_number(s))
            .map(|s| s.chars().count().min(14))
            .max()
            .unwrap_or(0);
        Measure {
            label_chars,
            numeric,
            number_chars,
            widest_text,
        }
    }

    /// At `size` half-points: the label column's width, what each other column needs, and a
    /// digit's width (twips). Generous enough for a substituted font (Liberation or DejaVu
    /// Serif where Times New Roman is not installed): digits 0.6 em, text 0.55 em on average.
    fn widths(&self, size: usize) -> (u32, u32, u32) {
        let digit = size as u32 * 6;
        let letter = size as u32 * 11 / 2;
        let label_width = self.label_chars as u32 * letter + 2 * CELL_PAD + letter;
        let need = (self.number_chars as u32 * digit).max(self.widest_text as u32 * letter)
            + 2 * CELL_PAD
            + digit;
        (label_width, need, digit)
    }

    /// The largest size from 10 down to 8 points at which the table fits a portrait page, else
    /// a landscape one; `None` when neither.
    pub(crate) fn fit(&self) -> Option<Layout> {
        let ncols = self.numeric.len().max(1) as u32;
        for page in [Page { landscape: false }, Page { landscape: true }] {
            for size in [20usize, 18, 16] {
                let (label_width, need, digit) = self.widths(size);
                let room = page.text_width();
                if label_width + ncols * need > room {
                    continue;
                }
                // Spare width goes to the columns, up to half as much again.
                let spare = room - label_width - ncols * need;
                let column_width = (need + spare / ncols).min(need * 3 / 2);
                let text = column_width - 2 * CELL_PAD;
                // Each column's numbers centred as a block on their decimal points: the stop
                // sits after the widest integer part of the column's block.
                let stops = self
                    .numeric
                    .iter()
                    .map(|(before, after)| {
                        let block = (before + after) as u32 * digit;
                        text.saturating_sub(block) / 2 + *before as u32 * digit
                    })
                    .collect();
                return Some(Layout {
                    page,
                    size,
                    label_width,
                    column_width,
                    stops,
                });
            }
        }
        None
    }
}

/// Every row label of the table (coefficients and statistics), as printed.
fn row_labels(v: &TableView) -> Vec<String> {
    v.panels
        .iter()
        .flat_map(|p| {
            p.rows
                .iter()
                .map(|r| md_text(&r.label_md))
                .chain(p.stats.iter().map(|s| md_text(&s.label_md)))
        })
        .collect()
}

/// Every cell's text per column (estimates, below-lines, statistics), as printed.
fn column_cells(v: &TableView) -> Vec<Vec<String>> {
    let mut cols = vec![Vec::new(); v.columns.len()];
    for p in &v.panels {
        for r in &p.rows {
            for (i, c) in r.cells.iter().enumerate() {
                cols[i].push(md_text(&c.estimate_md));
                cols[i].push(md_text(&c.below_md));
            }
        }
        for s in &p.stats {
            for (i, c) in s.cells.iter().enumerate() {
                cols[i].push(md_text(c));
            }
        }
    }
    cols
}

/// A number as a table prints one: digits with an optional sign, decimal point, thousands
/// separators, parentheses or brackets around it and stars after it (`-0.123***`, `(0.045)`,
/// `1,234`). Intervals, words and blanks are centred instead.
pub(crate) fn is_number(s: &str) -> bool {
    let core = s
        .trim_end_matches('*')
        .trim_start_matches(['(', '['])
        .trim_end_matches([')', ']'])
        .trim_start_matches(['-', '−']);
    core.chars().any(|c| c.is_ascii_digit())
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && core.matches('.').count() <= 1
}

#[cfg(test)]
mod tests {
    use super::is_number;

    #[test]
    fn numbers_and_other_cells() {
        for s in [
            "0.123",
            "-0.123***",
            "(0.045)",
            "1,234",
            "[0.1]",
            "−2.5*",
            "12",
        ] {
            assert!(is_number(s), "{s}");
        }
        for s in ["", "Yes", "[0.1, 0.3]", "1.2.3", "Country", "*"] {
            assert!(!is_number(s), "{s}");
        }
    }
}
