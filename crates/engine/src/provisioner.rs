//! Karpenter's provisioner: batch pending pods (`batcher.go`: 1 s idle, 10 s max), run
//! one scheduling solve per batch (`provisioner.go: Schedule`), nominate pods to existing
//! or in-flight nodes, and launch a node for every new NodeClaim.

use std::sync::Arc;

use model::{NodeId, NodePoolId, PodId, SimTime};
use packer::{ExistingNode, NodeRef, PoolUsage};

use crate::config::CutoverSemantics;
use crate::output::{EventKind, Provisioner};
use crate::sim::{BatchWindow, Event, Simulation};
use crate::state::{NodePhase, NodeState, Route};

impl Simulation<'_> {
    /// A pod Karpenter watches became pending: open or extend the batch window.
    pub fn trigger_batch(&mut self, now: SimTime) {
        match &mut self.batch {
            Some(b) => b.last_trigger = now,
            None => {
                self.batch = Some(BatchWindow {
                    opened_at: now,
                    last_trigger: now,
                });
                self.queue.schedule(
                    now.saturating_add(self.cfg.karpenter.batch_idle),
                    Event::KarpenterBatch,
                );
            }
        }
    }

    /// The batch timer fired: close the window if idle or at its maximum, else wait on.
    pub fn karpenter_batch(&mut self, now: SimTime) {
        let Some(b) = self.batch else { return };
        let idle_end = b.last_trigger.saturating_add(self.cfg.karpenter.batch_idle);
        let max_end = b.opened_at.saturating_add(self.cfg.karpenter.batch_max);
        let close_at = idle_end.min(max_end);
        if now < close_at {
            self.queue.schedule(close_at, Event::KarpenterBatch);
            return;
        }
        self.batch = None;
        if self.karpenter_enabled {
            self.provision(now);
        }
    }

    /// Whether `autoscaler` may provision for a pending pod: kube-scheduler marked it
    /// unschedulable (`pkg/utils/pod/scheduling.go: IsProvisionable`) and, with
    /// provisioning-share semantics, the pod was routed to it.
    pub fn provisionable_for(&self, pod: PodId, autoscaler: Route) -> bool {
        let ps = self.state.pod(pod);
        let routed = match self.cfg.cutover {
            CutoverSemantics::Karpenter => true,
            CutoverSemantics::ProvisioningShare { .. } => ps.route == autoscaler,
        };
        routed && ps.unschedulable
    }

    /// Pods Karpenter should schedule now: pending, not waiting on a launching node, and
    /// (with provisioning-share semantics) routed to Karpenter.
    fn karpenter_pods(&self) -> Vec<PodId> {
        self.state
            .pending
            .iter()
            .copied()
            .filter(|p| {
                let ps = self.state.pod(*p);
                self.provisionable_for(*p, Route::Karpenter)
                    && ps
                        .nominated
                        .is_none_or(|n| self.state.node(n).phase != NodePhase::Launching)
            })
            .collect()
    }

    /// One provisioning solve.
    pub fn provision(&mut self, now: SimTime) {
        let pod_ids = self.karpenter_pods();
        if pod_ids.is_empty() {
            return;
        }
        let pods: Vec<model::pod::Pod> = pod_ids
            .iter()
            .map(|p| self.state.pod(*p).pod.clone())
            .collect();
        // The disruption controller's cached view of the nodes serves here too.
        self.snapshot.release();
        let draft = self.solve_on_snapshot(&pods, &[], packer::Stops::default());
        self.snapshot.release();
        let mut out = draft.output;
        out.new_claims = draft
            .claims
            .into_iter()
            .map(|c| self.scheduler.finalize(c))
            .collect();
        self.log(
            now,
            EventKind::ProvisionerBatch,
            Some(Provisioner::Karpenter),
            None,
            None,
            None,
            format!("scheduled {} pods: {} to existing or in-flight nodes, {} new NodeClaims, {} unschedulable", pods.len(), out.bindings.len(), out.new_claims.len(), out.unschedulable.len()),
        );
        for b in &out.bindings {
            let NodeRef::Node(node) = b.node else {
                continue;
            };
            self.state.nominate(b.pod, node);
        }
        for claim in &out.new_claims {
            if claim.launch.is_none() {
                for p in &claim.pods {
                    self.note_unschedulable(now, *p, "its NodeClaim has no launchable offering");
                }
                continue;
            }
            let pool = claim.nodepool.index();
            let pending_since = claim
                .pods
                .iter()
                .filter_map(|p| self.state.pod(*p).pending_since)
                .min();
            let Some(launch) = self.launch_with_capacity(now, claim) else {
                for p in &claim.pods {
                    self.note_unschedulable(
                        now,
                        *p,
                        "no offering of its NodeClaim had capacity (InsufficientInstanceCapacity)",
                    );
                }
                self.trigger_batch(now);
                continue;
            };
            let launch = &launch;
            let Some(node) = self.launch_karpenter_node(now, pool, launch, pending_since) else {
                for p in &claim.pods {
                    self.note_unschedulable(
                        now,
                        *p,
                        "its NodeClaim chose an instance type outside the NodePool's catalogue",
                    );
                }
                continue;
            };
            let options = claim.instance_type_options.len();
            let pool_name = self.cfg.nodepools[pool].name.clone();
            let node_name = self.state.node(node).name.clone();
            self.log(
                now,
                EventKind::NodeClaimCreated,
                Some(Provisioner::Karpenter),
                Some(node_name),
                None,
                Some(pool_name),
                format!(
                    "{} pods need {}; launching {} {} in {} at {} ({} instance types allowed)",
                    claim.pods.len(),
                    claim.requests,
                    launch.instance_type_name,
                    launch.capacity_type,
                    launch.zone,
                    launch.price,
                    options
                ),
            );
            for p in &claim.pods {
                self.state.nominate(*p, node);
            }
        }
        for u in &out.unschedulable {
            self.note_unschedulable(now, u.pod, &u.reason);
        }
        self.queue_scheduler_pass();
    }

    /// Logs why a pod cannot be placed, once per distinct reason.
    pub fn note_unschedulable(&mut self, now: SimTime, pod: PodId, reason: &str) {
        let ps = &mut self.state.pods[pod.index()];
        if ps.last_reason.as_deref() == Some(reason) {
            return;
        }
        ps.last_reason = Some(reason.to_string());
        let name = ps.pod.name.clone();
        self.log(
            now,
            EventKind::PodUnschedulable,
            Some(Provisioner::Karpenter),
            None,
            Some(name.to_string()),
            None,
            reason.to_string(),
        );
    }

    /// Every node that can take pods, as Karpenter's cluster state sees it: ready nodes and
    /// launching ones (uninitialized), not those being deleted or cordoned.
    /// One node as the scheduler sees it: room, labels it may read, and its pods (bound
    /// and nominated) for topology counting.
    pub fn existing_node(&self, n: &NodeState) -> ExistingNode {
        ExistingNode {
            id: NodeRef::Node(n.id),
            name: n.name.clone(),
            labels: n.scheduling_labels.clone(),
            taints: n.taints.clone(),
            allocatable: n.allocatable,
            requested: n.requested.saturating_add(&n.nominated_requests),
            initialized: n.phase == NodePhase::Ready,
            nodepool: n.nodepool.map(|p| NodePoolId(p as u32)),
            pods: packer::BoundPods::group(
                n.pods
                    .iter()
                    .chain(n.nominated.iter())
                    .map(|p| Arc::clone(self.state.spec_of(*p))),
            ),
        }
    }

    /// Capacity of each NodePool's nodes that are not being deleted (`state/cluster.go`).
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        let mut usage = vec![PoolUsage::default(); self.cfg.nodepools.len()];
        for n in self
            .state
            .live_nodes()
            .filter(|n| matches!(n.phase, NodePhase::Launching | NodePhase::Ready))
        {
            if let Some(p) = n.nodepool {
                usage[p].capacity = usage[p].capacity.saturating_add(&n.capacity);
                usage[p].nodes += 1;
            }
        }
        usage
    }

    pub fn launch_karpenter_node(
        &mut self,
        now: SimTime,
        pool: usize,
        launch: &packer::LaunchChoice,
        pending_since: Option<SimTime>,
    ) -> Option<NodeId> {
        let it = self.pool_types[pool]
            .iter()
            .find(|t| t.name == launch.instance_type_name)
            .cloned()?;
        Some(self.launch_node(
            now,
            crate::lifecycle::LaunchSpec {
                provisioner: Provisioner::Karpenter,
                owner: pool,
                nodepool: Some(pool),
                node_group: None,
                instance_type: it,
                zone: launch.zone.clone(),
                capacity_type: launch.capacity_type,
                price: launch.price,
                pending_since,
            },
        ))
    }
}

/// Whether a node is in the scheduler's view: launching or ready, and not cordoned.
pub fn in_scheduler_view(n: &NodeState) -> bool {
    matches!(n.phase, NodePhase::Launching | NodePhase::Ready) && !n.cordoned
}
