//! Cost per hour over time, with the scenario's timeline steps marked: a grey line and
//! a numbered badge in the plot, the time and message beside it in the legend (long
//! messages never collide with each other or with the data that way).

use engine::output::{EventKind, EventRecord, RunOutput};
use plotters::prelude::*;

use super::frame::{
    Area, DrawError, HEIGHT_PX, LegendEntry, Mark, PALETTE, TEXT, TimeAxis, WIDTH_PX, draw_badge,
    draw_legend, render_svg, shorten, steps, time_chart, titled, y_range,
};
use crate::ReportError;
use crate::format::hhmm;

pub const NAME: &str = "cost";
const LINE: RGBColor = PALETTE[4];
const MARKER: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Characters per legend line of a timeline message, and lines per message.
const MESSAGE_LINE_CHARS: usize = 32;
const MESSAGE_LINES: usize = 2;
/// Badges closer than this (pixels) to the previous one in a row go one row lower.
const BADGE_SPACING_PX: i32 = 20;

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    let timeline = timeline_events(output);
    // The legend lists every step; grow the chart so it fits.
    let legend_px = 110 + timeline.len() as u32 * (21 + 17 * MESSAGE_LINES as u32);
    let height = HEIGHT_PX.max(legend_px);
    render_svg(NAME, (WIDTH_PX, height), |root| {
        draw(root, output, &timeline)
    })
}

fn timeline_events(output: &RunOutput) -> Vec<&EventRecord> {
    let axis = TimeAxis::for_run(output);
    output
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Timeline && e.t >= axis.start && e.t <= axis.end)
        .collect()
}

fn draw(root: &Area<'_>, output: &RunOutput, timeline: &[&EventRecord]) -> Result<(), DrawError> {
    let (plot, legend) = titled(root, "Cost per hour")?;
    let axis = TimeAxis::for_run(output);
    let points: Vec<(f64, f64)> = output
        .samples
        .iter()
        .map(|s| (axis.x(s.t), s.cost_per_hour.dollars()))
        .collect();
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    // Headroom above the line for the badges.
    let y = y_range(max * 1.15, 1.0);
    let y_top = y.end;
    let dollars = |v: &f64| format!("${v:.2}");
    let mut chart = time_chart(&plot, &axis, y, "cost (USD per hour)", &dollars)?;

    let mut row_last_px: Vec<i32> = Vec::new();
    for (i, event) in timeline.iter().enumerate() {
        let x = axis.x(event.t);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, y_top)],
            MARKER.stroke_width(1),
        )))?;
        let (px, top_px) = chart.backend_coord(&(x, y_top));
        let row = row_last_px
            .iter()
            .position(|&last| px - last >= BADGE_SPACING_PX)
            .unwrap_or(row_last_px.len());
        if row == row_last_px.len() {
            row_last_px.push(px);
        } else {
            row_last_px[row] = px;
        }
        let at = (px, top_px + 10 + row as i32 * BADGE_SPACING_PX);
        draw_badge(root, at, i + 1, MARKER)?;
    }

    chart.draw_series(LineSeries::new(
        steps(&points, axis.x(axis.end)),
        LINE.stroke_width(2),
    ))?;

    let mut entries = vec![LegendEntry::new("cost of existing nodes", LINE, Mark::Line)];
    for (i, event) in timeline.iter().enumerate() {
        entries.push(LegendEntry::new(hhmm(event.t), MARKER, Mark::Badge(i + 1)));
        for line in wrap(&event.message, MESSAGE_LINE_CHARS, MESSAGE_LINES) {
            entries.push(LegendEntry::new(line, TEXT, Mark::Detail));
        }
    }
    let heading = if timeline.is_empty() {
        "series"
    } else {
        "series, timeline steps"
    };
    draw_legend(&legend, heading, &entries)
}

/// Word-wraps `text` into at most `lines` lines of `width` characters, the last one
/// cut with an ellipsis if the text goes on.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            if out.len() == lines {
                let last = out.pop().unwrap_or_default();
                out.push(shorten(&format!("{last} {word}"), width));
                return out;
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        if words.peek().is_none() {
            out.push(shorten(&current, width));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_and_cuts() {
        assert_eq!(super::wrap("a bb ccc", 4, 2), vec!["a bb", "ccc"]);
        assert_eq!(super::wrap("a bb ccc dddd", 4, 2), vec!["a bb", "ccc…"]);
        assert_eq!(super::wrap("", 4, 2), Vec::<String>::new());
    }
}
