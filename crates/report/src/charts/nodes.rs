//! Nodes over time as stacked areas: by provisioner, and by owner (NodePool or node group).

use engine::output::{Provisioner, RunOutput};
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, HEIGHT_PX, LegendEntry, Mark, TimeAxis, WIDTH_PX, count_label, draw_legend,
    height_for_legend, owner_colour, provisioner_colour, render_svg, steps, time_chart, titled,
    y_range,
};
use crate::ReportError;

/// One band of the stack: a label, a colour and a count per sample.
struct Band {
    label: String,
    colour: RGBColor,
    counts: Vec<u32>,
}

pub fn by_provisioner(output: &RunOutput) -> Result<String, ReportError> {
    // Static nodes at the bottom: the constant base the autoscalers build on.
    let bands = Provisioner::ALL
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| Band {
            label: p.label().to_string(),
            colour: provisioner_colour(*p),
            counts: output
                .samples
                .iter()
                .map(|s| s.nodes_by_provisioner[i])
                .collect(),
        })
        .collect();
    stacked(
        output,
        "nodes_by_provisioner",
        "Nodes by provisioner",
        "provisioner",
        bands,
    )
}

pub fn by_owner(output: &RunOutput) -> Result<String, ReportError> {
    let bands = output
        .owners
        .iter()
        .enumerate()
        .map(|(i, owner)| Band {
            label: owner.clone(),
            colour: owner_colour(i),
            counts: output
                .samples
                .iter()
                .map(|s| s.nodes_by_owner.get(i).copied().unwrap_or(0))
                .collect(),
        })
        .collect();
    stacked(
        output,
        "nodes_by_owner",
        "Nodes by NodePool / node group",
        "owner",
        bands,
    )
}

fn stacked(
    output: &RunOutput,
    name: &str,
    title: &str,
    legend_heading: &str,
    bands: Vec<Band>,
) -> Result<String, ReportError> {
    // Bands that never have a node would only clutter the legend.
    let bands: Vec<Band> = bands
        .into_iter()
        .filter(|b| b.counts.iter().any(|&n| n > 0))
        .collect();
    let height = height_for_legend(HEIGHT_PX, bands.len());
    render_svg(name, (WIDTH_PX, height), |root| {
        draw(root, output, title, legend_heading, &bands)
    })
}

fn draw(
    root: &Area<'_>,
    output: &RunOutput,
    title: &str,
    legend_heading: &str,
    bands: &[Band],
) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, title)?;
    let axis = TimeAxis::for_run(output);
    let xs: Vec<f64> = output.samples.iter().map(|s| axis.x(s.t)).collect();
    let end_x = axis.x(axis.end);

    // Cumulative tops, bottom band first.
    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(bands.len());
    let mut running = vec![0.0; xs.len()];
    for band in bands {
        for (r, &n) in running.iter_mut().zip(&band.counts) {
            *r += f64::from(n);
        }
        tops.push(running.clone());
    }
    let max = running.iter().copied().fold(0.0, f64::max);
    let mut chart = time_chart(&plot, &axis, y_range(max, 5.0), "nodes", &count_label)?;
    // Tallest first, so each lower band is painted over the one above it.
    for (band, top) in bands.iter().zip(&tops).rev() {
        let points: Vec<(f64, f64)> = xs.iter().copied().zip(top.iter().copied()).collect();
        chart.draw_series(
            AreaSeries::new(steps(&points, end_x), 0.0, band.colour.mix(0.9).filled())
                .border_style(band.colour.stroke_width(1)),
        )?;
    }
    // Legend top to bottom in the order the bands are stacked on screen.
    let entries: Vec<LegendEntry> = bands
        .iter()
        .rev()
        .map(|b| LegendEntry::new(b.label.clone(), b.colour, Mark::Block))
        .collect();
    draw_legend(&legend, legend_heading, &entries)
}
