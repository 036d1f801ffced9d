//! Event-study figures: one estimator's coefficients by event time, and several estimators
//! overlaid. One look for all (TWFE, Sun-Abraham, Callaway-Sant'Anna, imputation).

use super::{capped_bar, err, legend, legend_spot, tick, whole_tick, FONT, H, W};
use crate::record::EventStudy;
use plotters::prelude::*;

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
            .x_label_formatter(&|x| whole_tick(*x))
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
        // Beyond five estimators: colours still told apart with the common colour-vision
        // deficiencies (Okabe and Ito's sky blue and amber).
        RGBColor(86, 180, 233),
        RGBColor(230, 159, 0),
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
    let dodge = |s: usize| {
        if k > 1.0 {
            -width / 2.0 + width * (s as f64) / (k - 1.0)
        } else {
            0.0
        }
    };
    // Every drawn interval, for the legend to avoid.
    let marks: Vec<(f64, f64, f64, f64)> = series
        .iter()
        .enumerate()
        .flat_map(|(s, (_, es))| {
            es.points.iter().map(move |p| {
                let x = p.rel_time as f64 + dodge(s);
                (
                    x - 0.05,
                    x + 0.05,
                    p.ci_low.min(p.estimate),
                    p.ci_high.max(p.estimate),
                )
            })
        })
        .collect();
    let chars = series
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    // The plot area: the figure less its margins, caption and axis label areas.
    let plot_px = (f64::from(W + 80 - 32 - 64), f64::from(H - 32 - 30 - 44));
    let (corner, top) = legend_spot(
        (x0 as f64 - 0.6, x1 as f64 + 0.6),
        (lo - pad, hi + pad),
        plot_px,
        series.len(),
        chars,
        &marks,
    );
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (W + 80, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((x0 as f64 - 0.6)..(x1 as f64 + 0.6), (lo - pad)..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_label)
            .y_desc("Estimate and 95% CI")
            .x_labels((x1 - x0 + 1) as usize)
            .x_label_formatter(&|x| whole_tick(*x))
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
            let dx = dodge(s);
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
        legend(&mut chart, corner)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}
