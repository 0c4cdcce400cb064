//! The sweep chart: total cost (top) and pending pod-seconds (bottom) per combination,
//! a bar at the mean over the seeds with a line from the least to the greatest. Bars
//! take the colour of the first swept value, so a second swept path reads as groups.

use plotters::prelude::*;

use super::frame::{
    Area, DrawError, FONT, GRID, LegendEntry, Mark, TEXT, TickedCoord, WIDTH_PX, count_label,
    draw_legend, height_for_legend, palette, render_svg, shorten, titled, y_range,
};
use crate::ReportError;
use crate::sweep::{Bar, Sweep};

pub const NAME: &str = "sweep";
const MIN_HEIGHT_PX: u32 = 640;
/// Longest x label shown in full.
const LABEL_CHARS: usize = 18;

pub fn render(sweep: &Sweep) -> Result<String, ReportError> {
    let bars = sweep.bars();
    let firsts = first_values(&bars);
    let height = height_for_legend(MIN_HEIGHT_PX, firsts.len() + 3);
    render_svg(NAME, (WIDTH_PX, height), |root| {
        draw(root, sweep, &bars, &firsts)
    })
}

/// The distinct values of the first swept path, in order of appearance.
fn first_values(bars: &[Bar]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for b in bars {
        let v = b.values.first().cloned().unwrap_or_default();
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn draw(root: &Area<'_>, sweep: &Sweep, bars: &[Bar], firsts: &[String]) -> Result<(), DrawError> {
    let seeds = sweep.runs.len() / bars.len().max(1);
    let (plot, legend) = titled(
        root,
        &format!("{}: sweep of {} runs", sweep.scenario, sweep.runs.len()),
    )?;
    let height = plot.dim_in_pixel().1;
    let (top, bottom) = plot.split_vertically(height / 2);
    let colour = |b: &Bar| {
        let first = b.values.first().cloned().unwrap_or_default();
        palette(firsts.iter().position(|v| *v == first).unwrap_or(0))
    };
    let x_desc = sweep.column_names().join(", ");
    let dollars = |v: &f64| format!("${v:.0}");
    let panels = [
        (
            &top,
            Panel {
                y_desc: "total cost (USD)",
                y_label: &dollars,
                y_floor: 1.0,
                figure: &|b| b.cost_usd,
            },
        ),
        (
            &bottom,
            Panel {
                y_desc: "pending pod-seconds",
                y_label: &count_label,
                y_floor: 5.0,
                figure: &|b| b.pending_pod_seconds,
            },
        ),
    ];
    for (area, panel) in panels {
        panel.draw(area, bars, &x_desc, &colour)?;
    }
    let mut entries: Vec<LegendEntry> = Vec::new();
    let heading = sweep
        .column_names()
        .first()
        .map_or("runs".to_string(), |name| shorten(name, 28));
    if sweep.paths.is_empty() {
        let only = "the scenario as written";
        entries.push(LegendEntry::new(only, palette(0), Mark::Block));
    } else {
        for (i, v) in firsts.iter().enumerate() {
            entries.push(LegendEntry::new(v.clone(), palette(i), Mark::Block));
        }
    }
    if seeds > 1 {
        let mean = format!("bar: mean of {seeds} seeds");
        entries.push(LegendEntry::new(mean, TEXT, Mark::Detail));
        let range = "line: least to greatest";
        entries.push(LegendEntry::new(range, TEXT, Mark::Detail));
    } else {
        entries.push(LegendEntry::new("bar: one run each", TEXT, Mark::Detail));
    }
    draw_legend(&legend, &heading, &entries)
}

/// One figure per combination: bars at x = index, labelled by the combination's values.
struct Panel<'a> {
    y_desc: &'a str,
    y_label: &'a dyn Fn(&f64) -> String,
    y_floor: f64,
    /// (mean, least, greatest).
    figure: &'a dyn Fn(&Bar) -> [f64; 3],
}

impl Panel<'_> {
    fn draw(
        &self,
        area: &Area<'_>,
        bars: &[Bar],
        x_desc: &str,
        colour: &dyn Fn(&Bar) -> RGBColor,
    ) -> Result<(), DrawError> {
        let figure = self.figure;
        let n = bars.len();
        let max = bars.iter().map(|b| figure(b)[2]).fold(0.0, f64::max);
        let ticks: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
        let x_label = |x: &f64| {
            let i = x.floor() as usize;
            bars.get(i).map_or(String::new(), |b| {
                shorten(&b.values.join(", "), LABEL_CHARS)
            })
        };
        let mut chart = ChartBuilder::on(area)
            .margin_top(12)
            .margin_left(8)
            .margin_right(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                TickedCoord::new(0.0, n.max(1) as f64, ticks),
                y_range(max, self.y_floor),
            )?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(x_desc)
            .y_desc(self.y_desc)
            .x_label_formatter(&x_label)
            .y_label_formatter(self.y_label)
            .y_labels(6)
            .bold_line_style(GRID)
            .light_line_style(WHITE)
            .axis_style(TEXT.mix(0.6))
            .label_style((FONT, 14).into_font().color(&TEXT))
            .axis_desc_style((FONT, 15).into_font().color(&TEXT))
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.15, 0.0), (x + 0.85, figure(b)[0])],
                colour(b).mix(0.8).filled(),
            )
        }))?;
        // The seeds' range, where there is one: a line with caps.
        let style = TEXT.stroke_width(2);
        for (i, b) in bars.iter().enumerate() {
            let [_, lo, hi] = figure(b);
            if hi > lo {
                let x = i as f64 + 0.5;
                chart.draw_series(
                    [
                        vec![(x, lo), (x, hi)],
                        vec![(x - 0.08, lo), (x + 0.08, lo)],
                        vec![(x - 0.08, hi), (x + 0.08, hi)],
                    ]
                    .map(|points| PathElement::new(points, style)),
                )?;
            }
        }
        Ok(())
    }
}
