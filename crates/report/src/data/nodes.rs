//! `nodes.csv`: one row per [`NodeRecord`], in launch order.

use engine::output::{NodeRecord, RunOutput};
use model::SimTime;

use crate::ReportError;
use crate::csv::push_record;
use crate::format::{seconds_from_millis, usd};

pub const FILE_NAME: &str = "nodes.csv";

pub const HEADER: [&str; 14] = [
    "name",
    "instance_type",
    "zone",
    "capacity_type",
    "owner",
    "provisioner",
    "price_usd_per_hour",
    "launched_at",
    "ready_at",
    "terminated_at",
    "launch_to_ready_seconds",
    "lifetime_seconds",
    "termination_reason",
    "cost_usd",
];

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    let mut out = String::new();
    push_record(&mut out, HEADER);
    for node in &output.nodes {
        push_record(&mut out, row(node, output.summary.end));
    }
    Ok(out)
}

fn row(n: &NodeRecord, end: SimTime) -> [String; 14] {
    let time = |t: Option<SimTime>| t.map(|t| t.to_string()).unwrap_or_default();
    // A node still running at the end lived until the end of the run.
    let lifetime_ms = n.terminated_at.unwrap_or(end).since(n.launched_at).0;
    [
        n.name.clone(),
        n.instance_type.clone(),
        n.zone.clone(),
        n.capacity_type.to_string(),
        n.owner.clone(),
        n.provisioner.label().to_string(),
        usd(u128::from(n.price.0)),
        n.launched_at.to_string(),
        time(n.ready_at),
        time(n.terminated_at),
        n.ready_at
            .map(|r| seconds_from_millis(r.since(n.launched_at).0))
            .unwrap_or_default(),
        seconds_from_millis(lifetime_ms),
        n.termination_reason.clone().unwrap_or_default(),
        usd(n.cost.0),
    ]
}
