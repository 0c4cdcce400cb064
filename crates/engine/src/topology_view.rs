//! What kube-scheduler's required anti-affinity and DoNotSchedule spread filters need to
//! know about the cluster for one pod spec, and keeping it current as a pass binds pods.
//!
//! Building a view sweeps every node and every pod on it; a pass over hundreds of pending
//! pods of a few Deployments built the same views again per pod, a fifth of a day with
//! topology spread. A binding changes one node's pods (and perhaps another's
//! nominations), so [`ViewCache`] updates each view built this pass instead.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use model::labels::LabelSelector;
use model::pod::{PodSpec, WhenUnsatisfiable};
use model::taints::first_untolerated_hard;
use model::{NodeId, PodId};

use crate::kube_scheduler::node_selection_allows;
use crate::sim::Simulation;
use crate::state::NodeState;

/// One spec's view of the cluster, gathered in one sweep over the nodes.
#[derive(Debug, PartialEq)]
pub struct TopologyView {
    blocked: Vec<Blocked>,
    spread: Vec<Spread>,
}

/// A required anti-affinity term and the domains holding a matching pod (bound or
/// nominated).
#[derive(Debug, PartialEq)]
struct Blocked {
    key: String,
    selector: LabelSelector,
    domains: BTreeSet<String>,
}

/// A DoNotSchedule spread constraint: matching bound pods per eligible domain, and
/// their minimum.
#[derive(Debug, PartialEq)]
struct Spread {
    key: String,
    selector: LabelSelector,
    max_skew: u32,
    counts: BTreeMap<String, u32>,
    min: u32,
}

/// Whether a selector matches each distinct pod spec, by the spec's address (a
/// Deployment's pods share one spec).
#[derive(Default)]
struct Matches(Vec<(usize, bool)>);

impl Matches {
    fn of(&mut self, selector: &LabelSelector, spec: &Arc<PodSpec>) -> bool {
        let key = Arc::as_ptr(spec) as usize;
        match self.0.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => self.0[i].1,
            Err(i) => {
                let m = selector.matches(&spec.labels);
                self.0.insert(i, (key, m));
                m
            }
        }
    }
}

/// A node's bound and nominated pods grouped by spec, as of its `pod_edits`: views count
/// pods by spec, and a node holds a few Deployments' pods.
#[derive(Debug, Default)]
pub struct NodeSpecs {
    built_at: Option<u64>,
    bound: Vec<(Arc<PodSpec>, u32)>,
    nominated: Vec<(Arc<PodSpec>, u32)>,
}

fn group(sim: &Simulation, pods: &[PodId]) -> Vec<(Arc<PodSpec>, u32)> {
    let mut groups: Vec<(Arc<PodSpec>, u32)> = Vec::new();
    for p in pods {
        let spec = sim.state.spec_of(*p);
        match groups.iter_mut().find(|(s, _)| Arc::ptr_eq(s, spec)) {
            Some((_, n)) => *n += 1,
            None => groups.push((spec.clone(), 1)),
        }
    }
    groups
}

/// Brings every live node's [`NodeSpecs`] up to date (rebuilding only nodes whose pods
/// or nominations changed).
pub fn refresh_node_specs(sim: &mut Simulation) {
    let mut all = std::mem::take(&mut sim.node_specs);
    if all.len() < sim.state.nodes.len() {
        all.resize_with(sim.state.nodes.len(), NodeSpecs::default);
    }
    for n in sim.state.live_nodes() {
        let e = &mut all[n.id.index()];
        if e.built_at != Some(n.pod_edits) {
            e.bound = group(sim, &n.pods);
            e.nominated = group(sim, &n.nominated);
            e.built_at = Some(n.pod_edits);
        }
    }
    sim.node_specs = all;
}

