//! What every chart shares: the SVG canvas, the title, a legend panel beside the plot
//! (so a legend never hides data), the palette and the time axis.

use std::ops::Range;

use engine::output::{Provisioner, RunOutput};
use model::SimTime;
use model::time::{MS_PER_HOUR, MS_PER_MINUTE};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::ReportError;
use crate::format::{elapsed_hhmm_from_hours, hhmm_from_hours, hours_since};

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub type DrawError = DrawingAreaErrorKind<std::io::Error>;
pub type TimeChart<'a, 'b, Y = RangedCoordf64> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<TickedCoord, Y>>;

pub const WIDTH_PX: u32 = 1000;
pub const HEIGHT_PX: u32 = 440;
/// The legend panel to the right of the plot.
pub const LEGEND_WIDTH_PX: u32 = 260;
pub const FONT: &str = "sans-serif";

pub const TEXT: RGBColor = RGBColor(0x33, 0x33, 0x33);
pub const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

/// Tableau 20, dark shades first: distinguishable, colour-blind tolerant, and neutral
/// about which series matters.
pub const PALETTE: [RGBColor; 20] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xba, 0xb0, 0xac),
    RGBColor(0xa0, 0xcb, 0xe8),
    RGBColor(0xff, 0xbe, 0x7d),
    RGBColor(0xff, 0x9d, 0x9a),
    RGBColor(0x8c, 0xd1, 0x7d),
    RGBColor(0xf1, 0xce, 0x63),
    RGBColor(0x86, 0xbc, 0xb6),
    RGBColor(0xd4, 0xa6, 0xc8),
    RGBColor(0xd7, 0xb5, 0xa6),
    RGBColor(0x79, 0x70, 0x6e),
    RGBColor(0xb6, 0x99, 0x2d),
];

pub fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Owners (NodePools, node groups) get the palette without the provisioners' blue,
/// orange and grey, so a pool is never mistaken for a provisioner across charts.
pub fn owner_colour(i: usize) -> RGBColor {
    const OWNER_SHADES: [usize; 16] = [2, 4, 3, 6, 5, 8, 7, 13, 12, 15, 16, 14, 17, 19, 18, 10];
    PALETTE[OWNER_SHADES[i % OWNER_SHADES.len()]]
}

/// Fixed colours per provisioner, the same in every chart.
pub fn provisioner_colour(p: Provisioner) -> RGBColor {
    match p {
        Provisioner::Karpenter => PALETTE[1],
        Provisioner::ClusterAutoscaler => PALETTE[0],
        Provisioner::Static => PALETTE[9],
    }
}

/// Renders one SVG document to a string.
pub fn render_svg(
    chart: &str,
    size_px: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), DrawError>,
) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size_px).into_drawing_area();
        let fail = |e: DrawError| ReportError::Chart {
            chart: chart.to_string(),
            message: e.to_string(),
        };
        root.fill(&WHITE).map_err(fail)?;
        draw(&root).map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Draws the title and splits the rest into (plot, legend panel).
pub fn titled<'a>(root: &Area<'a>, title: &str) -> Result<(Area<'a>, Area<'a>), DrawError> {
    let body = root.titled(title, (FONT, 22).into_font().color(&TEXT))?;
    let width = body.dim_in_pixel().0;
    Ok(body.split_horizontally(width.saturating_sub(LEGEND_WIDTH_PX)))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub enum Mark {
    Line,
    Dashed,
    Block,
    /// Text only: a second line of detail under the entry above.
    Detail,
    /// A numbered circle, matching a numbered marker in the plot.
    Badge(usize),
}

pub struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub mark: Mark,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, colour: RGBColor, mark: Mark) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            colour,
            mark,
        }
    }
}

/// Longest legend label shown in full; longer ones are cut with an ellipsis.
const LEGEND_LABEL_CHARS: usize = 32;

