//! karpsim's engine: an event queue over cluster state, with the controllers that act on
//! it: Karpenter's provisioner (batching, one packer solve per batch, NodeClaim launch),
//! cluster-autoscaler (scan, estimator and expander scale-up, utilisation scale-down),
//! kube-scheduler (binding with LeastAllocated scoring), node lifecycle with a latency
//! model per provisioner and phase, workloads (replica schedules, spikes, traffic, Jobs),
//! the scripted timeline, per-second billing, metrics and an event log.
//!
//! Time is integer milliseconds; events at equal times run in the order they were
//! scheduled; every random draw comes from a seeded stream per purpose. The same
//! [`config::Scenario`] and seed give the same [`output::RunOutput`], byte for byte.
//!
//! ```no_run
//! # fn demo(scenario: &engine::config::Scenario) -> Result<(), engine::EngineError> {
//! let out = engine::run(scenario, engine::RunOptions::default())?;
//! println!("{} nodes at the end, {} in total", out.summary.nodes_end, out.summary.total_cost);
//! # Ok(()) }
//! ```

#![warn(clippy::disallowed_types)]

mod autoscaler;
mod balanced;
mod candidates;
mod capacity;
pub mod config;
mod disruption;
mod error;
mod invariants;
mod kube_scheduler;
mod lifecycle;
mod metrics;
pub mod output;
mod pdb;
pub mod probe;
mod provisioner;
mod queue;
mod replacement;
mod rng;
mod shared_walks;
mod sim;
mod simulate;
mod snapshot;
mod spot;
mod state;
mod timeline;
mod topology_view;
mod verdicts;
mod view_plan;
mod workloads;

pub use error::EngineError;
pub use queue::EventQueue;
pub use sim::RunOptions;

/// Simulates `scenario` and returns everything the run produced.
pub fn run(
    scenario: &config::Scenario,
    mut options: RunOptions,
) -> Result<output::RunOutput, EngineError> {
    let progress = options.progress.take();
    let sim = sim::Simulation::new(scenario, &options)?;
    sim.run(progress)
}
