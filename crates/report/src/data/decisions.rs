//! `decisions.jsonl`: the disruption controller's reasoning, one JSON object per
//! candidate and conclusion, in the order first made; a conclusion repeated pass after
//! pass (no other about that node in between) is one line with its count of `passes` and
//! the time of the last (`until`).

use engine::output::{DecisionRecord, RunOutput};
use serde::Serialize;

use crate::ReportError;

pub const FILE_NAME: &str = "decisions.jsonl";

#[derive(Serialize)]
struct DecisionLine<'a> {
    t: String,
    t_ms: u64,
    method: &'a str,
    node: &'a str,
    nodepool: &'a str,
    outcome: &'a str,
    reason: &'a str,
    passes: u32,
    until: String,
    until_ms: u64,
}

pub fn write(output: &RunOutput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    // One cache per column: a line's `t` and `until` differ when it folds passes, and a
    // shared cache would format both anew on every line.
    let (mut starts, mut ends) = (super::TimeText::default(), super::TimeText::default());
    let lines = output
        .decisions
        .iter()
        .map(|d| line(d, &mut starts, &mut ends));
    super::write_jsonl(FILE_NAME, lines, out)
}

fn line<'a>(
    d: &'a DecisionRecord,
    starts: &mut super::TimeText,
    ends: &mut super::TimeText,
) -> DecisionLine<'a> {
    DecisionLine {
        t: starts.of(d.t),
        t_ms: d.t.0,
        method: d.method,
        node: &d.node,
        nodepool: &d.nodepool,
        outcome: d.outcome,
        reason: &d.reason,
        passes: d.passes,
        until: ends.of(d.until),
        until_ms: d.until.0,
    }
}
