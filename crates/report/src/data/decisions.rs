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
    let mut out = String::new();
    for d in &output.decisions {
        let line = serde_json::to_string(&line(d)).map_err(|source| ReportError::Json {
            file: FILE_NAME,
            source,
        })?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
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
