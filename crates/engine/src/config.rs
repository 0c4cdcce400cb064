//! The run configuration: a validated scenario, everything typed, resolved and checked.
//! Names are resolved to indices, quantities to integers, times to absolute
//! [`SimTime`]s. The scenario crate builds it from files; the engine only reads it.

use std::sync::Arc;

use model::catalog::Catalog;
use model::instance::CapacityType;
use model::kubelet::KubeletConfig;
use model::labels::Labels;
use model::nodepool::{Budget, NodePool};
use model::pod::PodSpec;
use model::taints::Taint;
use model::workload::{DaemonSet, PdbLimit};
use model::{SimDuration, SimTime};

/// Which Karpenter release's behaviour to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum KarpenterVersion {
    /// v0.32–v0.37, the `v1beta1` API.
    V0_37,
    /// v1.x, the `v1` API.
    V1,
}

impl KarpenterVersion {
    pub fn label(self) -> &'static str {
        match self {
            KarpenterVersion::V0_37 => "v0.37",
            KarpenterVersion::V1 => "v1",
        }
    }
}

/// AWS reclaiming spot instances: each spot node draws a time to interruption from its
/// type's Spot Advisor band, and gets a notice before it is reclaimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpotInterruptions {
    pub enabled: bool,
    /// Warning before the instance is reclaimed (AWS gives two minutes).
    pub notice: SimDuration,
    /// Scales the Spot Advisor rates, in basis points (10,000 = as published), for
    /// stress what-ifs such as "ten times the usual reclaims".
    pub rate_multiplier_bp: u32,
}

/// How a NodePool "weight" during a cutover is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CutoverSemantics {
    /// Karpenter's real semantics: weight orders NodePools; both autoscalers see every
    /// pending pod.
    Karpenter,
    /// The log's intent: the weight of `nodepool` / 100 is the fraction of newly pending
    /// pods Karpenter provisions for (chosen by a seeded hash of the pod id); the rest go
    /// to cluster-autoscaler. Not something Karpenter can do.
    ProvisioningShare { nodepool: usize },
}

#[derive(Debug, Clone)]
pub struct KarpenterSettings {
    pub version: KarpenterVersion,
    pub batch_idle: SimDuration,
    pub batch_max: SimDuration,
    pub enabled: bool,
    pub spot_to_spot_consolidation: bool,
    pub interruption_handling: bool,
    /// v1.14+ disruption: candidates ordered by savings ratio (price over rescheduling
    /// cost, descending) and the `Balanced` policy allowed.
    pub v1_14: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expander {
    LeastWaste,
    Price,
    Priority,
    Random,
}

#[derive(Debug, Clone)]
pub struct ClusterAutoscalerSettings {
    pub enabled: bool,
    pub expander: Expander,
    pub scan_interval: SimDuration,
    pub scale_down_enabled: bool,
    /// Requested/allocatable ratio under which a node is "unneeded", in basis points.
    pub scale_down_utilization_threshold_bp: u32,
    pub scale_down_unneeded_time: SimDuration,
    pub scale_down_delay_after_add: SimDuration,
    pub max_nodes_per_scale_up: u32,
    pub max_node_provision_time: SimDuration,
}

/// Who, if anyone, scales a node group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupAutoscaler {
    ClusterAutoscaler,
    /// Nobody autoscales it (the seed's Kafka ASG).
    None,
}

/// An ASG with one instance type.
#[derive(Debug, Clone)]
pub struct NodeGroupSpec {
    pub name: String,
    pub instance_type: String,
    pub zones: Vec<String>,
    pub capacity_type: CapacityType,
    pub min: u32,
    pub max: u32,
    pub desired: Option<u32>,
    pub autoscaler: GroupAutoscaler,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub priority: i32,
    pub kubelet: KubeletConfig,
}

/// Who owns an inventory node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryOwner {
    NodePool(usize),
    NodeGroup(usize),
}

/// A node present at the start.
#[derive(Debug, Clone)]
pub struct InventoryNode {
    pub name: String,
    pub owner: InventoryOwner,
    pub instance_type: String,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub launched_at: SimTime,
}

/// A traffic spike: replicas scale by `factor`, ramping linearly in and out.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike {
    pub at: SimTime,
    pub duration: SimDuration,
    pub ramp: SimDuration,
    /// Multiplier in basis points (1.5 × = 15,000).
    pub factor_bp: u32,
}

/// Replica count over time.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSchedule {
    /// Replicas at the start (before any point).
    pub initial: u32,
    /// Step changes, sorted by time.
    pub points: Vec<(SimTime, u32)>,
    /// A daily cosine between `min` and `max`, peaking at `peak_ms_of_day`.
    pub daily: Option<DailyCurve>,
    pub spikes: Vec<Spike>,
    /// Multiplied by the cluster traffic multiplier (timeline `set_traffic`).
    pub follows_traffic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCurve {
    pub min: u32,
    pub max: u32,
    pub peak_ms_of_day: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    Job,
}

