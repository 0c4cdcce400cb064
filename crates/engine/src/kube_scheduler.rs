//! kube-scheduler: binds pending pods to ready nodes. Karpenter and cluster-autoscaler
//! only create nodes; this is what puts pods on them.
//!
//! Filters: resources (including the pod count), NoSchedule/NoExecute taints, nodeSelector
//! and required node affinity, required pod anti-affinity, and DoNotSchedule topology
//! spread on any node label. Score: nodes whose PreferNoSchedule taints the pod tolerates
//! first (TaintToleration), then the default `NodeResourcesFit` LeastAllocated strategy
//! (most free CPU and memory after placing), ties to the lower node id. A pod nominated to a ready node tries it first.

use model::pod::PodSpec;
use model::taints::first_untolerated_hard;
use model::{NodeId, PodId, SimTime};

use crate::sim::Simulation;
use crate::state::NodeState;
use crate::topology_view::{TopologyView, ViewCache};
use packer::pod_demand;

impl Simulation<'_> {
    /// Binds every pending pod that fits somewhere, highest priority and oldest first.
    pub fn kube_scheduler_pass(&mut self, now: SimTime) {
        let mut order: Vec<PodId> = self.state.pending.iter().copied().collect();
        order.sort_by_key(|p| {
            let ps = self.state.pod(*p);
            (
                std::cmp::Reverse(ps.pod.spec.priority),
                ps.pod.created_at,
                p.0,
            )
        });
        let mut bound_any = false;
        let mut newly_unschedulable = false;
        // Binding changes no node's schedulability, and most nodes of a long day are
        // terminated: list the candidates once, with their free room.
        let mut schedulable: Vec<(usize, model::Resources)> =
            Vec::with_capacity(self.state.live.len());
        schedulable.extend(
            self.state
                .live_nodes()
                .filter(|n| n.is_schedulable())
                .map(|n| (n.id.index(), n.free())),
        );
        // Specs (by pointer) without spread constraints that fitted no node this pass:
        // rooms only shrink and anti-affinity only blocks more as pods bind, so later pods
        // of the same spec fit nowhere either (a nominated pod still tries its node).
        let mut fits_nowhere: Vec<usize> = Vec::new();
        let mut views = std::mem::take(&mut self.topology_views);
        views.start_pass();
        for pod in order {
            if !views.has(self.state.spec_of(pod)) {
                crate::topology_view::refresh_node_specs(self);
            }
            if let Some(node) = self.choose_node(pod, &schedulable, &mut fits_nowhere, &mut views) {
                let nominated = self.state.pod(pod).nominated;
                self.state.bind(pod, node, now);
                if views.any_current() {
                    for id in std::iter::once(node).chain(nominated) {
                        crate::topology_view::refresh_node_spec(self, id);
                    }
                    views.after_bind(self, node, nominated);
                }
                if let Ok(k) = schedulable.binary_search_by_key(&node.index(), |(i, _)| *i) {
                    schedulable[k].1 = self.state.nodes[node.index()].free();
                }
                let since = self.state.pods[pod.index()].pending_since.take();
                if let Some(since) = since {
                    self.pending_pod_ms += now.since(since).0;
                }
                self.after_bind(now, pod);
                bound_any = true;
            } else if !self.state.pod(pod).unschedulable {
                self.state.pods[pod.index()].unschedulable = true;
                newly_unschedulable = true;
            }
        }
        if let Some(what) = views.stale.take() {
            self.state.invariant_marks.note_violation(what);
        }
        self.topology_views = views;
        if newly_unschedulable {
            self.arm_ca_scan();
        }
        if bound_any {
            self.arm_ca_scan();
        }
        // A pod whose nominated node is ready but could not take it (another pod got there
        // first) is pending again for its autoscaler.
        let stranded: Vec<PodId> =
            self.state
                .pending
                .iter()
                .copied()
                .filter(|p| {
                    self.state.pod(*p).nominated.is_some_and(|n| {
                        self.state.node(n).phase != crate::state::NodePhase::Launching
                    })
                })
                .collect();
        for p in stranded {
            self.state.unnominate(p);
            self.on_pending(now, p);
        }
    }

    /// The best of the `schedulable` nodes (index and free room, by index) for `pod`.
    fn choose_node(
        &self,
        pod: PodId,
        schedulable: &[(usize, model::Resources)],
        fits_nowhere: &mut Vec<usize>,
        views: &mut ViewCache,
    ) -> Option<NodeId> {
        let ps = self.state.pod(pod);
        let spec = &ps.pod.spec;
        let spec_key = std::sync::Arc::as_ptr(spec) as usize;
        let known_nowhere = fits_nowhere.contains(&spec_key);
        if known_nowhere && ps.nominated.is_none() {
            return None;
        }
        // Domain counts are computed once per spec and pass, and kept current as pods
        // bind, not once per candidate node.
        let plan = views.plan(self, spec);
        if let Some(n) = ps.nominated {
            let node = self.state.node(n);
            // The pod's own nomination is part of the node's reserved requests.
            let free = node.free().saturating_add(&pod_demand(&spec.requests));
            if node.is_schedulable()
                && pod_demand(&spec.requests).fits_in(&free)
                && node_allows(spec, node)
                && views.allows(self, &plan, node)
            {
                return Some(n);
            }
        }
        if known_nowhere {
            return None;
        }
        let need = pod_demand(&spec.requests);
        // TaintToleration scoring ranks nodes with untolerated PreferNoSchedule taints
        // below all others; LeastAllocated breaks the tie.
        let mut best: Option<((bool, u64), NodeId)> = None;
        for (i, free) in schedulable {
            if !need.fits_in(free) {
                continue;
            }
            let n = &self.state.nodes[*i];
            if !node_allows(spec, n) || !views.allows(self, &plan, n) {
                continue;
            }
            let preferred = !n.taints.iter().any(|t| {
                t.effect == model::taints::TaintEffect::PreferNoSchedule
                    && !spec.tolerations.iter().any(|tol| tol.tolerates(t))
            });
            let score = (preferred, least_allocated_score(n, &need));
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, n.id));
            }
        }
        if best.is_none() && spec.topology_spread.is_empty() {
            fits_nowhere.push(spec_key);
        }
        best.map(|(_, id)| id)
    }

    /// Whether `pod` can bind to `node` now (resources and constraints).
    pub fn fits_node(&self, pod: PodId, node: NodeId) -> bool {
        let n = self.state.node(node);
        let spec = &self.state.pod(pod).pod.spec;
        n.is_schedulable()
            && pod_demand(&spec.requests).fits_in(&n.free())
            && self.constraints_allow(spec, n)
    }

    /// Taints, node selection, anti-affinity and spread (no resources).
    pub fn constraints_allow(&self, spec: &PodSpec, n: &NodeState) -> bool {
        self.constraints_allow_with(spec, n, &TopologyView::new(self, spec))
    }

    fn constraints_allow_with(&self, spec: &PodSpec, n: &NodeState, view: &TopologyView) -> bool {
        node_allows(spec, n) && view.allows(n)
    }
}

