//! Cluster state: nodes and pods in `Vec`s indexed by their ids, and the pending set.
//! Nothing here decides anything; the controllers do.

use std::collections::BTreeSet;
use std::sync::Arc;

use model::labels::Labels;
use model::pod::{Pod, PodSpec};
use model::taints::Taint;
use model::{NodeId, PodId, Resources, SimTime};

use crate::output::Provisioner;
use packer::pod_demand;

/// Which controller a pending pod waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Karpenter,
    ClusterAutoscaler,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodPhase {
    Pending,
    Bound(NodeId),
    /// Deleted, evicted or completed; kept so ids stay indices.
    Gone,
}

#[derive(Debug, Clone)]
pub struct PodState {
    pub pod: Pod,
    pub phase: PodPhase,
    pub pending_since: Option<SimTime>,
    /// A node launched (or chosen) for this pod that it waits for.
    pub nominated: Option<NodeId>,
    pub route: Route,
    /// kube-scheduler tried and failed to place it (`PodScheduled=False, Unschedulable`):
    /// only such pods are provisionable for the autoscalers.
    pub unschedulable: bool,
    /// The last unschedulable reason logged, to log only changes.
    pub last_reason: Option<String>,
    /// Bound at this time (for Jobs' run time and metrics).
    pub bound_at: Option<SimTime>,
}

/// Where a node is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodePhase {
    /// The cloud API call is in flight or the instance is booting.
    Launching,
    /// Registered and ready: pods can bind.
    Ready,
    /// Cordoned and being drained; will terminate.
    Deleting,
    Terminated,
}

#[derive(Debug, Clone)]
pub struct NodeState {
    pub id: NodeId,
    pub name: String,
    pub instance_type: String,
    pub zone: String,
    pub capacity_type: model::instance::CapacityType,
    pub provisioner: Provisioner,
    /// Index into the owner list (NodePools, then node groups).
    pub owner: usize,
    pub nodepool: Option<usize>,
    pub node_group: Option<usize>,
    pub labels: Labels,
    /// `labels` restricted to the keys pods' constraints mention (what the scheduler reads).
    pub scheduling_labels: Labels,
    pub taints: Vec<Taint>,
    pub capacity: Resources,
    pub allocatable: Resources,
    /// DaemonSet pods' requests on this node (they are overhead, not pod objects).
    pub daemon_overhead: Resources,
    /// Bound pods' requests plus daemon overhead.
    pub requested: Resources,
    /// Requests of pods nominated to it while it launches.
    pub nominated_requests: Resources,
    pub pods: Vec<PodId>,
    pub nominated: Vec<PodId>,
    pub phase: NodePhase,
    pub cordoned: bool,
    pub price: model::price::UsdPerHour,
    pub launched_at: SimTime,
    pub decided_at: SimTime,
    pub ready_at: Option<SimTime>,
    pub terminated_at: Option<SimTime>,
    pub termination_reason: Option<String>,
    /// When the earliest pod it was launched for became pending.
    pub launched_for_pending_since: Option<SimTime>,
    /// Part of the inventory at the start (not launched during the run).
    pub initial: bool,
    /// When a pod last bound to or left this node (`consolidateAfter` counts from it).
    pub last_pod_event: SimTime,
    /// Marked by a NodePool change (`drift_nodepool`).
    pub drifted: bool,
    /// Part of an in-flight disruption command.
    pub disrupting: bool,
    /// cluster-autoscaler: since when the node has been unneeded.
    pub unneeded_since: Option<SimTime>,
    /// Counts changes to `pods` and `nominated` (and so to the requests), so a cached
    /// view of the node knows when it is stale.
    pub pod_edits: u64,
}

impl NodeState {
    pub fn is_schedulable(&self) -> bool {
        self.phase == NodePhase::Ready && !self.cordoned
    }

    /// Exists for billing and counting: launched and not terminated.
    pub fn exists(&self) -> bool {
        self.phase != NodePhase::Terminated
    }

    pub fn free(&self) -> Resources {
        self.allocatable
            .saturating_sub(&self.requested)
            .saturating_sub(&self.nominated_requests)
    }
}

#[derive(Debug, Default)]
pub struct ClusterState {
    pub nodes: Vec<NodeState>,
    /// Ids of the nodes not yet terminated, ascending. Most nodes of a long day are
    /// terminated, and the controllers' per-pass scans only ever look at live ones.
    pub live: Vec<NodeId>,
    pub pods: Vec<PodState>,
    pub pending: BTreeSet<PodId>,
    /// Live pods of each workload, oldest first (ids grow with creation). A set, because
    /// scaling a 30,000-pod Deployment down removed pods one linear scan at a time.
    pub workload_pods: Vec<BTreeSet<PodId>>,
    /// How many of each workload's live pods are bound to a node: the PDBs' "healthy"
    /// count, kept here because every disruption pass reads it for every workload.
    pub workload_bound: Vec<u32>,
    /// The current simulated time, set by the event loop (for pod-event timestamps).
    pub now: SimTime,
    /// Bumped on every change that can alter a consolidation decision, so the disruption
    /// controller can skip passes over an unchanged cluster (Karpenter's `IsConsolidated`).
    pub version: u64,
    /// Bumped whenever a node joins or changes phase: all that NodePool usage reads
    /// (`Simulation::pool_usage`).
    pub phase_edits: u64,
    /// Karpenter's terminator: the drains in progress, with their refused evictions.
    /// Read and written by `lifecycle.rs` only.
    pub drains: std::collections::BTreeMap<NodeId, crate::lifecycle::Drain>,
    /// What the invariant checker remembers between events. Written by `invariants.rs`
    /// only.
    pub invariant_marks: crate::invariants::Marks,
}

