//! The node timeline: one bar per node from launch to termination (or the end of the
//! run), coloured by instance type; the launch-to-ready part is pale.

use std::collections::{BTreeMap, BTreeSet};

use engine::output::RunOutput;
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, LegendEntry, Mark, TEXT, TickedCoord, TimeAxis, WIDTH_PX, count_label,
    draw_empty, draw_legend, height_for_legend, palette, render_svg, time_chart, titled,
};
use crate::ReportError;

pub const NAME: &str = "node_timeline";
/// Vertical space per node; the chart grows with the node count within the bounds below.
const ROW_PX: u32 = 9;
const MIN_HEIGHT_PX: u32 = 440;
const MAX_HEIGHT_PX: u32 = 2400;

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    let rows = output.nodes.len() as u32;
    let types: BTreeSet<&str> = output
        .nodes
        .iter()
        .map(|n| n.instance_type.as_str())
        .collect();
    let height = height_for_legend(
        (160 + rows * ROW_PX).clamp(MIN_HEIGHT_PX, MAX_HEIGHT_PX),
        types.len() + 1,
    );
    render_svg(NAME, (WIDTH_PX, height), |root| draw(root, output))
}

fn draw(root: &Area<'_>, output: &RunOutput) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, "Node timeline (one bar per node, by instance type)")?;
    if output.nodes.is_empty() {
        draw_empty(&plot, "no nodes in this run")?;
        return draw_legend(&legend, "instance type", &[]);
    }
    // Colours by instance type in name order, so the same type has the same colour in
    // every run that has the same set of types.
    let mut types: BTreeMap<&str, (RGBColor, u32)> = BTreeMap::new();
    for node in &output.nodes {
        types.entry(&node.instance_type).or_insert((TEXT, 0)).1 += 1;
    }
    for (i, entry) in types.values_mut().enumerate() {
        entry.0 = palette(i);
    }

    let axis = TimeAxis::for_run(output);
    let n = output.nodes.len();
    // Node k (1-based launch order) sits at y = k on an axis counting downwards, so the
    // first launched is on top; ticks at 1 and round numbers.
    let step = [1, 2, 5, 10, 20, 50, 100, 200, 500]
        .into_iter()
        .find(|s| n / s <= 12)
        .unwrap_or(1_000);
    let mut ticks = vec![1.0];
    ticks.extend(
        (1..=n / step)
            .map(|k| (k * step) as f64)
            .filter(|&t| t > 1.0),
    );
    let y = TickedCoord::new(n as f64 + 0.6, 0.4, ticks);
    let mut chart = time_chart(&plot, &axis, y, "node (launch order)", &count_label)?;
    for (i, node) in output.nodes.iter().enumerate() {
        let y = (i + 1) as f64;
        let colour = types.get(node.instance_type.as_str()).map_or(TEXT, |t| t.0);
        let start = axis.x(node.launched_at);
        let end = axis.x(node.terminated_at.unwrap_or(axis.end));
        let ready = node.ready_at.map_or(end, |r| axis.x(r).min(end));
        chart.draw_series([
            Rectangle::new(
                [(start, y - 0.4), (ready, y + 0.4)],
                colour.mix(0.35).filled(),
            ),
            Rectangle::new([(ready, y - 0.4), (end, y + 0.4)], colour.filled()),
        ])?;
    }
    let mut entries: Vec<LegendEntry> = types
        .iter()
        .map(|(name, (colour, count))| {
            LegendEntry::new(format!("{name} ({count})"), *colour, Mark::Block)
        })
        .collect();
    entries.push(LegendEntry::new(
        "pale: launched, not ready",
        TEXT,
        Mark::Detail,
    ));
    draw_legend(&legend, "instance type (nodes)", &entries)
}
