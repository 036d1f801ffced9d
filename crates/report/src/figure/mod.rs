//! Figures as SVG (plotters) and PDF (the SVG converted by `svg2pdf`, for `\includegraphics`).
//! Plain, labelled, no clutter: as in a published paper. This module holds what every figure
//! shares (size, font, ticks, interval bars, the PDF conversion); each kind lives in its own
//! module: event studies and the estimator overlay (`event`), the distributions of placebo
//! draws and Goodman-Bacon terms (`dist`), HonestDiD sensitivity (`honest`), the specification
//! curve and the coefficient plot (`curve`).

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

mod curve;
mod dist;
mod event;
mod honest;

pub use curve::{coefplot_svg, curve_svg};
pub use dist::{draws_svg, scatter_svg};
pub use event::{event_study_svg, overlay_svg};
pub use honest::honest_svg;

const W: u32 = 720;
const H: u32 = 440;
const FONT: &str = "sans-serif";

/// An axis tick: one decimal more than needed is noise, and -0.0 is 0.
fn tick(y: f64) -> String {
    trimmed(y, 2)
}

/// `v` as a whole number when it is one (within 1e-9): axis positions of event times, counts
/// and category rows, where a position between two whole numbers gets no label.
fn whole(v: f64) -> Option<i64> {
    let k = v.round();
    ((v - k).abs() < 1e-9).then_some(k as i64)
}

/// A whole-number tick (event times, counts); empty between whole numbers.
fn whole_tick(v: f64) -> String {
    whole(v).map(|k| k.to_string()).unwrap_or_default()
}

/// The label of category row `k` (a whole, non-negative position) from `labels`, counted from
/// the top when `from_top` (row 0 drawn highest); empty elsewhere.
fn row_label(labels: &[String], v: f64, from_top: bool) -> String {
    let Some(k) = whole(v).and_then(|k| usize::try_from(k).ok()) else {
        return String::new();
    };
    let i = if from_top {
        match labels.len().checked_sub(1 + k) {
            Some(i) => i,
            None => return String::new(),
        }
    } else {
        k
    };
    labels.get(i).cloned().unwrap_or_default()
}

/// A grid value: as few digits as it needs (0.5, 0.0125).
fn tick_fine(v: f64) -> String {
    trimmed(v, 4)
}

/// `v` with at most `digits` decimals, trailing zeros dropped, and -0 written 0.
fn trimmed(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s
    }
}

