//! Node lifecycle: launch through its latency phases (API call, instance launch, boot,
//! registration) to ready; cordon, drain and terminate. DaemonSet pods are modelled as
//! per-node overhead that starts with the node.

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

    /// Cordons a node, evicts its pods (their owners recreate them) and terminates it
    /// after the longest termination grace period among them.
    pub fn drain_and_terminate(&mut self, now: SimTime, node: NodeId, reason: &str) {
        let n = &mut self.state.nodes[node.index()];
        if matches!(n.phase, NodePhase::Deleting | NodePhase::Terminated) {
            return;
        }
        n.cordoned = true;
        let was_launching = n.phase == NodePhase::Launching;
        n.phase = NodePhase::Deleting;
        n.termination_reason = Some(reason.to_string());
        let (name, prov, owner) = (n.name.clone(), n.provisioner, n.owner);
        let owner = self.owner_name(owner).to_string();
        let pods = self.state.node(node).pods.clone();
        let nominated = self.state.node(node).nominated.clone();
        self.log(
            now,
            EventKind::NodeDraining,
            Some(prov),
            Some(name),
            None,
            Some(owner),
            format!("{reason}: evicting {} pods", pods.len()),
        );
        let mut grace = SimDuration::ZERO;
        for p in pods {
            grace = grace.max(self.state.spec_of(p).termination_grace_period);
            self.evict_and_replace(now, p, reason);
        }
        // Pods waiting for this node wait for another one.
        for p in nominated {
            self.unnominate(now, p);
        }
        let at = if was_launching {
            now
        } else {
            now.saturating_add(grace)
        };
        self.queue.schedule(at, Event::NodeTerminate(node));
        self.queue_scheduler_pass();
    }

    fn unnominate(&mut self, now: SimTime, pod: model::PodId) {
        self.state.unnominate(pod);
        if self.state.pod(pod).phase == PodPhase::Pending {
            self.on_pending(now, pod);
        }
    }

    pub fn terminate_node(&mut self, now: SimTime, node: NodeId) {
        let n = &mut self.state.nodes[node.index()];
        if n.phase == NodePhase::Terminated {
            return;
        }
        n.phase = NodePhase::Terminated;
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
