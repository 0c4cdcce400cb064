//! `report.html`: one self-contained page (inline CSS and SVG, no script, no network)
//! with the summary, the validation table, the charts and an excerpt of the event log.

use std::fmt::Write as _;

use engine::output::{EventKind, EventRecord, Provisioner, RunOutput, Summary};
use model::SimTime;
use model::time::MS_PER_DAY;

use crate::charts::Chart;
use crate::format::{duration_label, usd};
use crate::validation::{ValidationRow, VerdictKind};

pub const FILE_NAME: &str = "report.html";

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #222;
       max-width: 1040px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.meta { color: #666; margin-top: 0; }
p.warning { background: #fff4e5; border-left: 4px solid #f28e2b; padding: 0.5em 1em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { text-align: left; padding: 0.25em 0.8em 0.25em 0; vertical-align: top; }
th { border-bottom: 1px solid #bbb; }
tr + tr td { border-top: 1px solid #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary th { font-weight: normal; color: #555; border: none; }
table.events td { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85em;
                  white-space: nowrap; }
table.events td:last-child { white-space: normal; }
table.events th { white-space: nowrap; }
table.events tr.gap td { color: #888; font-style: italic; font-family: inherit; }
table.events tr.timeline td { background: #f3f6fa; }
figure { margin: 1.5em 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 0.9em; }
nav a { margin-right: 1em; }
table.validation td:first-child { border-left: 4px solid #ccc; padding-left: 0.5em; }
table.validation tr.reproduced td:first-child { border-left-color: #59a14f; }
table.validation tr.differs td:first-child { border-left-color: #f28e2b; }
table.validation tr.inconsistent td:first-child { border-left-color: #e15759; }
table.validation td:last-child { white-space: nowrap; color: #666; }
";

/// The whole page.
pub fn render(
    output: &RunOutput,
    charts: &[Chart],
    validation: &[ValidationRow],
    excerpt_events: usize,
) -> String {
    let s = &output.summary;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>karpsim: {}</title>", escape(&s.scenario));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>karpsim run: {}</h1>", escape(&s.scenario));
    let _ = writeln!(
        out,
        "<p class=\"meta\">seed {} · {} to {} · {} events</p>",
        s.seed, s.start, s.end, s.events
    );
    if let Some(why) = &s.incomplete {
        let _ = writeln!(
            out,
            "<p class=\"warning\">The run stopped early: {}. Everything below covers only what ran.</p>",
            escape(why)
        );
    }
    out.push_str("<nav><a href=\"#summary\">Summary</a>");
    if !validation.is_empty() {
        out.push_str("<a href=\"#validation\">Validation</a>");
    }
    out.push_str("<a href=\"#charts\">Charts</a><a href=\"#events\">Event log</a></nav>\n");

    summary_section(&mut out, s);
    if !validation.is_empty() {
        validation_section(&mut out, validation);
    }
    chart_section(&mut out, charts);
    events_section(&mut out, &output.events, excerpt_events, s.start);
    out.push_str("</body>\n</html>\n");
    out
}

/// `sweep.html`: a sweep's table and chart.
pub(crate) fn sweep_page(sweep: &crate::Sweep, chart_svg: &str) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<title>karpsim sweep: {}</title>",
        escape(&sweep.scenario)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    let _ = writeln!(out, "<h1>karpsim sweep: {}</h1>", escape(&sweep.scenario));
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&sweep.headline()));
    let names = sweep.column_names();
    if names.iter().zip(&sweep.paths).any(|(n, p)| n != p) {
        out.push_str("<ul>\n");
        for (name, path) in names.iter().zip(&sweep.paths) {
            let _ = writeln!(
                out,
                "<li><b>{}</b>: <code>{}</code></li>",
                escape(name),
                escape(path)
            );
        }
        out.push_str("</ul>\n");
    }
    let incomplete = sweep.incomplete_runs();
    if incomplete > 0 {
        let _ = writeln!(
            out,
            "<p class=\"warning\">{incomplete} runs stopped early at a cap; their figures cover only what ran (sweep.csv says which).</p>"
        );
    }
    let (header, rows) = sweep.table();
    let axes = sweep.paths.len();
    out.push_str("<table>\n<tr>");
    for h in &header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for r in &rows {
        out.push_str("<tr>");
        for (i, cell) in r.iter().enumerate() {
            let class = if i < axes { "" } else { " class=\"num\"" };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    let _ = writeln!(
        out,
        "<figure>{chart_svg}<figcaption>Total cost and pending pod-seconds per combination; with several seeds, a bar is their mean and a line their range. Every run's figures are in sweep.csv.</figcaption></figure>"
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// (label, value) pairs of the summary, values already formatted.
pub fn summary_rows(s: &Summary) -> Vec<(String, String)> {
    let mut rows = vec![
        (
            "nodes (start → end)".to_string(),
            format!("{} → {}", s.nodes_start, s.nodes_end),
        ),
        (
            "nodes (min – max)".to_string(),
            format!("{} – {}", s.nodes_min, s.nodes_max),
        ),
        (
            "cost per hour (start → end)".to_string(),
            format!(
                "${}/h → ${}/h",
                usd(u128::from(s.cost_per_hour_start.0)),
                usd(u128::from(s.cost_per_hour_end.0))
            ),
        ),
        (
            "total cost of the run".to_string(),
            s.total_cost.to_string(),
        ),
        (
            "monthly cost at the end rate (730 h)".to_string(),
            s.monthly_cost_at_end.to_string(),
        ),
        (
            "pending pod-seconds".to_string(),
            s.pending_pod_seconds.to_string(),
        ),
        (
            "pods pending at the end".to_string(),
            s.pods_pending_at_end.to_string(),
        ),
    ];
    for (i, p) in Provisioner::ALL.iter().enumerate() {
        if s.nodes_launched[i] > 0 {
            rows.push((
                format!("nodes launched by {}", p.label()),
                s.nodes_launched[i].to_string(),
            ));
        }
    }
    rows.push((
        "nodes terminated".to_string(),
        s.nodes_terminated.to_string(),
    ));
    for (reason, count) in &s.disruptions_by_reason {
        rows.push((format!("terminated: {reason}"), count.to_string()));
    }
    for (i, p) in Provisioner::ALL.iter().enumerate() {
        let l = s.provisioning_latency[i];
        if l.count > 0 {
            rows.push((
                format!("provisioning latency, {}", p.label()),
                format!(
                    "n {} · p50 {} · p95 {} · p99 {} · max {}",
                    l.count,
                    duration_label(l.p50_ms),
                    duration_label(l.p95_ms),
                    duration_label(l.p99_ms),
                    duration_label(l.max_ms)
                ),
            ));
        }
    }
    rows
}

fn summary_section(out: &mut String, s: &Summary) {
    out.push_str("<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n");
    for (label, value) in summary_rows(s) {
        let _ = writeln!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(&label),
            escape(&value)
        );
    }
    out.push_str("</table>\n");
}

fn validation_section(out: &mut String, rows: &[ValidationRow]) {
    out.push_str("<h2 id=\"validation\">Validation: the log against the model</h2>\n");
    let mut kinds: Vec<(VerdictKind, usize)> = Vec::new();
    for r in rows {
        match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((r.kind, 1)),
        }
    }
    kinds.sort();
    let tally: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{n} {}", k.label()))
        .collect();
    let _ = writeln!(
        out,
        "<p>{} claims: {}. Lines are those of the replayed log.</p>",
        rows.len(),
        escape(&tally.join(", "))
    );
    out.push_str("<table class=\"validation\">\n<tr><th>claim</th><th>log</th><th>model</th><th>verdict</th><th>lines</th></tr>\n");
    for r in rows {
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            kind_class(r.kind),
            escape(&r.claim),
            escape(&r.log_value),
            escape(&r.model_value),
            escape(&r.verdict),
            escape(&r.source_label())
        );
    }
    out.push_str("</table>\n");
}

/// A CSS class per verdict, so a reader can scan the table by colour.
fn kind_class(kind: VerdictKind) -> &'static str {
    match kind {
        VerdictKind::Reproduced | VerdictKind::DerivationInput => "reproduced",
        VerdictKind::Differs => "differs",
        VerdictKind::LogInconsistent => "inconsistent",
        VerdictKind::NotModelled => "not-modelled",
    }
}

fn chart_section(out: &mut String, charts: &[Chart]) {
    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for chart in charts {
        // plotters escapes the text it writes, so its SVG is well-formed markup that
        // can be inlined as it is.
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}\n<figcaption>{} (<code>{}.svg</code>)</figcaption>\n</figure>",
            chart.name,
            chart.svg.trim_end(),
            escape(chart.caption),
            chart.name
        );
    }
}

/// Events that always appear in the excerpt, wherever they are in the log.
fn always_shown(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Timeline
            | EventKind::NodeLaunched
            | EventKind::NodeTerminated
            | EventKind::RunStopped
    )
}

/// Indices of the excerpt: the first and last `n` events and every always-shown one.
pub fn excerpt(events: &[EventRecord], n: usize) -> Vec<usize> {
    let len = events.len();
    (0..len)
        .filter(|&i| i < n || i + n >= len || always_shown(events[i].kind))
        .collect()
}

fn events_section(out: &mut String, events: &[EventRecord], n: usize, start: SimTime) {
    let shown = excerpt(events, n);
    out.push_str("<h2 id=\"events\">Event log (excerpt)</h2>\n");
    let _ = writeln!(
        out,
        "<p>{} of {} events: the first and last {n}, and every timeline step, node launch \
         and node termination. The full log is <code>events.jsonl</code>.</p>",
        shown.len(),
        events.len()
    );
    out.push_str("<table class=\"events\">\n<tr><th>time (UTC)</th><th>kind</th><th>provisioner</th><th>owner</th><th>node</th><th>pod</th><th>message</th></tr>\n");
    let mut next = 0;
    for i in shown {
        if i > next {
            gap_row(out, i - next);
        }
        next = i + 1;
        let e = &events[i];
        let class = if e.kind == EventKind::Timeline {
            " class=\"timeline\""
        } else {
            ""
        };
        let opt = |v: &Option<String>| v.as_deref().map(escape).unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr{class}><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.t,
            clock(e.t, start),
            kind_label(e.kind),
            e.provisioner.map(|p| p.label()).unwrap_or_default(),
            opt(&e.owner),
            opt(&e.node),
            opt(&e.pod),
            escape(&e.message)
        );
    }
    if events.len() > next {
        gap_row(out, events.len() - next);
    }
    out.push_str("</table>\n");
}

fn gap_row(out: &mut String, skipped: usize) {
    let _ = writeln!(
        out,
        "<tr class=\"gap\"><td colspan=\"7\">… {skipped} event{} not shown …</td></tr>",
        if skipped == 1 { "" } else { "s" }
    );
}

/// `HH:MM:SS` on the run's first day, `+Nd HH:MM:SS` after; the full RFC 3339 time is
/// the cell's tooltip.
fn clock(t: SimTime, start: SimTime) -> String {
    let day = (t.start_of_day().0.saturating_sub(start.start_of_day().0)) / MS_PER_DAY;
    let c = t.civil();
    let time = format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second);
    if day == 0 {
        time
    } else {
        format!("+{day}d {time}")
    }
}

/// The snake_case name events.jsonl uses for the kind.
fn kind_label(kind: EventKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
