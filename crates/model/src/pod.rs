//! Pods and the scheduling constraints they carry.

use std::sync::Arc;

use serde::Serialize;

use crate::ids::{PodId, WorkloadId};
use crate::labels::{LabelSelector, Labels};
use crate::requirements::{Operator, Requirement, Requirements};
use crate::resources::Resources;
use crate::taints::Toleration;
use crate::time::{SimDuration, SimTime};

/// One `matchExpressions` entry of a node-selector term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl NodeSelectorRequirement {
    pub fn to_requirement(&self) -> Requirement {
        Requirement::new(
            &self.key,
            self.operator,
            self.values.iter().map(String::as_str),
        )
    }
}

/// A node-selector term: its expressions are ANDed. Several terms are ORed.
pub type NodeSelectorTerm = Vec<NodeSelectorRequirement>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreferredNodeTerm {
    pub weight: i32,
    pub term: NodeSelectorTerm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WhenUnsatisfiable {
    DoNotSchedule,
    ScheduleAnyway,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopologySpreadConstraint {
    pub topology_key: String,
    pub max_skew: u32,
    pub when_unsatisfiable: WhenUnsatisfiable,
    pub label_selector: LabelSelector,
    pub min_domains: Option<u32>,
}

/// A pod (anti-)affinity term. `weight` is `None` for a required term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodAffinityTerm {
    pub topology_key: String,
    pub label_selector: LabelSelector,
    pub weight: Option<i32>,
}

impl PodAffinityTerm {
    pub fn is_required(&self) -> bool {
        self.weight.is_none()
    }
}

/// What owns a pod, for replacement and reporting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum OwnerKind {
    Deployment,
    DaemonSet,
    Job,
    StatefulSet,
}

/// Everything the replicas of one workload share. Pods point at one `Arc<PodSpec>`,
/// so a million pods cost one spec per workload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodSpec {
    pub requests: Resources,
    pub labels: Labels,
    pub node_selector: Labels,
    /// Required node affinity: ORed terms.
    pub required_node_affinity: Vec<NodeSelectorTerm>,
    pub preferred_node_affinity: Vec<PreferredNodeTerm>,
    pub tolerations: Vec<Toleration>,
    pub topology_spread: Vec<TopologySpreadConstraint>,
    pub pod_affinity: Vec<PodAffinityTerm>,
    pub pod_anti_affinity: Vec<PodAffinityTerm>,
    pub priority: i32,
    /// `karpenter.sh/do-not-disrupt: "true"`.
    pub do_not_disrupt: bool,
    /// `controller.kubernetes.io/pod-deletion-cost`.
    pub deletion_cost: i32,
    pub termination_grace_period: SimDuration,
    pub owner_kind: OwnerKind,
}

impl PodSpec {
    /// A spec with only requests; everything else empty, grace period 30 s as Kubernetes' default.
    pub fn with_requests(requests: Resources) -> PodSpec {
        PodSpec {
            requests,
            labels: Labels::new(),
            node_selector: Labels::new(),
            required_node_affinity: Vec::new(),
            preferred_node_affinity: Vec::new(),
            tolerations: Vec::new(),
            topology_spread: Vec::new(),
            pod_affinity: Vec::new(),
            pod_anti_affinity: Vec::new(),
            priority: 0,
            do_not_disrupt: false,
            deletion_cost: 0,
            termination_grace_period: SimDuration::from_secs(30),
            owner_kind: OwnerKind::Deployment,
        }
    }

    /// The pod's node requirements with preferences treated as required, as Karpenter
    /// builds them before relaxing (`NewPodRequirements`): nodeSelector, the heaviest
    /// preferred term, and the first required term.
    pub fn requirements_with_preferences(&self) -> Requirements {
        let mut r = self.strict_requirements();
        if let Some(heaviest) = self.preferred_node_affinity.iter().max_by_key(|p| p.weight) {
            for e in &heaviest.term {
                r.add(e.to_requirement());
            }
        }
        r
    }

    /// nodeSelector plus the first required node-affinity term (`NewStrictPodRequirements`).
    pub fn strict_requirements(&self) -> Requirements {
        let mut r = Requirements::from_labels(&self.node_selector);
        if let Some(first) = self.required_node_affinity.first() {
            for e in first {
                r.add(e.to_requirement());
            }
        }
        r
    }
}

/// A pod instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pod {
    pub id: PodId,
    pub name: std::sync::Arc<str>,
    pub workload: WorkloadId,
    pub spec: Arc<PodSpec>,
    pub created_at: SimTime,
}

impl Pod {
    pub fn requests(&self) -> &Resources {
        &self.spec.requests
    }
}
