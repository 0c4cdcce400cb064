//! Small runs of variants of the seed scenario that answer questions the day itself does
//! not: what Karpenter (or cluster-autoscaler) would launch for a pod that found no room,
//! and what Karpenter's consolidation would do with the general nodes if it owned them,
//! as the log believes it did. Each variant changes only what its question needs and is
//! run by the same engine; nothing about the answers is scripted.

use engine::config::{
    Action, Controller, CutoverSemantics, InventoryOwner, Scenario, TimelineEvent,
};
use engine::output::{NodeRecord, ProvisioningRecord, RunOutput};
use engine::{EngineError, RunOptions};
use model::SimTime;
use model::catalog::SpotPricing;
use model::time::MS_PER_HOUR;

use crate::error::ReportError;

/// The node group whose nodes the log says Karpenter consolidated (L492: "21 general").
pub const GENERAL_GROUP: &str = "general-m6i-4xlarge";
/// The NodePool that would own them.
pub const GENERAL_POOL: &str = "default-nodepool";
/// The workload of the 07:15 pending pod (L510) and of the 08:05 pending pods (L514).
pub const FIRST_WORKLOAD: &str = "analytics-batch-processor";
pub const SECOND_WORKLOAD: &str = "order-processor";

/// What one launch probe saw: the first node launched and how long its pods waited.
#[derive(Debug, Clone)]
pub struct Launch {
    pub node: NodeRecord,
    pub provisioning: Option<ProvisioningRecord>,
    /// Nodes launched in all.
    pub nodes: usize,
}

pub struct Probes {
    /// Karpenter alone, no free capacity, spot allowed as the NodePool allows it.
    pub first: Launch,
    /// The same with on-demand offerings only (the log's capacity type).
    pub first_on_demand: Launch,
    pub second: Launch,
    pub second_on_demand: Launch,
    /// cluster-autoscaler alone for the 08:05 pods.
    pub second_by_ca: Launch,
    /// The day with the general group's nodes owned by `default-nodepool` and Karpenter
    /// started at 07:00 (L110).
    pub adopted: RunOutput,
}

impl Probes {
    pub fn run(scenario: &Scenario) -> Result<Probes, ReportError> {
        let first = launch_probe(scenario, FIRST_WORKLOAD, Who::Karpenter, false)?;
        let first_on_demand = launch_probe(scenario, FIRST_WORKLOAD, Who::Karpenter, true)?;
        let second = launch_probe(scenario, SECOND_WORKLOAD, Who::Karpenter, false)?;
        let second_on_demand = launch_probe(scenario, SECOND_WORKLOAD, Who::Karpenter, true)?;
        let second_by_ca = launch_probe(scenario, SECOND_WORKLOAD, Who::ClusterAutoscaler, false)?;
        let adopted = run("the adopted-nodes counterfactual", &adopted(scenario)?)?;
        Ok(Probes {
            first,
            first_on_demand,
            second,
            second_on_demand,
            second_by_ca,
            adopted,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Karpenter,
    ClusterAutoscaler,
}

fn run(what: &str, scenario: &Scenario) -> Result<RunOutput, ReportError> {
    engine::run(scenario, RunOptions::default()).map_err(|source: EngineError| ReportError::Probe {
        what: what.to_string(),
        source,
    })
}

fn missing(what: &str) -> ReportError {
    ReportError::NotSeedDay(format!("it has no {what}"))
}

/// An empty cluster with one workload: whatever its pods need must be launched by `who`.
/// NodePools and node groups are the scenario's (groups may scale from zero).
fn launch_probe(
    scenario: &Scenario,
    workload: &str,
    who: Who,
    on_demand_only: bool,
) -> Result<Launch, ReportError> {
    let w = scenario
        .workloads
        .iter()
        .find(|w| w.name == workload)
        .ok_or_else(|| missing(&format!("workload {workload}")))?;
    let begins = w
        .created_at
        .or_else(|| w.replicas.points.first().map(|(t, _)| *t))
        .unwrap_or(scenario.start);
    let mut s = scenario.clone();
    s.workloads = vec![w.clone()];
    s.inventory.clear();
    s.timeline.clear();
    s.cutover = CutoverSemantics::Karpenter;
    s.karpenter.enabled = who == Who::Karpenter;
    s.cluster_autoscaler.enabled = who == Who::ClusterAutoscaler;
    for g in &mut s.node_groups {
        g.min = 0;
        g.desired = Some(0);
    }
    if on_demand_only {
        s.catalog.options.spot_pricing = SpotPricing::Off;
    }
    s.end = SimTime(begins.0 + MS_PER_HOUR).min(scenario.end);
    let out = run(&format!("the launch probe for {workload}"), &s)?;
    let node = out
        .nodes
        .first()
        .cloned()
        .ok_or_else(|| ReportError::Probe {
            what: format!("the launch probe for {workload}"),
            source: EngineError::Config("nothing was launched".into()),
        })?;
    let provisioning = out
        .provisioning
        .iter()
        .find(|p| p.node == node.name)
        .cloned();
    Ok(Launch {
        node,
        provisioning,
        nodes: out.nodes.len(),
    })
}

/// The seed day as the log describes it: the general group's nodes belong to
/// `default-nodepool` (so Karpenter may disrupt them) and Karpenter starts at 07:00,
/// when the log installs it.
fn adopted(scenario: &Scenario) -> Result<Scenario, ReportError> {
    let group = scenario
        .node_groups
        .iter()
        .position(|g| g.name == GENERAL_GROUP)
        .ok_or_else(|| missing(&format!("node group {GENERAL_GROUP}")))?;
    let pool = scenario
        .nodepools
        .iter()
        .position(|p| p.name == GENERAL_POOL)
        .ok_or_else(|| missing(&format!("NodePool {GENERAL_POOL}")))?;
    let mut s = scenario.clone();
    for n in &mut s.inventory {
        if n.owner == InventoryOwner::NodeGroup(group) {
            n.owner = InventoryOwner::NodePool(pool);
        }
    }
    s.karpenter.enabled = false;
    let installed = SimTime(s.start.start_of_day().0 + 7 * MS_PER_HOUR);
    s.timeline.push(TimelineEvent {
        at: installed,
        action: Action::ScaleController {
            controller: Controller::Karpenter,
            replicas: 2,
        },
        note: Some("[07:00:00Z] Karpenter Helm chart installed (L110)".into()),
    });
    s.timeline.sort_by_key(|e| e.at);
    Ok(s)
}

/// Karpenter's disruption commands of a run: (time, method, nodes, replacement types,
/// `replaced`/`deleted`), grouped from the decision log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub t: SimTime,
    pub method: String,
    pub nodes: Vec<String>,
    pub outcome: String,
    pub reason: String,
}

pub fn commands(run: &RunOutput) -> Vec<Command> {
    let mut out: Vec<Command> = Vec::new();
    for d in &run.decisions {
        if d.outcome != "deleted" && d.outcome != "replaced" {
            continue;
        }
        match out.last_mut() {
            Some(c) if c.t == d.t && c.method == d.method && c.reason == d.reason => {
                c.nodes.push(d.node.to_string())
            }
            _ => out.push(Command {
                t: d.t,
                method: d.method.to_string(),
                nodes: vec![d.node.to_string()],
                outcome: d.outcome.to_string(),
                reason: d.reason.clone(),
            }),
        }
    }
    out
}
