//! The simulation: state, queue, controllers' bookkeeping, and the event loop.

use std::sync::Arc;

use model::instance::InstanceType;
use model::pod::Pod;
use model::{NodeId, PodId, SimDuration, SimTime, WorkloadId};
use packer::{PoolInput, Scheduler, VersionProfile};
use rand::rngs::Xoshiro256PlusPlus;

use crate::config::{CutoverSemantics, KarpenterVersion, Scenario};
use crate::error::EngineError;
use crate::output::{EventKind, EventRecord, Provisioner, RunOutput, Sample};
use crate::queue::EventQueue;
use crate::rng::{Purpose, stream};
use crate::state::{ClusterState, PodPhase, PodState, Route};

/// Things that happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Timeline(usize),
    /// The periodic (every minute) workload reconcile.
    WorkloadReconcile,
    /// A one-off reconcile at a schedule point, spike edge or workload start.
    WorkloadChange,
    SchedulerPass,
    KarpenterBatch,
    CaScan,
    LaunchPhase {
        node: NodeId,
        phase: u8,
    },
    NodeTerminate(NodeId),
    PodComplete(PodId),
    Sample,
    DisruptionPoll,
    DisruptionValidate,
    /// v1 forceful expiration of a node.
    Expire(NodeId),
    /// AWS's two-minute warning before reclaiming a spot instance.
    SpotNotice(NodeId),
    /// The spot instance is gone.
    SpotReclaim(NodeId),
    /// Offerings marked unavailable may have expired.
    OfferingsRecheck,
}

/// How a run is carried out (not what is simulated: that is the scenario).
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Stop at this time instead of the scenario's end.
    pub until: Option<SimTime>,
    /// Replace the scenario's seed.
    pub seed: Option<u64>,
    /// Check invariants after every event (always on in debug builds).
    pub check_invariants: bool,
    /// Called now and then with the simulated time reached.
    pub progress: Option<&'a mut dyn FnMut(SimTime)>,
    /// Poll cluster-autoscaler and the disruption controller on every tick, never
    /// skipping idle scans. Results must be identical; tests use it to prove that.
    pub poll_every_tick: bool,
}

/// A Karpenter batching window (`pkg/controllers/provisioning/batcher.go`).
#[derive(Debug, Clone, Copy)]
pub struct BatchWindow {
    pub opened_at: SimTime,
    pub last_trigger: SimTime,
}

