//! `decisions.jsonl`: the disruption controller's reasoning, one JSON object per
//! candidate per pass, in the order it was made.

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
}

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    super::jsonl(FILE_NAME, output.decisions.iter().map(line))
}

fn line(d: &DecisionRecord) -> DecisionLine<'_> {
    DecisionLine {
        t: d.t.to_string(),
        t_ms: d.t.0,
        method: &d.method,
        node: &d.node,
        nodepool: &d.nodepool,
        outcome: &d.outcome,
        reason: &d.reason,
    }
}
