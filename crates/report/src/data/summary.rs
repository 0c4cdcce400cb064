//! `summary.json`: the [`Summary`] with times as RFC 3339, money in dollars, and the
//! per-provisioner arrays keyed by provisioner name.

use std::collections::BTreeMap;

use engine::output::{LatencyStats, Provisioner, RunOutput, Summary};
use serde::Serialize;

use crate::ReportError;

pub const FILE_NAME: &str = "summary.json";

#[derive(Serialize)]
struct SummaryFile<'a> {
    scenario: &'a str,
    seed: u64,
    start: String,
    end: String,
    /// Why the run stopped early, if it did.
    incomplete: Option<&'a str>,
    nodes_start: u32,
    nodes_end: u32,
    nodes_min: u32,
    nodes_max: u32,
    nodes_launched: BTreeMap<&'static str, u32>,
    nodes_terminated: u32,
    cost_usd_per_hour_start: f64,
    cost_usd_per_hour_end: f64,
    total_cost_usd: f64,
    monthly_cost_at_end_usd: f64,
    pending_pod_seconds: u64,
    pods_pending_at_end: u32,
    provisioning_latency: BTreeMap<&'static str, LatencyStats>,
    disruptions_by_reason: BTreeMap<&'a str, u32>,
    events: u64,
}

/// The summary as `summary.json` writes it, for `simctl run --json` and `sweep.json`: one
/// shape wherever a script reads a summary.
pub fn summary_value(s: &Summary) -> serde_json::Value {
    // Serialising plain numbers, strings and maps cannot fail.
    serde_json::to_value(file(s)).unwrap_or(serde_json::Value::Null)
}

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(&file(&output.summary)).map_err(|source| {
        ReportError::Json {
            file: FILE_NAME,
            source,
        }
    })?;
    text.push('\n');
    Ok(text)
}

fn file(s: &Summary) -> SummaryFile<'_> {
    let by_provisioner = |i: usize| Provisioner::ALL[i].label();
    SummaryFile {
        scenario: &s.scenario,
        seed: s.seed,
        start: s.start.to_string(),
        end: s.end.to_string(),
        incomplete: s.incomplete.as_deref(),
        nodes_start: s.nodes_start,
        nodes_end: s.nodes_end,
        nodes_min: s.nodes_min,
        nodes_max: s.nodes_max,
        nodes_launched: (0..3)
            .map(|i| (by_provisioner(i), s.nodes_launched[i]))
            .collect(),
        nodes_terminated: s.nodes_terminated,
        // Nano-dollars over 1e9 prints as the exact decimal for any realistic amount
        // (fewer than 15 significant digits).
        cost_usd_per_hour_start: s.cost_per_hour_start.dollars(),
        cost_usd_per_hour_end: s.cost_per_hour_end.dollars(),
        total_cost_usd: s.total_cost.dollars(),
        monthly_cost_at_end_usd: s.monthly_cost_at_end.dollars(),
        pending_pod_seconds: s.pending_pod_seconds,
        pods_pending_at_end: s.pods_pending_at_end,
        provisioning_latency: (0..3)
            .map(|i| (by_provisioner(i), s.provisioning_latency[i]))
            .collect(),
        disruptions_by_reason: s
            .disruptions_by_reason
            .iter()
            .map(|(reason, n)| (reason.as_str(), *n))
            .collect(),
        events: s.events,
    }
}
