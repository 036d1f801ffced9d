//! Distributions: placebo draws against the actual estimate, and the Goodman-Bacon terms
//! against their weights.

use super::{err, legend, tick, whole_tick, FONT, H, W};
use plotters::prelude::*;

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
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
