//! Node lifecycle: launch through its latency phases (API call, instance launch, boot,
//! registration) to ready; cordon, drain and terminate. DaemonSet pods are modelled as
//! per-node overhead that starts with the node. Karpenter nodes are drained as
//! Karpenter's terminator does it: PDB-respecting evictions with back-off and the
//! NodePool's `terminationGracePeriod` (see [`Drain`]).

use model::instance::{CapacityType, InstanceType};
use model::labels::{self, Labels};
use model::price::UsdPerHour;
use model::taints::first_untolerated_hard;
use model::{NodeId, Resources, SimDuration, SimTime};

use crate::config::{InventoryNode, InventoryOwner, LaunchLatency};
use crate::error::EngineError;
use crate::output::{EventKind, Provisioner};
use crate::rng::sample;
use crate::sim::{Event, Simulation};
use crate::state::{NodePhase, NodeState, PodPhase};
use packer::pod_demand;

/// Everything needed to launch a node.
pub struct LaunchSpec {
    pub provisioner: Provisioner,
    pub owner: usize,
    pub nodepool: Option<usize>,
    pub node_group: Option<usize>,
    pub instance_type: InstanceType,
    pub zone: String,
    pub capacity_type: CapacityType,
    pub price: UsdPerHour,
    pub pending_since: Option<SimTime>,
}

/// Launch phases, in order; the last one makes the node ready for pods.
const PHASES: [&str; 5] = [
    "api_call",
    "instance_launch",
    "boot",
    "registration",
    "pod_start",
];

/// `evictionQueueBaseDelay` and `evictionQueueMaxDelay`
/// (`pkg/controllers/node/termination/terminator/eviction.go`, the same from v0.37.0 to
/// v1.9): the eviction queue's per-pod `ItemExponentialFailureRateLimiter` retries the
/// n-th refused eviction of a pod after 100 ms × 2^(n−1), at most 10 s.
pub const EVICTION_BASE_DELAY: SimDuration = SimDuration(100);
pub const EVICTION_MAX_DELAY: SimDuration = SimDuration(10_000);

/// Starts the message of a `PodEvicted` event whose pod did not go through the Eviction
/// API (no PDB check): deleted at the terminationGracePeriod deadline, or gone with its
/// instance. Everything else evicted is a voluntary, PDB-respecting eviction.
pub const FORCED: &str = "forced: ";

/// The terminator's next step for a draining node rides on a `LaunchPhase` event with
/// this phase number (no launch has that many phases). The event loop offers no event of
/// its own for it; a dedicated `Event::DrainStep(NodeId)` would say the same more plainly.
const DRAIN_STEP: u8 = u8::MAX;

/// The delay before retrying a pod's eviction after its `refusals`-th refusal.
pub fn eviction_backoff(refusals: u32) -> SimDuration {
    let factor = 1u64 << refusals.saturating_sub(1).min(20);
    SimDuration(
        EVICTION_BASE_DELAY
            .0
            .saturating_mul(factor)
            .min(EVICTION_MAX_DELAY.0),
    )
}

/// A Karpenter node being drained by Karpenter's terminator
/// (`pkg/controllers/node/termination/`).
#[derive(Debug, Clone)]
pub struct Drain {
    /// Why the node goes (the disruption reason, expiry, interruption, …).
    pub reason: String,
    /// Start + `terminationGracePeriod` (v1): each pod is deleted at `deadline − its
    /// grace period` whatever PDBs and do-not-disrupt say, and the instance goes at the
    /// deadline. `None`: the drain may wait forever.
    pub deadline: Option<SimTime>,
    /// When the last pod evicted so far has finished its grace period.
    pub pods_gone_at: SimTime,
    /// Pods whose eviction a PDB refused, backing off.
    pub refused: Vec<Refusal>,
    /// do-not-disrupt pods already reported as waiting, so the log says it once.
    pub waiting_logged: Vec<model::PodId>,
    /// When the one queued step for this drain runs.
    pub next_step: Option<SimTime>,
}

