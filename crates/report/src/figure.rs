//! Figures as SVG (plotters) and PDF (the SVG converted by `svg2pdf`, for `\includegraphics`):
//! event-study coefficients with 95% confidence intervals, the distribution of placebo
//! estimates, the Goodman-Bacon scatter. Plain, labelled, no clutter: as in a published paper.

use crate::record::EventStudy;
use plotters::prelude::*;

const W: u32 = 720;
const H: u32 = 440;
const FONT: &str = "sans-serif";

/// An axis tick: one decimal more than needed is noise, and -0.0 is 0.
fn tick(y: f64) -> String {
    trimmed(y, 2)
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
        db.set_sans_serif_family(pick);
        Some(std::sync::Arc::new(db))
    })
    .clone()
}

/// A figure's SVG as a one-page PDF of the same size, its text set in an installed sans-serif
/// font. `Err` when no font is installed: a PDF without its labels would mislead.
pub fn svg_to_pdf(svg: &str) -> Result<Vec<u8>, String> {
    use svg2pdf::usvg;
    let db = fonts().ok_or(
        "no font is installed for the figures' text (install fonts-dejavu-core, for example)",
    )?;
    let opt = usvg::Options {
        fontdb: db,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opt).map_err(err)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(err)
}

fn err<E: std::fmt::Display>(e: E) -> String {
    format!("figure: {e}")
}

/// Coefficients by relative period with 95% CIs, a zero line, and the omitted reference
/// period marked (hollow point at zero and a dashed vertical line).
pub fn event_study_svg(
    es: &EventStudy,
    title: &str,
    x_label: &str,
    y_label: &str,
) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let lo = es.points.iter().map(|p| p.ci_low).fold(0.0f64, f64::min);
        let hi = es.points.iter().map(|p| p.ci_high).fold(0.0f64, f64::max);
        let pad = ((hi - lo) * 0.1).max(1e-6);
        let (x0, x1) = (es.window.0 as f64 - 0.5, es.window.1 as f64 + 0.5);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_labels((es.window.1 - es.window.0 + 1) as usize)
            .x_label_formatter(&|x| {
                let k = x.round() as i64;
                if (x - k as f64).abs() < 1e-9 {
                    k.to_string()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        // Zero line.
        chart
            .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.6)))
            .map_err(err)?
            .label("zero");
        // Reference period (when it lies in the window): dashed vertical line.
        let r = es.reference as f64;
        let has_ref = es.window.0 <= es.reference && es.reference <= es.window.1;
        if has_ref {
            let dashes = (0..20).map(|i| {
                let a = lo - pad + (hi - lo + 2.0 * pad) * (i as f64) / 20.0;
                let b = a + (hi - lo + 2.0 * pad) / 40.0;
                PathElement::new(vec![(r, a), (r, b)], BLACK.mix(0.5))
            });
            chart.draw_series(dashes).map_err(err)?;
        }
        // Confidence intervals and points.
        let blue = RGBColor(31, 78, 121);
        let cap = 0.08;
        for p in es.points.iter().filter(|p| p.rel_time != es.reference) {
            let x = p.rel_time as f64;
            let bar = capped_bar(x, p.ci_low, p.ci_high, cap, blue.stroke_width(2));
            chart.draw_series(bar).map_err(err)?;
        }
        chart
            .draw_series(
                es.points
                    .iter()
                    .filter(|p| p.rel_time != es.reference)
                    .map(|p| Circle::new((p.rel_time as f64, p.estimate), 4, blue.filled())),
            )
            .map_err(err)?;
        // The omitted period, at zero, only when there is one in the window.
        if has_ref {
            chart
                .draw_series(std::iter::once(Circle::new(
                    (r, 0.0),
                    4,
                    BLACK.stroke_width(2),
                )))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Histogram of placebo estimates with the actual estimate marked by a vertical line.
pub fn placebo_svg(
    draws: &[f64],
    actual: f64,
    title: &str,
    x_label: &str,
) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let lo = draws.iter().copied().fold(actual, f64::min);
        let hi = draws.iter().copied().fold(actual, f64::max);
        let pad = ((hi - lo) * 0.05).max(1e-9);
        let bins = 40usize;
        let width = (hi - lo + 2.0 * pad) / bins as f64;
        let mut counts = vec![0usize; bins];
        for d in draws {
            let b = (((d - (lo - pad)) / width) as usize).min(bins - 1);
            counts[b] += 1;
        }
        let ymax = counts.iter().copied().max().unwrap_or(1) as f64 * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((lo - pad)..(hi + pad), 0.0..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_desc("Number of placebo draws")
            // Counts are whole numbers; an estimate axis never shows -0.
            .y_label_formatter(&|y| {
                if (y - y.round()).abs() < 1e-9 {
                    format!("{}", y.round() as i64)
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|x| tick(*x))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x = lo - pad + i as f64 * width;
                Rectangle::new([(x, 0.0), (x + width, c as f64)], grey.filled())
            }))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(actual, 0.0), (actual, ymax)],
                RGBColor(180, 30, 30).stroke_width(2),
            ))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The Goodman-Bacon scatter: every 2x2 estimate against its weight, one marker per kind, the
