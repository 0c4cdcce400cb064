//! Field-level conversions shared by the section validators. Each returns `None` after
//! recording an issue, so validation goes on and reports every problem in one pass.

use model::kubelet::{EvictionThreshold, KubeletConfig, Reserved};
use model::labels::{LabelSelector, Labels, SelectorExpression};
use model::nodepool::IntOrPercent;
use model::pod::NodeSelectorRequirement;
use model::quantity::{parse_bytes, parse_count, parse_cpu_millis};
use model::requirements::{Operator, Requirement};
use model::resources::{ResourceKind, Resources};
use model::taints::{Taint, TaintEffect, Toleration, TolerationOperator};
use model::time::{parse_duration, parse_duration_or_never, parse_timestamp};
use model::{SimDuration, SimTime};

use crate::diag::{Issues, PathLike, did_you_mean};
use crate::raw_k8s::{
    QtyValue, RawKubelet, RawLabelSelector, RawRequirement, RawResources, RawTaint, RawToleration,
    StrMap, owned_map,
};

/// Validation state shared by all sections.
pub struct Ctx {
    pub issues: Issues,
    pub start: SimTime,
    /// `[karpenter] version` is v1.14 or later (savings-ratio ordering, `Balanced`).
    pub karpenter_v1_14: bool,
}

impl Ctx {
    pub fn duration(&mut self, path: impl PathLike, s: &str) -> Option<SimDuration> {
        parse_duration(s)
            .map_err(|e| self.issues.error(path, e.to_string()))
            .ok()
    }

    /// A duration or `Never` (→ `Some(None)`).
    pub fn duration_or_never(
        &mut self,
        path: impl PathLike,
        s: &str,
    ) -> Option<Option<SimDuration>> {
        parse_duration_or_never(s)
            .map_err(|e| self.issues.error(path, e.to_string()))
            .ok()
    }

    pub fn timestamp(&mut self, path: impl PathLike, s: &str) -> Option<SimTime> {
        parse_timestamp(s, self.start)
            .map_err(|e| self.issues.error(path, e.to_string()))
            .ok()
    }

    /// An integer in `lo..=hi`.
    pub fn int_in(
        &mut self,
        path: impl PathLike,
        v: i64,
        lo: i64,
        hi: i64,
        what: &str,
    ) -> Option<u32> {
        if v < lo || v > hi {
            self.issues
                .error(path, format!("{what} {v} is outside {lo}..={hi}"));
            return None;
        }
        u32::try_from(v).ok()
    }