/// One pod's refused evictions.
#[derive(Debug, Clone, Copy)]
pub struct Refusal {
    pub pod: model::PodId,
    pub refusals: u32,
    pub next_try: SimTime,
}

fn phase_distribution(l: &LaunchLatency, phase: usize) -> &crate::config::Distribution {
    match phase {
        0 => &l.api_call,
        1 => &l.instance_launch,
        2 => &l.boot,
        3 => &l.registration,
        _ => &l.pod_start,
    }
}

impl Simulation<'_> {
    fn node_labels(&self, spec: &LaunchSpec, name: &str) -> (Labels, Vec<model::taints::Taint>) {
        let mut l = spec.instance_type.labels.clone();
        l.insert(labels::ZONE.into(), spec.zone.clone());
        l.insert(
            labels::CAPACITY_TYPE.into(),
            spec.capacity_type.label_value().into(),
        );
        l.insert(labels::HOSTNAME.into(), name.to_string());
        let mut taints = Vec::new();
        if let Some(p) = spec.nodepool {
            let pool = &self.cfg.nodepools[p];
            l.insert(labels::NODEPOOL.into(), pool.name.clone());
            l.extend(pool.labels.clone());
            // Karpenter's template requirements with a single value become node labels.
            for r in pool.requirements.iter() {
                let vals: Vec<&str> = r.values().collect();
                if r.operator() == model::requirements::Operator::In
                    && vals.len() == 1
                    && !l.contains_key(&r.key)
                {
                    l.insert(r.key.clone(), vals[0].to_string());
                }
            }
            taints = pool.taints.clone();
        }
        if let Some(g) = spec.node_group {
            let group = &self.cfg.node_groups[g];
            l.extend(group.labels.clone());
            taints = group.taints.clone();
        }
        (l, taints)
    }

    /// Requests of the DaemonSets that run on a node with these labels and taints.
    fn daemon_overhead(&self, labels: &Labels, taints: &[model::taints::Taint]) -> Resources {
        self.cfg
            .daemonsets
            .iter()
            .filter(|d| {
                first_untolerated_hard(taints, &d.spec.tolerations).is_none()
                    && d.spec
                        .node_selector
                        .iter()
                        .all(|(k, v)| labels.get(k) == Some(v))
            })
            .fold(Resources::ZERO, |acc, d| {
                acc.saturating_add(&pod_demand(&d.spec.requests))
            })
    }

    fn new_node(
        &mut self,
        now: SimTime,
        spec: &LaunchSpec,
        name: String,
        phase: NodePhase,
    ) -> NodeId {
        let (labels, taints) = self.node_labels(spec, &name);
        let daemon_overhead = self.daemon_overhead(&labels, &taints);
        let scheduling_labels: Labels = labels
            .iter()
            .filter(|(k, _)| self.scheduling_label_keys.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let id = NodeId(self.state.nodes.len() as u32);
        self.state.live.push(id);
        self.state.phase_edits += 1;
        // A new node marks the cluster unconsolidated (`state/cluster.go:
        // triggerConsolidationOnChange` with no old state; for a NodeClaim, once it has a
        // provider id): it counts towards its NodePool's usage, and a candidate's pods
        // that would land on it while it launches wait for an uninitialized node.
        self.state.version += 1;
        self.state.nodes.push(NodeState {
            id,
            name,
            instance_type: spec.instance_type.name.clone(),
            zone: spec.zone.clone(),
            capacity_type: spec.capacity_type,
            provisioner: spec.provisioner,
            owner: spec.owner,
            nodepool: spec.nodepool,
            node_group: spec.node_group,
            labels,
            scheduling_labels,
            taints,
            capacity: spec.instance_type.capacity,
            allocatable: spec.instance_type.allocatable,
            daemon_overhead,
            requested: daemon_overhead,
            nominated_requests: Resources::ZERO,
            pods: Vec::new(),
            nominated: Vec::new(),
            phase,
            cordoned: false,
            price: spec.price,
            launched_at: now,
            decided_at: now,
            ready_at: if phase == NodePhase::Ready {
                Some(now)
            } else {
                None
            },
            terminated_at: None,
            termination_reason: None,
            launched_for_pending_since: spec.pending_since,
            initial: phase == NodePhase::Ready,
            last_pod_event: now,
            drifted: false,
            disrupting: false,
            unneeded_since: None,
            pod_edits: 0,
        });
        id
    }

    /// A node present at the start, already ready.
    pub fn add_inventory_node(&mut self, inv: &InventoryNode) -> Result<(), EngineError> {
        let (owner, nodepool, node_group, provisioner) = match inv.owner {
            InventoryOwner::NodePool(p) => (p, Some(p), None, Provisioner::Karpenter),
            InventoryOwner::NodeGroup(g) => {
                let prov = match self.cfg.node_groups[g].autoscaler {
                    crate::config::GroupAutoscaler::ClusterAutoscaler => {
                        Provisioner::ClusterAutoscaler
                    }
                    crate::config::GroupAutoscaler::None => Provisioner::Static,
                };
                (self.cfg.nodepools.len() + g, None, Some(g), prov)
            }
        };
        let known = match inv.owner {
            InventoryOwner::NodePool(p) => self.pool_types[p]
                .iter()
                .find(|t| t.name == inv.instance_type)
                .cloned(),
            InventoryOwner::NodeGroup(g) => self.group_types[g]
                .clone()
                .filter(|t| t.name == inv.instance_type),
        };
        // An inventory node may have a type its owner would not launch today.
        let kubelet = match inv.owner {
            InventoryOwner::NodePool(p) => &self.cfg.nodepool_kubelet[p],
            InventoryOwner::NodeGroup(g) => &self.cfg.node_groups[g].kubelet,
        };
        let instance_type = known
            .or_else(|| self.cfg.catalog.instance_type(&inv.instance_type, kubelet))
            .ok_or_else(|| {
                EngineError::Config(format!(
                    "inventory node {} has instance type {} with no offering in the region",
                    inv.name, inv.instance_type
                ))
            })?;
        let price = instance_type
            .offerings
            .iter()
            .find(|o| o.zone == inv.zone && o.capacity_type == inv.capacity_type)
            .or_else(|| {
                instance_type
                    .offerings
                    .iter()
                    .find(|o| o.capacity_type == inv.capacity_type)
            })
            .map(|o| o.price)
            .ok_or_else(|| {
                EngineError::Config(format!(
                    "inventory node {}: {} has no {} price in {}",
                    inv.name, inv.instance_type, inv.capacity_type, inv.zone
                ))
            })?;
        let spec = LaunchSpec {
            provisioner,
            owner,
            nodepool,
            node_group,
            instance_type,
            zone: inv.zone.clone(),
            capacity_type: inv.capacity_type,
            price,
            pending_since: None,
        };
        let id = self.new_node(inv.launched_at, &spec, inv.name.clone(), NodePhase::Ready);
        self.schedule_interruption(id);
        // Billing of pre-existing nodes starts with the simulation; their age still counts
        // toward expiry.
        let n = &mut self.state.nodes[id.index()];
        n.ready_at = Some(self.cfg.start);
        n.last_pod_event = self.cfg.start;
        if let Some(pool) = nodepool
            && self.cfg.karpenter.version == crate::config::KarpenterVersion::V1
            && let Some(e) = self.cfg.nodepools[pool].expire_after
        {
            self.queue.schedule(
                inv.launched_at.saturating_add(e).max(self.cfg.start),
                Event::Expire(id),
            );
        }
        Ok(())
    }

    /// Launches a node: it becomes ready after the provisioner's latency phases.
    pub fn launch_node(&mut self, now: SimTime, spec: LaunchSpec) -> NodeId {
        let prefix = match spec.provisioner {
            Provisioner::Karpenter => "karpenter",
            _ => "ca",
        };
        self.next_node_serial += 1;
        let owner_name = self.owner_name(spec.owner).to_string();
        let name = format!("{prefix}-{owner_name}-{:04}", self.next_node_serial);
        let id = self.new_node(now, &spec, name.clone(), NodePhase::Launching);
        self.log(
            now,
            EventKind::NodeLaunched,
            Some(spec.provisioner),
            Some(name),
            None,
            Some(owner_name),
            format!(
                "{} {} in {} at {}",
                spec.instance_type.name, spec.capacity_type, spec.zone, spec.price
            ),
        );
        self.schedule_phase(now, id, 0);
        id
    }

    fn schedule_phase(&mut self, now: SimTime, node: NodeId, phase: u8) {
        let provisioner = self.state.node(node).provisioner;
        let d: SimDuration = match provisioner {
            Provisioner::Karpenter => sample(
                phase_distribution(&self.cfg.latency.karpenter, phase as usize),
                &mut self.rng_karpenter,
            ),
            _ => sample(
                phase_distribution(&self.cfg.latency.cluster_autoscaler, phase as usize),
                &mut self.rng_ca,
            ),
        };
        self.queue
            .schedule(now.saturating_add(d), Event::LaunchPhase { node, phase });
    }

    /// A launch phase finished; after the last one the node is ready.
    pub fn launch_phase(&mut self, now: SimTime, node: NodeId, phase: u8) {
        if phase == DRAIN_STEP {
            self.drain_event(now, node);
            return;
        }
        if self.state.node(node).phase != NodePhase::Launching {
            return;
        }
        if (phase as usize) + 1 < PHASES.len() {
            if phase as usize == 2 {
                let n = self.state.node(node);
                let (name, prov, owner) = (
                    n.name.clone(),
                    n.provisioner,
                    self.owner_name(n.owner).to_string(),
                );
                self.log(
                    now,
                    EventKind::NodeRegistered,
                    Some(prov),
                    Some(name),
                    None,
                    Some(owner),
                    "instance booted; kubelet registering".into(),
                );
            }
            self.schedule_phase(now, node, phase + 1);
            return;
        }
        let n = &mut self.state.nodes[node.index()];
        n.phase = NodePhase::Ready;
        self.state.phase_edits += 1;
        n.ready_at = Some(now);
        n.last_pod_event = now;
        self.state.version += 1;
        let (name, prov, owner) = (n.name.clone(), n.provisioner, n.owner);
        let owner = self.owner_name(owner).to_string();
        let latency = self
            .state
            .node(node)
            .launched_for_pending_since
            .map(|s| now.since(s));
        let msg = match latency {
            Some(l) => format!(
                "ready {l} after its first pod became pending ({} after launch)",
                now.since(self.state.node(node).launched_at)
            ),
            None => format!(
                "ready {} after launch",
                now.since(self.state.node(node).launched_at)
            ),
        };
        self.log(
            now,
            EventKind::NodeReady,
            Some(prov),
            Some(name),
            None,
            Some(owner),
            msg,
        );
        self.queue_scheduler_pass();
        self.arm_ca_scan();
        self.schedule_expiry(node);
        self.schedule_interruption(node);
        self.advance_commands(now);
        self.arm_disruption();
    }

    /// v1 deletes a node at launch + expireAfter (v0.37 expires through the disruption pass).
    pub fn schedule_expiry(&mut self, node: NodeId) {
        let n = self.state.node(node);
        let Some(pool) = n.nodepool else { return };
        if self.cfg.karpenter.version != crate::config::KarpenterVersion::V1 {
            return;
        }
        if let Some(e) = self.cfg.nodepools[pool].expire_after {
            let at = n.launched_at.saturating_add(e);
            if at <= self.end {
                self.queue.schedule(at, Event::Expire(node));
            }
        }
    }

    /// Cordons a node and drains it; it terminates once its pods are gone.
    ///
    /// A Karpenter node is drained by Karpenter's terminator: evictions through the
    /// Eviction API, retried with back-off while a PDB refuses them, do-not-disrupt pods
    /// (v1) left alone, and everything deleted by the NodePool's `terminationGracePeriod`
    /// (see [`Drain`]). Any other node (cluster-autoscaler's scale-down, which checked PDBs
    /// when it chose the node, or an instance removed outside any controller) loses all
    /// its pods at once and terminates after their longest grace period.
    pub fn drain_and_terminate(&mut self, now: SimTime, node: NodeId, reason: &str) {
        let n = &mut self.state.nodes[node.index()];
        if matches!(n.phase, NodePhase::Deleting | NodePhase::Terminated) {
            return;
        }
        n.cordoned = true;
        let was_launching = n.phase == NodePhase::Launching;
        n.phase = NodePhase::Deleting;
        self.state.phase_edits += 1;
        // `triggerConsolidationOnChange`: marked for deletion. The node leaves the
        // scheduler's view, its pods need a place in every simulation, and it counts
        // against its NodePool's disruption budget.
        self.state.version += 1;
        n.termination_reason = Some(reason.to_string());
        let (name, prov, owner, pool) = (n.name.clone(), n.provisioner, n.owner, n.nodepool);
        let owner = self.owner_name(owner).to_string();
        let pods = self.state.node(node).pods.clone();
        let nominated = self.state.node(node).nominated.clone();
        // `NodeClaim.spec.terminationGracePeriod`, templated from the NodePool (v1 only;
        // validation rejects it under v0.37).
        let tgp = pool.and_then(|p| self.cfg.nodepools[p].termination_grace_period);
        let how = match (pool, tgp) {
            (None, _) => format!("evicting {} pods", pods.len()),
            (Some(_), None) => format!(
                "draining {} pods through the Eviction API (PDBs respected, no terminationGracePeriod)",
                pods.len()
            ),
            (Some(_), Some(t)) => format!(
                "draining {} pods through the Eviction API (PDBs respected); terminationGracePeriod {t}: whatever is left goes at {}",
                pods.len(),
                now.saturating_add(t)
            ),
        };
        self.log(
            now,
            EventKind::NodeDraining,
            Some(prov),
            Some(name),
            None,
            Some(owner),
            format!("{reason}: {how}"),
        );
        // Pods waiting for this node wait for another one.
        for p in nominated {
            self.unnominate(now, p);
        }
        if was_launching {
            self.queue.schedule(now, Event::NodeTerminate(node));
        } else if pool.is_some() {
            let deadline = tgp.map(|t| now.saturating_add(t));
            if let Some(d) = deadline {
                // The instance goes at the deadline whatever is still running
                // (`termination/controller.go`: past `nodeTerminationTime` nothing waits).
                self.queue.schedule(d, Event::NodeTerminate(node));
            }
            self.state.drains.insert(
                node,
                Drain {
                    reason: reason.to_string(),
                    deadline,
                    pods_gone_at: now,
                    refused: Vec::new(),
                    waiting_logged: Vec::new(),
                    next_step: None,
                },
            );
            self.drain_step(now, node);
        } else {
            // cluster-autoscaler checked PDBs when it chose the node (`pdbs_allow`); an
            // instance removed by the timeline or by AWS takes its pods with it.
            let why = if reason.starts_with("scale-down") {
                reason.to_string()
            } else {
                format!("{FORCED}{reason}")
            };
            let mut grace = SimDuration::ZERO;
            for p in pods {
                grace = grace.max(self.state.spec_of(p).termination_grace_period);
                self.evict_and_replace(now, p, &why);
            }
            self.queue
                .schedule(now.saturating_add(grace), Event::NodeTerminate(node));
        }
        self.queue_scheduler_pass();
    }

    /// A queued drain step fired (see [`DRAIN_STEP`]); stale ones are ignored.
    fn drain_event(&mut self, now: SimTime, node: NodeId) {
        match self.state.drains.get_mut(&node) {
            Some(d) if d.next_step == Some(now) => d.next_step = None,
            _ => return,
        }
        self.drain_step(now, node);
        self.queue_scheduler_pass();
    }

    /// One reconcile of Karpenter's terminator over a draining node
    /// (`terminator.go: Drain`): delete the pods whose terminationGracePeriod share has run
    /// out, try to evict every other evictable pod that is not backing off, and either
    /// hand the node to termination (nothing left) or queue the next step.
    fn drain_step(&mut self, now: SimTime, node: NodeId) {
        let Some(mut drain) = self.state.drains.remove(&node) else {
            return;
        };
        if self.state.node(node).phase != NodePhase::Deleting {
            return;
        }
        let v1 = self.cfg.karpenter.version == crate::config::KarpenterVersion::V1;
        let pods = self.state.node(node).pods.clone();
        drain.refused.retain(|r| pods.contains(&r.pod));
        let mut room = crate::pdb::EvictionBudget::default();
        let mut next: Option<SimTime> = None;
        let mut soonest = |t: SimTime| next = Some(next.map_or(t, |n: SimTime| n.min(t)));
        for p in pods {
            let spec = std::sync::Arc::clone(self.state.spec_of(p));
            let grace = spec.termination_grace_period;
            // `DeleteExpiringPods`: a pod is deleted at `deadline − its grace period`, so
            // it gets its full grace before the instance goes, PDBs and do-not-disrupt
            // notwithstanding. Its deletion grace is what is left until the deadline.
            if let Some(d) = drain.deadline {
                let delete_at = SimTime(d.0.saturating_sub(grace.0));
                if now >= delete_at {
                    let left = d.since(now);
                    drain.pods_gone_at = drain.pods_gone_at.max(now.saturating_add(left));
                    let msg = format!(
                        "{FORCED}{}: terminationGracePeriod ends at {d}; deleted with {left} grace regardless of PDBs and do-not-disrupt",
                        drain.reason
                    );
                    self.evict_and_replace(now, p, &msg);
                    continue;
                }
                soonest(delete_at);
            }
            // v1's `IsEvictable` skips pods with `karpenter.sh/do-not-disrupt`; the drain
            // waits for them to leave or for the deadline. v0.37 evicted them like any
            // other (`pkg/utils/pod/scheduling.go` at v0.37.0 and v1.0.0).
            if v1 && spec.do_not_disrupt {
                if !drain.waiting_logged.contains(&p) {
                    drain.waiting_logged.push(p);
                    let until = match drain.deadline {
                        Some(d) => format!(
                            "until the terminationGracePeriod deletes it at {}",
                            SimTime(d.0.saturating_sub(grace.0))
                        ),
                        None => "until it leaves (no terminationGracePeriod)".into(),
                    };
                    self.log_drain(
                        now,
                        node,
                        p,
                        format!("pod has karpenter.sh/do-not-disrupt: not evicted, the node waits {until}"),
                    );
                }
                // Re-check now and then whether it has left on its own.
                soonest(now.saturating_add(EVICTION_MAX_DELAY));
                continue;
            }
            let slot = drain.refused.iter().position(|r| r.pod == p);
            if let Some(i) = slot
                && drain.refused[i].next_try > now
            {
                soonest(drain.refused[i].next_try);
                continue;
            }
            let w = self.state.pod(p).pod.workload.index();
            if room.try_take(self, w) {
                let msg = match slot.map(|i| drain.refused[i].refusals) {
                    Some(k) => format!("{} (evicted after {k} refused attempts)", drain.reason),
                    None => drain.reason.clone(),
                };
                if let Some(i) = slot {
                    drain.refused.remove(i);
                }
                drain.pods_gone_at = drain.pods_gone_at.max(now.saturating_add(grace));
                self.evict_and_replace(now, p, &msg);
                continue;
            }
            // HTTP 429: the PDB allows no disruption now. The eviction queue requeues the
            // pod with its per-item exponential back-off.
            let refusals = slot.map_or(1, |i| drain.refused[i].refusals + 1);
            let next_try = now.saturating_add(eviction_backoff(refusals));
            match slot {
                Some(i) => {
                    drain.refused[i].refusals = refusals;
                    drain.refused[i].next_try = next_try;
                }
                None => {
                    drain.refused.push(Refusal {
                        pod: p,
                        refusals,
                        next_try,
                    });
                    let pdb = self.cfg.workloads[w].name.clone();
                    self.log_drain(
                        now,
                        node,
                        p,
                        format!(
                            "eviction refused (429): the PDB of {pdb} allows no disruption now; retrying with back-off ({EVICTION_BASE_DELAY} doubling to {EVICTION_MAX_DELAY})"
                        ),
                    );
                }
            }
            soonest(next_try);
        }
        if self.state.node(node).pods.is_empty() {
            // Drained: the instance goes when the last evicted pod has had its grace
            // period, or at the deadline if that comes first.
            let at = drain
                .deadline
                .map_or(drain.pods_gone_at, |d| d.min(drain.pods_gone_at))
                .max(now);
            self.queue.schedule(at, Event::NodeTerminate(node));
            return;
        }
        // Every pod left is backing off, waiting for its deadline or do-not-disrupt; the
        // fallback only guards against a drain that would never look again.
        let t = next
            .unwrap_or(now.saturating_add(EVICTION_MAX_DELAY))
            .max(now.saturating_add(SimDuration(1)));
        drain.next_step = Some(t);
        self.queue.schedule(
            t,
            Event::LaunchPhase {
                node,
                phase: DRAIN_STEP,
            },
        );
        self.state.drains.insert(node, drain);
    }

    fn log_drain(&mut self, now: SimTime, node: NodeId, pod: model::PodId, message: String) {
        let n = self.state.node(node);
        let (name, prov, owner) = (n.name.clone(), n.provisioner, n.owner);
        let owner = self.owner_name(owner).to_string();
        let pod = self.state.pod(pod).pod.name.clone();
        self.log(
            now,
            EventKind::NodeDraining,
            Some(prov),
            Some(name),
            Some(pod.to_string()),
            Some(owner),
            message,
        );
    }

    fn unnominate(&mut self, now: SimTime, pod: model::PodId) {
        self.state.unnominate(pod);
        if self.state.pod(pod).phase == PodPhase::Pending {
            self.on_pending(now, pod);
        }
    }

    /// The instance is gone: whatever still runs on it goes too (the owners recreate it).
    pub fn terminate_node(&mut self, now: SimTime, node: NodeId) {
        if self.state.node(node).phase == NodePhase::Terminated {
            return;
        }
        self.state.drains.remove(&node);
        let left = self.state.node(node).pods.clone();
        for p in left {
            self.evict_and_replace(
                now,
                p,
                &format!("{FORCED}its node was terminated while it still ran"),
            );
        }
        for p in self.state.node(node).nominated.clone() {
            self.unnominate(now, p);
        }
        if let Ok(i) = self.state.live.binary_search(&node) {
            self.state.live.remove(i);
        }
        let n = &mut self.state.nodes[node.index()];
        n.phase = NodePhase::Terminated;
        self.state.phase_edits += 1;
        n.terminated_at = Some(now);
        self.state.version += 1;
        let (name, prov, owner, reason) = (
            n.name.clone(),
            n.provisioner,
            n.owner,
            n.termination_reason.clone().unwrap_or_default(),
        );
        let owner = self.owner_name(owner).to_string();
        self.log(
            now,
            EventKind::NodeTerminated,
            Some(prov),
            Some(name),
            None,
            Some(owner),
            reason,
        );
        self.arm_ca_scan();
        // Freed NodePool capacity may let Karpenter place pods it could not before.
        if self.karpenter_enabled && !self.state.pending.is_empty() {
            self.trigger_batch(now);
        }
    }

    /// NodePools first, then node groups, as `RunOutput::owners`.
    pub fn owner_name(&self, owner: usize) -> &str {
        let pools = self.cfg.nodepools.len();
        if owner < pools {
            &self.cfg.nodepools[owner].name
        } else {
            &self.cfg.node_groups[owner - pools].name
        }
    }
}
