//! Word tables (`.docx`): one file per table and one document with every table and figure
//! (`document.rs`), built with `docx-rs` from the same view model as the text templates, so a
//! table's `format:` (digits, stars, what goes below an estimate, its journal style) is honoured
//! here too. A Word table is binary, so no template file governs it; its look is fixed here:
//! booktabs-like rules (heavy above and below, light under the header, above the statistics and
//! between panels, a light rule under each spanning header), the caption above, panels as italic
//! rows spanning the table, notes in small type below, and estimates, standard errors and
//! statistics aligned on their decimal points by a decimal tab stop in each column (in a table
//! cell, Word and LibreOffice align a paragraph on its first decimal stop without a tab
//! character; with one, LibreOffice moved the number to a second line).
//!
//! The archive is byte-for-byte reproducible: `docx-rs` writes fixed dates and the zip entries
//! carry no time, and pictures get their ids from their place in the document.

mod document;
mod layout;

pub use document::{document_docx, DocxFigure};
use layout::{is_number, Layout, Measure, Page, FONT};

use crate::record::TableRecord;
use crate::view::{self, TableView};
use crate::{md_text, ReportError, Style};
use docx_rs::{
    AlignmentType, BorderType, Docx, LineSpacing, Paragraph, Run, RunFonts, Tab, TabValueType,
    Table, TableAlignmentType, TableCell, TableCellBorder, TableCellBorderPosition,
    TableCellBorders, TableLayoutType, TableRow, WidthType,
};

/// What goes into a document for one table: paragraphs and Word tables in order.
pub(crate) enum Block {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
}

/// A document with this table alone (caption, table, notes, covariate balance, curve summary).
pub fn table_docx(t: &TableRecord) -> Result<Vec<u8>, ReportError> {
    let (page, blocks) = table_blocks(t)?;
    pack(add_blocks(page.apply(base_doc()), blocks))
}

/// `doc` with `blocks` added in order.
pub(crate) fn add_blocks(doc: Docx, blocks: Vec<Block>) -> Docx {
    blocks.into_iter().fold(doc, |doc, b| match b {
        Block::Paragraph(p) => doc.add_paragraph(*p),
        Block::Table(t) => doc.add_table(*t),
    })
}

/// A new document: 10-point serif text, no spacing between paragraphs unless set.
pub(crate) fn base_doc() -> Docx {
    Docx::new()
        .default_fonts(RunFonts::new().ascii(FONT).hi_ansi(FONT).cs(FONT))
        .default_size(20)
}

pub(crate) fn pack(doc: Docx) -> Result<Vec<u8>, ReportError> {
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.pack(&mut buf)
        .map_err(|e| ReportError(format!("writing a Word document: {e}")))?;
    Ok(buf.into_inner())
}

/// The blocks of one table and the page they need. A table too wide for a landscape page at
/// 8 points (or with `format: {columns_per_table: n}`) is set in parts of as many columns as
/// fit, numbered on, as LaTeX sets it; the notes, balance and curve summary follow the last.
pub(crate) fn table_blocks(t: &TableRecord) -> Result<(Page, Vec<Block>), ReportError> {
    let mut style =
        Style::from_value(&t.format).map_err(|e| ReportError(format!("{}: {e}", t.spec_file)))?;
    // A table wider than `word_columns` shows its first ones (and says so under the notes).
    let columns = view::columns_of(t);
    let total = columns.iter().max().map_or(0, |c| c + 1);
    let shown;
    let t: &TableRecord = if total > style.word_columns {
        let mut first = t.without_models();
        first.models = t
            .models
            .iter()
            .zip(columns)
            .filter(|(_, c)| *c < style.word_columns)
            .map(|(m, _)| m.clone())
            .collect();
        shown = first;
        &shown
    } else {
        t
    };
    let whole = view::build(t, &style);
    if Layout::fit(&whole).is_none() {
        let n = Layout::columns_that_fit(&whole);
        style.columns_per_table = Some(style.columns_per_table.map_or(n, |c| c.min(n)));
    }
    let parts = view::build_parts(t, &style);
    let mut blocks = Vec::new();
    let mut page = Page { landscape: false };
    for v in &parts {
        let layout = Layout::fit(v).unwrap_or_else(|| Layout::squeezed(v));
        page.landscape |= layout.page.landscape;
        blocks.push(Block::Paragraph(Box::new(caption(&v.title))));
        blocks.push(Block::Table(Box::new(main_table(v, &layout))));
        blocks.push(Block::Paragraph(Box::new(notes(v, &layout))));
    }
    if total > style.word_columns {
        let n = &t.table;
        let text = format!(
            "This Word table shows columns (1) to ({}) of {}; every column is in {n}.tex, {n}.typ, {n}.md and {n}.json (`format: {{word_columns: N}}` shows more).",
            style.word_columns,
            crate::format::thousands(total)
        );
        blocks.push(Block::Paragraph(Box::new(
            Paragraph::new()
                .add_run(run(&text, 16).italic())
                .line_spacing(LineSpacing::new().after(240)),
        )));
    }
    let last = parts.last().expect("build_parts gives at least one view");
    for b in &last.balance {
        blocks.push(Block::Paragraph(Box::new(caption(&format!(
            "Covariate balance: {}",
            md_text(&b.label)
        )))));
        let head = [
            "Treated mean",
            "Control mean, before",
            "Control mean, after",
            "Std. diff. before (%)",
            "Std. diff. after (%)",
        ];
        let rows: Vec<(String, Vec<String>)> = b
            .rows
            .iter()
            .map(|r| (md_text(&r.label_md), r.cells.clone()))
            .collect();
        blocks.push(Block::Table(Box::new(simple_table(&head, &rows))));
    }
    if let Some(c) = &last.curve {
        blocks.push(Block::Paragraph(Box::new(caption(
            "Specification curve: summary",
        ))));
        let rows: Vec<(String, Vec<String>)> = c
            .rows
            .iter()
            .map(|r| (md_text(&r.label_md), vec![md_text(&r.value_md)]))
            .collect();
        blocks.push(Block::Table(Box::new(simple_table(&[], &rows))));
    }
    Ok((page, blocks))
}