    /// One of `allowed`, with a did-you-mean hint otherwise.
    pub fn one_of<'a>(
        &mut self,
        path: impl PathLike,
        value: &str,
        allowed: &[&'a str],
        what: &str,
    ) -> Option<&'a str> {
        if let Some(a) = allowed.iter().find(|a| **a == value) {
            return Some(a);
        }
        let hint = did_you_mean(value, allowed.iter().copied())
            .unwrap_or_else(|| format!("expected one of {}", allowed.join(", ")));
        self.issues
            .error_hint(path, format!("unknown {what} `{value}`"), hint);
        None
    }

    pub fn quantity(
        &mut self,
        path: impl PathLike,
        kind: ResourceKind,
        q: &QtyValue,
    ) -> Option<u64> {
        let parsed = match kind {
            ResourceKind::CpuMillis => parse_cpu_millis(&q.0),
            ResourceKind::MemoryBytes | ResourceKind::EphemeralStorageBytes => parse_bytes(&q.0),
            _ => parse_count(&q.0),
        };
        parsed
            .map_err(|e| self.issues.error(path, e.to_string()))
            .ok()
    }

    /// `{ cpu = "500m", memory = "1Gi" }` → Resources. Unknown resource names are errors.
    pub fn resources(
        &mut self,
        path: impl PathLike,
        raw: &RawResources,
        allow_nodes: bool,
    ) -> (Resources, Option<u64>) {
        let mut r = Resources::ZERO;
        let mut nodes = None;
        for (name, q) in raw {
            // The path is only built when something is wrong: this runs for every pod shape.
            let p = || path.key_owned(name);
            if allow_nodes && name == "nodes" {
                nodes = parse_count(&q.0)
                    .map_err(|e| self.issues.error(p(), e.to_string()))
                    .ok();
                continue;
            }
            let Some(kind) = ResourceKind::from_kubernetes_name(name) else {
                let mut names: Vec<&str> = ResourceKind::ALL
                    .iter()
                    .map(|k| k.kubernetes_name())
                    .collect();
                if allow_nodes {
                    names.push("nodes");
                }
                let hint = if name.contains("gpu") {
                    "GPUs are `nvidia.com/gpu` or `amd.com/gpu`".to_string()
                } else {
                    did_you_mean(name, names.iter().copied())
                        .unwrap_or_else(|| format!("karpsim models {}", names.join(", ")))
                };
                self.issues
                    .error_hint(p(), format!("unknown resource `{name}`"), hint);
                continue;
            };
            let parsed = match kind {
                ResourceKind::CpuMillis => parse_cpu_millis(&q.0),
                ResourceKind::MemoryBytes | ResourceKind::EphemeralStorageBytes => {
                    parse_bytes(&q.0)
                }
                _ => parse_count(&q.0),
            };
            match parsed {
                Ok(v) => r.set(kind, v),
                Err(e) => self.issues.error(p(), e.to_string()),
            }
        }
        (r, nodes)
    }

    pub fn taint(&mut self, path: impl PathLike, t: &RawTaint) -> Option<Taint> {
        let effect = self
            .one_of(
                path.key("effect"),
                &t.effect,
                &TaintEffect::NAMES,
                "taint effect",
            )
            .and_then(TaintEffect::parse)?;
        if t.key.is_empty() {
            self.issues.error(path.key("key"), "taint key is empty");
            return None;
        }
        Some(Taint {
            key: t.key.to_owned_string(),
            value: t.value.to_owned_string(),
            effect,
        })
    }

    pub fn taints(&mut self, path: impl PathLike, list: &[RawTaint]) -> Vec<Taint> {
        list.iter()
            .enumerate()
            .filter_map(|(i, t)| self.taint(path.index(i), t))
            .collect()
    }

    pub fn tolerations(&mut self, path: impl PathLike, list: &[RawToleration]) -> Vec<Toleration> {
        let mut out = Vec::new();
        for (i, t) in list.iter().enumerate() {
            let p = path.index(i);
            let operator = match t.operator.as_deref().unwrap_or("Equal") {
                "Equal" => TolerationOperator::Equal,
                "Exists" => TolerationOperator::Exists,
                other => {
                    let hint = did_you_mean(other, ["Equal", "Exists"])
                        .unwrap_or_else(|| "expected Equal or Exists".into());
                    self.issues.error_hint(
                        p.key("operator"),
                        format!("unknown toleration operator `{other}`"),
                        hint,
                    );
                    continue;
                }
            };
            if operator == TolerationOperator::Exists && !t.value.is_empty() {
                self.issues.error(
                    p.key("value"),
                    "a toleration with operator Exists must not have a value",
                );
                continue;
            }
            if t.key.is_empty() && operator == TolerationOperator::Equal {
                self.issues.error(
                    p.key("key"),
                    "a toleration with an empty key must use operator Exists",
                );
                continue;
            }
            let effect = match &t.effect {
                None => None,
                Some(e) if e.is_empty() => None,
                Some(e) => {
                    match self.one_of(p.key("effect"), e, &TaintEffect::NAMES, "taint effect") {
                        Some(e) => TaintEffect::parse(e),
                        None => continue,
                    }
                }
            };
            out.push(Toleration {
                key: t.key.to_owned_string(),
                operator,
                value: t.value.to_owned_string(),
                effect,
            });
        }
        out
    }

    fn operator(&mut self, path: impl PathLike, s: &str) -> Option<Operator> {
        self.one_of(path, s, &Operator::NAMES, "operator")
            .and_then(Operator::parse)
    }

    /// A node-selector requirement with Kubernetes' value rules per operator.
    pub fn node_selector_requirement(
        &mut self,
        path: impl PathLike,
        r: &RawRequirement,
    ) -> Option<NodeSelectorRequirement> {
        let op = self.operator(path.key("operator"), &r.operator)?;
        let values: Vec<String> = r.values.iter().map(|v| v.0.to_string()).collect();
        let vpath = path.key("values");
        match op {
            Operator::In | Operator::NotIn if values.is_empty() => {
                self.issues
                    .error(vpath, format!("operator {op} needs at least one value"));
                return None;
            }
            Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                self.issues
                    .error(vpath, format!("operator {op} takes no values"));
                return None;
            }
            Operator::Gt | Operator::Lt | Operator::Gte | Operator::Lte
                if values.len() != 1 || values[0].parse::<i64>().is_err() =>
            {
                self.issues.error(
                    vpath,
                    format!("operator {op} needs exactly one integer value"),
                );
                return None;
            }
            _ => {}
        }
        if r.key.is_empty() {
            self.issues
                .error(path.key("key"), "requirement key is empty");
            return None;
        }
        Some(NodeSelectorRequirement {
            key: r.key.to_owned_string(),
            operator: op,
            values,
        })
    }

    /// A requirement for the Requirements algebra, with `minValues` checked.
    pub fn requirement(&mut self, path: impl PathLike, r: &RawRequirement) -> Option<Requirement> {
        let nsr = self.node_selector_requirement(path, r)?;
        let min_values = match r.min_values {
            None => None,
            Some(m) => Some(self.int_in(path.key("minValues"), m, 1, 50, "minValues")?),
        };
        if let Some(m) = min_values
            && nsr.operator == Operator::In
            && (m as usize) > nsr.values.len()
        {
            self.issues.error(
                path.key("minValues"),
                format!(
                    "minValues {m} is more than the {} values listed",
                    nsr.values.len()
                ),
            );
            return None;
        }
        Some(nsr.to_requirement().with_min_values(min_values))
    }

    pub fn label_selector(
        &mut self,
        path: impl PathLike,
        s: Option<&RawLabelSelector>,
        default: &Labels,
    ) -> LabelSelector {
        let Some(s) = s else {
            return LabelSelector::from_labels(default.clone());
        };
        let mut out = LabelSelector::from_labels(owned_map(&s.match_labels));
        for (i, e) in s.match_expressions.iter().enumerate() {
            let p = path.key("matchExpressions").index(i);
            if let Some(r) = self.node_selector_requirement(p, e) {
                if !matches!(
                    r.operator,
                    Operator::In | Operator::NotIn | Operator::Exists | Operator::DoesNotExist
                ) {
                    self.issues.error(
                        p.key("operator"),
                        format!("operator {} is not allowed in a label selector", r.operator),
                    );
                    continue;
                }
                out.match_expressions.push(SelectorExpression {
                    key: r.key,
                    operator: r.operator,
                    values: r.values,
                });
            }
        }
        out
    }

    pub fn int_or_percent(&mut self, path: impl PathLike, v: &QtyValue) -> Option<IntOrPercent> {
        IntOrPercent::parse(&v.0)
            .map_err(|e| self.issues.error(path, e))
            .ok()
    }

    /// Kubelet settings on top of `base`.
    pub fn kubelet(
        &mut self,
        path: impl PathLike,
        raw: &RawKubelet,
        base: &KubeletConfig,
    ) -> KubeletConfig {
        let mut k = base.clone();
        if let Some(m) = raw.max_pods {
            k.max_pods = self.int_in(path.key("maxPods"), m, 1, 10_000, "maxPods");
        }
        if let Some(m) = raw.pods_per_core {
            k.pods_per_core = self.int_in(path.key("podsPerCore"), m, 1, 10_000, "podsPerCore");
        }
        if let Some(r) = &raw.kube_reserved {
            k.kube_reserved = self.reserved(path.key("kubeReserved"), r);
        }
        if let Some(r) = &raw.system_reserved {
            k.system_reserved = self.reserved(path.key("systemReserved"), r);
        }
        if let Some(e) = &raw.eviction_hard {
            self.eviction(path.key("evictionHard"), e, &mut k);
        }
        k
    }

    fn reserved(&mut self, path: impl PathLike, raw: &RawResources) -> Reserved {
        let mut out = Reserved::default();
        for (name, q) in raw {
            let p = path.key_owned(name);
            match name.as_str() {
                "cpu" => out.cpu_millis = self.quantity(p, ResourceKind::CpuMillis, q),
                "memory" => out.memory_bytes = self.quantity(p, ResourceKind::MemoryBytes, q),
                "ephemeral-storage" => {
                    out.ephemeral_storage_bytes =
                        self.quantity(p, ResourceKind::EphemeralStorageBytes, q)
                }
                "pid" => {}
                _ => {
                    let hint = did_you_mean(name, ["cpu", "memory", "ephemeral-storage", "pid"])
                        .unwrap_or_else(|| "expected cpu, memory, ephemeral-storage or pid".into());
                    self.issues
                        .error_hint(p, format!("unknown reserved resource `{name}`"), hint);
                }
            }
        }
        out
    }

    fn eviction(&mut self, path: impl PathLike, raw: &StrMap, k: &mut KubeletConfig) {
        for (signal, value) in raw {
            let p = path.key_owned(signal);
            let threshold = if let Some(pct) = value.strip_suffix('%') {
                match pct.parse::<f64>() {
                    Ok(v) if (0.0..=100.0).contains(&v) => {
                        Some(EvictionThreshold::PercentBp((v * 100.0).round() as u32))
                    }
                    _ => {
                        self.issues.error(
                            p,
                            format!("`{value}` is not a percentage between 0% and 100%"),
                        );
                        None
                    }
                }
            } else {
                parse_bytes(value)
                    .map(EvictionThreshold::Bytes)
                    .map_err(|e| self.issues.error(p, e.to_string()))
                    .ok()
            };
            match signal.as_str() {
                "memory.available" => k.eviction_memory_available = threshold,
                "nodefs.available" => k.eviction_nodefs_available = threshold,
                "nodefs.inodesFree" | "imagefs.available" | "imagefs.inodesFree"
                | "pid.available" => {}
                _ => {
                    let signals = [
                        "memory.available",
                        "nodefs.available",
                        "nodefs.inodesFree",
                        "imagefs.available",
                        "imagefs.inodesFree",
                        "pid.available",
                    ];
                    let hint = did_you_mean(signal, signals)
                        .unwrap_or_else(|| "expected memory.available or nodefs.available".into());
                    self.issues
                        .error_hint(p, format!("unknown eviction signal `{signal}`"), hint);
                }
            }
        }
    }
}

