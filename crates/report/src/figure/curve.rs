//! Many models in one figure: the specification curve and the coefficient plot.

use super::{err, row_label, tick, FONT, W};
use plotters::prelude::*;

/// Pixels from the plot's left edge to the centre of the y-axis title: clear of the tick
/// labels (numbers of up to six characters at 13 px).
const Y_TITLE_GAP: i32 = 58;

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
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 13))
            .draw()
            .map_err(err)?;
        // The axis title beside its tick labels: the label area is as wide as the choice
        // labels below, and plotters would put the title at its far left.
        let (px, py) = chart.plotting_area().get_pixel_range();
        let desc = (FONT, 15)
            .into_font()
            .transform(FontTransform::Rotate270)
            .color(&BLACK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        root.draw(&Text::new(
            "Estimate and 95% CI (blue: p < 0.05)",
            (px.start - Y_TITLE_GAP, (py.start + py.end) / 2),
            desc,
        ))
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
        // Row 0 at the top.
        let label_of = |y: &f64| row_label(&labels, *y, true);
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
    // The label area fits the longest row label (about 6 px a character at 13 px), and the
    // figure widens with it so that the plot keeps its width.
    let longest = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0) as u32;
    let label_area = (longest * 6 + 16).clamp(120, 560);
    let w = W.max(label_area + 500);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(label_area)
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5..(n as f64 - 0.5))
            .map_err(err)?;
        let label_of = |y: &f64| row_label(&labels, *y, true);
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
