//! The figure kinds an estimator asks for by [`crate::FigureSpec`]: a histogram of draws against
//! the actual estimate (randomization inference), and points in groups against a reference line
//! (the Goodman-Bacon terms against their weights).

use super::{err, legend, tick, whole_tick, FONT, H, W};
use plotters::prelude::*;

/// Histogram of draws with the actual estimate marked by a vertical line.
pub fn draws_svg(
    draws: &[f64],
    actual: f64,
    title: &str,
    x_label: &str,
    y_label: &str,
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
            .y_desc(y_label)
            // Counts are whole numbers; an estimate axis never shows -0.
            .y_label_formatter(&|y| whole_tick(*y))
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

/// Points in groups (colours in order: blue, grey, red, then more) against their x, with a
/// horizontal reference line and a legend.
pub fn scatter_svg(
    groups: &[(String, Vec<(f64, f64)>)],
    reference: Option<f64>,
    title: &str,
    x_label: &str,
    y_label: &str,
) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let points = || groups.iter().flat_map(|(_, p)| p.iter());
        let start = reference.unwrap_or(f64::NAN);
        let lo = points().map(|p| p.1).fold(start, f64::min);
        let hi = points().map(|p| p.1).fold(start, f64::max);
        let pad = ((hi - lo) * 0.1).max(1e-6);
        let wmax = points().map(|p| p.0).fold(0.0, f64::max) * 1.1;
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
            .x_desc(x_label)
            .y_desc(y_label)
            .y_label_formatter(&|y| tick(*y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(err)?;
        if let Some(r) = reference {
            chart
                .draw_series(LineSeries::new([(0.0, r), (wmax, r)], BLACK.mix(0.6)))
                .map_err(err)?;
        }
        let colours = [
            RGBColor(31, 78, 121),
            RGBColor(120, 120, 120),
            RGBColor(180, 30, 30),
            RGBColor(200, 130, 20),
            RGBColor(60, 140, 60),
        ];
        for (k, (label, pts)) in groups.iter().enumerate() {
            let color = colours[k % colours.len()];
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
