//! The cluster as a consolidation pass simulates against it, kept from pass to pass.
//!
//! Every pass over a changed cluster needs every schedulable node as the packer sees it
//! (labels, taints, room, bound pods for topology). Building that from scratch each pass
//! allocated and dropped a few strings, maps and vectors per node, which on a 600-node
//! day was a quarter of the run. Nodes change a few at a time, so each node's view is
//! cached with a stamp of what it was built from and rebuilt only when that changed.

use model::NodeId;
use model::pod::Pod;
use packer::{ExistingNode, PoolUsage, PreparedExisting, QueueKey};

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

/// The cluster view consolidation passes and provisioning solves read. It persists from
/// one use to the next: when the same nodes are in view, only changed nodes are rebuilt
/// and the prepared order and tree are patched; otherwise the node lists are compacted in
/// place, new nodes inserted, and the prepared snapshot re-prepared.
#[derive(Default)]
pub struct Snapshot {
    /// Whether the view describes the cluster as it is now.
    built: bool,
    pub existing: Vec<ExistingNode>,
    stamps: Vec<Stamp>,
    ids: Vec<NodeId>,
    /// Node id → position in `existing`.
    pub index: Vec<Option<usize>>,
    pub prepared: Option<PreparedExisting>,
    pub usage: Vec<PoolUsage>,
    /// The `ClusterState::phase_edits` `usage` was summed at.
    usage_at: Option<u64>,
    pub pending: Vec<Pod>,
    /// Multi-node and single-node consolidation consider the same candidates in the
    /// same order; one pass computes them once.
    pub consolidation_candidates: Option<Vec<(u64, NodeId)>>,
    /// The free capacity of schedulable nodes, summed (the consolidation methods'
    /// cheap precheck), once per pass.
    pub free_total: Option<model::Resources>,
    /// Each node's pods in queue order: a node is probed pass after pass while its pods
    /// rarely change.
    queued: QueuedPods,
    /// First-fit walks the single-node probes of this pass share.
    pub shared_walks: crate::shared_walks::SharedWalks,
    /// `pending` as the shared walks' keys read it.
    pub pending_runs: crate::shared_walks::PendingRuns,
}

/// Per node id: its pods in queue order with the `pod_edits` they were read at, and their
/// queue keys in the same order.
#[derive(Default)]
pub struct QueuedPods {
    lists: Vec<(Option<u64>, Vec<Pod>)>,
    keys: Vec<Vec<QueueKey>>,
}

impl QueuedPods {
    /// The queue keys of node `id`'s pods, in the order [`Self::in_queue_order`] gives
    /// them for that node alone.
    pub fn keys_of(&self, id: NodeId) -> &[QueueKey] {
        &self.keys[id.index()]
    }

    /// The pods of `nodes` (each refreshed) in the scheduler's queue order, borrowed: a
    /// clone is two atomic `Arc` counts, probe after probe.
    pub fn in_queue_order(&self, nodes: &[NodeId]) -> Vec<&Pod> {
        if let [id] = nodes {
            return self.lists[id.index()].1.iter().collect();
        }
        // Each node's pods come with their keys kept: sort (key, node, position). Keys
        // are unique (they end with the pod id).
        let count = nodes.iter().map(|n| self.keys[n.index()].len()).sum();
        let mut keyed: Vec<(QueueKey, u32, u32)> = Vec::with_capacity(count);
        for (run, id) in nodes.iter().enumerate() {
            keyed.extend(
                self.keys[id.index()]
                    .iter()
                    .enumerate()
                    .map(|(at, key)| (*key, run as u32, at as u32)),
            );
        }
        keyed.sort_unstable();
        keyed
            .into_iter()
            .map(|(_, run, at)| &self.lists[nodes[run as usize].index()].1[at as usize])
            .collect()
    }
}

impl Snapshot {
    /// Marks the view stale: the cluster may change before its next use.
    pub fn release(&mut self) {
        self.consolidation_candidates = None;
        self.free_total = None;
        self.shared_walks.clear();
        self.built = false;
    }
}