/// TWFE estimate as a horizontal line.
pub fn bacon_svg(b: &estimators::Bacon, title: &str) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let lo = b.terms.iter().map(|t| t.estimate).fold(b.twfe, f64::min);
        let hi = b.terms.iter().map(|t| t.estimate).fold(b.twfe, f64::max);
        let pad = ((hi - lo) * 0.1).max(1e-6);
        let wmax = b.terms.iter().map(|t| t.weight).fold(0.0, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..wmax.max(1e-6), (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("Weight")
            .y_desc("2x2 DD estimate")
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, b.twfe), (wmax, b.twfe)],
                BLACK.mix(0.6),
            ))
            .map_err(err)?;
        let styles = [
            (estimators::bacon::NEVER, RGBColor(31, 78, 121)),
            (estimators::bacon::EARLY_LATE, RGBColor(120, 120, 120)),
            (estimators::bacon::LATE_EARLY, RGBColor(180, 30, 30)),
        ];
        for (kind, color) in styles {
            chart
                .draw_series(
                    b.terms
                        .iter()
                        .filter(|t| t.kind == kind)
                        .map(|t| Circle::new((t.weight, t.estimate), 4, color.filled())),
                )
                .map_err(err)?
                .label(kind)
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// HonestDiD sensitivity plot, in the manner of the HonestDiD package: the usual confidence
/// interval (parallel trends exactly) at the left, then the robust confidence set at each value
/// of M̄ (or M), a zero line, and the breakdown value as a dashed vertical line.
pub fn honest_svg(h: &crate::record::HonestRecord, title: &str) -> Result<String, String> {
    use estimators::honest::{Method, Restriction};
    let s = &h.analysis;
    let symbol = match s.restriction {
        Restriction::RelativeMagnitudes => "M̄",
        Restriction::Smoothness => "M",
    };
    let robust = match s.method {
        Method::Flci => "Robust (FLCI)",
        Method::Conditional => "Robust (conditional)",
        Method::Clf => "Robust (C-LF)",
    };
    // Categorical positions: 0 is the original interval, i + 1 the i-th grid value.
    let mut bars: Vec<(f64, f64, f64)> = vec![(0.0, s.original.0, s.original.1)];
    bars.extend(
        s.bands
            .iter()
            .enumerate()
            .filter(|(_, b)| b.lb.is_finite() && b.ub.is_finite())
            .map(|(i, b)| ((i + 1) as f64, b.lb, b.ub)),
    );
    let labels: Vec<String> = std::iter::once("Original".to_string())
        .chain(s.bands.iter().map(|b| tick_fine(b.m)))
        .collect();
    let lo = bars.iter().map(|b| b.1).fold(0.0f64, f64::min);
    let hi = bars.iter().map(|b| b.2).fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.1).max(1e-9);
    let n = s.bands.len() as f64;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.6..n + 0.6, (lo - pad)..(hi + pad))
            .map_err(err)?;
        let label_for = |x: &f64| {
            let k = x.round();
            if (x - k).abs() < 1e-9 && k >= 0.0 {
                labels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(symbol)
            .y_desc(format!("{:.0}% confidence set", 100.0 * (1.0 - s.alpha)))
            .x_labels(s.bands.len() + 2)
            .x_label_formatter(&label_for)
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(-0.6, 0.0), (n + 0.6, 0.0)],
                BLACK.mix(0.6),
            ))
            .map_err(err)?;
        // The breakdown value, placed between the grid values that bracket it.
        if let Some(b) = s.breakdown {
            let grid: Vec<f64> = s.bands.iter().map(|b| b.m).collect();
            let x = match grid.iter().position(|m| *m >= b) {
                Some(0) | None => grid.iter().position(|m| *m >= b).map(|_| 1.0),
                Some(i) => Some(i as f64 + (b - grid[i - 1]) / (grid[i] - grid[i - 1]).max(1e-12)),
            };
            if let Some(x) = x.filter(|_| b > 0.0) {
                let span = hi - lo + 2.0 * pad;
                let dashes = (0..20).map(|i| {
                    let a = lo - pad + span * (i as f64) / 20.0;
                    PathElement::new(vec![(x, a), (x, a + span / 40.0)], RED.mix(0.7))
                });
                chart
                    .draw_series(dashes)
                    .map_err(err)?
                    .label(format!("Breakdown {symbol} = {}", tick_fine(b)))
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.mix(0.7)));
            }
        }
        let cap = 0.12;
        let blue = RGBColor(31, 78, 121);
        let grey = RGBColor(120, 120, 120);
        for (i, (x, a, b)) in bars.iter().enumerate() {
            let color = if i == 0 { grey } else { blue };
            let bar = capped_bar(*x, *a, *b, cap, color.stroke_width(3));
            let drawn = chart.draw_series(bar).map_err(err)?;
            if i == 0 {
                drawn
                    .label("Original (parallel trends)")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], grey.stroke_width(3))
                    });
            } else if i == 1 {
                drawn.label(robust).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], blue.stroke_width(3))
                });
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// A grid value: as few digits as it needs (0.5, 0.0125).
fn tick_fine(v: f64) -> String {
    trimmed(v, 4)
}