/// A rule of `eighths` of a point on one side of a cell.
fn rule(pos: TableCellBorderPosition, eighths: usize) -> TableCellBorder {
    TableCellBorder::new(pos)
        .size(eighths)
        .color("000000")
        .border_type(BorderType::Single)
}

const HEAVY: usize = 8;
const LIGHT: usize = 4;

fn tight(p: Paragraph) -> Paragraph {
    p.line_spacing(LineSpacing::new().before(0).after(0))
}

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

/// The bold caption above a table, kept on the table's page.
pub(crate) fn caption(title: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(md_text(title)).bold())
        .align(AlignmentType::Center)
        .keep_next(true)
        .line_spacing(LineSpacing::new().before(240).after(120))
}

/// A cell: its width, its paragraph, and rules above or below.
struct Cell {
    p: Paragraph,
    width: u32,
    span: usize,
    top: usize,
    bottom: usize,
}

impl Cell {
    fn new(p: Paragraph, width: u32) -> Cell {
        Cell {
            p,
            width,
            span: 1,
            top: 0,
            bottom: 0,
        }
    }

    fn build(self) -> TableCell {
        // Every row kept with the next: a table moves to the next page whole rather than
        // breaking (one taller than a page still breaks).
        let mut c = TableCell::new()
            .add_paragraph(tight(self.p).keep_next(true))
            .width(self.width as usize, WidthType::Dxa);
        if self.span > 1 {
            c = c.grid_span(self.span);
        }
        // Only the rules asked for: a cell's borders start empty (a `TableCellBorders` starts
        // with all four).
        let mut borders = TableCellBorders::with_empty();
        if self.top > 0 {
            borders = borders.set(rule(TableCellBorderPosition::Top, self.top));
        }
        if self.bottom > 0 {
            borders = borders.set(rule(TableCellBorderPosition::Bottom, self.bottom));
        }
        c.set_borders(borders)
    }
}

/// A row of cells with rules: `top` above every cell, `bottom` below every cell.
struct Row {
    cells: Vec<Cell>,
    top: usize,
    bottom: usize,
}

fn row(cells: Vec<Cell>, top: usize, bottom: usize) -> Row {
    Row { cells, top, bottom }
}

/// The Word rows, the heavy bottom rule under the last.
fn build_rows(mut rows: Vec<Row>) -> Vec<TableRow> {
    if let Some(last) = rows.last_mut() {
        last.bottom = HEAVY;
    }
    rows.into_iter()
        .map(|r| {
            TableRow::new(
                r.cells
                    .into_iter()
                    .map(|mut c| {
                        c.top = c.top.max(r.top);
                        c.bottom = c.bottom.max(r.bottom);
                        c.build()
                    })
                    .collect(),
            )
            .cant_split()
        })
        .collect()
}

impl Layout {
    fn label(&self, text: &str) -> Cell {
        Cell::new(
            Paragraph::new().add_run(run(&md_text(text), self.size)),
            self.label_width,
        )
    }

    /// A number on its column's decimal stop; other text centred.
    fn value(&self, col: usize, text: &str) -> Cell {
        let text = md_text(text);
        let p = if is_number(&text) {
            Paragraph::new()
                .add_tab(
                    Tab::new()
                        .val(TabValueType::Decimal)
                        .pos(self.stops[col] as usize),
                )
                .add_run(run(&text, self.size))
        } else {
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(&text, self.size))
        };
        Cell::new(p, self.column_width)
    }

    fn centred(&self, text: &str, span: usize) -> Cell {
        let mut c = Cell::new(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(&md_text(text), self.size)),
            self.column_width * span as u32,
        );
        c.span = span;
        c
    }

    fn grid(&self, n: usize) -> Vec<usize> {
        std::iter::once(self.label_width as usize)
            .chain(std::iter::repeat_n(self.column_width as usize, n))
            .collect()
    }
}

