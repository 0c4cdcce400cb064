//! What kube-scheduler's required anti-affinity and DoNotSchedule spread filters need to
//! know about the cluster for one pod spec, kept current across passes and bindings.
//!
//! Building a view sweeps every node and every pod on it. A pass over hundreds of pending
//! pods of a few Deployments built the same views again per pod, and a day with zone
//! spread keeps a few pods pending pass after pass, each pass sweeping every node again
//! although only a few nodes had changed. A view is a sum of per-node shares, so
//! [`ViewCache`] keeps each spec's view with every node's share and recounts only the
//! nodes whose pods, nominations or schedulability changed (a binding changes one
//! node's pods and perhaps another's nominations).

use std::collections::BTreeMap;
use std::sync::Arc;

use model::labels::LabelSelector;
use model::pod::{PodSpec, WhenUnsatisfiable};
use model::taints::first_untolerated_hard;
use model::{NodeId, PodId};

use crate::kube_scheduler::node_selection_allows;
use crate::sim::Simulation;
use crate::state::{NodePhase, NodeState};
use crate::view_plan::{NodeDomains, Plan};

/// One spec's view of the cluster: per domain, what the nodes in it hold.
#[derive(Debug, PartialEq)]
pub struct TopologyView {
    blocked: Vec<Blocked>,
    spread: Vec<Spread>,
}

/// A required anti-affinity term and, per domain, how many nodes hold a matching pod
/// (bound or nominated); a domain is blocked while any does.
#[derive(Debug, PartialEq)]
struct Blocked {
    key: String,
    selector: LabelSelector,
    domains: BTreeMap<String, u32>,
}

