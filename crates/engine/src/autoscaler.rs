//! cluster-autoscaler 1.28, as far as it matters for cost and latency: a scan every
//! `scan_interval`; scale-up of one node group per scan, sized by the first-fit-
//! decreasing estimator (`estimator/binpacking_estimator.go`) and chosen by the expander;
//! scale-down of nodes whose requested CPU and memory are both under the threshold and
//! whose pods fit elsewhere, after `scale_down_unneeded_time`, not within
//! `scale_down_delay_after_add` of a scale-up, respecting PDBs and min sizes. Empty nodes
//! go in bulk; at most one non-empty node per scan.
//!
//! Scans run on a fixed grid (`start + scan_interval / 2 + k × scan_interval`) and are skipped while nothing
//! could change their outcome: no pending pod waits on cluster-autoscaler and no node is
//! unneeded or under the threshold. Skipping never changes results because a scan with
//! nothing to do does nothing (tested in `tests/engine.rs`).

use model::{NodeId, PodId, Resources, SimTime};
use rand::RngExt;

use crate::config::{Expander, GroupAutoscaler};
use crate::output::{EventKind, Provisioner};
use crate::sim::{Event, Simulation};
use crate::state::{NodePhase, Route};
use packer::pod_demand;

/// Free share of `alloc` after `used`, in parts per million (0 for an empty dimension).
pub fn free_ppm(alloc: u64, used: u64) -> u64 {
    alloc
        .saturating_sub(used)
        .saturating_mul(1_000_000)
        .checked_div(alloc)
        .unwrap_or(0)
}

/// Up to this many empty nodes are deleted in one scan (`--max-empty-bulk-delete`).
const MAX_EMPTY_BULK_DELETE: usize = 10;