pub struct Simulation<'s> {
    pub cfg: &'s Scenario,
    pub seed: u64,
    pub end: SimTime,
    pub queue: EventQueue<Event>,
    pub state: ClusterState,
    pub events: Vec<EventRecord>,
    pub decisions: Vec<crate::output::DecisionRecord>,
    /// Per node id, where its latest decision is in `decisions`: a repeat of it is
    /// folded into it.
    pub last_decision: Vec<Option<usize>>,
    /// Per NodePool, its name as the decision records share it.
    pub pool_names: Vec<std::sync::Arc<str>>,
    pub samples: Vec<Sample>,
    /// NodePool weights as the timeline changes them.
    pub weights: Vec<u32>,
    pub scheduler: Scheduler,
    /// Priced instance types per NodePool (under its kubelet settings), and per node group.
    /// Whatever changes an offering must call `pools_changed`.
    pub pool_types: Vec<Vec<InstanceType>>,
    /// Refusals of claims-only consolidation probes; cleared when pools change.
    pub verdicts: crate::verdicts::Verdicts,
    /// Label keys any pod's scheduling constraints mention: the only node labels the
    /// scheduler ever reads, so the only ones copied into its snapshots.
    pub scheduling_label_keys: std::collections::BTreeSet<String>,
    pub group_types: Vec<Option<InstanceType>>,
    pub karpenter_enabled: bool,
    pub ca_enabled: bool,
    pub share_bp: u32,
    pub traffic_bp: u32,
    pub replica_override: Vec<Option<u32>>,
    /// Jobs that start after the run's start: (creation time, workload), in that order;
    /// those before `job_starts_next` have started. A reconcile visits only the Jobs due,
    /// not every Job of a trace with thousands.
    pub job_starts: Vec<(SimTime, usize)>,
    pub job_starts_next: usize,
    /// Workloads that are not Jobs, by index: the ones every reconcile visits.
    pub steady_workloads: Vec<usize>,
    /// Budgets replaced by `set_budgets` (read by the disruption controller).
    pub budget_override: Vec<Option<Vec<model::nodepool::Budget>>>,
    pub group_bounds: Vec<(u32, u32)>,
    pub batch: Option<BatchWindow>,
    pub scheduler_pass_queued: bool,
    pub disruption_queued: bool,
    /// A disruption command waiting out its 15 s validation.
    pub validating: Option<crate::disruption::Command>,
    /// Started commands waiting for their replacements.
    pub commands: Vec<crate::disruption::Command>,
    pub last_noop_version: Option<u64>,
    /// The consolidation candidates, in order, at the last no-op pass that ran its
    /// consolidation methods (kept only while their order can change with time).
    pub last_noop_order: Vec<NodeId>,
    /// Offerings marked unavailable after insufficient-capacity errors.
    pub unavailable: Vec<crate::capacity::UnavailableOffering>,
    /// The cluster view disruption passes simulate against.
    pub snapshot: crate::snapshot::Snapshot,
    /// Per node id: what the disruption candidate filter reads from its pods.
    pub pod_summaries: Vec<crate::candidates::PodSummary>,
    /// Per node id: its pods grouped by spec, for kube-scheduler's topology views.
    pub node_specs: Vec<crate::topology_view::NodeSpecs>,
    /// Kube-scheduler's topology views, kept across passes.
    pub topology_views: crate::topology_view::ViewCache,
    /// Per pod id, the disruption probe that last marked it as a candidate's pod.
    pub probe_marks: Vec<u64>,
    pub probe_stamp: u64,
    pub last_noop_at: SimTime,
    /// When the consolidation methods last ran and found nothing (not skipped as
    /// unchanged): `IsConsolidated`'s forced re-check counts from here.
    pub last_noop_evaluated_at: SimTime,
    pub ca_scan_queued: bool,
    pub last_ca_scale_up: Option<SimTime>,
    pub last_ca_scan: Option<SimTime>,
    pub rng_karpenter: Xoshiro256PlusPlus,
    pub rng_ca: Xoshiro256PlusPlus,
    pub rng_expander: Xoshiro256PlusPlus,
    pub rng_interruptions: Xoshiro256PlusPlus,
    pub next_node_serial: u32,
    pub pending_pod_ms: u64,
    pub event_count: u64,
    pub incomplete: Option<String>,
    /// Set when `limits.max_pods` stopped pod creation.
    pub pods_capped: bool,
    pub check_invariants: bool,
    pub poll_every_tick: bool,
}

pub fn profile(v: KarpenterVersion) -> VersionProfile {
    match v {
        KarpenterVersion::V0_37 => VersionProfile::V0_37,
        KarpenterVersion::V1 => VersionProfile::V1,
    }
}