/// A DoNotSchedule spread constraint: per domain with an eligible node, how many eligible
/// nodes it has and their matching bound pods; and the least of those pod counts.
#[derive(Debug, PartialEq)]
struct Spread {
    key: String,
    selector: LabelSelector,
    max_skew: u32,
    counts: BTreeMap<String, DomainCount>,
    min: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct DomainCount {
    nodes: u32,
    pods: u32,
}

/// What one node adds to a view: per anti-affinity term, its domain if it holds a
/// matching pod; per spread constraint, its domain and matching bound pods if eligible.
#[derive(Debug, Clone, Default)]
struct Share {
    blocked: Vec<Option<String>>,
    spread: Vec<Option<(String, u32)>>,
}

/// A node's share changes only with its pods or nominations (`pod_edits`), its
/// schedulability, and its end; labels and taints never change.
type Stamp = (u64, bool);

fn stamp(n: &NodeState) -> Option<Stamp> {
    (n.phase != NodePhase::Terminated).then_some((n.pod_edits, n.is_schedulable()))
}

/// Whether each term's selector matches each distinct pod spec, by (term, the spec's
/// address): a Deployment's pods share one spec. Kept across passes, so it holds the
/// spec, whose address then cannot be reused by another.
#[derive(Default)]
struct Matches(Vec<((usize, usize), bool, Arc<PodSpec>)>);

impl Matches {
    fn of(&mut self, term: usize, selector: &LabelSelector, spec: &Arc<PodSpec>) -> bool {
        let key = (term, Arc::as_ptr(spec) as usize);
        match self.0.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => self.0[i].1,
            Err(i) => {
                let m = selector.matches(&spec.labels);
                self.0.insert(i, (key, m, spec.clone()));
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
    let live = std::mem::take(&mut sim.state.live);
    for id in &live {
        refresh_node_spec(sim, *id);
    }
    sim.state.live = live;
}

/// Brings node `id`'s [`NodeSpecs`] up to date.
pub fn refresh_node_spec(sim: &mut Simulation, id: NodeId) {
    if sim.node_specs.len() < sim.state.nodes.len() {
        sim.node_specs
            .resize_with(sim.state.nodes.len(), NodeSpecs::default);
    }
    let n = &sim.state.nodes[id.index()];
    if sim.node_specs[id.index()].built_at != Some(n.pod_edits) {
        let e = NodeSpecs {
            built_at: Some(n.pod_edits),
            bound: group(sim, &n.pods),
            nominated: group(sim, &n.nominated),
        };
        sim.node_specs[id.index()] = e;
    }
}

/// Nodes whose domains count for `spec`'s spread constraints: the default
/// nodeAffinityPolicy and nodeTaintsPolicy (node selection and taints the pod honours).
fn eligible(spec: &PodSpec, n: &NodeState) -> bool {
    n.is_schedulable()
        && first_untolerated_hard(&n.taints, &spec.tolerations).is_none()
        && node_selection_allows(spec, n)
}

impl TopologyView {
    /// The view with no node counted yet.
    fn empty(spec: &PodSpec) -> TopologyView {
        let blocked = (spec.pod_anti_affinity.iter().filter(|t| t.is_required()))
            .map(|term| Blocked {
                key: term.topology_key.clone(),
                selector: term.label_selector.clone(),
                domains: BTreeMap::new(),
            })
            .collect();
        let spread = (spec.topology_spread.iter())
            .filter(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
            .map(|c| Spread {
                key: c.topology_key.clone(),
                selector: c.label_selector.clone(),
                max_skew: c.max_skew,
                counts: BTreeMap::new(),
                min: 0,
            })
            .collect();
        TopologyView { blocked, spread }
    }

    /// The view swept from every live node's pods (for one-off questions, and to check
    /// kept views).
    pub fn new(sim: &Simulation, spec: &PodSpec) -> TopologyView {
        let mut view = TopologyView::empty(spec);
        let mut matches = Matches::default();
        for n in sim.state.live_nodes() {
            let share = view.share(spec, n, &mut matches, |nominated| {
                let pods = if nominated { &n.nominated } else { &n.pods };
                pods.iter().map(|p| (sim.state.spec_of(*p), 1))
            });
            view.add(&share);
        }
        view.settle();
        view
    }

    /// Node `n`'s share; `specs_on(nominated)` lists its bound (or nominated) pods as
    /// (spec, count).
    fn share<'s, I>(
        &self,
        spec: &PodSpec,
        n: &NodeState,
        matches: &mut Matches,
        specs_on: impl Fn(bool) -> I,
    ) -> Share
    where
        I: Iterator<Item = (&'s Arc<PodSpec>, u32)>,
    {
        let mut share = Share::default();
        for (t, b) in self.blocked.iter().enumerate() {
            let holds = n.labels.get(&b.key).filter(|_| {
                let mut any =
                    |nominated| specs_on(nominated).any(|(s, _)| matches.of(t, &b.selector, s));
                any(false) || any(true)
            });
            share.blocked.push(holds.cloned());
        }
        let eligible = !self.spread.is_empty() && eligible(spec, n);
        for (c, sp) in self.spread.iter().enumerate() {
            let counted = n.labels.get(&sp.key).filter(|_| eligible).map(|d| {
                let term = self.blocked.len() + c;
                let matching: u32 = specs_on(false)
                    .filter(|(s, _)| matches.of(term, &sp.selector, s))
                    .map(|(_, k)| k)
                    .sum();
                (d.clone(), matching)
            });
            share.spread.push(counted);
        }
        share
    }

    fn add(&mut self, share: &Share) {
        for (b, d) in self.blocked.iter_mut().zip(&share.blocked) {
            if let Some(d) = d {
                *b.domains.entry(d.clone()).or_default() += 1;
            }
        }
        for (c, counted) in self.spread.iter_mut().zip(&share.spread) {
            if let Some((d, pods)) = counted {
                let e = c.counts.entry(d.clone()).or_default();
                e.nodes += 1;
                e.pods += pods;
            }
        }
    }

    fn remove(&mut self, share: &Share) {
        for (b, d) in self.blocked.iter_mut().zip(&share.blocked) {
            if let Some(d) = d
                && let Some(n) = b.domains.get_mut(d)
            {
                *n -= 1;
                if *n == 0 {
                    b.domains.remove(d);
                }
            }
        }
        for (c, counted) in self.spread.iter_mut().zip(&share.spread) {
            if let Some((d, pods)) = counted
                && let Some(e) = c.counts.get_mut(d)
            {
                e.nodes -= 1;
                e.pods -= pods;
                if e.nodes == 0 {
                    c.counts.remove(d);
                }
            }
        }
    }

    /// Recomputes each spread's minimum after shares changed.
    fn settle(&mut self) {
        for c in &mut self.spread {
            c.min = c.counts.values().map(|e| e.pods).min().unwrap_or(0);
        }
    }

    /// This view's answers over numbered domains ([`Plan::allows`] is [`Self::allows`]).
    fn plan(&self, domains: &mut NodeDomains) -> Plan {
        let mut plan = Plan::default();
        for b in &self.blocked {
            plan.block(domains, &b.key, b.domains.keys().map(String::as_str));
        }
        for c in &self.spread {
            let room = c.min + c.max_skew;
            let full = (c.counts.iter())
                .filter(|(_, e)| e.pods >= room)
                .map(|(d, _)| d.as_str());
            plan.spread(domains, &c.key, full, room == 0);
        }
        plan
    }

    pub fn allows(&self, n: &NodeState) -> bool {
        for b in &self.blocked {
            if n.labels
                .get(&b.key)
                .is_some_and(|d| b.domains.contains_key(d))
            {
                return false;
            }
        }
        for c in &self.spread {
            let Some(domain) = n.labels.get(&c.key) else {
                return false;
            };
            // Placing here keeps (count in this domain + 1) − min ≤ maxSkew.
            let here = c.counts.get(domain).map_or(0, |e| e.pods);
            if here >= c.min + c.max_skew {
                return false;
            }
        }
        true
    }
}

/// Whether `spec` has a term a view tracks.
fn tracked(spec: &PodSpec) -> bool {
    spec.pod_anti_affinity.iter().any(|t| t.is_required())
        || spec
            .topology_spread
            .iter()
            .any(|c| c.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule)
}

/// A spec's view kept across passes with each node's share, so a pass recounts only the
/// nodes that changed since the view was last brought up to date.
struct KeptView {
    spec: Arc<PodSpec>,
    view: TopologyView,
    /// Per node index: the share counted, and the node's stamp then.
    shares: Vec<Option<(Stamp, Share)>>,
    matches: Matches,
    /// The kube-scheduler pass it was last brought up to date in.
    synced_pass: u64,
    /// Every node with a share (and perhaps some without): the nodes a new pass must
    /// look at besides the live ones, as a node that ended keeps its share until then.
    counted: Vec<usize>,
}

impl KeptView {
    /// Recounts node `i` if it changed since counted. `sim.node_specs[i]` must be
    /// current.
    fn sync_node(&mut self, sim: &Simulation, i: usize) {
        let n = &sim.state.nodes[i];
        let now = stamp(n);
        if self.shares.len() <= i {
            self.shares.resize_with(i + 1, || None);
        }
        if self.shares[i].as_ref().map(|(s, _)| *s) == now {
            return;
        }
        let had = self.shares[i].take();
        if let Some((_, old)) = &had {
            self.view.remove(old);
        }
        if let Some(now) = now {
            let e = &sim.node_specs[i];
            let share = self
                .view
                .share(&self.spec, n, &mut self.matches, |nominated| {
                    let groups = if nominated { &e.nominated } else { &e.bound };
                    groups.iter().map(|(s, count)| (s, *count))
                });
            self.view.add(&share);
            if had.is_none() {
                self.counted.push(i);
            }
            self.shares[i] = Some((now, share));
        }
    }
}

/// Kube-scheduler's views, kept across passes by spec address.
#[derive(Default)]
pub struct ViewCache {
    views: Vec<(usize, KeptView)>,
    domains: NodeDomains,
    pass: u64,
    /// With invariant checks on: a kept view that differed from a new sweep.
    pub stale: Option<String>,
}

impl ViewCache {
    /// A new kube-scheduler pass: nodes may have changed since the last.
    pub fn start_pass(&mut self) {
        self.pass += 1;
    }

    /// What the view of `spec` allows as the cluster is now, for one pod; ask it with
    /// [`ViewCache::allows`]. `sim.node_specs` must be current ([`refresh_node_specs`])
    /// unless [`ViewCache::has`] says the view is current.
    pub fn plan(&mut self, sim: &Simulation, spec: &Arc<PodSpec>) -> Plan {
        let Some(i) = self.view(sim, spec) else {
            return Plan::default();
        };
        let mut plan = self.views[i].1.view.plan(&mut self.domains);
        plan.view = Some(i);
        plan
    }

    /// Whether `plan` allows a pod on `n`. With invariant checks on, the view is asked
    /// too, and a different answer is noted.
    pub fn allows(&mut self, sim: &Simulation, plan: &Plan, n: &NodeState) -> bool {
        let allowed = plan.allows(n.id.index(), &n.labels, &mut self.domains);
        if let Some(i) = plan.view
            && sim.check_invariants
            && self.stale.is_none()
            && self.views[i].1.view.allows(n) != allowed
        {
            self.stale = Some(format!(
                "kube-scheduler's numbered topology plan for pods labelled {:?} answered {allowed} for node {}, its view the opposite",
                self.views[i].1.spec.labels, n.name
            ));
        }
        allowed
    }

    /// Where the view of `spec`, brought up to date, is kept (`None` if `spec` has no
    /// term a view tracks).
    fn view(&mut self, sim: &Simulation, spec: &Arc<PodSpec>) -> Option<usize> {
        if !tracked(spec) {
            return None;
        }
        let key = Arc::as_ptr(spec) as usize;
        let i = match self.views.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let kept = KeptView {
                    spec: spec.clone(),
                    view: TopologyView::empty(spec),
                    shares: Vec::new(),
                    matches: Matches::default(),
                    synced_pass: 0,
                    counted: Vec::new(),
                };
                self.views.push((key, kept));
                self.views.len() - 1
            }
        };
        let kept = &mut self.views[i].1;
        if kept.synced_pass != self.pass {
            // Live nodes, and those counted before that have since ended: every other
            // node has no share and gets none (a terminated node never comes back).
            for id in &sim.state.live {
                kept.sync_node(sim, id.index());
            }
            let mut counted = std::mem::take(&mut kept.counted);
            for &n in &counted {
                if sim.state.nodes[n].phase == NodePhase::Terminated {
                    kept.sync_node(sim, n);
                }
            }
            counted.append(&mut kept.counted);
            counted.sort_unstable();
            counted.dedup();
            counted.retain(|&n| kept.shares[n].is_some());
            kept.counted = counted;
            kept.view.settle();
            kept.synced_pass = self.pass;
        }
        self.cross_check(sim, spec, i);
        Some(i)
    }

    /// With invariant checks on: notes a view that differs from a sweep of every pod.
    fn cross_check(&mut self, sim: &Simulation, spec: &PodSpec, i: usize) {
        if !sim.check_invariants || self.stale.is_some() {
            return;
        }
        let swept = TopologyView::new(sim, spec);
        let kept = &self.views[i].1.view;
        if swept != *kept {
            self.stale = Some(format!(
                "kube-scheduler's topology view for pods labelled {:?} went stale: kept {kept:?}, swept {swept:?}",
                spec.labels
            ));
        }
    }

    /// Whether the view of `spec` is current this pass, or `spec` has no term a view
    /// tracks.
    pub fn has(&self, spec: &Arc<PodSpec>) -> bool {
        let key = Arc::as_ptr(spec) as usize;
        !tracked(spec) || (self.views.iter()).any(|(k, v)| *k == key && v.synced_pass == self.pass)
    }

    /// Whether some view is current this pass (only those follow bindings).
    pub fn any_current(&self) -> bool {
        self.views.iter().any(|(_, v)| v.synced_pass == self.pass)
    }

    /// Brings the views current this pass up to date after a pod bound to `node` (it
    /// was nominated to `nominated`): those nodes' shares are counted again.
    /// `sim.node_specs` must be current for both.
    pub fn after_bind(&mut self, sim: &Simulation, node: NodeId, nominated: Option<NodeId>) {
        for (_, kept) in &mut self.views {
            if kept.synced_pass != self.pass {
                continue;
            }
            kept.sync_node(sim, node.index());
            if let Some(m) = nominated {
                kept.sync_node(sim, m.index());
            }
            kept.view.settle();
        }
    }
}
