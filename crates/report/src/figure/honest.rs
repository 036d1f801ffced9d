//! HonestDiD sensitivity figures.

use super::{capped_bar, err, legend, legend_spot, row_label, tick, tick_fine, FONT, H, W};
use plotters::prelude::*;

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
    // The breakdown value's position between the grid values that bracket it.
    let breakdown_x = s.breakdown.filter(|b| *b > 0.0).and_then(|b| {
        let grid: Vec<f64> = s.bands.iter().map(|b| b.m).collect();
        match grid.iter().position(|m| *m >= b) {
            Some(0) => Some(1.0),
            None => None,
            Some(i) => Some(i as f64 + (b - grid[i - 1]) / (grid[i] - grid[i - 1]).max(1e-12)),
        }
    });
    // What the legend must not cover: the intervals and the breakdown line.
    let mut marks: Vec<(f64, f64, f64, f64)> = bars
        .iter()
        .map(|(x, a, b)| (x - 0.12, x + 0.12, *a, *b))
        .collect();
    if let Some(x) = breakdown_x {
        marks.push((x - 0.02, x + 0.02, lo - pad, hi + pad));
    }
    let rows = 2 + usize::from(breakdown_x.is_some());
    let (corner, top) = legend_spot(
        (-0.6, n + 0.6),
        (lo - pad, hi + pad),
        (f64::from(W - 32 - 64), f64::from(H - 32 - 30 - 44)),
        rows,
        26,
        &marks,
    );
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.6..n + 0.6, (lo - pad)..top)
            .map_err(err)?;
        let label_for = |x: &f64| row_label(&labels, *x, false);
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
        // The breakdown value, as a dashed line at its place between the grid values.
        if let (Some(b), Some(x)) = (s.breakdown, breakdown_x) {
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
        legend(&mut chart, corner)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
