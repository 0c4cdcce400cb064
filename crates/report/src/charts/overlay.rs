//! The comparison chart: cost per hour (top) and nodes (bottom) of run A and run B
//! overlaid on one time axis.

use model::SimTime;
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, LegendEntry, Mark, PALETTE, TimeAxis, TimeChart, WIDTH_PX, count_label,
    draw_legend, render_svg, steps, time_chart, titled, y_range,
};
use crate::ReportError;
use crate::compare::{Comparison, Series};
use crate::format::hours_since;

pub const NAME: &str = "comparison";
const HEIGHT_PX: u32 = 640;
const COLOURS: [RGBColor; 2] = [PALETTE[0], PALETTE[1]];

pub fn render(c: &Comparison) -> Result<String, ReportError> {
    render_svg(NAME, (WIDTH_PX, HEIGHT_PX), |root| draw(root, c))
}

fn draw(root: &Area<'_>, c: &Comparison) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, &format!("{} against {}", c.a.label, c.b.label))?;
    let [a, b] = &c.series;
    // Runs of the same day share the clock; otherwise compare time since each start.
    let same_start = a.start == b.start;
    let axis = if same_start {
        TimeAxis::clock(a.start, a.end.max(b.end))
    } else {
        TimeAxis::elapsed(a.end.since(a.start).0.max(b.end.since(b.start).0))
    };
    let x = |s: &Series, t: SimTime| {
        if same_start {
            axis.x(t)
        } else {
            hours_since(t, s.start)
        }
    };
    let end_x = axis.x(axis.end);
    let series = [a, b];

    let height = plot.dim_in_pixel().1;
    let (top, bottom) = plot.split_vertically(height / 2);

    let cost: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| (x(s, p.0), p.2.dollars()))
                .collect()
        })
        .collect();
    let max_cost = cost.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let dollars = |v: &f64| format!("${v:.2}");
    let mut chart = time_chart(
        &top,
        &axis,
        y_range(max_cost, 1.0),
        "cost (USD per hour)",
        &dollars,
    )?;
    overlay(&mut chart, &cost, end_x)?;

    let nodes: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| (x(s, p.0), f64::from(p.1)))
                .collect()
        })
        .collect();
    let max_nodes = nodes.iter().flatten().map(|p| p.1).fold(0.0, f64::max);
    let mut chart = time_chart(
        &bottom,
        &axis,
        y_range(max_nodes, 5.0),
        "nodes",
        &count_label,
    )?;
    overlay(&mut chart, &nodes, end_x)?;

    draw_legend(
        &legend,
        "run",
        &[
            LegendEntry::new(format!("A: {}", c.a.label), COLOURS[0], Mark::Line),
            LegendEntry::new(format!("B: {}", c.b.label), COLOURS[1], Mark::Dashed),
        ],
    )
}

/// A solid and B dashed on top, so B never hides A where they coincide.
fn overlay(
    chart: &mut TimeChart<'_, '_>,
    runs: &[Vec<(f64, f64)>],
    end_x: f64,
) -> Result<(), DrawError> {
    chart.draw_series(LineSeries::new(
        steps(&runs[0], end_x),
        COLOURS[0].stroke_width(3),
    ))?;
    chart.draw_series(DashedLineSeries::new(
        steps(&runs[1], end_x),
        8,
        6,
        COLOURS[1].stroke_width(2),
    ))?;
    Ok(())
}
