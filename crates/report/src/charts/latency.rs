//! Provisioning latency (pod pending → node ready) per provisioner, as overlaid
//! histograms: cluster-autoscaler against Karpenter on one axis.

use engine::output::{Provisioner, RunOutput};
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, FONT, GRID, HEIGHT_PX, LegendEntry, Mark, TEXT, WIDTH_PX, count_label,
    draw_empty, draw_legend, provisioner_colour, render_svg, titled, y_range,
};
use crate::ReportError;
use crate::format::duration_label;

pub const NAME: &str = "provisioning_latency";
/// Bin widths a person reads easily, in seconds.
const BIN_WIDTHS_S: [u64; 13] = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800, 3600];
const MAX_BINS: u64 = 24;

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    render_svg(NAME, (WIDTH_PX, HEIGHT_PX), |root| draw(root, output))
}

fn draw(root: &Area<'_>, output: &RunOutput) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, "Provisioning latency (pod pending → node ready)")?;
    // (provisioner, index in Provisioner::ALL, latencies in ms), only those that launched.
    let groups: Vec<(Provisioner, usize, Vec<u64>)> = Provisioner::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ms = output
                .provisioning
                .iter()
                .filter(|r| r.provisioner == *p)
                .map(|r| r.latency.0)
                .collect();
            (*p, i, ms)
        })
        .filter(|(_, _, ms): &(Provisioner, usize, Vec<u64>)| !ms.is_empty())
        .collect();
    if groups.is_empty() {
        draw_empty(&plot, "no node was provisioned in this run")?;
        return draw_legend(&legend, "provisioner", &[]);
    }

    let max_s = groups
        .iter()
        .flat_map(|g| g.2.iter())
        .max()
        .map_or(0, |ms| ms / 1_000);
    let width_s = BIN_WIDTHS_S
        .iter()
        .copied()
        .find(|w| max_s / w < MAX_BINS)
        .unwrap_or(3600);
    let bins = (max_s / width_s + 1) as usize;
    let counts: Vec<Vec<u32>> = groups
        .iter()
        .map(|(_, _, ms)| {
            let mut c = vec![0u32; bins];
            for &m in ms {
                c[((m / 1_000) / width_s) as usize] += 1;
            }
            c
        })
        .collect();
    let max_count = counts.iter().flatten().copied().max().unwrap_or(0);

    let x_max = (bins as u64 * width_s) as f64;
    let mut chart = ChartBuilder::on(&plot)
        .margin_top(12)
        .margin_left(8)
        .margin_right(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..x_max, y_range(f64::from(max_count), 5.0))?;
    let seconds = |v: &f64| format!("{v:.0}");
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc(format!("latency (s), {width_s} s bins"))
        .y_desc("node launches")
        .x_label_formatter(&seconds)
        .y_label_formatter(&count_label)
        .x_labels(bins.min(12) + 1)
        .y_labels(8)
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(TEXT.mix(0.6))
        .label_style((FONT, 15).into_font().color(&TEXT))
        .axis_desc_style((FONT, 16).into_font().color(&TEXT))
        .draw()?;

    let w = width_s as f64;
    for ((p, _, _), c) in groups.iter().zip(&counts) {
        let colour = provisioner_colour(*p);
        // Full-width translucent bars: distributions that overlap blend rather than
        // hide each other, and separate ones read as plain histograms.
        chart.draw_series(c.iter().enumerate().filter(|(_, n)| **n > 0).map(|(b, n)| {
            let (left, right) = (b as f64 * w + w * 0.06, (b + 1) as f64 * w - w * 0.06);
            Rectangle::new(
                [(left, 0.0), (right, f64::from(*n))],
                colour.mix(0.75).filled(),
            )
        }))?;
    }

    let mut entries = Vec::new();
    for (p, i, _) in &groups {
        let stats = output.summary.provisioning_latency[*i];
        entries.push(LegendEntry::new(
            p.label(),
            provisioner_colour(*p),
            Mark::Block,
        ));
        entries.push(LegendEntry::new(
            format!(
                "n {}, p50 {}, p95 {}",
                stats.count,
                duration_label(stats.p50_ms),
                duration_label(stats.p95_ms)
            ),
            TEXT,
            Mark::Detail,
        ));
    }
    draw_legend(&legend, "provisioner", &entries)
}
