//! The model's side: what the run and the scenario say, in the terms the log uses (nodes
//! at a clock time, nodes by who launched them, pods and requests per inventory node).

use engine::config::{InventoryOwner, Scenario};
use engine::output::{NodeRecord, Provisioner, RunOutput, Sample};
use model::SimTime;
use model::resources::Resources;
use model::taints::first_untolerated_hard;
use model::time::{MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};

use crate::error::ReportError;

use super::log;

/// One inventory node at the start, as the scenario sets it up.
#[derive(Debug, Clone)]
pub struct StartNode {
    pub name: String,
    pub owner: String,
    pub vcpu: u32,
    pub memory_gib: u64,
    /// Karpenter's allocatable for the node's kubelet settings.
    pub allocatable: Resources,
    /// Application pods `placement` pins here at the start.
    pub pinned_pods: u32,
    /// DaemonSets whose tolerations and selector accept the node.
    pub daemonsets: u32,
    /// Requests of the pinned pods and the DaemonSets.
    pub requested: Resources,
}

impl StartNode {
    /// Whether the pinned pods and DaemonSets fit the node's allocatable (resources and
    /// pod count), which the engine requires before it honours a pin.
    pub fn fits(&self) -> bool {
        self.requested.fits_in(&self.allocatable)
            && u64::from(self.pinned_pods + self.daemonsets) <= self.allocatable.pods()
    }
}

pub struct Facts<'a> {
    pub scenario: &'a Scenario,
    pub run: &'a RunOutput,
    pub start_nodes: Vec<StartNode>,
}

impl<'a> Facts<'a> {
    pub fn new(scenario: &'a Scenario, run: &'a RunOutput) -> Result<Facts<'a>, ReportError> {
        let not_seed = |why: String| ReportError::NotSeedDay(why);
        for listed in &log::INVENTORY {
            if !scenario.inventory.iter().any(|n| n.name == listed.name) {
                return Err(not_seed(format!(
                    "its inventory has no node {} (the log lists it on line {})",
                    listed.name, listed.line
                )));
            }
        }
        if run.summary.start != scenario.start {
            return Err(not_seed(
                "the run does not start at the scenario's start".into(),
            ));
        }
        let mut start_nodes = Vec::new();
        for inv in &scenario.inventory {
            start_nodes.push(start_node(scenario, inv)?);
        }
        Ok(Facts {
            scenario,
            run,
            start_nodes,
        })
    }

    /// `HH:MM:SS` on the run's first day.
    pub fn clock(&self, hours: u64, minutes: u64, seconds: u64) -> SimTime {
        SimTime(
            self.scenario.start.start_of_day().0
                + hours * MS_PER_HOUR
                + minutes * MS_PER_MINUTE
                + seconds * MS_PER_SECOND,
        )
    }

    /// `"10:32:58"` on the run's first day (the log's times are all on that day).
    pub fn clock_str(&self, hhmmss: &str) -> SimTime {
        let mut parts = hhmmss.split(':').map(|p| p.parse::<u64>().unwrap_or(0));
        let (h, m, s) = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        self.clock(h, m, s)
    }

    /// The last sample at or before `t` (the cluster as it was at `t`).
    pub fn sample_at(&self, t: SimTime) -> Option<&'a Sample> {
        self.run.samples.iter().take_while(|s| s.t <= t).last()
    }

    /// Nodes that existed at `t`.
    pub fn nodes_at(&self, t: SimTime) -> Vec<&'a NodeRecord> {
        self.run
            .nodes
            .iter()
            .filter(|n| n.launched_at <= t && n.terminated_at.is_none_or(|x| x > t))
            .collect()
    }

    pub fn node(&self, name: &str) -> Option<&'a NodeRecord> {
        self.run.nodes.iter().find(|n| n.name == name)
    }

    /// Nodes launched during the run (not inventory) by `who`, launched in `[from, to)`.
    pub fn launched(&self, who: Provisioner, from: SimTime, to: SimTime) -> Vec<&'a NodeRecord> {
        self.run
            .nodes
            .iter()
            .filter(|n| n.provisioner == who && n.launched_at > self.scenario.start)
            .filter(|n| n.launched_at >= from && n.launched_at < to)
            .collect()
    }

    pub fn start_node(&self, name: &str) -> Option<&StartNode> {
        self.start_nodes.iter().find(|n| n.name == name)
    }

    /// Nodes of one owner (node group or NodePool) at the start.
    pub fn owned_by(&self, owner: &str) -> Vec<&StartNode> {
        self.start_nodes
            .iter()
            .filter(|n| n.owner == owner)
            .collect()
    }
}

fn start_node(
    scenario: &Scenario,
    inv: &engine::config::InventoryNode,
) -> Result<StartNode, ReportError> {
    let (owner, labels, taints, kubelet) = match inv.owner {
        InventoryOwner::NodeGroup(g) => {
            let group = &scenario.node_groups[g];
            (
                group.name.clone(),
                group.labels.clone(),
                group.taints.clone(),
                group.kubelet.clone(),
            )
        }
        InventoryOwner::NodePool(p) => {
            let pool = &scenario.nodepools[p];
            (
                pool.name.clone(),
                pool.labels.clone(),
                pool.taints.clone(),
                scenario.nodepool_kubelet[p].clone(),
            )
        }
    };
    let missing = || {
        ReportError::NotSeedDay(format!(
            "inventory node {} has type {}, which the catalogue does not price",
            inv.name, inv.instance_type
        ))
    };
    let spec = scenario
        .catalog
        .spec(&inv.instance_type)
        .ok_or_else(missing)?;
    let it = scenario
        .catalog
        .instance_type(&inv.instance_type, &kubelet)
        .ok_or_else(missing)?;
    // The same rule as the engine's DaemonSet overhead: tolerated hard taints and a
    // matching nodeSelector.
    let daemonsets: Vec<&model::workload::DaemonSet> = scenario
        .daemonsets
        .iter()
        .filter(|d| {
            first_untolerated_hard(&taints, &d.spec.tolerations).is_none()
                && d.spec
                    .node_selector
                    .iter()
                    .all(|(k, v)| labels.get(k) == Some(v))
        })
        .collect();
    let mut requested = daemonsets.iter().fold(Resources::ZERO, |acc, d| {
        acc.saturating_add(&d.spec.requests)
    });
    let mut pinned = 0u32;
    for w in &scenario.workloads {
        if w.created_at.is_some() {
            continue;
        }
        let here = w
            .initial_placement
            .iter()
            .take(w.replicas.initial as usize)
            .filter(|n| **n == inv.name)
            .count() as u32;
        pinned += here;
        for _ in 0..here {
            requested = requested.saturating_add(&w.pod.requests);
        }
    }
    Ok(StartNode {
        name: inv.name.clone(),
        owner,
        vcpu: spec.vcpu,
        memory_gib: spec.memory_mib / 1024,
        allocatable: it.allocatable,
        pinned_pods: pinned,
        daemonsets: daemonsets.len() as u32,
        requested,
    })
}
