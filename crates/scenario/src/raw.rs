//! The serde shape of a scenario file (format 1). karpsim's own tables use snake_case;
//! tables that mirror Kubernetes objects are in [`crate::raw_k8s`]. Everything is
//! `Option` or defaulted here: defaults and ranges are decided in validation, which
//! can say what was wrong and where.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::raw_k8s::{
    RawBudget, RawDaemonSet, RawKubelet, RawNodeClass, RawNodePool, RawTaint, RawTrace, RawWorkload,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario<'a> {
    pub format: Option<i64>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub cluster: Option<RawCluster>,
    pub karpenter: Option<RawKarpenter>,
    pub cutover: Option<RawCutover>,
    pub spot: Option<RawSpot>,
    #[serde(default)]
    pub capacity_shortages: Vec<RawCapacityShortage>,
    pub what_if: Option<RawWhatIf>,
    pub catalog: Option<RawCatalog>,
    #[serde(default)]
    #[serde(borrow)]
    pub nodeclasses: Vec<RawNodeClass<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub nodepools: Vec<RawNodePool<'a>>,
    pub cluster_autoscaler: Option<RawClusterAutoscaler>,
    #[serde(default)]
    #[serde(borrow)]
    pub node_groups: Vec<RawNodeGroup<'a>>,
    #[serde(default)]
    pub nodes: Vec<RawNodes>,
    #[serde(default)]
    #[serde(borrow)]
    pub workloads: Vec<RawWorkload<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub daemonsets: Vec<RawDaemonSet<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub traces: Vec<RawTrace<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub timeline: Vec<RawEvent<'a>>,
    pub latency: Option<RawLatency>,
    pub output: Option<RawOutput>,
    pub limits: Option<RawRunLimits>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub name: Option<String>,
    pub region: Option<String>,
    pub zones: Option<Vec<String>>,
    pub start: Option<String>,
    pub duration: Option<String>,
    pub end: Option<String>,
    pub seed: Option<i64>,
    pub traffic: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKarpenter {
    pub version: Option<String>,
    pub enabled: Option<bool>,
    pub batch_idle_duration: Option<String>,
    pub batch_max_duration: Option<String>,
    pub vm_memory_overhead_percent: Option<f64>,
    pub spot_to_spot_consolidation: Option<bool>,
    pub interruption_handling: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCutover {
    /// `"karpenter"` or `"provisioning_share"`.
    pub semantics: Option<String>,
    /// With `provisioning_share`: the NodePool whose weight / 100 is Karpenter's share.
    pub share_follows: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// Simulate spot interruptions (off by default).
    pub interruptions: Option<bool>,
    /// Warning before reclaim, default `2m`.
    pub notice: Option<String>,
    /// Multiplies the Spot Advisor rates (default 1).
    pub rate_multiplier: Option<f64>,
}

/// Policies Karpenter does not have.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWhatIf {
    pub repack_n_to_m: Option<bool>,
}

/// EC2 has no capacity for an offering for a while (`InsufficientInstanceCapacity`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityShortage {
    pub instance_type: String,
    /// Every zone if absent.
    pub zone: Option<String>,
    /// Both capacity types if absent.
    pub capacity_type: Option<String>,
    /// The scenario's start if absent.
    pub from: Option<String>,
    /// The scenario's end if absent.
    pub until: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    pub families: Option<Vec<String>>,
    pub exclude_families: Option<Vec<String>>,
    pub instance_types: Option<Vec<String>>,
    pub exclude_instance_types: Option<Vec<String>>,
    pub on_demand_discount_percent: Option<f64>,
    pub spot_pricing: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClusterAutoscaler {
    pub version: Option<String>,
    pub enabled: Option<bool>,
    pub expander: Option<String>,
    pub scan_interval: Option<String>,
    pub scale_down_enabled: Option<bool>,
    pub scale_down_utilization_threshold: Option<f64>,
    pub scale_down_unneeded_time: Option<String>,
    pub scale_down_delay_after_add: Option<String>,
    pub max_nodes_per_scale_up: Option<i64>,
    pub max_node_provision_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodeGroup<'a> {
    pub name: String,
    pub instance_type: String,
    pub zones: Option<Vec<String>>,
    pub capacity_type: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub desired: Option<i64>,
    /// `"cluster-autoscaler"` (default) or `"none"`.
    pub autoscaler: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    #[serde(borrow)]
    pub taints: Vec<RawTaint<'a>>,
    pub priority: Option<i64>,
    #[serde(borrow)]
    pub kubelet: Option<RawKubelet<'a>>,
}

/// One or more inventory nodes of the same type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNodes {
    /// A node group or NodePool name.
    pub owner: String,
    pub instance_type: Option<String>,
    pub names: Option<Vec<String>>,
    pub count: Option<i64>,
    pub zone: Option<String>,
    pub zones: Option<Vec<String>>,
    pub capacity_type: Option<String>,
    /// How long before the start the nodes were launched (for expiry).
    pub age: Option<String>,
}

/// A timeline entry: `at`, `action` and the fields that action takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent<'a> {
    pub at: Option<String>,
    pub action: Option<String>,
    pub note: Option<String>,
    pub nodepool: Option<String>,
    pub node_group: Option<String>,
    pub node: Option<String>,
    pub workload: Option<String>,
    pub controller: Option<String>,
    pub weight: Option<i64>,
    pub share: Option<f64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub desired: Option<i64>,
    pub replicas: Option<i64>,
    pub multiplier: Option<f64>,
    #[serde(borrow)]
    pub budgets: Option<Vec<RawBudget<'a>>>,
}

/// A distribution: a duration string (constant) or a table with `dist`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawDistribution {
    Constant(String),
    Table(RawDistributionTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDistributionTable {
    pub dist: String,
    pub value: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub mean: Option<String>,
    pub stddev: Option<String>,
    pub median: Option<String>,
    pub sigma: Option<f64>,
    pub samples: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLaunchLatency {
    pub api_call: Option<RawDistribution>,
    pub instance_launch: Option<RawDistribution>,
    pub boot: Option<RawDistribution>,
    pub registration: Option<RawDistribution>,
    pub pod_start: Option<RawDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    pub karpenter: Option<RawLaunchLatency>,
    pub cluster_autoscaler: Option<RawLaunchLatency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub metrics_interval: Option<String>,
    pub dir: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRunLimits {
    pub max_events: Option<i64>,
    pub max_nodes: Option<i64>,
    pub max_pods: Option<i64>,
}
