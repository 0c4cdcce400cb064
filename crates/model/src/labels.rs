//! Label maps, label selectors and the well-known label keys Karpenter understands.

use std::collections::BTreeMap;

use crate::requirements::{Operator, Requirement, Requirements};

/// Labels in key order, so every iteration over them is deterministic.
pub type Labels = BTreeMap<String, String>;

pub const NODEPOOL: &str = "karpenter.sh/nodepool";
pub const CAPACITY_TYPE: &str = "karpenter.sh/capacity-type";
pub const INSTANCE_TYPE: &str = "node.kubernetes.io/instance-type";
pub const ZONE: &str = "topology.kubernetes.io/zone";
pub const REGION: &str = "topology.kubernetes.io/region";
pub const ARCH: &str = "kubernetes.io/arch";
pub const OS: &str = "kubernetes.io/os";
pub const HOSTNAME: &str = "kubernetes.io/hostname";
pub const WINDOWS_BUILD: &str = "node.kubernetes.io/windows-build";
pub const INSTANCE_FAMILY: &str = "karpenter.k8s.aws/instance-family";
pub const INSTANCE_CATEGORY: &str = "karpenter.k8s.aws/instance-category";
pub const INSTANCE_GENERATION: &str = "karpenter.k8s.aws/instance-generation";
pub const INSTANCE_SIZE: &str = "karpenter.k8s.aws/instance-size";
pub const INSTANCE_CPU: &str = "karpenter.k8s.aws/instance-cpu";
pub const INSTANCE_CPU_MANUFACTURER: &str = "karpenter.k8s.aws/instance-cpu-manufacturer";
pub const INSTANCE_MEMORY: &str = "karpenter.k8s.aws/instance-memory";
pub const INSTANCE_HYPERVISOR: &str = "karpenter.k8s.aws/instance-hypervisor";
pub const INSTANCE_NETWORK_BANDWIDTH: &str = "karpenter.k8s.aws/instance-network-bandwidth";
pub const INSTANCE_GPU_COUNT: &str = "karpenter.k8s.aws/instance-gpu-count";
pub const INSTANCE_GPU_NAME: &str = "karpenter.k8s.aws/instance-gpu-name";
pub const INSTANCE_GPU_MANUFACTURER: &str = "karpenter.k8s.aws/instance-gpu-manufacturer";

/// Labels a requirement may name even when a NodePool does not define them
/// (Karpenter's `WellKnownLabels`, core `pkg/apis/v1/labels.go` plus the AWS provider's
/// `pkg/apis/v1/labels.go`). Sorted for binary search.
pub const WELL_KNOWN: [&str; 20] = [
    INSTANCE_CATEGORY,
    INSTANCE_CPU,
    INSTANCE_CPU_MANUFACTURER,
    INSTANCE_FAMILY,
    INSTANCE_GENERATION,
    INSTANCE_GPU_COUNT,
    INSTANCE_GPU_MANUFACTURER,
    INSTANCE_GPU_NAME,
    INSTANCE_HYPERVISOR,
    INSTANCE_MEMORY,
    INSTANCE_NETWORK_BANDWIDTH,
    INSTANCE_SIZE,
    CAPACITY_TYPE,
    NODEPOOL,
    ARCH,
    HOSTNAME,
    OS,
    INSTANCE_TYPE,
    WINDOWS_BUILD,
    ZONE,
];

pub fn is_well_known(key: &str) -> bool {
    WELL_KNOWN.binary_search(&key).is_ok() || key == REGION
}

/// Deprecated label keys Karpenter rewrites to their current spelling
/// (`NormalizedLabels`, core `pkg/apis/v1/labels.go`).
pub fn normalize_key(key: &str) -> &str {
    match key {
        "failure-domain.beta.kubernetes.io/zone" | "topology.ebs.csi.aws.com/zone" => ZONE,
        "failure-domain.beta.kubernetes.io/region" => REGION,
        "beta.kubernetes.io/arch" => ARCH,
        "beta.kubernetes.io/os" => OS,
        "beta.kubernetes.io/instance-type" => INSTANCE_TYPE,
        _ => key,
    }
}

/// A Kubernetes label selector: `matchLabels` and `matchExpressions`, ANDed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LabelSelector {
    pub match_labels: Labels,
    pub match_expressions: Vec<SelectorExpression>,
}

/// One `matchExpressions` entry. Only `In`, `NotIn`, `Exists`, `DoesNotExist` are legal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SelectorExpression {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

impl LabelSelector {
    pub fn from_labels(labels: Labels) -> LabelSelector {
        LabelSelector {
            match_labels: labels,
            match_expressions: Vec::new(),
        }
    }

    /// True if the selector selects an object with these labels. An empty selector
    /// selects everything, as in Kubernetes.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator {
                    Operator::In => value.is_some_and(|v| e.values.contains(v)),
                    Operator::NotIn => value.is_none_or(|v| !e.values.contains(v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                    // Rejected by validation; treat as "does not match" rather than panic.
                    _ => false,
                }
            })
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

/// Requirements that say "has exactly these labels" (Karpenter's `NewLabelRequirements`).
pub fn label_requirements(labels: &Labels) -> Requirements {
    let mut r = Requirements::default();
    for (k, v) in labels {
        r.add(Requirement::new(k, Operator::In, [v.as_str()]));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_table_is_sorted() {
        let mut sorted = WELL_KNOWN;
        sorted.sort_unstable();
        assert_eq!(sorted, WELL_KNOWN);
        assert!(is_well_known(ZONE));
        assert!(!is_well_known("team"));
    }

    #[test]
    fn selector_semantics() {
        let labels: Labels = [("app".to_string(), "web".to_string())].into();
        let mut sel = LabelSelector::from_labels(labels.clone());
        assert!(sel.matches(&labels));
        sel.match_expressions.push(SelectorExpression {
            key: "tier".into(),
            operator: Operator::DoesNotExist,
            values: vec![],
        });
        assert!(sel.matches(&labels));
        sel.match_expressions.push(SelectorExpression {
            key: "app".into(),
            operator: Operator::NotIn,
            values: vec!["web".into()],
        });
        assert!(!sel.matches(&labels));
        assert!(LabelSelector::default().matches(&Labels::new()));
    }
}
