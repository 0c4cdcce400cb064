//! Pending pods over time.

use engine::output::RunOutput;
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, HEIGHT_PX, LegendEntry, Mark, PALETTE, TimeAxis, WIDTH_PX, count_label,
    draw_legend, render_svg, steps, time_chart, titled, y_range,
};
use crate::ReportError;

pub const NAME: &str = "pending_pods";
const COLOUR: RGBColor = PALETTE[2];

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    render_svg(NAME, (WIDTH_PX, HEIGHT_PX), |root| draw(root, output))
}

fn draw(root: &Area<'_>, output: &RunOutput) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, "Pending pods")?;
    let axis = TimeAxis::for_run(output);
    let points: Vec<(f64, f64)> = output
        .samples
        .iter()
        .map(|s| (axis.x(s.t), f64::from(s.pods_pending)))
        .collect();
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let mut chart = time_chart(&plot, &axis, y_range(max, 5.0), "pods", &count_label)?;
    chart.draw_series(
        AreaSeries::new(
            steps(&points, axis.x(axis.end)),
            0.0,
            COLOUR.mix(0.35).filled(),
        )
        .border_style(COLOUR.stroke_width(2)),
    )?;
    draw_legend(
        &legend,
        "series",
        &[LegendEntry::new("pods pending", COLOUR, Mark::Block)],
    )
}