/// A specification curve: above, the key estimates sorted with their 95% intervals and a zero
/// line; below, the choices that produced each (one row per value of each varying dimension, a
/// mark where the model made that choice). Beyond `max_points` models the figure shows evenly
/// spaced order statistics and the title says how many of how many.
pub fn curve_svg(
    c: &crate::curve::Curve,
    title: &str,
    max_points: usize,
) -> Result<String, String> {
    let n = c.points.len();
    if n == 0 {
        return Err("the specification curve has no model with a key estimate".into());
    }
    let shown = crate::curve::thin(n, max_points);
    let title = if shown.len() < n {
        format!(
            "{title} ({} of {} specifications shown)",
            shown.len(),
            crate::format::thousands(n)
        )
    } else {
        format!("{title} ({} specifications)", crate::format::thousands(n))
    };
    // Choice rows: dimension, value. A choice with more values than a panel can label is left
    // out of the panel, and the title says so.
    const MAX_VALUES: usize = 12;
    let mut rows: Vec<(usize, String)> = Vec::new();
    let mut omitted: Vec<String> = Vec::new();
    for (d, name) in c.dimensions.iter().enumerate() {
        let mut vals: Vec<&String> = c.points.iter().map(|p| &p.choices[d]).collect();
        vals.sort();
        vals.dedup();
        if vals.len() > MAX_VALUES {
            omitted.push(format!("{name}: {} values", vals.len()));
            continue;
        }
        rows.extend(vals.into_iter().map(|v| (d, v.clone())));
    }
    let title = if omitted.is_empty() {
        title
    } else {
        format!("{title}; not drawn: {}", omitted.join(", "))
    };
    let row_h = 18u32;
    let bottom_h = (rows.len() as u32 * row_h + 60).max(90);
    let (w, top_h) = (960u32, 380u32);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, top_h + bottom_h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (top, bottom) = root.split_vertically(top_h);
        let lo = shown
            .iter()
            .map(|&i| c.points[i].key.ci.0)
            .fold(0.0f64, f64::min);
        let hi = shown
            .iter()
            .map(|&i| c.points[i].key.ci.1)
            .fold(0.0f64, f64::max);
        let pad = ((hi - lo) * 0.08).max(1e-9);
        let x_range = -0.5..(n as f64 - 0.5);
        let label_w = 260u32;
        let mut chart = ChartBuilder::on(&top)
            .caption(&title, (FONT, 18))
            .margin(12)
            .x_label_area_size(10)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x_range.clone(), (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc("Estimate and 95% CI (blue: p < 0.05)")
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                BLACK.mix(0.6),
            ))
            .map_err(err)?;
        let blue = RGBColor(31, 78, 121);
        let grey = RGBColor(150, 150, 150);
        let significant = |i: usize| c.points[i].key.p_value < 0.05;
        chart
            .draw_series(shown.iter().map(|&i| {
                let p = &c.points[i];
                let color = if significant(i) { blue } else { grey };
                PathElement::new(
                    vec![(i as f64, p.key.ci.0), (i as f64, p.key.ci.1)],
                    color.mix(0.6).stroke_width(1),
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(shown.iter().map(|&i| {
                let p = &c.points[i];
                let color = if significant(i) { blue } else { grey };
                Circle::new((i as f64, p.key.estimate), 3, color.filled())
            }))
            .map_err(err)?;
        // The choices.
        let labels: Vec<String> = rows
            .iter()
            .map(|(d, v)| format!("{}: {v}", c.dimensions[*d]))
            .collect();
        let nrows = rows.len().max(1) as f64;
        let mut grid = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x_range, -0.5..(nrows - 0.5))
            .map_err(err)?;
        let label_of = |y: &f64| {
            let k = y.round();
            if (y - k).abs() < 1e-9 && k >= 0.0 {
                // Row 0 at the top.
                labels
                    .get(rows.len().saturating_sub(1 + k as usize))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        grid.configure_mesh()
            .disable_mesh()
            .x_desc("Specifications, sorted by estimate")
            .x_labels(0)
            .y_labels(rows.len().max(1))
            .y_label_formatter(&label_of)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        let nr = rows.len();
        let mut marks = Vec::new();
        for &i in &shown {
            let p = &c.points[i];
            for (r, (d, v)) in rows.iter().enumerate() {
                if p.choices[*d] == *v {
                    marks.push(Circle::new(
                        (i as f64, (nr - 1 - r) as f64),
                        3,
                        BLACK.filled(),
                    ));
                }
            }
        }
        grid.draw_series(marks).map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Event studies of several estimators side by side: per event time, one dodged point and 95%
/// interval per estimator, one legend. `series` is (name, points); the reference periods that a
/// series omits are drawn at zero hollow.
pub fn overlay_svg(
    series: &[(String, &EventStudy)],
    title: &str,
    x_label: &str,
) -> Result<String, String> {
    let palette = [
        RGBColor(31, 78, 121),
        RGBColor(200, 82, 0),
        RGBColor(0, 128, 96),
        RGBColor(150, 40, 140),
        RGBColor(90, 90, 90),
    ];
    let all = series.iter().flat_map(|(_, es)| es.points.iter());
    let (mut x0, mut x1, mut lo, mut hi) = (i64::MAX, i64::MIN, 0.0f64, 0.0f64);
    for p in all {
        x0 = x0.min(p.rel_time);
        x1 = x1.max(p.rel_time);
        lo = lo.min(p.ci_low);
        hi = hi.max(p.ci_high);
    }
    if x0 > x1 {
        return Err("no event-time estimates to overlay".into());
    }
    let pad = ((hi - lo) * 0.1).max(1e-9);
    let k = series.len() as f64;
    let width = 0.7;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W + 80, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((x0 as f64 - 0.6)..(x1 as f64 + 0.6), (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_desc("Estimate and 95% CI")
            .x_labels((x1 - x0 + 1) as usize)
            .x_label_formatter(&|x| {
                let r = x.round();
                if (x - r).abs() < 1e-9 {
                    (r as i64).to_string()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(x0 as f64 - 0.6, 0.0), (x1 as f64 + 0.6, 0.0)],
                BLACK.mix(0.6),
            ))
            .map_err(err)?;
        for (s, (name, es)) in series.iter().enumerate() {
            let color = palette[s % palette.len()];
            let dx = if k > 1.0 {
                -width / 2.0 + width * (s as f64) / (k - 1.0)
            } else {
                0.0
            };
            let pts: Vec<&crate::record::EventPoint> = es
                .points
                .iter()
                .filter(|p| !(p.rel_time == es.reference && p.std_error == 0.0))
                .collect();
            chart
                .draw_series(pts.iter().map(|p| {
                    let x = p.rel_time as f64 + dx;
                    PathElement::new(vec![(x, p.ci_low), (x, p.ci_high)], color.stroke_width(2))
                }))
                .map_err(err)?;
            chart
                .draw_series(
                    pts.iter().map(|p| {
                        Circle::new((p.rel_time as f64 + dx, p.estimate), 4, color.filled())
                    }),
                )
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .label_font((FONT, 13))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// A coefficient plot: one row per model, its key estimate and 95% interval, a zero line.
pub fn coefplot_svg(
    rows: &[(String, f64, f64, f64)],
    title: &str,
    x_label: &str,
) -> Result<String, String> {
    if rows.is_empty() {
        return Err("no model with a key estimate to plot".into());
    }
    let lo = rows.iter().map(|r| r.2).fold(0.0f64, f64::min);
    let hi = rows.iter().map(|r| r.3).fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.08).max(1e-9);
    let n = rows.len();
    let h = (n as u32 * 28 + 110).max(220);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(220)
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        let label_of = |y: &f64| {
            let k = y.round();
            if (y - k).abs() < 1e-9 && k >= 0.0 {
                labels
                    .get(n.saturating_sub(1 + k as usize))
                    .cloned()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_labels(n)
            .y_label_formatter(&label_of)
            .x_label_formatter(&|x| tick(*x))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                BLACK.mix(0.6),
            ))
            .map_err(err)?;
        let blue = RGBColor(31, 78, 121);
        for (i, r) in rows.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            chart
                .draw_series([
                    PathElement::new(vec![(r.2, y), (r.3, y)], blue.stroke_width(2)),
                    PathElement::new(vec![(r.2, y - 0.12), (r.2, y + 0.12)], blue.stroke_width(2)),
                    PathElement::new(vec![(r.3, y - 0.12), (r.3, y + 0.12)], blue.stroke_width(2)),
                ])
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((r.1, y), 4, blue.filled())))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}
