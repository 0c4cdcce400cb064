//! The serde shape of scenario tables that mirror Kubernetes and Karpenter objects.
//! Their keys keep the Kubernetes spelling (camelCase) so users can paste from YAML;
//! v1beta1 spellings are accepted as aliases.
//!
//! Strings borrow from the scenario text where toml allows it ([`Str`]): a scenario with
//! 10,000 workloads would otherwise allocate and free a String for every name, key,
//! quantity and time in them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

/// A string from the scenario text: borrowed unless toml had to unescape it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str<'a>(pub Cow<'a, str>);

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An owned copy; `to_string` would go through `Display`'s formatter.
    pub fn to_owned_string(&self) -> String {
        String::from(self.as_str())
    }
}

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Str<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Str<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Str<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Str<'_> {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Str<'de>;
            // As serde's String, so type errors read the same.
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_string(V)
    }
}

/// A string map from the scenario text (labels, nodeSelector), owned on demand.
pub type StrMap<'a> = BTreeMap<Str<'a>, Str<'a>>;

/// An owned copy of a [`StrMap`], as the model's `Labels`.
pub fn owned_map(m: &StrMap) -> BTreeMap<String, String> {
    m.iter()
        .map(|(k, v)| (k.to_owned_string(), v.to_owned_string()))
        .collect()
}