impl ClusterState {
    pub fn pod(&self, id: PodId) -> &PodState {
        &self.pods[id.index()]
    }

    pub fn node(&self, id: NodeId) -> &NodeState {
        &self.nodes[id.index()]
    }

    /// Nodes not yet terminated, in id order (what `nodes.iter().filter(exists)` gives).
    pub fn live_nodes(&self) -> impl Iterator<Item = &NodeState> + '_ {
        self.live.iter().map(|id| &self.nodes[id.index()])
    }

    pub fn spec_of(&self, id: PodId) -> &Arc<PodSpec> {
        &self.pods[id.index()].pod.spec
    }

    /// Binds a pending pod to a ready node.
    pub fn bind(&mut self, pod: PodId, node: NodeId, now: SimTime) {
        let requests = *self.pods[pod.index()].pod.requests();
        let p = &mut self.pods[pod.index()];
        if let Some(n) = p.nominated.take() {
            let nn = &mut self.nodes[n.index()];
            nn.nominated.retain(|x| *x != pod);
            nn.nominated_requests = nn.nominated_requests.saturating_sub(&pod_demand(&requests));
            nn.pod_edits += 1;
        }
        if !matches!(p.phase, PodPhase::Bound(_)) {
            self.workload_bound[p.pod.workload.index()] += 1;
        }
        p.phase = PodPhase::Bound(node);
        p.bound_at = Some(now);
        p.last_reason = None;
        self.pending.remove(&pod);
        let n = &mut self.nodes[node.index()];
        n.pods.push(pod);
        n.pod_edits += 1;
        n.requested = n.requested.saturating_add(&pod_demand(&requests));
        n.last_pod_event = now;
        self.version += 1;
    }

    /// Removes a pod from wherever it is.
    pub fn remove_pod(&mut self, pod: PodId) {
        let requests = *self.pods[pod.index()].pod.requests();
        let p = &mut self.pods[pod.index()];
        match p.phase {
            PodPhase::Bound(node) => {
                let n = &mut self.nodes[node.index()];
                n.pods.retain(|x| *x != pod);
                n.pod_edits += 1;
                n.requested = n.requested.saturating_sub(&pod_demand(&requests));
                n.last_pod_event = self.now;
                self.workload_bound[p.pod.workload.index()] -= 1;
            }
            PodPhase::Pending => {
                self.pending.remove(&pod);
            }
            PodPhase::Gone => return,
        }
        if let Some(n) = p.nominated.take() {
            let nn = &mut self.nodes[n.index()];
            nn.nominated.retain(|x| *x != pod);
            nn.nominated_requests = nn.nominated_requests.saturating_sub(&pod_demand(&requests));
            nn.pod_edits += 1;
        }
        p.phase = PodPhase::Gone;
        self.version += 1;
        let w = p.pod.workload.index();
        self.workload_pods[w].remove(&pod);
    }

    /// Drops a pod's nomination, if any.
    pub fn unnominate(&mut self, pod: PodId) {
        let requests = *self.pods[pod.index()].pod.requests();
        if let Some(n) = self.pods[pod.index()].nominated.take() {
            let nn = &mut self.nodes[n.index()];
            nn.nominated.retain(|x| *x != pod);
            nn.nominated_requests = nn.nominated_requests.saturating_sub(&pod_demand(&requests));
            nn.pod_edits += 1;
            // A node's nominations rule it out as a candidate and reserve its room in
            // every simulation.
            self.version += 1;
        }
    }

    /// Nominates a pending pod to a (launching or ready) node.
    pub fn nominate(&mut self, pod: PodId, node: NodeId) {
        let requests = *self.pods[pod.index()].pod.requests();
        if let Some(prev) = self.pods[pod.index()].nominated {
            if prev == node {
                return;
            }
            let pn = &mut self.nodes[prev.index()];
            pn.nominated.retain(|x| *x != pod);
            pn.nominated_requests = pn.nominated_requests.saturating_sub(&pod_demand(&requests));
            pn.pod_edits += 1;
        }
        self.pods[pod.index()].nominated = Some(node);
        let n = &mut self.nodes[node.index()];
        n.nominated.push(pod);
        n.pod_edits += 1;
        n.nominated_requests = n.nominated_requests.saturating_add(&pod_demand(&requests));
        // See `unnominate`: a nomination changes what a disruption pass sees.
        self.version += 1;
    }
}
