//! Nodes and NodeClaims.

use serde::Serialize;

use crate::ids::{InstanceTypeId, NodeClaimId, NodeId, NodePoolId};
use crate::instance::CapacityType;
use crate::labels::Labels;
use crate::price::UsdPerHour;
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::taints::Taint;
use crate::time::SimTime;

/// Who launched a node and therefore who may scale it down.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum NodeOwner {
    /// A Karpenter NodePool (through a NodeClaim). Only these are disruption candidates.
    NodePool(String),
    /// A cluster-autoscaler node group (an ASG with one instance type).
    NodeGroup(String),
    /// A group nothing autoscales (the seed's Kafka ASG).
    Static(String),
}

impl NodeOwner {
    pub fn name(&self) -> &str {
        match self {
            NodeOwner::NodePool(n) | NodeOwner::NodeGroup(n) | NodeOwner::Static(n) => n,
        }
    }

    pub fn is_karpenter(&self) -> bool {
        matches!(self, NodeOwner::NodePool(_))
    }
}

/// Lifecycle timestamps. `None` means "not yet".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NodeTimes {
    pub launched_at: SimTime,
    pub registered_at: Option<SimTime>,
    pub initialized_at: Option<SimTime>,
    pub cordoned_at: Option<SimTime>,
    pub deleting_at: Option<SimTime>,
    pub terminated_at: Option<SimTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub id: NodeId,
    pub name: String,
    pub instance_type: InstanceTypeId,
    pub instance_type_name: String,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub owner: NodeOwner,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub capacity: Resources,
    pub allocatable: Resources,
    pub price: UsdPerHour,
    pub times: NodeTimes,
    /// `karpenter.sh/do-not-disrupt: "true"` on the node.
    pub do_not_disrupt: bool,
}

impl Node {
    pub fn is_initialized(&self) -> bool {
        self.times.initialized_at.is_some()
    }

    pub fn is_terminating(&self) -> bool {
        self.times.deleting_at.is_some()
    }
}

/// A request for capacity made by the provisioner: the NodePool it came from, its
/// requirements (including the narrowed instance-type list) and the pods it was sized for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeClaim {
    pub id: NodeClaimId,
    pub nodepool: NodePoolId,
    pub requirements: Requirements,
    /// Options left after narrowing and truncation, cheapest first.
    pub instance_type_options: Vec<InstanceTypeId>,
    /// Sum of the pods' requests plus daemon overhead.
    pub requests: Resources,
    pub created_at: SimTime,
    /// Set once launched.
    pub node: Option<NodeId>,
}