/// The regression table: header rows, panels of coefficients with their below-lines, the
/// statistics rows of each panel.
fn main_table(v: &TableView, l: &Layout) -> Table {
    let n = v.columns.len();
    let mut rows: Vec<Row> = Vec::new();
    let mut first = true;
    // The heavy top rule goes on the first header row; a light one under the last.
    let mut top = || {
        if std::mem::replace(&mut first, false) {
            HEAVY
        } else {
            0
        }
    };
    if !v.groups.is_empty() {
        let mut cells = vec![l.label("")];
        let mut next = 1;
        for g in &v.groups {
            for _ in next..g.start {
                cells.push(l.centred("", 1));
            }
            let mut c = l.centred(&g.label, g.span);
            c.bottom = LIGHT;
            cells.push(c);
            next = g.end + 1;
        }
        for _ in next..=n {
            cells.push(l.centred("", 1));
        }
        rows.push(row(cells, top(), 0));
    }
    if !v.headers_tex.is_empty() {
        let mut cells = vec![l.label("")];
        cells.extend(v.columns.iter().map(|c| l.centred(&c.header, 1)));
        rows.push(row(cells, top(), 0));
    }
    let mut cells = vec![l.label("")];
    cells.extend(
        v.columns
            .iter()
            .map(|c| l.centred(&format!("({})", c.index), 1)),
    );
    rows.push(row(cells, top(), LIGHT));
    for (k, p) in v.panels.iter().enumerate() {
        if let Some(title) = &p.title {
            let mut c = Cell::new(
                Paragraph::new().add_run(run(&md_text(title), l.size).italic()),
                l.label_width + l.column_width * n as u32,
            );
            c.span = n + 1;
            rows.push(row(vec![c], if k > 0 { LIGHT } else { 0 }, 0));
        }
        for r in &p.rows {
            let mut cells = vec![l.label(&r.label_md)];
            cells.extend(
                r.cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| l.value(i, &c.estimate_md)),
            );
            rows.push(row(cells, 0, 0));
            let mut cells = vec![l.label("")];
            cells.extend(
                r.cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| l.value(i, &c.below_md)),
            );
            rows.push(row(cells, 0, 0));
        }
        for (j, s) in p.stats.iter().enumerate() {
            let mut cells = vec![l.label(&s.label_md)];
            cells.extend(s.cells.iter().enumerate().map(|(i, c)| l.value(i, c)));
            rows.push(row(cells, if j == 0 { LIGHT } else { 0 }, 0));
        }
    }
    let body = build_rows(rows);
    Table::without_borders(body)
        .set_grid(l.grid(n))
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
        .width(
            (l.label_width + l.column_width * n as u32) as usize,
            WidthType::Dxa,
        )
}

/// A small table of a label column and text columns (covariate balance, curve summary), with
/// a header row when `head` names the columns.
fn simple_table(head: &[&str], rows: &[(String, Vec<String>)]) -> Table {
    let ncols = rows.iter().map(|r| r.1.len()).max().unwrap_or(head.len());
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let cells: Vec<Vec<String>> = (0..ncols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.1.get(i).map(|c| md_text(c)))
                .collect()
        })
        .collect();
    let l = Measure::of(&labels, &cells).fit().unwrap_or(Layout {
        page: Page { landscape: false },
        size: 16,
        label_width: 2600,
        column_width: 1300,
        stops: vec![650; ncols],
    });
    let mut out = Vec::new();
    if !head.is_empty() {
        let mut cells = vec![l.label("")];
        cells.extend(head.iter().map(|h| l.centred(h, 1)));
        out.push(row(cells, HEAVY, LIGHT));
    }
    for (k, (label, cells)) in rows.iter().enumerate() {
        let mut cs = vec![l.label(label)];
        cs.extend(cells.iter().enumerate().map(|(i, c)| l.value(i, c)));
        let top = if k == 0 && out.is_empty() { HEAVY } else { 0 };
        out.push(row(cs, top, 0));
    }
    Table::without_borders(build_rows(out))
        .set_grid(l.grid(ncols))
        .layout(TableLayoutType::Fixed)
        .align(TableAlignmentType::Center)
}

/// The notes and the provenance line in small type under the table.
fn notes(v: &TableView, l: &Layout) -> Paragraph {
    let mut text: Vec<String> = v.notes.iter().map(|n| md_text(&n.md)).collect();
    if let Some(p) = &v.provenance {
        text.push(md_text(&p.md));
    }
    let width = l.label_width + l.column_width * v.columns.len() as u32;
    // Centred under the table at its width (at least half the line), as the LaTeX notes are.
    let indent = l
        .page
        .text_width()
        .saturating_sub(width.max(l.page.text_width() / 2))
        / 2;
    Paragraph::new()
        .add_run(run(&text.join(" "), 16))
        .indent(Some(indent as i32), None, Some(indent as i32), None)
        .align(AlignmentType::Both)
        .line_spacing(LineSpacing::new().before(80).after(240))
}
