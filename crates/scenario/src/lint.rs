//! Warnings about scenarios that validate but cannot behave as the author likely meant:
//! a NodePool that allows no priced instance type, or a workload whose pods fit no
//! instance type that any NodePool or node group offers.

use model::instance::InstanceType;
use model::labels::Labels;
use model::pod::PodSpec;
use model::requirements::Requirements;
use model::resources::Resources;
use model::taints::{Taint, first_untolerated_hard};

use crate::diag::{FieldPath, Issues};
use crate::spec::Scenario;

/// A place pods could run: a NodePool's types or a node group's one type.
struct Target<'a> {
    name: String,
    taints: &'a [Taint],
    /// Requirements nodes of this target satisfy (pool requirements + labels).
    requirements: Requirements,
    /// Candidate types, largest CPU first so the common case exits early.
    types: Vec<InstanceType>,
    /// Extra labels on the nodes (node groups), for nodeSelector matching.
    labels: Labels,
}

pub fn lint(s: &Scenario, issues: &mut Issues) {
    let mut targets: Vec<Target> = Vec::new();
    for (i, pool) in s.nodepools.iter().enumerate() {
        let mut reqs = pool.requirements.clone();
        reqs.add_all(&Requirements::from_labels(&pool.labels));
        let mut types: Vec<InstanceType> = s
            .catalog
            .instance_types(&s.nodepool_kubelet[i])
            .into_iter()
            .filter(|t| {
                t.requirements().compatible(&reqs).is_ok() && t.cheapest_offering(&reqs).is_some()
            })
            .collect();
        if types.is_empty() {
            issues.warning_hint(
                &FieldPath::root().key("nodepools").index(i),
                format!(
                    "NodePool `{}` allows no instance type with a price in {}",
                    pool.name, s.region
                ),
                "check its requirements against `simctl catalog`",
            );
        }
        types.sort_by(|a, b| {
            b.allocatable
                .cpu_millis()
                .cmp(&a.allocatable.cpu_millis())
                .then_with(|| a.name.cmp(&b.name))
        });
        targets.push(Target {
            name: format!("NodePool {}", pool.name),
            taints: &pool.taints,
            requirements: reqs,
            types,
            labels: pool.labels.clone(),
        });
    }
    for g in &s.node_groups {
        let types: Vec<InstanceType> = s
            .catalog
            .instance_types(&g.kubelet)
            .into_iter()
            .filter(|t| t.name == g.instance_type)
            .collect();
        let mut labels = types.first().map(|t| t.labels.clone()).unwrap_or_default();
        labels.extend(g.labels.clone());
        targets.push(Target {
            name: format!("node group {}", g.name),
            taints: &g.taints,
            requirements: Requirements::from_labels(&labels),
            types,
            labels,
        });
    }
    for (i, w) in s.workloads.iter().enumerate() {
        let reasons: Vec<String> = targets
            .iter()
            .map(|t| why_not(&w.pod, t, s))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        if reasons.is_empty() && !targets.is_empty() {
            continue;
        }
        let why = if targets.is_empty() {
            "no NodePool or node group is defined".to_string()
        } else {
            reasons.join("; ")
        };
        issues.warning(
            &FieldPath::root().key("workloads").index(i),
            format!(
                "pods of `{}` ({}) fit no instance type any NodePool or node group offers: {why}",
                w.name, w.pod.requests
            ),
        );
    }
}

/// `None` if some instance type of `t` can take the pod; otherwise why not.
fn why_not(pod: &PodSpec, t: &Target, s: &Scenario) -> Option<String> {
    if let Some(taint) = first_untolerated_hard(t.taints, &pod.tolerations) {
        return Some(format!(
            "{} has taint {taint} the pods do not tolerate",
            t.name
        ));
    }
    let pod_reqs = pod.strict_requirements();
    let has_reqs = !pod_reqs.is_empty();
    if has_reqs && let Err(e) = t.requirements.compatible(&pod_reqs) {
        return Some(format!("{} is incompatible ({e})", t.name));
    }
    if !pod.node_selector.iter().all(|(k, v)| {
        t.labels.get(k) == Some(v)
            || t.requirements.get(k).is_some_and(|r| r.has(v))
            || model::labels::is_well_known(k)
    }) {
        return Some(format!(
            "{} nodes lack the pods' nodeSelector labels",
            t.name
        ));
    }
    let mut best_gap: Option<(String, Resources)> = None;
    for it in &t.types {
        if has_reqs && it.requirements().compatible(&pod_reqs).is_err() {
            continue;
        }
        let overhead = daemon_overhead(s, t.taints);
        let needed = pod.requests.saturating_add(&overhead).with(
            model::ResourceKind::Pods,
            pod.requests.pods() + 1 + overhead.pods(),
        );
        if needed.fits_in(&it.allocatable) {
            return None;
        }
        if best_gap.is_none() {
            best_gap = Some((it.name.clone(), it.allocatable));
        }
    }
    Some(match best_gap {
        Some((name, alloc)) => format!(
            "{}: even {name} has only {alloc} allocatable after daemonsets",
            t.name
        ),
        None => format!(
            "{} allows no instance type matching the pods' requirements",
            t.name
        ),
    })
}

/// Requests of the DaemonSets that would run on a node with these taints.
fn daemon_overhead(s: &Scenario, taints: &[Taint]) -> Resources {
    s.daemonsets
        .iter()
        .filter(|d| first_untolerated_hard(taints, &d.spec.tolerations).is_none())
        .fold(Resources::ZERO, |acc, d| {
            acc.saturating_add(&d.spec.requests)
                .with(model::ResourceKind::Pods, acc.pods() + 1)
        })
}
