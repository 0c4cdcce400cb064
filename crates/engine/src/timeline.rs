//! Scripted changes from the scenario's `[[timeline]]`.

use model::SimTime;

use crate::config::{Action, Controller, CutoverSemantics};
use crate::output::EventKind;
use crate::sim::{Simulation, build_scheduler};
use crate::state::{NodePhase, PodPhase, Route};

impl Simulation<'_> {
    pub fn apply_timeline(&mut self, now: SimTime, i: usize) {
        let ev = &self.cfg.timeline[i];
        let note = ev.note.clone().unwrap_or_default();
        let message = match ev.action.clone() {
            Action::SetNodePoolWeight { nodepool, weight } => {
                self.weights[nodepool] = weight;
                self.scheduler = build_scheduler(self.cfg, &self.pool_types, &self.weights);
                // A prepared snapshot holds what the old scheduler's pools produced.
                self.snapshot.prepared = None;
                self.pools_changed();
                // A NodePool spec change re-triggers consolidation
                // (`state/informer/nodepool.go`): replacements may come from another pool.
                self.state.version += 1;
                let mut m = format!(
                    "NodePool {} weight = {weight}",
                    self.cfg.nodepools[nodepool].name
                );
                if let CutoverSemantics::ProvisioningShare { nodepool: follows } = self.cfg.cutover
                    && follows == nodepool
                {
                    self.share_bp = weight * 100;
                    m.push_str(&format!(
                        "; Karpenter now provisions for {weight}% of newly pending pods"
                    ));
                }
                m
            }
            Action::SetProvisioningShare { share_bp } => {
                self.share_bp = share_bp;
                format!(
                    "Karpenter share of newly pending pods = {}%",
                    share_bp as f64 / 100.0
                )
            }
            Action::SetNodeGroupSize {
                node_group,
                min,
                max,
                desired,
            } => self.resize_group(now, node_group, min, max, desired),
            Action::ScaleController {
                controller,
                replicas,
            } => {
                let on = replicas > 0;
                match controller {
                    Controller::ClusterAutoscaler => self.ca_enabled = on,
                    Controller::Karpenter => {
                        self.karpenter_enabled = on;
                        // A restarted controller remembers no consolidated state.
                        self.state.version += 1;
                    }
                }
                self.reroute_pending(now);
                self.arm_disruption();
                format!(
                    "{} scaled to {replicas} replicas",
                    if controller == Controller::Karpenter {
                        "Karpenter"
                    } else {
                        "cluster-autoscaler"
                    }
                )
            }
            Action::CordonNode { node } => match self.node_by_name(&node) {
                Some(id) => {
                    self.state.nodes[id.index()].cordoned = true;
                    // Karpenter's cluster state does not react to a cordon, but a pass
                    // here does: a cordoned node is no candidate and takes no pods.
                    self.state.version += 1;
                    format!("cordoned {node}")
                }
                None => format!("cordon {node}: no such node any more"),
            },
            Action::DeleteNode { node } => match self.node_by_name(&node) {
                Some(id) => {
                    self.drain_and_terminate(now, id, "timeline: delete_node");
                    format!("deleted {node}")
                }
                None => format!("delete {node}: no such node any more"),
            },
            Action::DriftNodePool { nodepool } => {
                for n in self.state.nodes.iter_mut().filter(|n| {
                    n.nodepool == Some(nodepool) && n.phase != crate::state::NodePhase::Terminated
                }) {
                    n.drifted = true;
                }
                self.state.version += 1;
                format!(
                    "NodePool {} changed: its nodes are marked drifted",
                    self.cfg.nodepools[nodepool].name
                )
            }
            Action::SetBudgets { nodepool, budgets } => {
                let shown: Vec<String> = budgets.iter().map(|b| b.nodes.to_string()).collect();
                self.budget_override[nodepool] = Some(budgets);
                // A NodePool spec change (`state/informer/nodepool.go`).
                self.state.version += 1;
                format!(
                    "NodePool {} budgets = [{}]",
                    self.cfg.nodepools[nodepool].name,
                    shown.join(", ")
                )
            }
            Action::SetTraffic { multiplier_bp } => {
                self.traffic_bp = multiplier_bp;
                self.reconcile_workloads(now);
                format!("traffic × {}", multiplier_bp as f64 / 10_000.0)
            }
            Action::ScaleWorkload { workload, replicas } => {
                self.replica_override[workload] = Some(replicas);
                self.reconcile_workloads(now);
                format!(
                    "workload {} replicas = {replicas}",
                    self.cfg.workloads[workload].name
                )
            }
        };
        let message = if note.is_empty() {
            message
        } else {
            format!("{message} ({note})")
        };
        self.log(now, EventKind::Timeline, None, None, None, None, message);
    }

    fn node_by_name(&self, name: &str) -> Option<model::NodeId> {
        self.state
            .nodes
            .iter()
            .find(|n| n.name == name && matches!(n.phase, NodePhase::Launching | NodePhase::Ready))
            .map(|n| n.id)
    }

    /// After an autoscaler stops or starts, pending pods wait on one that runs.
    fn reroute_pending(&mut self, now: SimTime) {
        let pending: Vec<model::PodId> = self.state.pending.iter().copied().collect();
        for p in pending {
            let route = self.state.pod(p).route;
            let stranded = (route == Route::ClusterAutoscaler && !self.ca_enabled)
                || (route == Route::Karpenter && !self.karpenter_enabled);
            if stranded && self.state.pod(p).phase == PodPhase::Pending {
                let new_route = if self.karpenter_enabled {
                    Route::Karpenter
                } else {
                    Route::ClusterAutoscaler
                };
                self.state.pods[p.index()].route = new_route;
                self.on_pending(now, p);
            }
        }
        self.arm_ca_scan();
    }

    fn resize_group(
        &mut self,
        now: SimTime,
        g: usize,
        min: Option<u32>,
        max: Option<u32>,
        desired: Option<u32>,
    ) -> String {
        let (old_min, old_max) = self.group_bounds[g];
        let (new_min, new_max) = (min.unwrap_or(old_min), max.unwrap_or(old_max));
        self.group_bounds[g] = (new_min, new_max);
        let size = self.group_size(g);
        let target = desired.unwrap_or(size).clamp(new_min, new_max.max(new_min));
        let name = self.cfg.node_groups[g].name.clone();
        if target > size {
            for _ in size..target {
                self.launch_group_node(now, g, None);
            }
        } else if target < size {
            // An ASG's default termination policy balances zones first; karpsim simply
            // removes the most recently launched nodes.
            let mut victims: Vec<model::NodeId> = self
                .state
                .nodes
                .iter()
                .filter(|n| {
                    n.node_group == Some(g)
                        && matches!(n.phase, NodePhase::Launching | NodePhase::Ready)
                })
                .map(|n| n.id)
                .collect();
            victims.sort_by_key(|id| std::cmp::Reverse((self.state.node(*id).launched_at, id.0)));
            for id in victims.into_iter().take((size - target) as usize) {
                self.drain_and_terminate(now, id, "timeline: set_node_group_size");
            }
        }
        format!("node group {name}: min {new_min}, max {new_max}, {size} → {target} nodes")
    }
}
