//! Warnings about scenarios that validate but cannot behave as the author likely meant:
//! a NodePool that allows no priced instance type, or a workload whose pods fit no
//! instance type that any NodePool or node group offers.

use model::instance::InstanceType;
use model::labels::Labels;
use model::pod::PodSpec;
use model::requirements::Requirements;
use model::resources::Resources;
use model::taints::{Taint, first_untolerated_hard};

use crate::diag::{Issues, PathLike, Root};
use crate::spec::Scenario;

/// A place pods could run: a NodePool's types or a node group's one type.
struct Target<'a> {
    name: String,
    taints: &'a [Taint],
    /// Requirements nodes of this target satisfy (pool requirements + labels).
    requirements: Requirements,
    /// Candidate types with their requirements, largest CPU first so the common case
    /// exits early.
    types: Vec<&'a InstanceType>,
    /// Extra labels on the nodes (node groups), for nodeSelector matching.
    labels: Labels,
}

pub fn lint(s: &Scenario, issues: &mut Issues) {
    // Pools usually share kubelet settings: price and index the catalogue once per
    // setting, and let every target borrow from it.
    let mut catalogues: Vec<(&model::kubelet::KubeletConfig, Vec<InstanceType>)> = Vec::new();
    for kubelet in &s.nodepool_kubelet {
        if !catalogues.iter().any(|(k, _)| *k == kubelet) {
            catalogues.push((kubelet, pool_candidates(s, kubelet)));
        }
    }
    let group_types: Vec<Vec<InstanceType>> = s
        .node_groups
        .iter()
        .map(|g| {
            s.catalog
                .instance_type(&g.instance_type, &g.kubelet)
                .into_iter()
                .collect()
        })
        .collect();
    let mut targets: Vec<Target> = Vec::new();
    for (i, pool) in s.nodepools.iter().enumerate() {
        let mut reqs = pool.requirements.clone();
        reqs.add_all(&Requirements::from_labels(&pool.labels));
        let kubelet = &s.nodepool_kubelet[i];
        let catalogue = catalogues
            .iter()
            .find(|(k, _)| *k == kubelet)
            .map(|(_, c)| c.as_slice())
            .unwrap_or_default();
        let mut types: Vec<&InstanceType> = catalogue
            .iter()
            .filter(|t| t.intersects(&reqs) && t.cheapest_offering(&reqs).is_some())
            .collect();
        if types.is_empty() {
            issues.warning_hint(
                Root.key("nodepools").index(i),
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
    for (g, group) in s.node_groups.iter().enumerate() {
        let types: Vec<&InstanceType> = group_types[g].iter().collect();
        let mut labels = types.first().map(|t| t.labels.clone()).unwrap_or_default();
        labels.extend(group.labels.clone());
        targets.push(Target {
            name: format!("node group {}", group.name),
            taints: &group.taints,
            requirements: Requirements::from_labels(&labels),
            types,
            labels,
        });
    }
    let overheads: Vec<Resources> = targets
        .iter()
        .map(|t| daemon_overhead(s, t.taints))
        .collect();
    let mut strict = StrictRequirements::default();
    for (i, w) in s.workloads.iter().enumerate() {
        let pod_reqs = strict.of(&w.pod);
        if targets
            .iter()
            .zip(&overheads)
            .any(|(t, o)| fits(&w.pod, pod_reqs, t, o))
        {
            continue;
        }
        let why = if targets.is_empty() {
            "no NodePool or node group is defined".to_string()
        } else {
            targets
                .iter()
                .zip(&overheads)
                .map(|(t, o)| why_not(&w.pod, pod_reqs, t, o))
                .collect::<Vec<_>>()
                .join("; ")
        };
        issues.warning(
            Root.key("workloads").index(i),
            format!(
                "pods of `{}` ({}) fit no instance type any NodePool or node group offers: {why}",
                w.name, w.pod.requests
            ),
        );
    }
}

/// The priced types under `kubelet` that some NodePool with that kubelet might allow.
/// Pricing a type (labels, offerings) and dropping it again was most of the lint's cost;
/// a type whose spec labels already contradict every such pool's requirements can
/// never pass the pool filter in `lint` (`InstanceType::intersects` checks the same
/// labels), so it is left out before pricing.
fn pool_candidates(s: &Scenario, kubelet: &model::kubelet::KubeletConfig) -> Vec<InstanceType> {
    let pool_requirements: Vec<Requirements> = s
        .nodepools
        .iter()
        .zip(&s.nodepool_kubelet)
        .filter(|(_, k)| *k == kubelet)
        .map(|(pool, _)| {
            let mut reqs = pool.requirements.clone();
            reqs.add_all(&Requirements::from_labels(&pool.labels));
            reqs
        })
        .collect();
    let region = &s.catalog.options.region;
    let mut catalog = s.catalog.clone();
    catalog.retain(|spec| {
        let labels = spec.labels(region);
        pool_requirements
            .iter()
            .any(|reqs| labels_may_intersect(&labels, reqs))
    });
    catalog.instance_types(kubelet)
}

/// The label part of `InstanceType::intersects`; zone and capacity type come from
/// offerings, which are not known before pricing, so they do not rule a type out here.
fn labels_may_intersect(labels: &Labels, reqs: &Requirements) -> bool {
    reqs.iter().all(|r| match r.key.as_str() {
        model::labels::ZONE | model::labels::CAPACITY_TYPE => true,
        key => labels.get(key).is_none_or(|v| r.has(v)),
    })
}

/// `PodSpec::strict_requirements` for each workload, built once per distinct
/// nodeSelector and first required node-affinity term: workloads mostly repeat a few.
#[derive(Default)]
struct StrictRequirements<'s> {
    seen: Vec<(&'s PodSpec, Requirements)>,
    /// The last one built when `seen` is full.
    unseen: Requirements,
}

impl<'s> StrictRequirements<'s> {
    /// Bounds the linear search when every workload is different.
    const MAX_SEEN: usize = 16;

    fn of(&mut self, pod: &'s PodSpec) -> &Requirements {
        let same = |p: &PodSpec| {
            p.node_selector == pod.node_selector
                && p.required_node_affinity.first() == pod.required_node_affinity.first()
        };
        if let Some(i) = self.seen.iter().position(|(p, _)| same(p)) {
            return &self.seen[i].1;
        }
        let reqs = pod.strict_requirements();
        if self.seen.len() < Self::MAX_SEEN {
            self.seen.push((pod, reqs));
            return &self.seen[self.seen.len() - 1].1;
        }
        self.unseen = reqs;
        &self.unseen
    }
}

/// Requests plus daemon overhead plus one pod slot each.
fn needed(pod: &PodSpec, overhead: &Resources) -> Resources {
    pod.requests.saturating_add(overhead).with(
        model::ResourceKind::Pods,
        pod.requests.pods() + 1 + overhead.pods(),
    )
}

fn node_selector_satisfied(pod: &PodSpec, t: &Target) -> bool {
    pod.node_selector.iter().all(|(k, v)| {
        t.labels.get(k) == Some(v)
            || t.requirements.get(k).is_some_and(|r| r.has(v))
            || model::labels::is_well_known(k)
    })
}

/// Fast, allocation-light check: can some instance type of `t` take the pod?
fn fits(pod: &PodSpec, pod_reqs: &Requirements, t: &Target, overhead: &Resources) -> bool {
    // Karpenter checks a NodeClaim template with `Compatible` but instance types with
    // `Intersects` (`scheduling/nodeclaim.go`, `filterInstanceTypesByRequirements`).
    if first_untolerated_hard(t.taints, &pod.tolerations).is_some()
        || !node_selector_satisfied(pod, t)
    {
        return false;
    }
    let has_reqs = !pod_reqs.is_empty();
    if has_reqs && !t.requirements.is_compatible(pod_reqs) {
        return false;
    }
    let need = needed(pod, overhead);
    t.types
        .iter()
        .any(|it| need.fits_in(&it.allocatable) && (!has_reqs || it.intersects(pod_reqs)))
}

/// Why no instance type of `t` can take the pod (called only when none can).
fn why_not(pod: &PodSpec, pod_reqs: &Requirements, t: &Target, overhead: &Resources) -> String {
    if let Some(taint) = first_untolerated_hard(t.taints, &pod.tolerations) {
        return format!("{} has taint {taint} the pods do not tolerate", t.name);
    }
    if let Err(e) = t.requirements.compatible(pod_reqs) {
        return format!("{} is incompatible ({e})", t.name);
    }
    if !node_selector_satisfied(pod, t) {
        return format!("{} nodes lack the pods' nodeSelector labels", t.name);
    }
    let matching: Vec<&InstanceType> = t
        .types
        .iter()
        .filter(|it| it.intersects(pod_reqs))
        .copied()
        .collect();
    match matching.first() {
        // Types are sorted largest CPU first.
        Some(largest) => format!(
            "{}: even {} has only {} allocatable, the pods need {} with daemonsets",
            t.name,
            largest.name,
            largest.allocatable,
            needed(pod, overhead)
        ),
        None => format!(
            "{} allows no instance type matching the pods' requirements",
            t.name
        ),
    }
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