impl<'s> Simulation<'s> {
    pub fn new(cfg: &'s Scenario, options: &RunOptions) -> Result<Simulation<'s>, EngineError> {
        let seed = options.seed.unwrap_or(cfg.seed);
        let end = options.until.map_or(cfg.end, |u| u.min(cfg.end));
        let pool_types: Vec<Vec<InstanceType>> = cfg
            .nodepools
            .iter()
            .zip(&cfg.nodepool_kubelet)
            .map(|(p, k)| pool_instance_types(&cfg.catalog, p, k))
            .collect();
        let group_types = cfg
            .node_groups
            .iter()
            .map(|g| cfg.catalog.instance_type(&g.instance_type, &g.kubelet))
            .collect();
        let weights: Vec<u32> = cfg.nodepools.iter().map(|p| p.weight).collect();
        let scheduler = build_scheduler(cfg, &pool_types, &weights);
        let share_bp = match cfg.cutover {
            CutoverSemantics::ProvisioningShare { nodepool } => weights[nodepool] * 100,
            CutoverSemantics::Karpenter => 10_000,
        };
        let mut sim = Simulation {
            cfg,
            seed,
            end,
            queue: EventQueue::new(cfg.start),
            state: ClusterState::default(),
            events: Vec::new(),
            decisions: Vec::new(),
            last_decision: Vec::new(),
            pool_names: cfg
                .nodepools
                .iter()
                .map(|p| p.name.as_str().into())
                .collect(),
            samples: Vec::new(),
            weights,
            scheduler,
            pool_types,
            verdicts: Default::default(),
            scheduling_label_keys: scheduling_label_keys(cfg),
            group_types,
            karpenter_enabled: cfg.karpenter.enabled,
            ca_enabled: cfg.cluster_autoscaler.enabled,
            share_bp,
            traffic_bp: cfg.initial_traffic_bp,
            replica_override: vec![None; cfg.workloads.len()],
            job_starts: Vec::new(),
            job_starts_next: 0,
            steady_workloads: Vec::new(),
            budget_override: vec![None; cfg.nodepools.len()],
            group_bounds: cfg.node_groups.iter().map(|g| (g.min, g.max)).collect(),
            batch: None,
            scheduler_pass_queued: false,
            disruption_queued: false,
            validating: None,
            commands: Vec::new(),
            last_noop_version: None,
            last_noop_order: Vec::new(),
            snapshot: crate::snapshot::Snapshot::default(),
            pod_summaries: Vec::new(),
            node_specs: Vec::new(),
            topology_views: Default::default(),
            probe_marks: Vec::new(),
            probe_stamp: 0,
            unavailable: Vec::new(),
            last_noop_at: cfg.start,
            last_noop_evaluated_at: cfg.start,
            ca_scan_queued: false,
            last_ca_scale_up: None,
            last_ca_scan: None,
            rng_karpenter: stream(seed, Purpose::KarpenterLatency),
            rng_ca: stream(seed, Purpose::ClusterAutoscalerLatency),
            rng_expander: stream(seed, Purpose::Expander),
            rng_interruptions: stream(seed, Purpose::Interruptions),
            next_node_serial: 0,
            pending_pod_ms: 0,
            event_count: 0,
            incomplete: None,
            pods_capped: false,
            check_invariants: options.check_invariants || cfg!(debug_assertions),
            poll_every_tick: options.poll_every_tick,
        };
        sim.state.workload_pods = vec![std::collections::BTreeSet::new(); cfg.workloads.len()];
        sim.state.workload_bound = vec![0; cfg.workloads.len()];
        sim.state.now = cfg.start;
        sim.init()?;
        Ok(sim)
    }

    fn init(&mut self) -> Result<(), EngineError> {
        let cfg = self.cfg;
        for inv in &cfg.inventory {
            self.add_inventory_node(inv)?;
        }
        for (i, _) in cfg.timeline.iter().enumerate() {
            self.queue.schedule(cfg.timeline[i].at, Event::Timeline(i));
        }
        self.place_initial_pods();
        for t in change_times(cfg) {
            self.queue.schedule(t, Event::WorkloadChange);
        }
        self.queue.schedule(cfg.start, Event::WorkloadReconcile);
        self.queue.schedule(cfg.start, Event::Sample);
        self.queue_scheduler_pass();
        self.arm_ca_scan();
        self.arm_disruption();
        Ok(())
    }

    /// Runs to the end (or a cap) and returns the outputs.
    pub fn run(
        mut self,
        progress: Option<&mut dyn FnMut(SimTime)>,
    ) -> Result<RunOutput, EngineError> {
        let mut progress = progress;
        let mut next_progress = self.cfg.start;
        while let Some(t) = self.queue.peek_time() {
            if t > self.end {
                break;
            }
            let Some((now, event)) = self.queue.pop() else {
                break;
            };
            self.state.now = now;
            self.event_count += 1;
            if self.event_count > self.cfg.limits.max_events {
                self.stop(
                    now,
                    format!("the run passed max_events = {}", self.cfg.limits.max_events),
                );
                break;
            }
            self.dispatch(now, event)?;
            if self.check_invariants {
                crate::invariants::check(&mut self, now)?;
            }
            if let Some(cap) = self.cap_reached() {
                self.stop(now, cap);
                break;
            }
            if let Some(p) = progress.as_deref_mut()
                && now >= next_progress
            {
                p(now);
                next_progress = now.saturating_add(SimDuration::from_mins(10));
            }
        }
        let end = if self.incomplete.is_some() {
            self.queue.now()
        } else {
            self.end
        };
        Ok(crate::metrics::finish(self, end))
    }

    fn cap_reached(&self) -> Option<String> {
        let nodes = self.state.live.len() as u64;
        if nodes > self.cfg.limits.max_nodes {
            return Some(format!(
                "the cluster passed max_nodes = {}",
                self.cfg.limits.max_nodes
            ));
        }
        if self.pods_capped || self.state.pods.len() as u64 > self.cfg.limits.max_pods {
            return Some(format!(
                "the run created more than max_pods = {} pods",
                self.cfg.limits.max_pods
            ));
        }
        None
    }

    fn stop(&mut self, now: SimTime, why: String) {
        self.log(
            now,
            EventKind::RunStopped,
            None,
            None,
            None,
            None,
            format!("stopped early: {why}"),
        );
        self.incomplete = Some(why);
    }

    fn dispatch(&mut self, now: SimTime, event: Event) -> Result<(), EngineError> {
        match event {
            Event::Timeline(i) => self.apply_timeline(now, i),
            Event::WorkloadReconcile => {
                self.reconcile_workloads(now);
                let next = now.saturating_add(SimDuration::from_mins(1));
                if next <= self.end {
                    self.queue.schedule(next, Event::WorkloadReconcile);
                }
            }
            Event::WorkloadChange => self.reconcile_workloads(now),
            Event::SchedulerPass => {
                self.scheduler_pass_queued = false;
                self.kube_scheduler_pass(now);
            }
            Event::KarpenterBatch => self.karpenter_batch(now),
            Event::CaScan => {
                self.ca_scan_queued = false;
                self.ca_scan(now);
            }
            Event::LaunchPhase { node, phase } => self.launch_phase(now, node, phase),
            Event::NodeTerminate(node) => self.terminate_node(now, node),
            Event::PodComplete(pod) => self.complete_pod(now, pod),
            Event::DisruptionPoll => self.disruption_poll(now),
            Event::DisruptionValidate => self.disruption_validate(now),
            Event::Expire(node) => self.expire_node(now, node),
            Event::SpotNotice(node) => self.spot_notice(now, node),
            Event::SpotReclaim(node) => self.spot_reclaim(now, node),
            Event::OfferingsRecheck => self.offerings_recheck(now),
            Event::Sample => {
                crate::metrics::sample(self, now);
                let next = now.saturating_add(self.cfg.output.metrics_interval);
                if next <= self.end {
                    self.queue.schedule(next, Event::Sample);
                }
            }
        }
        Ok(())
    }

    /// A NodePool's priced instance type by id. `pool_types` keeps the catalogue's order,
    /// in which ids ascend, so this is a binary search (claims name up to hundreds of
    /// options, and a linear scan of the full catalogue per option was a fifth of a
    /// consolidation pass on a full-catalogue day).
    pub fn pool_type(&self, pool: usize, id: model::ids::InstanceTypeId) -> Option<&InstanceType> {
        let types = self.pool_types.get(pool)?;
        types
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &types[i])
    }

