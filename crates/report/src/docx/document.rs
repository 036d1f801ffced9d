//! The document of every table and figure (`results.docx`): a title page heading, then each
//! table on a page of its own (landscape when it needs the width) followed by its figures at
//! the text width, each with its caption below. Figures are PNG at print resolution
//! (`figure::svg_to_png`).

use super::layout::{margins, Page, PAGE};
use super::{add_blocks, base_doc, pack, table_blocks};
use crate::record::TableRecord;
use crate::{md_text, ReportError};
use docx_rs::{
    AlignmentType, LineSpacing, PageOrientationType, PageSize, Paragraph, Pic, Run, SectionProperty,
};

/// A figure for the document: the table it belongs to, its title and its PNG.
#[derive(Debug, Clone)]
pub struct DocxFigure {
    /// The table whose figures it is among.
    pub table: String,
    /// Its caption.
    pub title: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// Pixel width of the PNG.
    pub width_px: u32,
    /// Pixel height of the PNG.
    pub height_px: u32,
}

/// English Metric Units per twip (914,400 per inch, 1,440 twips per inch).
const EMU_PER_TWIP: u32 = 635;
/// The widest a figure is set: six inches.
const FIGURE_WIDTH: u32 = 6 * 1440;

/// One Word document with every table, each followed by its figures in the order given.
pub fn document_docx(
    tables: &[TableRecord],
    figures: &[DocxFigure],
) -> Result<Vec<u8>, ReportError> {
    let mut doc = base_doc();
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text("Results").bold().size(28))
            .line_spacing(LineSpacing::new().after(120)),
    );
    if tables.iter().any(|t| t.data_simulated) {
        doc = doc.add_paragraph(Paragraph::new().add_run(
            Run::new()
                .add_text("Simulated data. These results come from the demo panel, not from real data.")
                .bold(),
        ));
    }
    if let Some(t) = tables.first() {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text(format!("Data: {}.", t.data_source))),
        );
    }
    let mut picture = 0usize;
    let mut last_page = Page { landscape: false };
    for (k, t) in tables.iter().enumerate() {
        let (page, blocks) = table_blocks(t)?;
        doc = add_blocks(doc, blocks);
        for f in figures.iter().filter(|f| f.table == t.table) {
            picture += 1;
            let width = FIGURE_WIDTH.min(page.text_width());
            let height =
                (u64::from(width) * u64::from(f.height_px) / u64::from(f.width_px.max(1))) as u32;
            let pic = Pic::new_with_dimensions(f.png.clone(), f.width_px, f.height_px)
                .size(width * EMU_PER_TWIP, height * EMU_PER_TWIP)
                .id(format!("rIdImage{picture}"));
            doc = doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_image(pic))
                    .align(AlignmentType::Center)
                    .keep_next(true)
                    .line_spacing(LineSpacing::new().before(240).after(60)),
            );
            doc = doc.add_paragraph(
                Paragraph::new()
                    .add_run(
                        Run::new()
                            .add_text(format!("Figure {picture}: {}", md_text(&f.title)))
                            .size(18),
                    )
                    .align(AlignmentType::Center)
                    .line_spacing(LineSpacing::new().after(240)),
            );
        }
        // Each table's pages are a section of their own orientation: its properties close it
        // (the last section's are the document's).
        if k + 1 < tables.len() {
            doc = doc.add_paragraph(Paragraph::new().section_property(section(page)));
        }
        last_page = page;
    }
    pack(last_page.apply(doc))
}

fn section(page: Page) -> SectionProperty {
    let size = if page.landscape {
        PageSize::new()
            .size(PAGE.1, PAGE.0)
            .orient(PageOrientationType::Landscape)
    } else {
        PageSize::new().size(PAGE.0, PAGE.1)
    };
    SectionProperty::new()
        .page_size(size)
        .page_margin(margins())
}
