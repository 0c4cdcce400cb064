//! A what-if study in code: the seed day as logged, and the same day with Karpenter's
//! real weight semantics instead of the log's "weight = share" reading. Prints both
//! summaries' key figures side by side.
//!
//! ```sh
//! cargo run --release --example what_if
//! ```

use std::path::Path;

use karpsim::engine::config::CutoverSemantics;
use karpsim::engine::{RunOptions, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cutover.toml");
    let loaded = karpsim::scenario::load(&path)?;
    let as_logged = run(&loaded.scenario, RunOptions::default())?;

    let mut literal = loaded.scenario.clone();
    literal.cutover = CutoverSemantics::Karpenter;
    let karpenter = run(&literal, RunOptions::default())?;

    println!(
        "{:<36} {:>16} {:>16}",
        "", "weight as share", "real Karpenter"
    );
    let rows = [
        (
            "nodes at the end",
            as_logged.summary.nodes_end.to_string(),
            karpenter.summary.nodes_end.to_string(),
        ),
        (
            "nodes max",
            as_logged.summary.nodes_max.to_string(),
            karpenter.summary.nodes_max.to_string(),
        ),
        (
            "Karpenter nodes launched",
            as_logged.summary.nodes_launched[0].to_string(),
            karpenter.summary.nodes_launched[0].to_string(),
        ),
        (
            "cluster-autoscaler nodes launched",
            as_logged.summary.nodes_launched[1].to_string(),
            karpenter.summary.nodes_launched[1].to_string(),
        ),
        (
            "total cost of the day",
            as_logged.summary.total_cost.to_string(),
            karpenter.summary.total_cost.to_string(),
        ),
        (
            "pending pod-seconds",
            as_logged.summary.pending_pod_seconds.to_string(),
            karpenter.summary.pending_pod_seconds.to_string(),
        ),
    ];
    for (name, a, b) in rows {
        println!("{name:<36} {a:>16} {b:>16}");
    }
    Ok(())
}
