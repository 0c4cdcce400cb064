//! The cluster as a consolidation pass simulates against it, kept from pass to pass.
//!
//! Every pass over a changed cluster needs every schedulable node as the packer sees it
//! (labels, taints, room, bound pods for topology). Building that from scratch each pass
//! allocated and dropped a few strings, maps and vectors per node, which on a 600-node
//! day was a quarter of the run. Nodes change a few at a time, so each node's view is
//! cached with a stamp of what it was built from and rebuilt only when that changed.

use model::NodeId;
use model::pod::Pod;
use packer::{ExistingNode, PoolUsage, PreparedExisting};

use crate::provisioner::in_scheduler_view;
use crate::sim::Simulation;
use crate::state::{NodePhase, NodeState};

/// What a cached node view was built from; taints, labels and allocatable never change
/// after a node is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    phase: NodePhase,
    pod_edits: u64,
}

impl Stamp {
    fn of(n: &NodeState) -> Stamp {
        Stamp {
            phase: n.phase,
            pod_edits: n.pod_edits,
        }
    }
}

/// One pass's view of the cluster, and the cache it is built from.
#[derive(Default)]
pub struct Snapshot {
    /// Views not in use by the current pass, by node id.
    cache: Vec<Option<(Stamp, ExistingNode)>>,
    /// Whether `existing` and the rest describe the cluster as it is now.
    built: bool,
    pub existing: Vec<ExistingNode>,
    stamps: Vec<Stamp>,
    ids: Vec<NodeId>,
    /// Node id → position in `existing`.
    pub index: Vec<Option<usize>>,
    pub prepared: Option<PreparedExisting>,
    pub usage: Vec<PoolUsage>,
    pub pending: Vec<Pod>,
    /// Multi-node and single-node consolidation consider the same candidates in the
    /// same order; one pass computes them once.
    pub consolidation_candidates: Option<Vec<NodeId>>,
}

impl Snapshot {
    /// Marks the view stale (the cluster may change before the next pass) and returns
    /// its node views to the cache.
    pub fn release(&mut self) {
        self.consolidation_candidates = None;
        if !self.built {
            return;
        }
        self.built = false;
        for ((node, stamp), id) in self
            .existing
            .drain(..)
            .zip(self.stamps.drain(..))
            .zip(self.ids.drain(..))
        {
            self.cache[id.index()] = Some((stamp, node));
        }
        self.prepared = None;
    }
}

impl Simulation<'_> {
    /// Builds the pass's view if it is not built yet, reusing every cached node view
    /// whose node has not changed.
    pub fn ensure_snapshot(&mut self) {
        if self.snapshot.built {
            return;
        }
        let mut snap = std::mem::take(&mut self.snapshot);
        let nodes = &self.state.nodes;
        snap.cache.resize_with(nodes.len(), || None);
        snap.index.clear();
        snap.index.resize(nodes.len(), None);
        for n in nodes {
            let cached = snap.cache[n.id.index()].take();
            if !in_scheduler_view(n) {
                continue;
            }
            let stamp = Stamp::of(n);
            let view = match cached {
                Some((s, view)) if s == stamp => view,
                _ => self.existing_node(n),
            };
            snap.index[n.id.index()] = Some(snap.existing.len());
            snap.existing.push(view);
            snap.stamps.push(stamp);
            snap.ids.push(n.id);
        }
        snap.prepared = Some(self.scheduler.prepare(&snap.existing));
        snap.usage = self.pool_usage();
        // A pod nominated to a node in the view is already counted in that node's
        // requests; simulating it again would reserve its room twice.
        snap.pending = self
            .state
            .pending
            .iter()
            .filter(|p| {
                self.state
                    .pod(**p)
                    .nominated
                    .is_none_or(|n| snap.index[n.index()].is_none())
            })
            .map(|p| self.state.pod(*p).pod.clone())
            .collect();
        // Pods still on nodes being disrupted or drained need a place too
        // (`helpers.go: SimulateScheduling` adds the deleting nodes' reschedulable pods).
        for n in nodes
            .iter()
            .filter(|n| n.exists() && (n.disrupting || n.phase == NodePhase::Deleting))
        {
            snap.pending
                .extend(n.pods.iter().map(|p| self.state.pod(*p).pod.clone()));
        }
        snap.built = true;
        self.snapshot = snap;
    }
}