/// Taints and node selection: what of the constraints does not depend on other pods.
fn node_allows(spec: &PodSpec, n: &NodeState) -> bool {
    first_untolerated_hard(&n.taints, &spec.tolerations).is_none() && node_selection_allows(spec, n)
}

pub(crate) fn node_selection_allows(spec: &PodSpec, n: &NodeState) -> bool {
    if !spec
        .node_selector
        .iter()
        .all(|(k, v)| n.labels.get(k) == Some(v))
    {
        return false;
    }
    spec.required_node_affinity.is_empty()
        || spec.required_node_affinity.iter().any(|term| {
            term.iter().all(|e| {
                let r = e.to_requirement();
                match n.labels.get(&r.key) {
                    Some(v) => r.has(v),
                    None => matches!(
                        r.operator(),
                        model::requirements::Operator::NotIn
                            | model::requirements::Operator::DoesNotExist
                    ),
                }
            })
        })
}

/// LeastAllocated: the mean of free CPU and free memory fractions after placing, scaled
/// to an integer (higher is better).
fn least_allocated_score(n: &NodeState, need: &model::Resources) -> u64 {
    let frac = crate::autoscaler::free_ppm;
    let used = n
        .requested
        .saturating_add(&n.nominated_requests)
        .saturating_add(need);
    (frac(n.allocatable.cpu_millis(), used.cpu_millis())
        + frac(n.allocatable.memory_bytes(), used.memory_bytes()))
        / 2
}