/// Duplicate names in a list, each reported at its later occurrence, naming the
/// occurrence just before it.
pub fn check_unique<'a>(
    ctx: &mut Ctx,
    path: impl PathLike,
    names: impl Iterator<Item = &'a str>,
    what: &str,
) {
    // Sorting (name, index) pairs puts each name's occurrences side by side in order;
    // cheaper than a map for the 10,000-workload lists this runs on.
    let mut by_name: Vec<(&str, usize)> = names.enumerate().map(|(i, n)| (n, i)).collect();
    by_name.sort_unstable();
    let mut duplicates: Vec<(usize, usize, &str)> = by_name
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| (w[1].1, w[0].1, w[1].0))
        .collect();
    duplicates.sort_unstable();
    for (i, previous, n) in duplicates {
        ctx.issues.error(
            path.index(i).key("name"),
            format!(
                "duplicate {what} name `{n}` (first defined at {}[{previous}])",
                path.build()
            ),
        );
    }
}

/// Looks a name up; on failure records an error with a did-you-mean hint.
pub fn resolve<'a>(
    ctx: &mut Ctx,
    path: impl PathLike,
    name: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
    what: &str,
) -> Option<usize> {
    if let Some(i) = candidates.clone().position(|c| c == name) {
        return Some(i);
    }
    let hint = did_you_mean(name, candidates.clone()).unwrap_or_else(|| {
        let all: Vec<&str> = candidates.take(8).collect();
        if all.is_empty() {
            format!("no {what} is defined")
        } else {
            format!("known: {}", all.join(", "))
        }
    });
    ctx.issues
        .error_hint(path, format!("unknown {what} `{name}`"), hint);
    None
}