/// Nodes whose domains count for `spec`'s spread constraints: the default
/// nodeAffinityPolicy and nodeTaintsPolicy (node selection and taints the pod honours).
fn eligible(spec: &PodSpec, n: &NodeState) -> bool {
    n.is_schedulable()
        && first_untolerated_hard(&n.taints, &spec.tolerations).is_none()
        && node_selection_allows(spec, n)
}

impl TopologyView {
    /// The view swept from every node's pods (for one-off questions).
    pub fn new(sim: &Simulation, spec: &PodSpec) -> TopologyView {
        TopologyView::sweep(sim, spec, |n, nominated| {
            let pods = if nominated { &n.nominated } else { &n.pods };
            pods.iter().map(|p| (sim.state.spec_of(*p), 1))
        })
    }

    /// The view swept from the nodes' pods grouped by spec (current [`NodeSpecs`]).
    fn from_groups(sim: &Simulation, spec: &PodSpec) -> TopologyView {
        TopologyView::sweep(sim, spec, |n, nominated| {
            let e = &sim.node_specs[n.id.index()];
            let groups = if nominated { &e.nominated } else { &e.bound };
            groups.iter().map(|(s, count)| (s, *count))
        })
    }

    /// One sweep; `specs_on(node, nominated)` lists a node's bound (or nominated) pods as
    /// (spec, count).
    fn sweep<'s, I>(
        sim: &'s Simulation,
        spec: &PodSpec,
        specs_on: impl Fn(&'s NodeState, bool) -> I,
    ) -> TopologyView
    where
        I: Iterator<Item = (&'s Arc<PodSpec>, u32)>,
    {
        let mut blocked = Vec::new();
        for term in spec.pod_anti_affinity.iter().filter(|t| t.is_required()) {
            let mut matches = Matches::default();
            let mut domains = BTreeSet::new();
            for m in sim.state.live_nodes() {
                let Some(d) = m.labels.get(&term.topology_key) else {
                    continue;
                };
                let mut any = |nominated| {
                    specs_on(m, nominated).any(|(s, _)| matches.of(&term.label_selector, s))
                };
                if !domains.contains(d) && (any(false) || any(true)) {
                    domains.insert(d.clone());
                }
            }
            blocked.push(Blocked {
                key: term.topology_key.clone(),
                selector: term.label_selector.clone(),
                domains,
            });
        }
        let mut spread = Vec::new();
        for c in spec
            .topology_spread
            .iter()
            .filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
        {
            let mut matches = Matches::default();
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            for m in sim.state.live_nodes().filter(|m| eligible(spec, m)) {
                let Some(d) = m.labels.get(&c.topology_key) else {
                    continue;
                };
                let matching: u32 = specs_on(m, false)
                    .filter(|(s, _)| matches.of(&c.label_selector, s))
                    .map(|(_, n)| n)
                    .sum();
                // Most nodes share a few domains: clone a name only the first time.
                match counts.get_mut(d) {
                    Some(count) => *count += matching,
                    None => {
                        counts.insert(d.clone(), matching);
                    }
                }
            }
            let min = counts.values().copied().min().unwrap_or(0);
            spread.push(Spread {
                key: c.topology_key.clone(),
                selector: c.label_selector.clone(),
                max_skew: c.max_skew,
                counts,
                min,
            });
        }
        TopologyView { blocked, spread }
    }

    pub fn allows(&self, n: &NodeState) -> bool {
        for b in &self.blocked {
            if n.labels.get(&b.key).is_some_and(|d| b.domains.contains(d)) {
                return false;
            }
        }
        for c in &self.spread {
            let Some(domain) = n.labels.get(&c.key) else {
                return false;
            };
            // Placing here keeps (count in this domain + 1) − min ≤ maxSkew.
            let here = c.counts.get(domain).copied().unwrap_or(0);
            if here >= c.min + c.max_skew {
                return false;
            }
        }
        true
    }

    /// Brings the view of `spec` up to date after a pod with `labels` bound to node `n`,
    /// having been nominated to `nominated`. False if only a new sweep can: the pod left
    /// a nomination on another node, which may have been all that blocked its domain.
    fn after_bind(
        &mut self,
        spec: &PodSpec,
        labels: &model::labels::Labels,
        n: &NodeState,
        nominated: Option<NodeId>,
    ) -> bool {
        for b in &mut self.blocked {
            if !b.selector.matches(labels) {
                continue;
            }
            if nominated.is_some_and(|m| m != n.id) {
                return false;
            }
            if let Some(d) = n.labels.get(&b.key) {
                b.domains.insert(d.clone());
            }
        }
        if self.spread.is_empty() || !eligible(spec, n) {
            return true;
        }
        for c in &mut self.spread {
            let Some(d) = n.labels.get(&c.key) else {
                continue;
            };
            if c.selector.matches(labels)
                && let Some(count) = c.counts.get_mut(d)
            {
                *count += 1;
                c.min = c.counts.values().copied().min().unwrap_or(0);
            }
        }
        true
    }
}

/// The view of every spec without required anti-affinity or DoNotSchedule spread.
static UNCONSTRAINED: TopologyView = TopologyView {
    blocked: Vec::new(),
    spread: Vec::new(),
};

/// Whether `spec` has a term a view tracks.
fn tracked(spec: &PodSpec) -> bool {
    spec.pod_anti_affinity.iter().any(|t| t.is_required())
        || spec
            .topology_spread
            .iter()
            .any(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
}

/// The views built in one kube-scheduler pass, by spec address.
#[derive(Default)]
pub struct ViewCache {
    views: Vec<(usize, Arc<PodSpec>, TopologyView)>,
    /// With invariant checks on: a kept view that differed from a new sweep.
    pub stale: Option<String>,
}

impl ViewCache {
    /// The view of `spec` as the cluster is now. `sim.node_specs` must be current
    /// ([`refresh_node_specs`]) unless the view is already kept ([`ViewCache::has`]).
    pub fn view(&mut self, sim: &Simulation, spec: &Arc<PodSpec>) -> &TopologyView {
        if !tracked(spec) {
            return &UNCONSTRAINED;
        }
        let key = Arc::as_ptr(spec) as usize;
        let i = match self.views.iter().position(|(k, _, _)| *k == key) {
            Some(i) => i,
            None => {
                let view = TopologyView::from_groups(sim, spec);
                self.views.push((key, spec.clone(), view));
                self.views.len() - 1
            }
        };
        self.cross_check(sim, spec, i);
        &self.views[i].2
    }

    /// With invariant checks on: notes a view that differs from a sweep of every pod.
    fn cross_check(&mut self, sim: &Simulation, spec: &PodSpec, i: usize) {
        if !sim.check_invariants || self.stale.is_some() {
            return;
        }
        let swept = TopologyView::new(sim, spec);
        if swept != self.views[i].2 {
            self.stale = Some(format!(
                "kube-scheduler's topology view for pods labelled {:?} went stale: kept {:?}, swept {swept:?}",
                spec.labels, self.views[i].2
            ));
        }
    }

    /// Whether the view of `spec` is kept, or `spec` has no term a view tracks.
    pub fn has(&self, spec: &Arc<PodSpec>) -> bool {
        let key = Arc::as_ptr(spec) as usize;
        !tracked(spec) || self.views.iter().any(|(k, _, _)| *k == key)
    }

    /// Updates every view after `pod` bound to `node` (it was nominated to `nominated`).
    pub fn after_bind(
        &mut self,
        sim: &Simulation,
        pod: PodId,
        node: NodeId,
        nominated: Option<NodeId>,
    ) {
        let labels = &sim.state.spec_of(pod).labels;
        let n = sim.state.node(node);
        self.views
            .retain_mut(|(_, spec, view)| view.after_bind(spec, labels, n, nominated));
    }
}
