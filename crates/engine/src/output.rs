//! What a run produces: a metrics time series, an event log, one record per node, one
//! per provisioning, and a summary. Plain data with `Serialize`, in the order things
//! happened, so writing them out gives byte-identical files for the same scenario and seed.

use serde::Serialize;

use model::instance::CapacityType;
use model::price::{Usd, UsdPerHour};
use model::{SimDuration, SimTime};

/// Which controller launched a node or handled a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provisioner {
    Karpenter,
    ClusterAutoscaler,
    /// Present at the start or in a group nobody scales.
    Static,
}

impl Provisioner {
    pub const ALL: [Provisioner; 3] = [
        Provisioner::Karpenter,
        Provisioner::ClusterAutoscaler,
        Provisioner::Static,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Provisioner::Karpenter => "karpenter",
            Provisioner::ClusterAutoscaler => "cluster-autoscaler",
            Provisioner::Static => "static",
        }
    }
}

/// One sample of the cluster, taken every `output.metrics_interval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub t: SimTime,
    /// Nodes that exist (launched, not yet terminated), by owner name (NodePool or node
    /// group), in the order owners are declared in the scenario.
    pub nodes_by_owner: Vec<u32>,
    /// Nodes by [`Provisioner`], indexed as `Provisioner::ALL`.
    pub nodes_by_provisioner: [u32; 3],
    pub nodes_total: u32,
    pub nodes_ready: u32,
    pub pods_pending: u32,
    pub pods_running: u32,
    /// Requests of bound pods (daemonsets included) over allocatable of ready nodes.
    pub cpu_requested_millis: u64,
    pub cpu_allocatable_millis: u64,
    pub memory_requested_bytes: u64,
    pub memory_allocatable_bytes: u64,
    /// Sum of the prices of every existing node.
    pub cost_per_hour: UsdPerHour,
    /// Fraction of newly pending pods routed to Karpenter, in basis points.
    pub karpenter_share_bp: u32,
}

/// What kind of thing an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Timeline,
    PodCreated,
    PodPending,
    PodBound,
    PodEvicted,
    PodDeleted,
    PodCompleted,
    PodUnschedulable,
    ProvisionerBatch,
    NodeClaimCreated,
    NodeLaunched,
    NodeRegistered,
    NodeReady,
    NodeCordoned,
    NodeDraining,
    NodeTerminated,
    DisruptionDecided,
    DisruptionStarted,
    DisruptionAborted,
    SpotInterruption,
    InsufficientCapacity,
    ScaleUp,
    ScaleDown,
    LimitReached,
    RunStopped,
}

/// One decision or state change, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    pub t: SimTime,
    pub kind: EventKind,
    pub provisioner: Option<Provisioner>,
    /// A node's name, if the event concerns one.
    pub node: Option<String>,
    /// A pod's name, if the event concerns one.
    pub pod: Option<String>,
    /// The NodePool or node group involved.
    pub owner: Option<String>,
    pub message: String,
}

/// What the disruption controller concluded about one candidate: in one pass, or in
/// `passes` passes from `t` to `until` when it concluded the same each time, with no other
/// decision about that node in between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    pub t: SimTime,
    /// The last pass that repeated this decision (`t` if none did).
    pub until: SimTime,
    /// How many passes concluded this (1 if none repeated it).
    pub passes: u32,
    /// `Emptiness`, `Drift`, `Expiration`, `MultiNodeConsolidation`, `SingleNodeConsolidation`.
    pub method: &'static str,
    /// Shared with every other record about the node (a large day has millions).
    pub node: std::sync::Arc<str>,
    pub nodepool: std::sync::Arc<str>,
    /// `deleted`, `replaced`, `consolidated`, `blocked`, `kept`, `aborted`.
    pub outcome: &'static str,
    /// A sentence a person can read: why this outcome.
    pub reason: String,
}

/// One node's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRecord {
    pub name: String,
    pub instance_type: String,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub owner: String,
    pub provisioner: Provisioner,
    pub price: UsdPerHour,
    pub launched_at: SimTime,
    pub ready_at: Option<SimTime>,
    pub terminated_at: Option<SimTime>,
    /// Why it was terminated (`consolidation: …`, `scale-down: …`, `timeline: delete_node`).
    pub termination_reason: Option<String>,
    /// Billed cost up to termination or the end of the run (60 s minimum, per second).
    pub cost: Usd,
}

/// One node launch: from the first pod that needed it to the node being ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisioningRecord {
    pub node: String,
    pub provisioner: Provisioner,
    /// When the earliest of the pods it was launched for became pending.
    pub pending_since: SimTime,
    pub decided_at: SimTime,
    pub ready_at: SimTime,
    /// `ready_at − pending_since`.
    pub latency: SimDuration,
}

/// Percentiles of a latency sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LatencyStats {
    pub count: u32,
    pub p50_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
    pub max_ms: u64,
}

/// The figures a person reads first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub start: SimTime,
    pub end: SimTime,
    pub nodes_start: u32,
    pub nodes_end: u32,
    pub nodes_min: u32,
    pub nodes_max: u32,
    pub cost_per_hour_start: UsdPerHour,
    pub cost_per_hour_end: UsdPerHour,
    /// Billed cost of every node over the run.
    pub total_cost: Usd,
    /// `cost_per_hour_end` × 730.
    pub monthly_cost_at_end: Usd,
    /// Sum over pods of the time they spent pending.
    pub pending_pod_seconds: u64,
    pub pods_pending_at_end: u32,
    /// Provisioning latency per provisioner, indexed as `Provisioner::ALL`.
    pub provisioning_latency: [LatencyStats; 3],
    pub nodes_launched: [u32; 3],
    pub nodes_terminated: u32,
    /// (reason, count), sorted by reason.
    pub disruptions_by_reason: Vec<(String, u32)>,
    pub events: u64,
    /// Set when a cap stopped the run early; the outputs cover only what ran.
    pub incomplete: Option<String>,
}

/// Everything a run produces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutput {
    /// Owner names (NodePools, then node groups), the columns of `Sample::nodes_by_owner`.
    pub owners: Vec<String>,
    pub samples: Vec<Sample>,
    pub events: Vec<EventRecord>,
    /// The disruption controller's reasoning, per pass and candidate.
    pub decisions: Vec<DecisionRecord>,
    pub nodes: Vec<NodeRecord>,
    pub provisioning: Vec<ProvisioningRecord>,
    pub summary: Summary,
}
