//! What the scheduler is given: pools with their priced instance types (built once into a
//! [`crate::Scheduler`]) and, per call, pending pods, existing nodes and pool usage.

use std::sync::Arc;

use model::ids::{NodeClaimId, NodeId, NodePoolId};
use model::instance::InstanceType;
use model::labels::Labels;
use model::nodepool::NodePool;
use model::pod::{Pod, PodSpec};
use model::resources::Resources;
use model::taints::Taint;

/// Which Karpenter release to imitate. The differences that matter to the packer are
/// listed on each method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VersionProfile {
    /// v0.37 (v1beta1 API): core `MaxInstanceTypes` = 60.
    V0_37,
    /// v1.x from v1.7 on: core `MaxInstanceTypes` = 600 (kubernetes-sigs/karpenter#2430).
    V1,
}

impl VersionProfile {
    /// Core truncation of a NodeClaim's instance-type options
    /// (`pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go: ToNodeClaim`).
    pub fn max_instance_types(self) -> usize {
        match self {
            VersionProfile::V0_37 => 60,
            VersionProfile::V1 => 600,
        }
    }

    /// The AWS provider truncates again before CreateFleet
    /// (`aws/karpenter-provider-aws: pkg/providers/instance/instance.go`, `maxInstanceTypes = 60`).
    pub fn provider_max_instance_types(self) -> usize {
        60
    }

    pub fn parse(s: &str) -> Option<VersionProfile> {
        match s {
            "v0.37" | "0.37" | "v1beta1" => Some(VersionProfile::V0_37),
            "v1" | "1" => Some(VersionProfile::V1),
            _ => None,
        }
    }
}

/// A NodePool together with the instance types it may launch, priced and with
/// allocatable computed under the pool's own kubelet configuration.
#[derive(Debug, Clone)]
pub struct PoolInput {
    pub id: NodePoolId,
    pub nodepool: NodePool,
    pub instance_types: Vec<InstanceType>,
}

/// How to refer to a capacity holder the caller already knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRef {
    Node(NodeId),
    /// A launched NodeClaim whose node has not registered yet. Karpenter's cluster state
    /// treats these as (uninitialized) existing nodes, and so does the packer.
    Claim(NodeClaimId),
}

/// A node (or in-flight NodeClaim) that can take pods without launching anything.
#[derive(Debug, Clone)]
pub struct ExistingNode {
    pub id: NodeRef,
    /// Sort key (Karpenter sorts existing nodes initialized first, then by name).
    pub name: String,
    /// Must include `topology.kubernetes.io/zone` and `kubernetes.io/hostname` for
    /// topology to see the node; the hostname defaults to `name`.
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub allocatable: Resources,
    /// Everything already requested on the node: bound pods and daemonset pods
    /// (the `pods` component counts them).
    pub requested: Resources,
    pub initialized: bool,
    /// Ignored for placement (marked nodes are not passed in), kept for callers.
    pub nodepool: Option<NodePoolId>,
    /// Pods bound to the node, for topology spread and (anti-)affinity counting: one
    /// entry per spec (see [`BoundPods::group`]).
    pub pods: Vec<BoundPods>,
}

/// The pods on a node that share one spec (the same `Arc`, as a Deployment's pods do).
/// Counting them by spec lets every probe match each selector once per spec, not once
/// per pod.
#[derive(Debug, Clone)]
pub struct BoundPods {
    pub spec: Arc<PodSpec>,
    pub count: u32,
}

impl BoundPods {
    /// Groups specs by `Arc` identity, in order of first appearance.
    pub fn group(specs: impl IntoIterator<Item = Arc<PodSpec>>) -> Vec<BoundPods> {
        let mut out: Vec<BoundPods> = Vec::new();
        for spec in specs {
            match out.iter_mut().find(|b| Arc::ptr_eq(&b.spec, &spec)) {
                Some(b) => b.count += 1,
                None => out.push(BoundPods { spec, count: 1 }),
            }
        }
        out
    }
}

/// Current usage of one pool, summed over its nodes not marked for deletion
/// (`state/cluster.go: updateNodePoolResources` uses capacity, not allocatable).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolUsage {
    pub capacity: Resources,
    pub nodes: u64,
}

/// One call's worth of state.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleInput<'a> {
    pub pods: &'a [Pod],
    pub existing: &'a [ExistingNode],
    /// Indexed like the scheduler's pools; missing entries mean "nothing in use".
    pub pool_usage: &'a [PoolUsage],
}
