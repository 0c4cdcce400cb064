//! `timeseries.csv`: one row per [`Sample`], exact integers and decimals.

use engine::output::{Provisioner, RunOutput, Sample};

use crate::ReportError;
use crate::csv::push_record;
use crate::format::{percent, usd};

pub const FILE_NAME: &str = "timeseries.csv";

/// The header: fixed columns, then one `nodes_owner_<name>` column per owner in the
/// order of [`RunOutput::owners`].
pub fn header(owners: &[String]) -> Vec<String> {
    let mut columns: Vec<String> = ["time", "time_ms", "nodes_total", "nodes_ready"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    columns.extend(
        Provisioner::ALL
            .iter()
            .map(|p| format!("nodes_{}", p.label().replace('-', "_"))),
    );
    columns.extend(owners.iter().map(|o| format!("nodes_owner_{o}")));
    columns.extend(
        [
            "pods_pending",
            "pods_running",
            "cpu_requested_millicores",
            "cpu_allocatable_millicores",
            "cpu_requested_pct",
            "memory_requested_bytes",
            "memory_allocatable_bytes",
            "memory_requested_pct",
            "cost_usd_per_hour",
            "karpenter_share_pct",
        ]
        .iter()
        .map(|c| c.to_string()),
    );
    columns
}

pub fn render(output: &RunOutput) -> Result<String, ReportError> {
    let mut out = String::new();
    push_record(&mut out, header(&output.owners));
    for (index, sample) in output.samples.iter().enumerate() {
        if sample.nodes_by_owner.len() != output.owners.len() {
            return Err(ReportError::OwnerColumns {
                sample: index,
                expected: output.owners.len(),
                found: sample.nodes_by_owner.len(),
            });
        }
        push_record(&mut out, row(sample));
    }
    Ok(out)
}

fn row(s: &Sample) -> Vec<String> {
    let mut cells = vec![
        s.t.to_string(),
        s.t.0.to_string(),
        s.nodes_total.to_string(),
        s.nodes_ready.to_string(),
    ];
    cells.extend(s.nodes_by_provisioner.iter().map(u32::to_string));
    cells.extend(s.nodes_by_owner.iter().map(u32::to_string));
    cells.extend([
        s.pods_pending.to_string(),
        s.pods_running.to_string(),
        s.cpu_requested_millis.to_string(),
        s.cpu_allocatable_millis.to_string(),
        percent(s.cpu_requested_millis, s.cpu_allocatable_millis).unwrap_or_default(),
        s.memory_requested_bytes.to_string(),
        s.memory_allocatable_bytes.to_string(),
        percent(s.memory_requested_bytes, s.memory_allocatable_bytes).unwrap_or_default(),
        usd(u128::from(s.cost_per_hour.0)),
        // Basis points are hundredths of a percent: exact with two decimals.
        format!(
            "{}.{:02}",
            s.karpenter_share_bp / 100,
            s.karpenter_share_bp % 100
        ),
    ]);
    cells
}
