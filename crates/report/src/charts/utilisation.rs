//! Requested CPU and memory as a share of allocatable, over time.

use engine::output::RunOutput;
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, HEIGHT_PX, LegendEntry, Mark, PALETTE, TimeAxis, WIDTH_PX, draw_legend,
    render_svg, steps, time_chart, titled,
};
use crate::ReportError;
use crate::format::percent_f64;

pub const NAME: &str = "utilisation";
const CPU: RGBColor = PALETTE[0];
const MEMORY: RGBColor = PALETTE[2];

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    render_svg(NAME, (WIDTH_PX, HEIGHT_PX), |root| draw(root, output))
}

fn draw(root: &Area<'_>, output: &RunOutput) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, "Requested CPU and memory (share of allocatable)")?;
    let axis = TimeAxis::for_run(output);
    let cpu: Vec<(f64, f64)> = output
        .samples
        .iter()
        .map(|s| {
            (
                axis.x(s.t),
                percent_f64(s.cpu_requested_millis, s.cpu_allocatable_millis),
            )
        })
        .collect();
    let memory: Vec<(f64, f64)> = output
        .samples
        .iter()
        .map(|s| {
            let pct = percent_f64(s.memory_requested_bytes, s.memory_allocatable_bytes);
            (axis.x(s.t), pct)
        })
        .collect();
    let max = cpu.iter().chain(&memory).map(|p| p.1).fold(100.0, f64::max);
    let pct = |v: &f64| format!("{v:.0}%");
    let mut chart = time_chart(
        &plot,
        &axis,
        0.0..max * 1.05,
        "requested / allocatable (%)",
        &pct,
    )?;
    let end_x = axis.x(axis.end);
    chart.draw_series(LineSeries::new(steps(&cpu, end_x), CPU.stroke_width(2)))?;
    chart.draw_series(LineSeries::new(
        steps(&memory, end_x),
        MEMORY.stroke_width(2),
    ))?;
    draw_legend(
        &legend,
        "requested",
        &[
            LegendEntry::new("CPU", CPU, Mark::Line),
            LegendEntry::new("memory", MEMORY, Mark::Line),
        ],
    )
}
