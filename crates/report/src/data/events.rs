//! `events.jsonl`: one JSON object per [`EventRecord`], in log order.

use engine::output::{EventKind, EventRecord, Provisioner, RunOutput};
use serde::Serialize;

use crate::ReportError;

pub const FILE_NAME: &str = "events.jsonl";

/// One line. Absent fields are `null` rather than missing, so every line has the same keys.
#[derive(Serialize)]
struct EventLine<'a> {
    /// RFC 3339, for people and `jq`.
    t: String,
    /// The same instant as integer ms since the epoch, for programs.
    t_ms: u64,
    kind: EventKind,
    provisioner: Option<Provisioner>,
    node: Option<&'a str>,
    pod: Option<&'a str>,
    owner: Option<&'a str>,
    message: &'a str,
}

pub fn write(output: &RunOutput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    let mut times = super::TimeText::default();
    let lines = output.events.iter().map(|e| line(e, &mut times));
    super::write_jsonl(FILE_NAME, lines, out)
}

fn line<'a>(e: &'a EventRecord, times: &mut super::TimeText) -> EventLine<'a> {
    EventLine {
        t: times.of(e.t),
        t_ms: e.t.0,
        kind: e.kind,
        provisioner: e.provisioner,
        node: e.node.as_deref(),
        pod: e.pod.as_deref(),
        owner: e.owner.as_deref(),
        message: &e.message,
    }
}