impl Simulation<'_> {
    /// One solve of `pods` against the view (brought up to date first) without the nodes
    /// in `masked`, stopping before launch choices (and where `stops` allow).
    pub fn solve_on_snapshot(
        &mut self,
        pods: &[Pod],
        masked: &[NodeId],
        stops: packer::Stops,
    ) -> packer::Draft {
        self.with_prepared(masked, |sched, snap, prepared, masked| {
            sched.schedule_draft(
                &packer::ScheduleInput {
                    pods,
                    existing: &snap.existing,
                    pool_usage: &snap.usage,
                },
                prepared,
                masked,
                stops,
            )
        })
    }

    /// [`packer::Scheduler::quick_probe`] of `watched` (in queue order) and the pending
    /// pods against the view without the nodes in `masked`.
    pub fn quick_probe_on_snapshot(
        &mut self,
        watched: &[&Pod],
        masked: &[NodeId],
        watch_one_claim: bool,
    ) -> packer::QuickProbe {
        self.with_prepared(masked, |sched, snap, prepared, masked| {
            sched.quick_probe(
                watched,
                &snap.pending,
                &snap.existing,
                prepared,
                masked,
                watch_one_claim,
            )
        })
    }

    /// Runs `f` on the view brought up to date, its prepared order and tree, and the
    /// nodes of `masked` that are in view (as indices into it).
    fn with_prepared<R>(
        &mut self,
        masked: &[NodeId],
        f: impl FnOnce(&mut packer::Scheduler, &Snapshot, &mut PreparedExisting, &[usize]) -> R,
    ) -> R {
        self.ensure_snapshot();
        let snap = &mut self.snapshot;
        let masked: Vec<usize> = masked
            .iter()
            .filter_map(|n| snap.index[n.index()])
            .collect();
        let mut prepared = snap
            .prepared
            .take()
            .unwrap_or_else(|| self.scheduler.prepare(&snap.existing));
        let out = f(&mut self.scheduler, &self.snapshot, &mut prepared, &masked);
        self.snapshot.prepared = Some(prepared);
        out
    }

    /// The per-node cache of pods in queue order, with the lists of `nodes` brought up to
    /// date, lent out so a probe can borrow the pods while it uses the simulation; give
    /// it back with [`Self::return_queued`].
    pub fn lend_queued(&mut self, nodes: &[NodeId]) -> QueuedPods {
        for id in nodes {
            self.refresh_queued(*id);
        }
        std::mem::take(&mut self.snapshot.queued)
    }

    /// Takes back what [`Self::lend_queued`] lent.
    pub fn return_queued(&mut self, queued: QueuedPods) {
        self.snapshot.queued = queued;
    }

    /// Rebuilds node `id`'s pods in queue order if they changed since last read.
    fn refresh_queued(&mut self, id: NodeId) {
        let n = self.state.node(id);
        let queued = &mut self.snapshot.queued;
        if queued.lists.len() <= id.index() {
            let len = self.state.nodes.len();
            queued.lists.resize_with(len, Default::default);
            queued.keys.resize_with(len, Default::default);
        }
        let cached = &mut queued.lists[id.index()];
        if cached.0 != Some(n.pod_edits) {
            cached.1.clear();
            cached
                .1
                .extend(n.pods.iter().map(|p| self.state.pod(*p).pod.clone()));
            cached.1.sort_by_cached_key(packer::queue_key);
            cached.0 = Some(n.pod_edits);
            let keys = &mut queued.keys[id.index()];
            keys.clear();
            keys.extend(cached.1.iter().map(packer::queue_key));
        }
    }

    /// Brings the view up to date if it is stale, rebuilding only what changed.
    pub fn ensure_snapshot(&mut self) {
        if self.snapshot.built {
            return;
        }
        let mut snap = std::mem::take(&mut self.snapshot);
        let nodes = &self.state.nodes;
        let mut in_view: Vec<NodeId> = Vec::with_capacity(self.state.live.len());
        in_view.extend(
            self.state
                .live_nodes()
                .filter(|n| in_scheduler_view(n))
                .map(|n| n.id),
        );
        if in_view == snap.ids {
            let mut changed = Vec::new();
            let mut reorder = snap.prepared.is_none();
            for (i, id) in snap.ids.iter().enumerate() {
                let n = &nodes[id.index()];
                let stamp = Stamp::of(n);
                if stamp != snap.stamps[i] {
                    reorder |= stamp.phase != snap.stamps[i].phase;
                    snap.existing[i] = self.existing_node(n);
                    snap.stamps[i] = stamp;
                    changed.push(i);
                }
            }
            match snap.prepared.as_mut() {
                Some(p) if !reorder => p.refresh(&snap.existing, &changed),
                Some(p) => p.reprepare(&snap.existing, &changed, &[]),
                None => snap.prepared = Some(self.scheduler.prepare(&snap.existing)),
            }
        } else {
            // Both id lists ascend (`ClusterState::live` does): nodes that stay keep their
            // view (rebuilt if it changed) and the order among themselves, so the lists
            // are compacted in place, without moving each view through a new list.
            let mut keep: Vec<bool> = Vec::with_capacity(snap.ids.len());
            let mut joined: Vec<NodeId> = Vec::new();
            let mut j = 0;
            for old_id in &snap.ids {
                while let Some(id) = in_view.get(j).filter(|id| *id < old_id) {
                    joined.push(*id);
                    j += 1;
                }
                let stays = in_view.get(j) == Some(old_id);
                j += usize::from(stays);
                keep.push(stays);
            }
            joined.extend_from_slice(&in_view[j..]);
            let removed: Vec<usize> = (0..keep.len()).filter(|&i| !keep[i]).collect();
            let mut at_end = true;
            let mut flags = keep.iter();
            snap.existing.retain(|_| flags.next() == Some(&true));
            let mut flags = keep.iter();
            snap.stamps.retain(|_| flags.next() == Some(&true));
            let mut flags = keep.iter();
            snap.ids.retain(|_| flags.next() == Some(&true));
            let mut changed = Vec::new();
            for (i, id) in snap.ids.iter().enumerate() {
                let n = &nodes[id.index()];
                let stamp = Stamp::of(n);
                if stamp != snap.stamps[i] {
                    snap.existing[i] = self.existing_node(n);
                    snap.stamps[i] = stamp;
                    changed.push(i);
                }
            }
            // Nodes that joined the view: new launches at the end (ids grow), or rarely a
            // node back in view among the others.
            for id in joined {
                let n = &nodes[id.index()];
                let at = snap.ids.partition_point(|x| *x < id);
                at_end &= at == snap.ids.len();
                for c in changed.iter_mut().filter(|c| **c >= at) {
                    *c += 1;
                }
                changed.push(at);
                snap.existing.insert(at, self.existing_node(n));
                snap.stamps.insert(at, Stamp::of(n));
                snap.ids.insert(at, id);
            }
            snap.index.clear();
            snap.index.resize(nodes.len(), None);
            for (i, id) in snap.ids.iter().enumerate() {
                snap.index[id.index()] = Some(i);
            }
            match snap.prepared.as_mut() {
                Some(p) if at_end => p.reprepare(&snap.existing, &changed, &removed),
                _ => snap.prepared = Some(self.scheduler.prepare(&snap.existing)),
            }
        }
        snap.index.resize(nodes.len(), None);
        if snap.usage_at != Some(self.state.phase_edits) {
            snap.usage = self.pool_usage();
            snap.usage_at = Some(self.state.phase_edits);
        }
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
        for n in self
            .state
            .live_nodes()
            .filter(|n| n.disrupting || n.phase == NodePhase::Deleting)
        {
            snap.pending
                .extend(n.pods.iter().map(|p| self.state.pod(*p).pod.clone()));
        }
        // In the scheduler's queue order, so each probe's sort only merges two runs.
        snap.pending.sort_by_cached_key(packer::queue_key);
        snap.pending_runs = crate::shared_walks::PendingRuns::new(&snap.pending);
        snap.built = true;
        self.snapshot = snap;
        if self.check_invariants
            && let Some(what) = self.stale_view()
        {
            self.state.invariant_marks.note_violation(what);
        }
    }

    /// The nodes the last quick probe's walk chose, if it read only rooms
    /// (`packer::ProbeWalk`).
    pub fn plain_walk_nodes(&self) -> Option<Vec<NodeId>> {
        let snap = &self.snapshot;
        let walk = snap.prepared.as_ref()?.last_walk();
        walk.plain
            .then(|| walk.placed.iter().map(|&i| snap.ids[i]).collect())
    }

    /// With invariants on: how the kept view differs from one built afresh, if it does.
    fn stale_view(&self) -> Option<String> {
        let snap = &self.snapshot;
        let fresh: Vec<NodeId> = self
            .state
            .live_nodes()
            .filter(|n| in_scheduler_view(n))
            .map(|n| n.id)
            .collect();
        if fresh != snap.ids {
            return Some(format!(
                "snapshot holds nodes {:?}, the cluster shows {fresh:?}",
                snap.ids
            ));
        }
        if snap.usage != self.pool_usage() {
            return Some("snapshot's NodePool usage is stale".into());
        }
        for (i, id) in snap.ids.iter().enumerate() {
            let (kept, built) = (&snap.existing[i], self.existing_node(self.state.node(*id)));
            let counts = |e: &ExistingNode| e.pods.iter().map(|b| b.count).collect::<Vec<_>>();
            if snap.index[id.index()] != Some(i)
                || kept.id != built.id
                || kept.name != built.name
                || kept.initialized != built.initialized
                || kept.requested != built.requested
                || kept.allocatable != built.allocatable
                || counts(kept) != counts(&built)
            {
                return Some(format!("snapshot's view of node {} is stale", built.name));
            }
        }
        None
    }
}