#[derive(Debug, Clone)]
pub struct WorkloadSpec {
    pub name: String,
    pub namespace: String,
    pub kind: WorkloadKind,
    pub pod: Arc<PodSpec>,
    pub replicas: ReplicaSchedule,
    pub pdb: Option<PdbLimit>,
    /// When the workload appears; `None` means it is running at the start.
    pub created_at: Option<SimTime>,
    /// Jobs: how long each pod runs.
    pub run_duration: Option<SimDuration>,
    /// Nodes the workload's pods run on at the start (names), if the scenario pins them.
    pub initial_placement: Vec<String>,
}

/// A latency distribution in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    Constant(SimDuration),
    Uniform {
        min: SimDuration,
        max: SimDuration,
    },
    Normal {
        mean: SimDuration,
        stddev: SimDuration,
    },
    /// `median` = e^μ; `sigma` is σ of the underlying normal.
    LogNormal {
        median: SimDuration,
        sigma: f64,
    },
    Empirical(Vec<SimDuration>),
}

impl Distribution {
    /// The median, for documentation and summaries.
    pub fn median(&self) -> SimDuration {
        match self {
            Distribution::Constant(d) => *d,
            Distribution::Uniform { min, max } => SimDuration((min.0 + max.0) / 2),
            Distribution::Normal { mean, .. } => *mean,
            Distribution::LogNormal { median, .. } => *median,
            Distribution::Empirical(v) => {
                let mut s = v.clone();
                s.sort();
                s.get(s.len() / 2).copied().unwrap_or_default()
            }
        }
    }
}

/// Node launch phases. Their sum is the time from "decided" to "pods can start".
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchLatency {
    pub api_call: Distribution,
    pub instance_launch: Distribution,
    pub boot: Distribution,
    pub registration: Distribution,
    pub pod_start: Distribution,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LatencyModel {
    pub karpenter: LaunchLatency,
    pub cluster_autoscaler: LaunchLatency,
}

/// A scripted change.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SetNodePoolWeight {
        nodepool: usize,
        weight: u32,
    },
    SetProvisioningShare {
        share_bp: u32,
    },
    SetNodeGroupSize {
        node_group: usize,
        min: Option<u32>,
        max: Option<u32>,
        desired: Option<u32>,
    },
    ScaleController {
        controller: Controller,
        replicas: u32,
    },
    CordonNode {
        node: String,
    },
    DeleteNode {
        node: String,
    },
    /// A NodePool spec change: its nodes become drifted.
    DriftNodePool {
        nodepool: usize,
    },
    SetBudgets {
        nodepool: usize,
        budgets: Vec<Budget>,
    },
    SetTraffic {
        multiplier_bp: u32,
    },
    ScaleWorkload {
        workload: usize,
        replicas: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Controller {
    Karpenter,
    ClusterAutoscaler,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub at: SimTime,
    pub action: Action,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub metrics_interval: SimDuration,
    pub dir: Option<String>,
}

/// What-if policies that are not Karpenter's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WhatIf {
    /// Multi-node consolidation may replace N nodes by any M < N cheaper nodes (the seed
    /// log's 3 → 2), not only by 0 or 1.
    pub repack_n_to_m: bool,
}

/// `InsufficientInstanceCapacity` for matching launches in `[from, until)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityShortage {
    pub instance_type: String,
    /// `None`: every zone.
    pub zone: Option<String>,
    /// `None`: both capacity types.
    pub capacity_type: Option<CapacityType>,
    pub from: SimTime,
    pub until: SimTime,
}

impl CapacityShortage {
    pub fn covers(
        &self,
        instance_type: &str,
        zone: &str,
        capacity_type: CapacityType,
        at: SimTime,
    ) -> bool {
        self.instance_type == instance_type
            && self.zone.as_deref().is_none_or(|z| z == zone)
            && self.capacity_type.is_none_or(|c| c == capacity_type)
            && self.from <= at
            && at < self.until
    }
}

/// Caps that stop a runaway run with a clear message.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub max_events: u64,
    pub max_nodes: u64,
    pub max_pods: u64,
}

/// A fully validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub region: String,
    pub zones: Vec<String>,
    pub start: SimTime,
    pub end: SimTime,
    pub seed: u64,
    /// The traffic multiplier at the start, in basis points (`[cluster] traffic`); a
    /// timeline `set_traffic` replaces it.
    pub initial_traffic_bp: u32,
    pub catalog: Catalog,
    pub karpenter: KarpenterSettings,
    pub cutover: CutoverSemantics,
    pub spot_interruptions: SpotInterruptions,
    /// Policies Karpenter does not have, for what-if studies; all off by default.
    pub what_if: WhatIf,
    /// Offerings EC2 cannot launch for a while; empty unless the scenario says so.
    pub capacity_shortages: Vec<CapacityShortage>,
    pub nodepools: Vec<NodePool>,
    /// Kubelet settings per NodePool (from its EC2NodeClass, or its v1beta1 kubelet block).
    pub nodepool_kubelet: Vec<KubeletConfig>,
    pub cluster_autoscaler: ClusterAutoscalerSettings,
    pub node_groups: Vec<NodeGroupSpec>,
    pub inventory: Vec<InventoryNode>,
    pub workloads: Vec<WorkloadSpec>,
    pub daemonsets: Vec<DaemonSet>,
    pub timeline: Vec<TimelineEvent>,
    pub latency: LatencyModel,
    pub output: OutputSpec,
    pub limits: RunLimits,
}