/// A vertical confidence interval at `x` from `lo` to `hi` with caps of half-width `cap`.
fn capped_bar(
    x: f64,
    lo: f64,
    hi: f64,
    cap: f64,
    style: ShapeStyle,
) -> [PathElement<(f64, f64)>; 3] {
    [
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// The legend of a figure's labelled series, in one look for every figure: a near-white box
/// with a light border at `position`.
fn legend<'a, 'b: 'a>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 13))
        .draw()
        .map_err(err)
}

/// A rectangle in data coordinates: x from, x to, y from, y to.
type Rect = (f64, f64, f64, f64);

/// Where a legend goes so that it covers no data. The legend's box (`rows` entries, labels up to
/// `chars` characters; its size in pixels estimated from the 13-px legend font) is tried in the
/// four corners of a plot of `plot_px` pixels showing `x` by `y`; the first corner whose box
/// meets none of `marks` (points, intervals, lines) wins. When every corner is taken, the top of
/// the y range is raised until the box fits above every mark in the upper left. Returns the
/// corner and the top of the y range to draw with.
fn legend_spot(
    x: (f64, f64),
    y: (f64, f64),
    plot_px: (f64, f64),
    rows: usize,
    chars: usize,
    marks: &[Rect],
) -> (SeriesLabelPosition, f64) {
    // Box and its margin from the plot's edge, in pixels, then as shares of the plot.
    let w = 7.5 * chars as f64 + 44.0 + 12.0;
    let h = 19.0 * rows as f64 + 14.0 + 12.0;
    let (fw, fh) = ((w / plot_px.0).min(1.0), (h / plot_px.1).min(0.9));
    let (dx, dy) = (x.1 - x.0, y.1 - y.0);
    let left = (x.0, x.0 + fw * dx);
    let right = (x.1 - fw * dx, x.1);
    let upper = (y.1 - fh * dy, y.1);
    let lower = (y.0, y.0 + fh * dy);
    let free = |bx: (f64, f64), by: (f64, f64)| {
        !marks
            .iter()
            .any(|m| m.0 <= bx.1 && m.1 >= bx.0 && m.2 <= by.1 && m.3 >= by.0)
    };
    for (pos, bx, by) in [
        (SeriesLabelPosition::UpperLeft, left, upper),
        (SeriesLabelPosition::UpperRight, right, upper),
        (SeriesLabelPosition::LowerLeft, left, lower),
        (SeriesLabelPosition::LowerRight, right, lower),
    ] {
        if free(bx, by) {
            return (pos, y.1);
        }
    }
    // Headroom: the band of share fh at the top lies above the highest mark.
    let top_mark = marks.iter().map(|m| m.3).fold(y.0, f64::max);
    let top = ((top_mark - fh * y.0) / (1.0 - fh)).max(y.1) + 0.02 * dy;
    (SeriesLabelPosition::UpperLeft, top)
}

/// The installed fonts, loaded once; `None` when there is none (then no PDF can carry text).
fn fonts() -> Option<std::sync::Arc<svg2pdf::usvg::fontdb::Database>> {
    use std::sync::OnceLock;
    static DB: OnceLock<Option<std::sync::Arc<svg2pdf::usvg::fontdb::Database>>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = svg2pdf::usvg::fontdb::Database::new();
        db.load_system_fonts();
        // The figures ask for `sans-serif`: map it to a sans face that is installed.
        let families: Vec<String> = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
            .collect();
        let pick = [
            "DejaVu Sans",
            "Liberation Sans",
            "Noto Sans",
            "Arial",
            "Helvetica",
        ]
        .into_iter()
        .find(|f| families.iter().any(|n| n == f))
        .map(str::to_string)
        .or_else(|| families.iter().find(|n| n.contains("Sans")).cloned())
        .or_else(|| families.first().cloned())?;
        // Only the chosen family's faces, held in memory: a database of file paths reads (maps)
        // a font file again for every glyph it draws, which made converting the study's
        // figures to PDF a fifth of a whole run.
        let mut chosen = svg2pdf::usvg::fontdb::Database::new();
        let files: std::collections::BTreeSet<&std::path::Path> = db
            .faces()
            .filter(|f| f.families.iter().any(|(n, _)| *n == pick))
            .filter_map(|f| match &f.source {
                svg2pdf::usvg::fontdb::Source::File(path) => Some(path.as_path()),
                _ => None,
            })
            .collect();
        for path in files {
            if let Ok(bytes) = std::fs::read(path) {
                chosen.load_font_data(bytes);
            }
        }
        let mut db = if chosen.is_empty() { db } else { chosen };
        db.set_sans_serif_family(pick);
        Some(std::sync::Arc::new(db))
    })
    .clone()
}

/// A figure's SVG parsed with its text in the installed sans-serif font. `Err` when no font is
/// installed: a PDF or PNG without its labels would mislead.
fn parse(svg: &str) -> Result<svg2pdf::usvg::Tree, String> {
    use svg2pdf::usvg;
    let db = fonts().ok_or(
        "no font is installed for the figures' text (install fonts-dejavu-core, for example)",
    )?;
    let opt = usvg::Options {
        fontdb: db,
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &opt).map_err(err)
}

/// A figure's SVG as a one-page PDF of the same size, its text set in an installed sans-serif
/// font. `Err` when no font is installed: a PDF without its labels would mislead.
pub fn svg_to_pdf(svg: &str) -> Result<Vec<u8>, String> {
    let tree = parse(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map(|pdf| canonical_pdf(&pdf))
    .map_err(err)
}

/// `pdf` with the entries of every dictionary of indirect references (a page's `/XObject`,
/// `/ExtGState`, ... resources, one `/name N 0 R` per line) in sorted order. svg2pdf writes
/// them in the order of a hash map, so the same figure gave different bytes from run to run;
/// sorting lines within an object changes no object's length, so the cross-reference offsets
/// stay right. Stream contents are left alone.
pub fn canonical_pdf(pdf: &[u8]) -> Vec<u8> {
    let is_entry = |l: &[u8]| -> bool {
        let t = l.trim_ascii_start();
        if t.len() == l.len() || !t.starts_with(b"/") || !t.ends_with(b" 0 R") {
            return false;
        }
        let mut parts = t[1..t.len() - 4].split(|&b| b == b' ');
        let (Some(name), Some(num), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        !name.is_empty()
            && name.iter().all(u8::is_ascii_alphanumeric)
            && !num.is_empty()
            && num.iter().all(u8::is_ascii_digit)
    };
    let mut out: Vec<&[u8]> = Vec::new();
    let mut group: Vec<&[u8]> = Vec::new();
    let mut in_stream = false;
    for line in pdf.split(|&b| b == b'\n') {
        if !in_stream && is_entry(line) {
            group.push(line);
            continue;
        }
        group.sort_unstable();
        out.append(&mut group);
        if line == b"stream" {
            in_stream = true;
        } else if line.starts_with(b"endstream") {
            in_stream = false;
        }
        out.push(line);
    }
    group.sort_unstable();
    out.append(&mut group);
    out.join(&b'\n')
}

/// A figure's PNG is 1,800 pixels wide whatever its SVG's width: 300 dots per inch at the six
/// inches a document sets it.
pub const PNG_WIDTH: u32 = 1800;

/// A figure's SVG as a PNG `PNG_WIDTH` pixels wide on white, its text in the same installed font as the
/// PDF. Returns the PNG and its width and height in pixels.
pub fn svg_to_png(svg: &str) -> Result<(Vec<u8>, u32, u32), String> {
    let tree = parse(svg)?;
    let scale = PNG_WIDTH as f32 / tree.size().width();
    let size = tree
        .size()
        .to_int_size()
        .scale_to_width(PNG_WIDTH)
        .ok_or_else(|| err("the figure has no size"))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err("the figure is too large to draw"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Opaque (drawn on white), so RGB: with adaptive filters a figure takes about a fifth of
    // the bytes of the RGBA encoding.
    let rgb: Vec<u8> = pixmap
        .data()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, size.width(), size.height());
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Default);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&rgb).map_err(err)?;
    }
    Ok((png, size.width(), size.height()))
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("figure: {e}")
}