/// A vertical list of swatches and labels, top-aligned with the plot.
pub fn draw_legend(
    area: &Area<'_>,
    heading: &str,
    entries: &[LegendEntry],
) -> Result<(), DrawError> {
    let x0 = 12;
    let mut y = 24;
    area.draw(&Text::new(
        heading.to_string(),
        (x0, y),
        (FONT, 16).into_font().style(FontStyle::Bold).color(&TEXT),
    ))?;
    y += 24;
    for entry in entries {
        let c = entry.colour;
        match entry.mark {
            Mark::Line => area.draw(&PathElement::new(
                vec![(x0, y + 7), (x0 + 22, y + 7)],
                c.stroke_width(3),
            ))?,
            Mark::Dashed => {
                for dx in [0, 9, 18] {
                    area.draw(&PathElement::new(
                        vec![(x0 + dx, y + 7), (x0 + dx + 5, y + 7)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Mark::Block => area.draw(&Rectangle::new([(x0, y), (x0 + 22, y + 14)], c.filled()))?,
            Mark::Badge(number) => draw_badge(area, (x0 + 11, y + 7), number, c)?,
            Mark::Detail => {
                area.draw(&Text::new(
                    shorten(&entry.label, LEGEND_LABEL_CHARS),
                    (x0 + 30, y - 3),
                    (FONT, 14).into_font().color(&TEXT.mix(0.75)),
                ))?;
                y += 17;
                continue;
            }
        }
        area.draw(&Text::new(
            shorten(&entry.label, LEGEND_LABEL_CHARS),
            (x0 + 30, y),
            (FONT, 15).into_font().color(&TEXT),
        ))?;
        y += 21;
    }
    Ok(())
}

/// A small numbered circle centred on `at` (pixels).
pub fn draw_badge(
    area: &Area<'_>,
    at: (i32, i32),
    number: usize,
    colour: RGBColor,
) -> Result<(), DrawError> {
    area.draw(
        &(EmptyElement::at(at)
            + Circle::new((0, 0), 8, colour.filled())
            + Text::new(
                number.to_string(),
                (0, 0),
                (FONT, 11)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&WHITE)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )),
    )
}

/// The chart height that fits a legend of `entries` one-line entries below its heading.
pub fn height_for_legend(min_px: u32, entries: usize) -> u32 {
    min_px.max(110 + entries as u32 * 21)
}

/// Cuts `s` to `max` characters with a trailing ellipsis.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The x axis of every time chart: hours after an origin, ticks on round clock times.
pub struct TimeAxis {
    pub origin: SimTime,
    pub start: SimTime,
    pub end: SimTime,
    /// Label ticks as elapsed time (`+HH:MM`) rather than clock time.
    pub elapsed: bool,
}

/// Tick spacings a person reads easily, in minutes.
const TICK_STEPS_MIN: [u64; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 240, 360, 720, 1440];
const MAX_TICKS: u64 = 13;

impl TimeAxis {
    /// Clock time (UTC) over the run: from the first sample or the summary's start,
    /// whichever is earlier, to the later of the last sample and the summary's end.
    pub fn for_run(output: &RunOutput) -> TimeAxis {
        let (start, end) = run_span(output);
        TimeAxis::clock(start, end)
    }

    pub fn clock(start: SimTime, end: SimTime) -> TimeAxis {
        let end = if end > start {
            end
        } else {
            SimTime(start.0 + MS_PER_HOUR)
        };
        TimeAxis {
            origin: start.start_of_day(),
            start,
            end,
            elapsed: false,
        }
    }

    /// Elapsed time from `start`, for overlaying runs that begin at different instants.
    pub fn elapsed(span_ms: u64) -> TimeAxis {
        let span_ms = span_ms.max(MS_PER_HOUR);
        TimeAxis {
            origin: SimTime(0),
            start: SimTime(0),
            end: SimTime(span_ms),
            elapsed: true,
        }
    }

    pub fn x(&self, t: SimTime) -> f64 {
        hours_since(t, self.origin)
    }

    pub fn range(&self) -> TickedCoord {
        TickedCoord {
            lo: self.x(self.start),
            hi: self.x(self.end),
            ticks: self.ticks(),
        }
    }

    pub fn label(&self, hours: &f64) -> String {
        if self.elapsed {
            elapsed_hhmm_from_hours(*hours)
        } else {
            hhmm_from_hours(*hours)
        }
    }

    pub fn description(&self) -> &'static str {
        if self.elapsed {
            "time since start (HH:MM)"
        } else {
            "time (HH:MM UTC)"
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let span_min = self.end.since(self.start).0 / MS_PER_MINUTE;
        let step_min = TICK_STEPS_MIN
            .iter()
            .copied()
            .find(|step| span_min / step <= MAX_TICKS)
            .unwrap_or(1440);
        let step_ms = step_min * MS_PER_MINUTE;
        let since_origin = self.start.0 - self.origin.0;
        let mut t = self.origin.0 + since_origin.div_ceil(step_ms) * step_ms;
        let mut ticks = Vec::new();
        while t <= self.end.0 {
            ticks.push(self.x(SimTime(t)));
            t += step_ms;
        }
        ticks
    }
}

/// A linear f64 axis with ticks we chose (round clock times, round node numbers).
/// plotters' own `WithKeyPoints` over f64 loses the custom label formatter, hence this
/// type. `lo` may exceed `hi`, for an axis that counts downwards.
#[derive(Clone)]
pub struct TickedCoord {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for TickedCoord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 {
            return limit.0;
        }
        let fraction = (value - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * fraction + 1e-3).floor() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold grid lines and labels at the chosen ticks; no light lines in between.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl TickedCoord {
    pub fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> TickedCoord {
        TickedCoord { lo, hi, ticks }
    }
}

/// The instants a run covers.
pub fn run_span(output: &RunOutput) -> (SimTime, SimTime) {
    let first = output.samples.first().map_or(output.summary.start, |s| s.t);
    let last = output.samples.last().map_or(output.summary.end, |s| s.t);
    (
        first.min(output.summary.start),
        last.max(output.summary.end),
    )
}

/// A chart with the time axis below and a linear y axis, mesh and axis labels drawn.
pub fn time_chart<'a, 'b, Y>(
    plot: &'a Area<'b>,
    axis: &TimeAxis,
    y: Y,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<TimeChart<'a, 'b, Y::CoordDescType>, DrawError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(plot)
        .margin_top(12)
        .margin_left(8)
        .margin_right(16)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(axis.range(), y)?;
    let x_label = |h: &f64| axis.label(h);
    chart
        .configure_mesh()
        .x_desc(axis.description())
        .y_desc(y_desc)
        .x_label_formatter(&x_label)
        .y_label_formatter(y_label)
        .y_labels(8)
        .bold_line_style(GRID)
        .light_line_style(WHITE)
        .axis_style(TEXT.mix(0.6))
        .label_style((FONT, 15).into_font().color(&TEXT))
        .axis_desc_style((FONT, 16).into_font().color(&TEXT))
        .draw()?;
    Ok(chart)
}

/// A y range from zero with headroom above `max`, at least `0..floor`.
pub fn y_range(max: f64, floor: f64) -> Range<f64> {
    let top = (max * 1.1).max(floor);
    0.0..top
}

/// Integer-valued y labels (node and pod counts).
pub fn count_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// Points of a step function: each value holds until the next sample, the last until
/// `end_x`. Only changes make corners, which keeps a day of minutely samples small.
pub fn steps(points: &[(f64, f64)], end_x: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &(x, y) in points {
        match out.last() {
            Some(&(_, last_y)) if last_y == y => {}
            Some(&(_, last_y)) => {
                out.push((x, last_y));
                out.push((x, y));
            }
            None => out.push((x, y)),
        }
    }
    if let Some(&(_, last_y)) = out.last() {
        out.push((end_x, last_y));
    }
    out
}

/// A message in the middle of an empty plot, so an empty chart says why it is empty.
pub fn draw_empty(plot: &Area<'_>, message: &str) -> Result<(), DrawError> {
    let (w, h) = plot.dim_in_pixel();
    plot.draw(&Text::new(
        message.to_string(),
        (w as i32 / 2, h as i32 / 2),
        (FONT, 18)
            .into_font()
            .color(&TEXT.mix(0.7))
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn steps_make_corners_only_at_changes() {
        let points = [(0.0, 1.0), (1.0, 1.0), (2.0, 3.0), (3.0, 3.0)];
        assert_eq!(
            super::steps(&points, 4.0),
            vec![(0.0, 1.0), (2.0, 1.0), (2.0, 3.0), (4.0, 3.0)]
        );
        assert!(super::steps(&[], 4.0).is_empty());
    }
}