    pub fn queue_scheduler_pass(&mut self) {
        if !self.scheduler_pass_queued {
            self.scheduler_pass_queued = true;
            let now = self.queue.now();
            self.queue.schedule(now, Event::SchedulerPass);
        }
    }

    /// Records an event.
    #[allow(clippy::too_many_arguments)]
    pub fn log(
        &mut self,
        t: SimTime,
        kind: EventKind,
        provisioner: Option<Provisioner>,
        node: Option<String>,
        pod: Option<String>,
        owner: Option<String>,
        message: String,
    ) {
        self.events.push(EventRecord {
            t,
            kind,
            provisioner,
            node,
            pod,
            owner,
            message,
        });
    }

    /// Creates a pod of `workload`, pending, routed by the cutover rules.
    pub fn create_pod(&mut self, now: SimTime, workload: WorkloadId) -> PodId {
        let w = &self.cfg.workloads[workload.index()];
        let id = PodId(self.state.pods.len() as u32);
        let pod = Pod {
            id,
            name: format!("{}-{}", w.name, id.0).into(),
            workload,
            spec: Arc::clone(&w.pod),
            created_at: now,
        };
        let route = self.route_for(id);
        self.state.pods.push(PodState {
            pod,
            phase: PodPhase::Pending,
            pending_since: Some(now),
            nominated: None,
            route,
            unschedulable: false,
            last_reason: None,
            bound_at: None,
        });
        self.state.pending.insert(id);
        self.state.workload_pods[workload.index()].insert(id);
        // Karpenter's cluster state ignores an unbound pod (`UpdatePod`), but a pass here
        // sees it: every simulation places the pending pods, and a PDB's expected count
        // grows before its healthy count does, so it may allow fewer evictions.
        self.state.version += 1;
        self.on_pending(now, id);
        id
    }

