//! The serde shape of scenario tables that mirror Kubernetes and Karpenter objects.
//! Their keys keep the Kubernetes spelling (camelCase) so users can paste from YAML;
//! v1beta1 spellings are accepted as aliases.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// A quantity written as a string (`"500m"`, `"1Gi"`), an integer (`500`) or a float (`0.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct QtyValue(pub String);

impl<'de> Deserialize<'de> for QtyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = QtyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity such as \"500m\", \"1Gi\" or 2")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<QtyValue, E> {
                Ok(QtyValue(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<QtyValue, E> {
                Ok(QtyValue(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<QtyValue, E> {
                Ok(QtyValue(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<QtyValue, E> {
                Ok(QtyValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string or an integer kept as text (budget `nodes`, PDB values).
pub type IntOrString = QtyValue;

/// `{ cpu = "500m", memory = "1Gi", ... }`; keys are Kubernetes resource names.
pub type RawResources = BTreeMap<String, QtyValue>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTaint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawToleration {
    #[serde(default)]
    pub key: String,
    pub operator: Option<String>,
    #[serde(default)]
    pub value: String,
    pub effect: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default)]
    pub values: Vec<QtyValue>,
    pub min_values: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawKubelet {
    pub max_pods: Option<i64>,
    pub pods_per_core: Option<i64>,
    pub system_reserved: Option<RawResources>,
    pub kube_reserved: Option<RawResources>,
    pub eviction_hard: Option<BTreeMap<String, String>>,
    /// Accepted and ignored for allocatable (Karpenter uses evictionHard only since v1).
    pub eviction_soft: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeClass {
    pub name: String,
    pub ami_family: Option<String>,
    /// Size of the root volume (`blockDeviceMappings[/dev/xvda].ebs.volumeSize`).
    pub root_volume_size: Option<QtyValue>,
    pub kubelet: Option<RawKubelet>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawNodeClassRef {
    Name(String),
    Ref(RawNodeClassRefTable),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeClassRefTable {
    pub name: String,
    pub kind: Option<String>,
    pub group: Option<String>,
    pub api_version: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBudget {
    pub nodes: Option<IntOrString>,
    pub schedule: Option<String>,
    pub duration: Option<String>,
    pub reasons: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawDisruption {
    pub consolidation_policy: Option<String>,
    pub consolidate_after: Option<String>,
    /// v1beta1 kept `expireAfter` here; v1 moved it to the template.
    pub expire_after: Option<String>,
    pub budgets: Option<Vec<RawBudget>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodePool {
    pub name: String,
    pub weight: Option<i64>,
    pub node_class_ref: Option<RawNodeClassRef>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<RawTaint>,
    #[serde(default)]
    pub startup_taints: Vec<RawTaint>,
    #[serde(default)]
    pub requirements: Vec<RawRequirement>,
    pub limits: Option<RawResources>,
    pub disruption: Option<RawDisruption>,
    pub expire_after: Option<String>,
    pub termination_grace_period: Option<String>,
    /// v1beta1's `spec.template.spec.kubelet`.
    pub kubelet: Option<RawKubelet>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub match_expressions: Vec<RawRequirement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPreferredTerm {
    pub weight: i64,
    pub match_expressions: Vec<RawRequirement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeAffinity {
    /// ORed terms, each a list of ANDed expressions.
    #[serde(default)]
    pub required: Vec<Vec<RawRequirement>>,
    #[serde(default)]
    pub preferred: Vec<RawPreferredTerm>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSpread {
    pub topology_key: String,
    pub max_skew: Option<i64>,
    pub when_unsatisfiable: Option<String>,
    pub label_selector: Option<RawLabelSelector>,
    pub min_domains: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPodAffinityTerm {
    pub topology_key: String,
    pub label_selector: Option<RawLabelSelector>,
    /// Absent: a required term. Present: a preferred term with this weight.
    pub weight: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPdb {
    pub min_available: Option<IntOrString>,
    pub max_unavailable: Option<IntOrString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawPoint {
    pub at: String,
    pub replicas: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawDaily {
    pub min: i64,
    pub max: i64,
    pub peak: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawSpike {
    pub at: String,
    pub duration: String,
    pub factor: f64,
    pub ramp: Option<String>,
}

/// karpsim's own replica schedule (snake_case, like every karpsim-only table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawSchedule {
    #[serde(default)]
    pub points: Vec<RawPoint>,
    pub daily: Option<RawDaily>,
    #[serde(default)]
    pub spikes: Vec<RawSpike>,
    pub follows_traffic: Option<bool>,
}

/// Declares a struct with the pod-template fields shared by workloads and DaemonSets
/// plus its own. (Not `#[serde(flatten)]`: flatten breaks `deny_unknown_fields` and
/// loses error locations.)
macro_rules! with_pod_fields {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident: $t:ty,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            $($(#[$fm])* pub $f: $t,)*
            pub requests: Option<RawResources>,
            pub labels: Option<BTreeMap<String, String>>,
            #[serde(default)]
            pub node_selector: BTreeMap<String, String>,
            pub node_affinity: Option<RawNodeAffinity>,
            #[serde(default)]
            pub tolerations: Vec<RawToleration>,
            #[serde(default)]
            pub topology_spread_constraints: Vec<RawSpread>,
            #[serde(default)]
            pub pod_affinity: Vec<RawPodAffinityTerm>,
            #[serde(default)]
            pub pod_anti_affinity: Vec<RawPodAffinityTerm>,
            pub priority: Option<i64>,
            pub do_not_disrupt: Option<bool>,
            pub deletion_cost: Option<i64>,
            pub termination_grace_period_seconds: Option<i64>,
        }
    };
}

with_pod_fields! {
    /// A Deployment, StatefulSet or Job.
    pub struct RawWorkload {
        pub name: String,
        pub kind: Option<String>,
        pub namespace: Option<String>,
        pub replicas: Option<i64>,
        pub pdb: Option<RawPdb>,
        pub schedule: Option<RawSchedule>,
        /// karpsim: when the workload is created (absent: running at the start).
        pub start: Option<String>,
        /// karpsim: how long each Job pod runs.
        pub duration: Option<String>,
        /// karpsim: inventory nodes its pods run on at the start, filled in order.
        pub placement: Option<Vec<String>>,
    }
}

with_pod_fields! {
    /// A DaemonSet: one pod per node it tolerates.
    pub struct RawDaemonSet {
        pub name: String,
    }
}