impl Simulation<'_> {
    /// Queues the next scan on the grid, unless one is queued or CA is off.
    pub fn arm_ca_scan(&mut self) {
        if self.ca_scan_queued
            || !self.ca_enabled
            || self
                .cfg
                .node_groups
                .iter()
                .all(|g| g.autoscaler != GroupAutoscaler::ClusterAutoscaler)
        {
            return;
        }
        let interval = self.cfg.cluster_autoscaler.scan_interval.0.max(1);
        let now = self.queue.now();
        // cluster-autoscaler's loop is not synchronised with anything in the cluster; its
        // grid sits half an interval off the one workload changes use (whole minutes), so
        // neither autoscaler is systematically first to see new pods.
        let origin = self.cfg.start.0 + interval / 2;
        let k = now.0.saturating_sub(origin).div_ceil(interval);
        // The next grid slot at or after now, but never a slot already scanned: idle
        // skipping must give the same scan times as polling every slot.
        let mut at = model::SimTime(origin + k * interval).max(now);
        if let Some(last) = self.last_ca_scan
            && at <= last
        {
            at = last.saturating_add(self.cfg.cluster_autoscaler.scan_interval);
        }
        self.ca_scan_queued = true;
        self.queue.schedule_late(at, Event::CaScan);
    }

    fn ca_pods(&self) -> Vec<PodId> {
        self.state
            .pending
            .iter()
            .copied()
            .filter(|p| {
                // cluster-autoscaler also ignores pods already waiting for a new node.
                self.provisionable_for(*p, Route::ClusterAutoscaler)
                    && self.state.pod(*p).nominated.is_none()
            })
            .collect()
    }

    pub fn ca_scan(&mut self, now: SimTime) {
        self.last_ca_scan = Some(now);
        if !self.ca_enabled {
            return;
        }
        let scaled_up = self.ca_scale_up(now);
        let busy = if scaled_up {
            true
        } else {
            self.ca_scale_down(now)
        };
        // Keep scanning while there is something to watch.
        let watching = self.poll_every_tick
            || busy
            || !self.ca_pods().is_empty()
            || self.state.nodes.iter().any(|n| n.unneeded_since.is_some());
        if watching {
            let next = now.saturating_add(self.cfg.cluster_autoscaler.scan_interval);
            if next <= self.end {
                self.ca_scan_queued = true;
                self.queue.schedule_late(next, Event::CaScan);
            }
        }
    }

    /// Scales up one group for the pending pods it can hold. Returns whether it did.
    fn ca_scale_up(&mut self, now: SimTime) -> bool {
        let pods = self.ca_pods();
        if pods.is_empty() {
            return false;
        }
        struct Option_ {
            group: usize,
            nodes: Vec<Vec<PodId>>,
            waste_ppm: u64,
        }
        let mut options: Vec<Option_> = Vec::new();
        for (g, group) in self.cfg.node_groups.iter().enumerate() {
            if group.autoscaler != GroupAutoscaler::ClusterAutoscaler {
                continue;
            }
            let Some(it) = self.group_types[g].clone() else {
                continue;
            };
            let size = self.group_size(g);
            let room = self.group_bounds[g].1.saturating_sub(size) as usize;
            if room == 0 {
                continue;
            }
            let template = self.group_template(g, &it);
            let free = it.allocatable.saturating_sub(&template.1);
            // First-fit decreasing over new nodes of this group.
            let mut fitting: Vec<PodId> = pods
                .iter()
                .copied()
                .filter(|p| {
                    self.template_accepts(*p, &template.0, &self.cfg.node_groups[g].taints)
                        && pod_demand(self.state.pod(*p).pod.requests()).fits_in(&free)
                })
                .collect();
            fitting.sort_by_key(|p| {
                let r = self.state.pod(*p).pod.requests();
                (
                    std::cmp::Reverse(r.cpu_millis()),
                    std::cmp::Reverse(r.memory_bytes()),
                    p.0,
                )
            });
            let mut bins: Vec<(Resources, Vec<PodId>)> = Vec::new();
            let cap = room.min(self.cfg.cluster_autoscaler.max_nodes_per_scale_up as usize);
            for p in fitting {
                let need = pod_demand(self.state.pod(p).pod.requests());
                if let Some(bin) = bins
                    .iter_mut()
                    .find(|(used, _)| used.saturating_add(&need).fits_in(&free))
                {
                    bin.0 = bin.0.saturating_add(&need);
                    bin.1.push(p);
                } else if bins.len() < cap {
                    bins.push((need, vec![p]));
                }
            }
            if bins.is_empty() {
                continue;
            }
            let waste_ppm = bins
                .iter()
                .map(|(used, _)| {
                    let f = |a: u64, u: u64| free_ppm(a, u);
                    (f(free.cpu_millis(), used.cpu_millis())
                        + f(free.memory_bytes(), used.memory_bytes()))
                        / 2
                })
                .sum::<u64>()
                / bins.len() as u64;
            options.push(Option_ {
                group: g,
                nodes: bins.into_iter().map(|(_, p)| p).collect(),
                waste_ppm,
            });
        }
        if options.is_empty() {
            return false;
        }
        let chosen = match self.cfg.cluster_autoscaler.expander {
            Expander::LeastWaste => options
                .iter()
                .enumerate()
                .min_by_key(|(_, o)| {
                    (
                        o.waste_ppm,
                        std::cmp::Reverse(o.nodes.iter().map(Vec::len).sum::<usize>()),
                        o.group,
                    )
                })
                .map(|(i, _)| i),
            Expander::Price => options
                .iter()
                .enumerate()
                .min_by_key(|(_, o)| {
                    (
                        self.group_types[o.group].as_ref().map_or(u64::MAX, |t| {
                            t.offerings
                                .iter()
                                .map(|x| x.price.0)
                                .min()
                                .unwrap_or(u64::MAX)
                        }) * o.nodes.len() as u64,
                        o.group,
                    )
                })
                .map(|(i, _)| i),
            Expander::Priority => options
                .iter()
                .enumerate()
                .max_by_key(|(_, o)| {
                    (
                        self.cfg.node_groups[o.group].priority,
                        std::cmp::Reverse(o.group),
                    )
                })
                .map(|(i, _)| i),
            Expander::Random => Some(self.rng_expander.random_range(0..options.len())),
        };
        let Some(chosen) = chosen else { return false };
        let option = options.swap_remove(chosen);
        let group = &self.cfg.node_groups[option.group];
        let name = group.name.clone();
        let count = option.nodes.len();
        self.log(
            now,
            EventKind::ScaleUp,
            Some(Provisioner::ClusterAutoscaler),
            None,
            None,
            Some(name.clone()),
            format!(
                "scale-up of {name} by {count} for {} pending pods ({:?} expander)",
                option.nodes.iter().map(Vec::len).sum::<usize>(),
                self.cfg.cluster_autoscaler.expander
            ),
        );
        for pods in option.nodes {
            let pending_since = pods
                .iter()
                .filter_map(|p| self.state.pod(*p).pending_since)
                .min();
            let Some(node) = self.launch_group_node(now, option.group, pending_since) else {
                continue;
            };
            for p in pods {
                self.state.nominate(p, node);
            }
        }
        self.last_ca_scale_up = Some(now);
        true
    }

    /// Launches one node of a group, in the zone where the group has the fewest nodes.
    pub fn launch_group_node(
        &mut self,
        now: SimTime,
        g: usize,
        pending_since: Option<SimTime>,
    ) -> Option<NodeId> {
        let group = &self.cfg.node_groups[g];
        let zone = group
            .zones
            .iter()
            .enumerate()
            .min_by_key(|(i, z)| {
                (
                    self.state
                        .nodes
                        .iter()
                        .filter(|n| n.node_group == Some(g) && n.exists() && &&n.zone == z)
                        .count(),
                    *i,
                )
            })
            .map(|(_, z)| z.clone())
            .unwrap_or_default();
        // Validation guarantees a priced type; a group without one simply cannot grow.
        let it = self.group_types[g].clone()?;
        let price = it
            .offerings
            .iter()
            .find(|o| o.zone == zone && o.capacity_type == group.capacity_type)?
            .price;
        let provisioner = match group.autoscaler {
            GroupAutoscaler::ClusterAutoscaler => Provisioner::ClusterAutoscaler,
            GroupAutoscaler::None => Provisioner::Static,
        };
        let capacity_type = group.capacity_type;
        Some(self.launch_node(
            now,
            crate::lifecycle::LaunchSpec {
                provisioner,
                owner: self.cfg.nodepools.len() + g,
                nodepool: None,
                node_group: Some(g),
                instance_type: it,
                zone,
                capacity_type,
                price,
                pending_since,
            },
        ))
    }

    pub fn group_size(&self, g: usize) -> u32 {
        self.state
            .nodes
            .iter()
            .filter(|n| {
                n.node_group == Some(g)
                    && matches!(n.phase, NodePhase::Launching | NodePhase::Ready)
            })
            .count() as u32
    }

    /// The labels a new node of the group would have and its daemon overhead.
    fn group_template(
        &self,
        g: usize,
        it: &model::instance::InstanceType,
    ) -> (model::labels::Labels, Resources) {
        let group = &self.cfg.node_groups[g];
        let mut labels = it.labels.clone();
        labels.extend(group.labels.clone());
        let overhead = self
            .cfg
            .daemonsets
            .iter()
            .filter(|d| {
                model::taints::first_untolerated_hard(&group.taints, &d.spec.tolerations).is_none()
            })
            .fold(Resources::ZERO, |acc, d| {
                acc.saturating_add(&pod_demand(&d.spec.requests))
            });
        (labels, overhead)
    }

    fn template_accepts(
        &self,
        pod: PodId,
        labels: &model::labels::Labels,
        taints: &[model::taints::Taint],
    ) -> bool {
        let spec = self.state.spec_of(pod);
        model::taints::first_untolerated_hard(taints, &spec.tolerations).is_none()
            && spec
                .node_selector
                .iter()
                .all(|(k, v)| labels.get(k) == Some(v) || (k == model::labels::ZONE))
    }

    /// Marks unneeded nodes and removes those unneeded long enough. Returns whether any
    /// node is being watched or was removed.
    fn ca_scale_down(&mut self, now: SimTime) -> bool {
        let settings = &self.cfg.cluster_autoscaler;
        if !settings.scale_down_enabled {
            return false;
        }
        if self
            .last_ca_scale_up
            .is_some_and(|t| now < t.saturating_add(settings.scale_down_delay_after_add))
        {
            return true;
        }
        let threshold = u64::from(settings.scale_down_utilization_threshold_bp);
        let unneeded_time = settings.scale_down_unneeded_time;
        let candidates: Vec<NodeId> = self
            .state
            .nodes
            .iter()
            .filter(|n| {
                n.phase == NodePhase::Ready
                    && !n.cordoned
                    && n.node_group.is_some_and(|g| {
                        self.cfg.node_groups[g].autoscaler == GroupAutoscaler::ClusterAutoscaler
                    })
            })
            .map(|n| n.id)
            .collect();
        let mut watching = false;
        let mut removable_empty = Vec::new();
        let mut removable_busy = Vec::new();
        let mut planned: Vec<NodeId> = Vec::new();
        for id in candidates {
            let n = self.state.node(id);
            let util_bp =
                |req: u64, alloc: u64| req.saturating_mul(10_000).checked_div(alloc).unwrap_or(0);
            let cpu = util_bp(n.requested.cpu_millis(), n.allocatable.cpu_millis());
            let mem = util_bp(n.requested.memory_bytes(), n.allocatable.memory_bytes());
            let under = cpu < threshold && mem < threshold;
            let movable = under && self.pods_fit_elsewhere(id, &planned);
            if !movable {
                self.state.nodes[id.index()].unneeded_since = None;
                continue;
            }
            watching = true;
            let since = *self.state.nodes[id.index()]
                .unneeded_since
                .get_or_insert(now);
            let g = self.state.node(id).node_group.unwrap_or(0);
            let removing_from_group = planned
                .iter()
                .filter(|x| self.state.node(**x).node_group == Some(g))
                .count() as u32;
            if now.since(since) >= unneeded_time
                && self.group_size(g).saturating_sub(removing_from_group) > self.group_bounds[g].0
            {
                if self.state.node(id).pods.is_empty() {
                    removable_empty.push(id);
                } else {
                    removable_busy.push(id);
                }
                planned.push(id);
            }
        }
        let mut removed = false;
        for id in removable_empty.into_iter().take(MAX_EMPTY_BULK_DELETE) {
            self.ca_remove(now, id, "empty");
            removed = true;
        }
        if !removed && let Some(id) = removable_busy.first().copied() {
            self.ca_remove(now, id, "underutilized");
            removed = true;
        }
        watching || removed
    }

    fn ca_remove(&mut self, now: SimTime, id: NodeId, why: &str) {
        let n = self.state.node(id);
        let (name, owner) = (n.name.clone(), self.owner_name(n.owner).to_string());
        let msg = format!(
            "scale-down: {why} node, requested cpu {} / {} and memory {} / {}, unneeded since {}",
            n.requested.cpu_millis(),
            n.allocatable.cpu_millis(),
            model::quantity::format_bytes(n.requested.memory_bytes()),
            model::quantity::format_bytes(n.allocatable.memory_bytes()),
            n.unneeded_since.unwrap_or(now)
        );
        self.log(
            now,
            EventKind::ScaleDown,
            Some(Provisioner::ClusterAutoscaler),
            Some(name),
            None,
            Some(owner),
            msg.clone(),
        );
        self.drain_and_terminate(now, id, &msg);
    }

    /// Whether every pod on `node` fits on some other ready node (first fit, tracking what
    /// earlier pods take), and PDBs allow evicting them.
    fn pods_fit_elsewhere(&self, node: NodeId, excluded: &[NodeId]) -> bool {
        let pods = &self.state.node(node).pods;
        if pods.is_empty() {
            return true;
        }
        if !self.pdbs_allow(pods) {
            return false;
        }
        let mut extra: Vec<(NodeId, Resources)> = Vec::new();
        for p in pods {
            let spec = self.state.spec_of(*p);
            let need = pod_demand(&spec.requests);
            let target = self.state.nodes.iter().find(|m| {
                m.id != node
                    && !excluded.contains(&m.id)
                    && m.is_schedulable()
                    && {
                        let already = extra
                            .iter()
                            .filter(|(id, _)| *id == m.id)
                            .fold(Resources::ZERO, |a, (_, r)| a.saturating_add(r));
                        need.saturating_add(&already).fits_in(&m.free())
                    }
                    && self.constraints_allow(spec, m)
            });
            match target {
                Some(m) => extra.push((m.id, need)),
                None => return false,
            }
        }
        true
    }

    /// True if evicting all of `pods` at once keeps every workload's PDB satisfied.
    pub fn pdbs_allow(&self, pods: &[PodId]) -> bool {
        crate::pdb::PdbRoom::new(self).allows(&self.state, pods)
    }
}