    /// Which autoscaler provisions for a newly pending pod.
    pub fn route_for(&self, pod: PodId) -> Route {
        let karpenter_ok = self.karpenter_enabled;
        let ca_ok = self.ca_enabled;
        match (karpenter_ok, ca_ok) {
            (true, false) => Route::Karpenter,
            (false, true) => Route::ClusterAutoscaler,
            _ => {
                if crate::rng::bucket_bp(self.seed, u64::from(pod.0)) < self.share_bp {
                    Route::Karpenter
                } else {
                    Route::ClusterAutoscaler
                }
            }
        }
    }

    /// A pod became pending: wake the kube-scheduler and the autoscaler it waits on.
    pub fn on_pending(&mut self, now: SimTime, pod: PodId) {
        self.queue_scheduler_pass();
        let karpenter_sees = match self.cfg.cutover {
            CutoverSemantics::Karpenter => true,
            CutoverSemantics::ProvisioningShare { .. } => {
                self.state.pod(pod).route == Route::Karpenter
            }
        };
        if karpenter_sees && self.karpenter_enabled {
            self.trigger_batch(now);
        }
        self.arm_ca_scan();
    }
}

/// The priced instance types a NodePool's requirements allow, under its kubelet settings.
/// Karpenter filters the same way before scheduling (`NewScheduler`); doing it once here
/// keeps the scheduler's indexes small.
fn pool_instance_types(
    catalog: &model::catalog::Catalog,
    pool: &model::nodepool::NodePool,
    kubelet: &model::kubelet::KubeletConfig,
) -> Vec<InstanceType> {
    let mut reqs = pool.requirements.clone();
    reqs.add_all(&model::requirements::Requirements::from_labels(
        &pool.labels,
    ));
    let types: Vec<InstanceType> = catalog
        .instance_types(kubelet)
        .into_iter()
        .filter(|t| t.intersects(&reqs) && t.cheapest_offering(&reqs).is_some())
        .collect();
    // `Simulation::pool_type` binary-searches by id.
    debug_assert!(types.windows(2).all(|w| w[0].id < w[1].id));
    types
}

/// Label keys that pods' node selection or topology refer to, plus the well-known keys
/// Karpenter's own bookkeeping uses.
fn scheduling_label_keys(cfg: &Scenario) -> std::collections::BTreeSet<String> {
    use model::labels;
    let mut keys: std::collections::BTreeSet<String> = [
        labels::ZONE,
        labels::HOSTNAME,
        labels::CAPACITY_TYPE,
        labels::NODEPOOL,
        labels::INSTANCE_TYPE,
        labels::ARCH,
        labels::OS,
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    let specs = cfg
        .workloads
        .iter()
        .map(|w| &w.pod)
        .chain(cfg.daemonsets.iter().map(|d| &d.spec));
    for spec in specs {
        keys.extend(spec.node_selector.keys().cloned());
        for term in &spec.required_node_affinity {
            keys.extend(term.iter().map(|e| e.key.clone()));
        }
        for p in &spec.preferred_node_affinity {
            keys.extend(p.term.iter().map(|e| e.key.clone()));
        }
        keys.extend(spec.topology_spread.iter().map(|c| c.topology_key.clone()));
        keys.extend(
            spec.pod_affinity
                .iter()
                .chain(&spec.pod_anti_affinity)
                .map(|t| t.topology_key.clone()),
        );
    }
    keys
}

/// Times at which some workload's desired count changes abruptly.
fn change_times(cfg: &Scenario) -> Vec<SimTime> {
    let mut times = Vec::new();
    for w in &cfg.workloads {
        times.extend(w.created_at);
        times.extend(w.replicas.points.iter().map(|(t, _)| *t));
        for s in &w.replicas.spikes {
            let end = s.at.saturating_add(s.duration);
            times.extend([
                s.at,
                s.at.saturating_add(s.ramp),
                SimTime(end.0.saturating_sub(s.ramp.0)),
                end,
            ]);
        }
    }
    times.retain(|t| *t > cfg.start && *t <= cfg.end);
    times.sort();
    times.dedup();
    times
}

/// Karpenter's scheduler over the NodePools with their current weights.
pub fn build_scheduler(
    cfg: &Scenario,
    pool_types: &[Vec<InstanceType>],
    weights: &[u32],
) -> Scheduler {
    let pools = cfg
        .nodepools
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut nodepool = p.clone();
            nodepool.weight = weights[i];
            PoolInput {
                id: model::NodePoolId(i as u32),
                nodepool,
                instance_types: pool_types[i].clone(),
            }
        })
        .collect();
    Scheduler::new(pools, &cfg.daemonsets, profile(cfg.karpenter.version))
}