/// Draws a figure an estimator asked for: `title` is the figure's title, `label` gives a
/// variable's label in the table (for axis titles that name one).
pub fn spec_svg(
    spec: &crate::FigureSpec,
    title: &str,
    label: &dyn Fn(&str) -> String,
) -> Result<String, String> {
    match spec {
        crate::FigureSpec::Draws {
            values,
            actual,
            x_label,
            x_var,
            y_label,
            ..
        } => {
            let x = match x_var {
                Some(v) => format!("{x_label} {}", label(v)),
                None => x_label.clone(),
            };
            draws_svg(values, *actual, title, &x, y_label)
        }
        crate::FigureSpec::Scatter {
            x_label,
            y_label,
            reference,
            groups,
            ..
        } => scatter_svg(groups, *reference, title, x_label, y_label),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_resources_in_one_order() {
        let a = b"<<\n  /XObject <<\n    /xo1 10 0 R\n    /xo0 8 0 R\n  >>\n>>\nstream\n /b 2 0 R\n /a 1 0 R\nendstream\n";
        let b = b"<<\n  /XObject <<\n    /xo0 8 0 R\n    /xo1 10 0 R\n  >>\n>>\nstream\n /b 2 0 R\n /a 1 0 R\nendstream\n";
        assert_eq!(canonical_pdf(a), canonical_pdf(b));
        assert_eq!(canonical_pdf(a).len(), a.len());
        // Stream contents are not touched.
        let c = String::from_utf8(canonical_pdf(a)).unwrap();
        assert!(c.contains(" /b 2 0 R\n /a 1 0 R"), "{c}");
    }

    #[test]
    fn a_legend_goes_where_there_is_no_data() {
        let (x, y, px) = ((0.0, 10.0), (0.0, 10.0), (500.0, 300.0));
        // Data in the upper left only: the legend goes to the upper right.
        let (pos, top) = legend_spot(x, y, px, 2, 10, &[(0.5, 1.5, 8.0, 9.5)]);
        assert!(matches!(pos, SeriesLabelPosition::UpperRight) && top == 10.0);
        // Every corner taken: the upper left, with the range raised above every mark.
        let marks = [
            (0.2, 0.4, 0.0, 10.0),
            (9.6, 9.8, 0.0, 10.0),
            (5.0, 5.2, 2.0, 3.0),
        ];
        let (pos, top) = legend_spot(x, y, px, 3, 20, &marks);
        assert!(matches!(pos, SeriesLabelPosition::UpperLeft));
        let h = (19.0 * 3.0 + 26.0) / 300.0;
        assert!(
            top - h * (top - 0.0) >= 10.0,
            "the legend's band starts above the data: {top}"
        );
    }

    #[test]
    fn whole_ticks_and_row_labels() {
        assert_eq!(whole(2.0), Some(2));
        assert_eq!(whole(-0.0), Some(0));
        assert_eq!(whole(2.5), None);
        assert_eq!(whole_tick(-3.0), "-3");
        assert_eq!(whole_tick(0.5), "");
        let l: Vec<String> = ["a", "b", "c"].map(String::from).into();
        assert_eq!(row_label(&l, 0.0, true), "c");
        assert_eq!(row_label(&l, 2.0, true), "a");
        assert_eq!(row_label(&l, 3.0, true), "");
        assert_eq!(row_label(&l, 1.0, false), "b");
        assert_eq!(row_label(&l, -1.0, false), "");
        assert_eq!(row_label(&l, 0.5, false), "");
    }
}