/// A quantity written as a string (`"500m"`, `"1Gi"`), an integer (`500`) or a float (`0.5`).
#[derive(Debug, Clone, PartialEq)]
pub struct QtyValue<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for QtyValue<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = QtyValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a quantity such as \"500m\", \"1Gi\" or 2")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<QtyValue<'de>, E> {
                Ok(QtyValue(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<QtyValue<'de>, E> {
                Ok(QtyValue(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<QtyValue<'de>, E> {
                Ok(QtyValue(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<QtyValue<'de>, E> {
                Ok(QtyValue(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<QtyValue<'de>, E> {
                Ok(QtyValue(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string or an integer kept as text (budget `nodes`, PDB values).
pub type IntOrString<'a> = QtyValue<'a>;

/// `{ cpu = "500m", memory = "1Gi", ... }`; keys are Kubernetes resource names.
pub type RawResources<'a> = BTreeMap<Str<'a>, QtyValue<'a>>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawTaint<'a> {
    #[serde(borrow)]
    pub key: Str<'a>,
    #[serde(default)]
    #[serde(borrow)]
    pub value: Str<'a>,
    #[serde(borrow)]
    pub effect: Str<'a>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawToleration<'a> {
    #[serde(default)]
    #[serde(borrow)]
    pub key: Str<'a>,
    #[serde(borrow)]
    pub operator: Option<Str<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub value: Str<'a>,
    #[serde(borrow)]
    pub effect: Option<Str<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawRequirement<'a> {
    #[serde(borrow)]
    pub key: Str<'a>,
    #[serde(borrow)]
    pub operator: Str<'a>,
    #[serde(default)]
    #[serde(borrow)]
    pub values: Vec<QtyValue<'a>>,
    pub min_values: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawKubelet<'a> {
    pub max_pods: Option<i64>,
    pub pods_per_core: Option<i64>,
    #[serde(borrow)]
    pub system_reserved: Option<RawResources<'a>>,
    #[serde(borrow)]
    pub kube_reserved: Option<RawResources<'a>>,
    #[serde(borrow)]
    pub eviction_hard: Option<StrMap<'a>>,
    /// Accepted and ignored for allocatable (Karpenter uses evictionHard only since v1).
    #[serde(borrow)]
    pub eviction_soft: Option<StrMap<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeClass<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow)]
    pub ami_family: Option<Str<'a>>,
    /// Size of the root volume (`blockDeviceMappings[/dev/xvda].ebs.volumeSize`).
    #[serde(borrow)]
    pub root_volume_size: Option<QtyValue<'a>>,
    #[serde(borrow)]
    pub kubelet: Option<RawKubelet<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawNodeClassRef<'a> {
    Name(#[serde(borrow)] Str<'a>),
    Ref(#[serde(borrow)] RawNodeClassRefTable<'a>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeClassRefTable<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow)]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub group: Option<Str<'a>>,
    #[serde(borrow)]
    pub api_version: Option<Str<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawBudget<'a> {
    #[serde(borrow)]
    pub nodes: Option<IntOrString<'a>>,
    #[serde(borrow)]
    pub schedule: Option<Str<'a>>,
    #[serde(borrow)]
    pub duration: Option<Str<'a>>,
    #[serde(borrow)]
    pub reasons: Option<Vec<Str<'a>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawDisruption<'a> {
    #[serde(borrow)]
    pub consolidation_policy: Option<Str<'a>>,
    #[serde(borrow)]
    pub consolidate_after: Option<Str<'a>>,
    /// v1beta1 kept `expireAfter` here; v1 moved it to the template.
    #[serde(borrow)]
    pub expire_after: Option<Str<'a>>,
    #[serde(borrow)]
    pub budgets: Option<Vec<RawBudget<'a>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodePool<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    pub weight: Option<i64>,
    #[serde(borrow)]
    pub node_class_ref: Option<RawNodeClassRef<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub labels: StrMap<'a>,
    #[serde(default)]
    #[serde(borrow)]
    pub taints: Vec<RawTaint<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub startup_taints: Vec<RawTaint<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub requirements: Vec<RawRequirement<'a>>,
    #[serde(borrow)]
    pub limits: Option<RawResources<'a>>,
    #[serde(borrow)]
    pub disruption: Option<RawDisruption<'a>>,
    #[serde(borrow)]
    pub expire_after: Option<Str<'a>>,
    #[serde(borrow)]
    pub termination_grace_period: Option<Str<'a>>,
    /// v1beta1's `spec.template.spec.kubelet`.
    #[serde(borrow)]
    pub kubelet: Option<RawKubelet<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawLabelSelector<'a> {
    #[serde(default)]
    #[serde(borrow)]
    pub match_labels: StrMap<'a>,
    #[serde(default)]
    #[serde(borrow)]
    pub match_expressions: Vec<RawRequirement<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPreferredTerm<'a> {
    pub weight: i64,
    #[serde(borrow)]
    pub match_expressions: Vec<RawRequirement<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawNodeAffinity<'a> {
    /// ORed terms, each a list of ANDed expressions.
    #[serde(default)]
    #[serde(borrow)]
    pub required: Vec<Vec<RawRequirement<'a>>>,
    #[serde(default)]
    #[serde(borrow)]
    pub preferred: Vec<RawPreferredTerm<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawSpread<'a> {
    #[serde(borrow)]
    pub topology_key: Str<'a>,
    pub max_skew: Option<i64>,
    #[serde(borrow)]
    pub when_unsatisfiable: Option<Str<'a>>,
    #[serde(borrow)]
    pub label_selector: Option<RawLabelSelector<'a>>,
    pub min_domains: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPodAffinityTerm<'a> {
    #[serde(borrow)]
    pub topology_key: Str<'a>,
    #[serde(borrow)]
    pub label_selector: Option<RawLabelSelector<'a>>,
    /// Absent: a required term. Present: a preferred term with this weight.
    pub weight: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawPdb<'a> {
    #[serde(borrow)]
    pub min_available: Option<IntOrString<'a>>,
    #[serde(borrow)]
    pub max_unavailable: Option<IntOrString<'a>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawPoint<'a> {
    #[serde(borrow)]
    pub at: Str<'a>,
    pub replicas: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawDaily<'a> {
    pub min: i64,
    pub max: i64,
    #[serde(borrow)]
    pub peak: Str<'a>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawSpike<'a> {
    #[serde(borrow)]
    pub at: Str<'a>,
    #[serde(borrow)]
    pub duration: Str<'a>,
    pub factor: f64,
    #[serde(borrow)]
    pub ramp: Option<Str<'a>>,
}

/// karpsim's own replica schedule (snake_case, like every karpsim-only table).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RawSchedule<'a> {
    #[serde(default)]
    #[serde(borrow)]
    pub points: Vec<RawPoint<'a>>,
    #[serde(borrow)]
    pub daily: Option<RawDaily<'a>>,
    #[serde(default)]
    #[serde(borrow)]
    pub spikes: Vec<RawSpike<'a>>,
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
        pub struct $name<'a> {
            $($(#[$fm])* pub $f: $t,)*
            #[serde(borrow)]
            pub requests: Option<RawResources<'a>>,
            #[serde(borrow)]
            pub labels: Option<StrMap<'a>>,
            #[serde(default)]
            #[serde(borrow)]
            pub node_selector: StrMap<'a>,
            #[serde(borrow)]
            pub node_affinity: Option<RawNodeAffinity<'a>>,
            #[serde(default)]
            #[serde(borrow)]
            pub tolerations: Vec<RawToleration<'a>>,
            #[serde(default)]
            #[serde(borrow)]
            pub topology_spread_constraints: Vec<RawSpread<'a>>,
            #[serde(default)]
            #[serde(borrow)]
            pub pod_affinity: Vec<RawPodAffinityTerm<'a>>,
            #[serde(default)]
            #[serde(borrow)]
            pub pod_anti_affinity: Vec<RawPodAffinityTerm<'a>>,
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
        #[serde(borrow)]
        pub name: Str<'a>,
        #[serde(borrow)]
        pub kind: Option<Str<'a>>,
        #[serde(borrow)]
        pub namespace: Option<Str<'a>>,
        pub replicas: Option<i64>,
        #[serde(borrow)]
        pub pdb: Option<RawPdb<'a>>,
        #[serde(borrow)]
        pub schedule: Option<RawSchedule<'a>>,
        /// karpsim: when the workload is created (absent: running at the start).
        #[serde(borrow)]
        pub start: Option<Str<'a>>,
        /// karpsim: how long each Job pod runs.
        #[serde(borrow)]
        pub duration: Option<Str<'a>>,
        /// karpsim: inventory nodes its pods run on at the start, filled in order.
        #[serde(borrow)]
        pub placement: Option<Vec<Str<'a>>>,
    }
}

with_pod_fields! {
    /// A pod-list trace (karpsim's own): every row a pod with its own requests and times;
    /// the template fields apply to all of them.
    pub struct RawTrace {
        #[serde(borrow)]
        pub name: Str<'a>,
        /// The CSV file, relative to the scenario file.
        #[serde(borrow)]
        pub file: Str<'a>,
        #[serde(borrow)]
        pub format: Option<Str<'a>>,
        /// The trace second that falls at the scenario's start.
        pub from: Option<i64>,
    }
}

with_pod_fields! {
    /// A DaemonSet: one pod per node it tolerates.
    pub struct RawDaemonSet {
        #[serde(borrow)]
        pub name: Str<'a>,
    }
}
