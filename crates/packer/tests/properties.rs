//! Property tests (issue 3, part F): no pod is lost, every binding and claim respects
//! capacity, taints, selectors and anti-affinity, and the result does not depend on the
//! order pods are passed in (Karpenter's order is defined by requests, time and id).

mod common;

use std::sync::Arc;

use common::*;
use model::ids::{NodeId, PodId};
use model::labels;
use model::pod::{Pod, PodSpec, WhenUnsatisfiable};
use model::requirements::{Operator, Requirement};
use model::resources::{ResourceKind, Resources};
use model::taints::{Taint, TaintEffect, Toleration, TolerationOperator, first_untolerated};
use packer::testing::{fake_catalogue, nodepool};
use packer::vector::{BinType, Heuristic, Problem, pack};
use packer::{
    ExistingNode, NodeRef, PoolUsage, ScheduleInput, ScheduleOutput, Scheduler, VersionProfile,
    pod_demand,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Case {
    specs: Vec<Arc<PodSpec>>,
    pods: Vec<Pod>,
    existing: Vec<ExistingNode>,
    cpu_limit: Option<u64>,
    tainted_pool: bool,
}

fn taint() -> Taint {
    Taint {
        key: "dedicated".into(),
        value: "batch".into(),
        effect: TaintEffect::NoSchedule,
    }
}

fn arb_spec() -> impl Strategy<Value = PodSpec> {
    (0u64..6_000, 0u64..24, 0u8..6, 0u8..3).prop_map(|(cpu, mem_gib4, constraint, app)| {
        let mut s = spec(cpu, mem_gib4 * GI / 4);
        let app = format!("app-{app}");
        s.labels = labels_of(&[("app", &app)]);
        match constraint {
            1 => s.node_selector = labels_of(&[(labels::ZONE, ZONES[cpu as usize % 3])]),
            2 => s.pod_anti_affinity = vec![anti(labels::HOSTNAME, &[("app", &app)])],
            3 => s.topology_spread = vec![spread(labels::ZONE, 1, &[("app", &app)])],
            4 => {
                s.tolerations = vec![Toleration {
                    key: "dedicated".into(),
                    operator: TolerationOperator::Exists,
                    value: String::new(),
                    effect: None,
                }]
            }
            _ => {}
        }
        s
    })
}

/// Mostly specs whose constraints the quick probe checks itself (zone spread, preferred
/// hostname anti-affinity, `ScheduleAnyway` spread), sometimes any [`arb_spec`].
fn arb_spec_with_preferences() -> impl Strategy<Value = PodSpec> {
    let modelled = (0u64..6_000, 0u64..24, 0u8..6, 0u8..3, 1u32..3).prop_map(
        |(cpu, mem_gib4, constraint, app, skew)| {
            let mut s = spec(cpu, mem_gib4 * GI / 4);
            let app = format!("app-{app}");
            s.labels = labels_of(&[("app", &app)]);
            let mut preferred = anti(labels::HOSTNAME, &[("app", &app)]);
            preferred.weight = Some(50);
            let mut anyway = spread(labels::ZONE, skew, &[("app", &app)]);
            anyway.when_unsatisfiable = WhenUnsatisfiable::ScheduleAnyway;
            match constraint {
                0 => s.pod_anti_affinity = vec![preferred],
                1 => s.topology_spread = vec![spread(labels::ZONE, skew, &[("app", &app)])],
                2 => s.topology_spread = vec![anyway],
                3 => {
                    s.topology_spread = vec![spread(labels::ZONE, skew, &[("app", &app)])];
                    s.pod_anti_affinity = vec![preferred];
                }
                _ => {}
            }
            s
        },
    );
    prop_oneof![3 => modelled, 1 => arb_spec()]
}

fn arb_case() -> impl Strategy<Value = Case> {
    arb_case_of(arb_spec())
}

fn arb_case_of(spec: impl Strategy<Value = PodSpec>) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(spec, 1..6),
        prop::collection::vec((0usize..6, 0u64..4), 0..60),
        prop::collection::vec((0u64..8_000, 0u64..3, any::<bool>(), any::<bool>()), 0..5),
        prop::option::of(4_000u64..40_000),
        any::<bool>(),
    )
        .prop_map(|(specs, pod_choices, nodes, cpu_limit, tainted_pool)| {
            let specs: Vec<Arc<PodSpec>> = specs.into_iter().map(Arc::new).collect();
            let pods = pod_choices
                .iter()
                .enumerate()
                .map(|(i, (s, t))| Pod {
                    id: PodId(i as u32),
                    name: format!("p{i}").into(),
                    workload: model::WorkloadId(0),
                    spec: specs[s % specs.len()].clone(),
                    created_at: model::SimTime(*t),
                })
                .collect();
            let existing = nodes
                .iter()
                .enumerate()
                .map(|(i, (cpu, zone, tainted, initialized))| {
                    let name = format!("node-{i}");
                    ExistingNode {
                        id: NodeRef::Node(NodeId(i as u32)),
                        name: name.clone(),
                        labels: labels_of(&[
                            (labels::ZONE, ZONES[*zone as usize]),
                            (labels::HOSTNAME, &name),
                        ]),
                        taints: if *tainted { vec![taint()] } else { vec![] },
                        allocatable: Resources::new(8_000, 32 * GI).with(ResourceKind::Pods, 10),
                        requested: Resources::new(*cpu, 0).with(ResourceKind::Pods, 1),
                        initialized: *initialized,
                        nodepool: None,
                        pods: vec![],
                    }
                })
                .collect();
            Case {
                specs,
                pods,
                existing,
                cpu_limit,
                tainted_pool,
            }
        })
}

fn run(case: &Case, pods: &[Pod]) -> ScheduleOutput {
    scheduler_for(case).schedule(&ScheduleInput {
        pods,
        existing: &case.existing,
        pool_usage: &[PoolUsage::default()],
    })
}

fn scheduler_for(case: &Case) -> Scheduler {
    let mut np = nodepool("default");
    if let Some(l) = case.cpu_limit {
        np.limits.resources = Resources::UNLIMITED.with(ResourceKind::CpuMillis, l);
    }
    if case.tainted_pool {
        np.taints = vec![taint()];
    }
    let mut zonal = nodepool("zonal");
    zonal.weight = 10;
    zonal.requirements.add(Requirement::new(
        labels::ZONE,
        Operator::In,
        ["test-zone-1"],
    ));
    Scheduler::new(
        vec![
            pool_with(np, fake_catalogue(8, &ZONES)),
            pool_with(zonal, karpenter_fake_types()),
        ],
        &[],
        VersionProfile::V1,
    )
}

fn pod_by_id(pods: &[Pod], id: PodId) -> &Pod {
    pods.iter().find(|p| p.id == id).expect("known pod")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn nothing_is_lost_and_bindings_are_valid(case in arb_case()) {
        let out = run(&case, &case.pods);
        assert_conserved(&out, &case.pods);
        // Existing nodes: capacity, taints, selectors, anti-affinity.
        for node in &case.existing {
            let bound: Vec<&Pod> = out
                .bindings
                .iter()
                .filter(|b| b.node == node.id)
                .map(|b| pod_by_id(&case.pods, b.pod))
                .collect();
            let mut used = node.requested;
            for p in &bound {
                used = used.saturating_add(&pod_demand(p.requests()));
                if node.initialized {
                    prop_assert!(first_untolerated(&node.taints, &p.spec.tolerations).is_none());
                }
                prop_assert!(p.spec.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v)));
            }
            prop_assert!(used.fits_in(&node.allocatable), "over capacity on {}", node.name);
            for p in &bound {
                for term in &p.spec.pod_anti_affinity {
                    let clash = bound.iter().filter(|q| q.id != p.id && term.label_selector.matches(&q.spec.labels)).count();
                    prop_assert_eq!(clash, 0);
                }
            }
        }
        // New claims: the launch type holds the pods plus daemonsets, selectors hold.
        for claim in &out.new_claims {
            let launch = claim.launch.as_ref().expect("claims launch");
            let pods: Vec<&Pod> = claim.pods.iter().map(|id| pod_by_id(&case.pods, *id)).collect();
            let total = pods.iter().fold(Resources::ZERO, |a, p| a.saturating_add(&pod_demand(p.requests())));
            let types = if claim.pool_index == 0 { fake_catalogue(8, &ZONES) } else { karpenter_fake_types() };
            let t = types.iter().find(|t| t.id == launch.instance_type).expect("type exists");
            prop_assert!(total.fits_in(&t.allocatable));
            for p in &pods {
                if let Some(z) = p.spec.node_selector.get(labels::ZONE) {
                    prop_assert_eq!(&launch.zone, z);
                }
                for term in &p.spec.pod_anti_affinity {
                    let clash = pods.iter().filter(|q| q.id != p.id && term.label_selector.matches(&q.spec.labels)).count();
                    prop_assert_eq!(clash, 0);
                }
            }
        }
    }

    #[test]
    fn input_order_does_not_matter(case in arb_case(), seed in any::<u64>()) {
        let a = run(&case, &case.pods);
        let mut shuffled = case.pods.clone();
        let mut rng = packer::testing::SplitMix64(seed);
        for i in (1..shuffled.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            shuffled.swap(i, j);
        }
        let b = run(&case, &shuffled);
        prop_assert_eq!(a, b);
        let _ = &case.specs;
    }

    #[test]
    fn heuristics_produce_valid_packings_above_the_bound(
        items in prop::collection::vec(prop::collection::vec(0u64..60, 3), 0..80),
        caps in prop::collection::vec((prop::collection::vec(20u64..100, 3), 1u64..50), 1..4),
    ) {
        let types: Vec<BinType> = caps
            .iter()
            .enumerate()
            .map(|(i, (c, price))| BinType { name: format!("t{i}"), capacity: c.clone(), price: *price })
            .collect();
        let problem = Problem::new(3, &items, types).unwrap();
        let bound = problem.lower_bound();
        for h in Heuristic::ALL {
            let p = pack(&problem, h);
            prop_assert!(p.is_valid(&problem), "{h} invalid");
            if p.unpacked.is_empty() && let Some(b) = bound {
                prop_assert!(p.cost(&problem) as f64 >= b * (1.0 - 1e-9), "{h}: cost below bound");
            }
        }
    }
}

/// Large Deployments take the run-of-identical-pods path; the result must still hold
/// every pod exactly once, fit every launch type and not depend on input order.
#[test]
fn large_runs_stay_valid_and_order_independent() {
    use packer::testing::{ConstraintMix, WorkloadSpec, workload};
    let pods = workload(&WorkloadSpec {
        pods: 3_000,
        shapes: 12,
        constraints: ConstraintMix::Mixed,
        seed: 9,
    });
    let types = fake_catalogue(24, &ZONES);
    let mut s = Scheduler::new(
        vec![pool("default", types.clone())],
        &[],
        VersionProfile::V1,
    );
    let input = |pods: &[Pod]| {
        s.clone().schedule(&ScheduleInput {
            pods,
            existing: &[],
            pool_usage: &[],
        })
    };
    let out = input(&pods);
    assert_conserved(&out, &pods);
    for claim in &out.new_claims {
        let launch = claim.launch.as_ref().unwrap();
        let t = types.iter().find(|t| t.id == launch.instance_type).unwrap();
        let total = claim.pods.iter().fold(Resources::ZERO, |a, id| {
            a.saturating_add(&pod_demand(pods[id.0 as usize].requests()))
        });
        assert!(total.fits_in(&t.allocatable));
    }
    let mut reversed = pods.clone();
    reversed.reverse();
    assert_eq!(input(&reversed), out);
    let _ = s.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A prepared snapshot with masked nodes gives what a fresh solve gives when those
    /// nodes have no room and no pods, probe after probe (the snapshot is restored).
    #[test]
    fn prepared_masked_solves_equal_fresh_solves(
        case in arb_case(),
        masks in prop::collection::vec(prop::collection::vec(any::<bool>(), 5), 1..4),
    ) {
        let mut existing = case.existing.clone();
        for (i, node) in existing.iter_mut().enumerate() {
            node.pods = packer::BoundPods::group(vec![case.specs[i % case.specs.len()].clone(); i % 3]);
        }
        let mut sched = scheduler_for(&case);
        let mut prepared = sched.prepare(&existing);
        let usage = [PoolUsage::default()];
        for mask in masks {
            let masked: Vec<usize> = (0..existing.len()).filter(|i| mask[*i]).collect();
            let input = ScheduleInput { pods: &case.pods, existing: &existing, pool_usage: &usage };
            let draft = sched.schedule_draft(&input, &mut prepared, &masked, packer::Stops::default());
            let mut got = draft.output;
            got.new_claims = draft.claims.into_iter().map(|c| sched.finalize(c)).collect();
            let mut fresh_nodes = existing.clone();
            for &i in &masked {
                fresh_nodes[i].allocatable = Resources::ZERO;
                fresh_nodes[i].pods.clear();
            }
            let want = scheduler_for(&case).schedule(&ScheduleInput {
                pods: &case.pods,
                existing: &fresh_nodes,
                pool_usage: &usage,
            });
            prop_assert_eq!(got, want);
        }
        // A node's requests and bound pods change: refreshing the snapshot (which keeps
        // its topology caches and recounts only that node) equals preparing it again.
        if !existing.is_empty() {
            existing[0].requested = existing[0].requested.saturating_add(&Resources::new(1_500, 0));
            // Prefer a pod whose required anti-affinity repels others from this node.
            let extra = case
                .specs
                .iter()
                .find(|s| !s.pod_anti_affinity.is_empty())
                .unwrap_or(&case.specs[case.specs.len() - 1])
                .clone();
            let mut specs: Vec<Arc<PodSpec>> = existing[0].pods.iter().flat_map(|b| std::iter::repeat_n(b.spec.clone(), b.count as usize)).collect();
            specs.push(extra);
            existing[0].pods = packer::BoundPods::group(specs);
            prepared.refresh(&existing, &[0]);
            let input = ScheduleInput { pods: &case.pods, existing: &existing, pool_usage: &usage };
            let a = sched.schedule_draft(&input, &mut prepared, &[], packer::Stops::default()).output;
            let mut fresh = sched.prepare(&existing);
            let b = sched.schedule_draft(&input, &mut fresh, &[], packer::Stops::default()).output;
            prop_assert_eq!(a, b);
        }
    }
}

/// What the engine concludes from a consolidation probe's draft allowing one new node:
/// whether it fails (a watched pod waits or fits nowhere, or more than one claim).
fn probe_fails(draft: &packer::Draft, watched: &[Pod]) -> bool {
    let is_watched = |id: &PodId| watched.iter().any(|p| p.id == *id);
    draft.stopped
        || draft
            .output
            .unschedulable
            .iter()
            .any(|u| is_watched(&u.pod))
        || draft.claims.len() > 1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Whenever the quick probe answers, the full solve agrees: it stops at the same
    /// watched pod, places everything on existing nodes, or fails with one claim allowed.
    #[test]
    fn quick_probe_answers_agree_with_full_solves(
        case in arb_case_of(arb_spec_with_preferences()),
        watched_len in 0usize..12,
        mask in prop::collection::vec(any::<bool>(), 5),
        bound in prop::collection::vec((0usize..6, 0usize..5, 1u32..3), 0..16),
        kept_pods in 1usize..60,
        roomy in any::<bool>(),
    ) {
        // Often few enough pods to fit on existing nodes, and bound pods of the case's
        // specs, so topology counts start from them.
        let mut case = case;
        case.pods.truncate(kept_pods);
        if roomy {
            for node in &mut case.existing {
                node.allocatable = Resources::new(32_000, 128 * GI).with(ResourceKind::Pods, 40);
            }
        }
        for &(s, n, count) in &bound {
            if let Some(node) = case.existing.get_mut(n) {
                node.pods.push(packer::BoundPods { spec: case.specs[s % case.specs.len()].clone(), count });
            }
        }
        let mut sorted = case.pods.clone();
        sorted.sort_by(packer::queue_order);
        let k = watched_len.min(sorted.len());
        let mut watched: Vec<Pod> = sorted.iter().step_by(2).take(k).cloned().collect();
        watched.sort_by(packer::queue_order);
        let others: Vec<Pod> = sorted.iter().filter(|p| !watched.iter().any(|w| w.id == p.id)).cloned().collect();
        let masked: Vec<usize> = (0..case.existing.len()).filter(|i| mask[*i]).collect();
        let mut sched = scheduler_for(&case);
        let mut prepared = sched.prepare(&case.existing);
        let usage = [PoolUsage::default()];
        let mut all = watched.clone();
        all.extend(others.iter().cloned());
        let input = ScheduleInput { pods: &all, existing: &case.existing, pool_usage: &usage };
        for watch_one_claim in [false, true] {
            // The full solve first: it caches the domain tables the quick probe reads.
            let draft = sched.schedule_draft(&input, &mut prepared, &masked, packer::Stops { watched: watched.len(), ..Default::default() });
            let quick = sched.quick_probe(&watched, &others, &case.existing, &mut prepared, &masked, watch_one_claim);
            // Stopping at the first claim too many gives the same verdict, for the same
            // reason: every watched pod placed, none waiting, too many claims.
            let limited = sched.schedule_draft(&input, &mut prepared, &masked, packer::Stops { watched: watched.len(), max_claims: Some(1), ..Default::default() });
            if limited.over_claims {
                prop_assert!(!draft.stopped && draft.claims.len() > 1);
                prop_assert!(draft.output.unschedulable.iter().all(|u| !watched.iter().any(|w| w.id == u.pod)));
            } else {
                prop_assert_eq!(&limited.output, &draft.output);
                prop_assert_eq!(limited.claims.len(), draft.claims.len());
            }
            // Stopping at the first claim too many even earlier: the probe fails too
            // (perhaps first for another reason); a solve that never stops is unchanged.
            let hasty = sched.schedule_draft(&input, &mut prepared, &masked, packer::Stops { watched: watched.len(), max_claims: Some(1), any_failure: true });
            if hasty.over_claims {
                prop_assert!(probe_fails(&draft, &watched));
            } else {
                prop_assert_eq!(&hasty.output, &draft.output);
                prop_assert_eq!(hasty.claims.len(), draft.claims.len());
            }
            match quick {
                packer::QuickProbe::Undecided => {}
                packer::QuickProbe::OffExisting { watched: off_watched, others: off_others, seed } => {
                    // Unless a pod with topology missed its first rung in a solve of the
                    // off pods alone (then the engine solves in full), the full solve
                    // binds every other pod to an existing node, and its claims and
                    // unschedulable pods are those of the off pods alone.
                    let off: Vec<Pod> = off_watched
                        .iter()
                        .map(|&i| watched[i].clone())
                        .chain(off_others.iter().map(|&j| others[j].clone()))
                        .collect();
                    let stops = |max_claims| packer::Stops { watched: off_watched.len(), max_claims, ..Default::default() };
                    let alone = sched.schedule_draft_without_existing(&off, &usage, stops(None), &seed);
                    if alone.topology_missed {
                        prop_assert!(!seed.is_empty());
                        continue;
                    }
                    prop_assert!(!draft.stopped);
                    prop_assert_eq!(draft.output.bindings.len() + off.len(), all.len());
                    prop_assert!(alone.output.bindings.is_empty());
                    let mut want = draft.output.unschedulable.clone();
                    let mut got = alone.output.unschedulable.clone();
                    want.sort_by_key(|u| u.pod);
                    got.sort_by_key(|u| u.pod);
                    prop_assert_eq!(got, want);
                    let want: Vec<_> = draft.claims.iter().map(|c| sched.finalize(c.clone())).collect();
                    let got: Vec<_> = alone.claims.into_iter().map(|c| sched.finalize(c)).collect();
                    prop_assert_eq!(got, want);
                    let alone_limited = sched.schedule_draft_without_existing(&off, &usage, stops(Some(1)), &seed);
                    prop_assert_eq!(probe_fails(&alone_limited, &watched), probe_fails(&limited, &watched));
                }
                packer::QuickProbe::WatchedWaits(id) => {
                    prop_assert!(draft.stopped);
                    prop_assert_eq!(draft.output.bindings.last().map(|b| b.pod), Some(id));
                }
                packer::QuickProbe::WatchedWaitsUnlessMissed { pod: id, watched: off_watched, others: off_others, seed } => {
                    // Unless a pod off the existing nodes missed its first rung in a solve of
                    // them alone, the full solve stops where first fit said.
                    let off: Vec<Pod> = off_watched
                        .iter()
                        .map(|&i| watched[i].clone())
                        .chain(off_others.iter().map(|&j| others[j].clone()))
                        .collect();
                    let stops = packer::Stops { watched: off_watched.len(), ..Default::default() };
                    let alone = sched.schedule_draft_without_existing(&off, &usage, stops, &seed);
                    if !alone.topology_missed {
                        prop_assert!(draft.stopped);
                        prop_assert_eq!(draft.output.bindings.last().map(|b| b.pod), Some(id));
                    }
                }
                packer::QuickProbe::AllOnExisting => {
                    prop_assert!(!draft.stopped);
                    prop_assert!(draft.claims.is_empty() && draft.output.unschedulable.is_empty());
                    prop_assert_eq!(draft.output.bindings.len(), all.len());
                }
                packer::QuickProbe::BeyondOneClaim => {
                    prop_assert!(watch_one_claim);
                    prop_assert!(probe_fails(&draft, &watched));
                }
            }
        }
        // Bound pods change after the snapshot answered probes (which keeps topology
        // counts between them): once refreshed, it answers as a fresh snapshot does.
        let mut existing = case.existing.clone();
        if let Some(node) = existing.first_mut() {
            let spread = case.specs.iter().find(|s| !s.topology_spread.is_empty());
            let spec = spread.unwrap_or(&case.specs[0]).clone();
            node.pods.push(packer::BoundPods { spec, count: 2 });
            prepared.refresh(&existing, &[0]);
            let mut fresh = sched.prepare(&existing);
            let input = ScheduleInput { pods: &all, existing: &existing, pool_usage: &usage };
            let stops = packer::Stops { watched: watched.len(), ..Default::default() };
            for snapshot in [&mut prepared, &mut fresh] {
                sched.schedule_draft(&input, snapshot, &masked, stops);
            }
            let refreshed = sched.quick_probe(&watched, &others, &existing, &mut prepared, &masked, false);
            let want = sched.quick_probe(&watched, &others, &existing, &mut fresh, &masked, false);
            prop_assert_eq!(refreshed, want);
        }
    }
}

/// The quick probe answers each way on a small cluster (so the property above is not
/// vacuous): one initialized node with room for one pod, one launching node.
#[test]
fn quick_probe_decides_typical_probes() {
    let node = |i: u32, cpu: u64, initialized: bool| ExistingNode {
        id: NodeRef::Node(NodeId(i)),
        name: format!("node-{i}"),
        labels: labels_of(&[
            (labels::ZONE, ZONES[0]),
            (labels::HOSTNAME, &format!("node-{i}")),
        ]),
        taints: vec![],
        allocatable: Resources::new(cpu, 32 * GI).with(ResourceKind::Pods, 110),
        requested: Resources::ZERO,
        initialized,
        nodepool: None,
        pods: vec![],
    };
    let existing = vec![node(0, 1_000, true), node(1, 4_000, false)];
    let shape = Arc::new(spec(1_000, GI));
    let pod = |i: u32| Pod {
        id: PodId(i),
        name: format!("p{i}").into(),
        workload: model::WorkloadId(0),
        spec: shape.clone(),
        created_at: model::SimTime(0),
    };
    let mut sched = Scheduler::new(
        vec![pool_with(nodepool("default"), fake_catalogue(8, &ZONES))],
        &[],
        VersionProfile::V1,
    );
    let mut prepared = sched.prepare(&existing);
    let quick =
        |sched: &mut Scheduler,
         prepared: &mut packer::PreparedExisting,
         w: &[Pod],
         masked: &[usize],
         one: bool| { sched.quick_probe(w, &[], &existing, prepared, masked, one) };
    assert_eq!(
        quick(&mut sched, &mut prepared, &[pod(0)], &[], false),
        packer::QuickProbe::AllOnExisting
    );
    assert_eq!(
        quick(&mut sched, &mut prepared, &[pod(0), pod(1)], &[], false),
        packer::QuickProbe::WatchedWaits(PodId(1))
    );
    let off = |n: usize| packer::QuickProbe::OffExisting {
        watched: (0..n).collect(),
        others: vec![],
        seed: packer::TopologySeed::default(),
    };
    assert_eq!(
        quick(&mut sched, &mut prepared, &[pod(0)], &[0, 1], false),
        off(1)
    );
    // The largest type (fake-8x) holds eight of these pods: nine cannot share one node.
    let eight: Vec<Pod> = (0..8).map(pod).collect();
    assert_eq!(
        quick(&mut sched, &mut prepared, &eight, &[0, 1], true),
        off(8)
    );
    let nine: Vec<Pod> = (0..9).map(pod).collect();
    assert_eq!(
        quick(&mut sched, &mut prepared, &nine, &[0, 1], true),
        packer::QuickProbe::BeyondOneClaim
    );
    assert_eq!(
        quick(&mut sched, &mut prepared, &nine, &[0, 1], false),
        off(9)
    );
    // A pod with a node selector is left to the full solve.
    let mut zonal = spec(1_000, GI);
    zonal.node_selector = labels_of(&[(labels::ZONE, ZONES[0])]);
    let selective = Pod {
        spec: Arc::new(zonal),
        ..pod(9)
    };
    assert_eq!(
        quick(&mut sched, &mut prepared, &[selective], &[], false),
        packer::QuickProbe::Undecided
    );
}

/// Pod `id` of `spec`, all created at once (queue order then goes by requests, then id).
fn pod(id: u32, spec: PodSpec) -> Pod {
    Pod {
        id: PodId(id),
        name: format!("p{id}").into(),
        workload: model::WorkloadId(0),
        spec: Arc::new(spec),
        created_at: model::SimTime(0),
    }
}

/// The quick probe checks topology on existing nodes as the full solve does: a zone
/// spread's skew counts from the least-used zone (not from zero once every zone has
/// pods), and a preferred hostname anti-affinity skips nodes with a matching pod.
#[test]
fn quick_probe_checks_topology_on_existing_nodes() {
    let app = labels_of(&[("app", "web")]);
    let bound = Arc::new(PodSpec {
        labels: app.clone(),
        ..spec(100, GI)
    });
    // Zones 1, 2, 3 hold 2, 1, 1 pods of the app. Initialized nodes come first: `a`
    // (zone 1, room for one pod), `c` (zone 3, full), then `b` (zone 2, launching).
    let node = |name: &str, zone: usize, cpu: u64, initialized: bool, pods: u32| ExistingNode {
        id: NodeRef::Node(NodeId(zone as u32)),
        name: name.into(),
        labels: labels_of(&[(labels::ZONE, ZONES[zone]), (labels::HOSTNAME, name)]),
        taints: vec![],
        allocatable: Resources::new(cpu, 32 * GI).with(ResourceKind::Pods, 110),
        requested: Resources::ZERO,
        initialized,
        nodepool: None,
        pods: vec![packer::BoundPods {
            spec: bound.clone(),
            count: pods,
        }],
    };
    let existing = vec![
        node("a", 0, 1_000, true, 2),
        node("c", 2, 0, true, 1),
        node("b", 1, 4_000, false, 1),
    ];
    let mut sched = Scheduler::new(
        vec![pool_with(nodepool("default"), fake_catalogue(8, &ZONES))],
        &[],
        VersionProfile::V1,
    );
    let mut prepared = sched.prepare(&existing);
    let usage = [PoolUsage::default()];
    let stops = packer::Stops {
        watched: 1,
        ..Default::default()
    };
    let solve = |sched: &mut Scheduler,
                 prepared: &mut packer::PreparedExisting,
                 p: &Pod,
                 masked: &[usize]| {
        let pods = [p.clone()];
        let input = ScheduleInput {
            pods: &pods,
            existing: &existing,
            pool_usage: &usage,
        };
        // A full solve first caches the domain tables the quick probe reads.
        let full = sched.schedule_draft(&input, prepared, masked, stops);
        let quick = sched.quick_probe(&pods, &[], &existing, prepared, masked, false);
        (quick, full)
    };
    let probe = |sched: &mut Scheduler, prepared: &mut packer::PreparedExisting, p: Pod| {
        let (quick, full) = solve(sched, prepared, &p, &[]);
        (quick, full.stopped)
    };
    // A pod off the existing nodes: the solve of it alone from the seed gives the full
    // solve's claim.
    let off_claim = |sched: &mut Scheduler,
                     prepared: &mut packer::PreparedExisting,
                     p: Pod,
                     masked: &[usize]| {
        let (quick, full) = solve(sched, prepared, &p, masked);
        let packer::QuickProbe::OffExisting {
            watched,
            others,
            seed,
        } = quick
        else {
            panic!("expected the pod off the existing nodes, got {quick:?}");
        };
        assert_eq!((watched, others), (vec![0], vec![]));
        assert!(!seed.is_empty());
        let alone = sched.schedule_draft_without_existing(&[p], &usage, stops, &seed);
        assert!(!alone.topology_missed);
        let want: Vec<_> = full.claims.into_iter().map(|c| sched.finalize(c)).collect();
        let got: Vec<_> = alone
            .claims
            .into_iter()
            .map(|c| sched.finalize(c))
            .collect();
        assert_eq!(got, want);
        got
    };
    // Skew 2 from a minimum of 1: zone 1 (2 + 1 − 1) is allowed, so node a takes it.
    let spread_pod = pod(
        0,
        PodSpec {
            labels: app.clone(),
            topology_spread: vec![spread(labels::ZONE, 2, &[("app", "web")])],
            ..spec(1_000, GI)
        },
    );
    assert_eq!(
        probe(&mut sched, &mut prepared, spread_pod),
        (packer::QuickProbe::AllOnExisting, false)
    );
    // Skew 1: only zone 2 is, on the launching node b.
    let tight = pod(
        1,
        PodSpec {
            labels: app.clone(),
            topology_spread: vec![spread(labels::ZONE, 1, &[("app", "web")])],
            ..spec(1_000, GI)
        },
    );
    assert_eq!(
        probe(&mut sched, &mut prepared, tight),
        (packer::QuickProbe::WatchedWaits(PodId(1)), true)
    );
    // Every node holds a pod of the app, so the preferred anti-affinity (first rung)
    // fits no existing node: the pod goes to a new node.
    let mut term = anti(labels::HOSTNAME, &[("app", "web")]);
    term.weight = Some(100);
    let shy = pod(
        2,
        PodSpec {
            labels: app.clone(),
            pod_anti_affinity: vec![term],
            ..spec(1_000, GI)
        },
    );
    off_claim(&mut sched, &mut prepared, shy, &[]);
    // Without node b (masked), zone 2 counts none, the only zone skew 1 allows: the new
    // node is in zone 2, which only the seeded counts tell a solve of the pod alone.
    let zonal = pod(
        3,
        PodSpec {
            labels: app,
            topology_spread: vec![spread(labels::ZONE, 1, &[("app", "web")])],
            ..spec(1_000, GI)
        },
    );
    let claims = off_claim(&mut sched, &mut prepared, zonal, &[2]);
    let zone = claims[0].launch.as_ref().map(|l| l.zone.as_str());
    assert_eq!(zone, Some(ZONES[1]));
}

/// A pod with a preferred term that fits no existing node at its first rung may come back
/// to one at its second when no new node can be made (here a NodePool limit): the quick
/// probe's answer from the pods after it, which first fit would have placed without it,
/// holds only if a solve of the pods it left off the existing nodes shows none missed its
/// first rung: with the limit one does, without it none does.
#[test]
fn quick_probe_answers_after_a_relaxable_pod_only_if_it_kept_its_first_rung() {
    let app = labels_of(&[("app", "web")]);
    let bound = Arc::new(PodSpec {
        labels: app.clone(),
        ..spec(100, GI)
    });
    // One launching node, holding a pod of the app, with room for one more pod.
    let existing = vec![ExistingNode {
        id: NodeRef::Node(NodeId(0)),
        name: "a".into(),
        labels: labels_of(&[(labels::ZONE, ZONES[0]), (labels::HOSTNAME, "a")]),
        taints: vec![],
        allocatable: Resources::new(1_500, 32 * GI).with(ResourceKind::Pods, 110),
        requested: Resources::new(100, GI),
        initialized: false,
        nodepool: None,
        pods: vec![packer::BoundPods {
            spec: bound,
            count: 1,
        }],
    }];
    let mut term = anti(labels::HOSTNAME, &[("app", "web")]);
    term.weight = Some(100);
    let watched = [
        pod(
            0,
            PodSpec {
                labels: app,
                pod_anti_affinity: vec![term],
                ..spec(1_000, GI)
            },
        ),
        pod(1, spec(1_000, GI)),
    ];
    let usage = [PoolUsage::default()];
    let input = ScheduleInput {
        pods: &watched,
        existing: &existing,
        pool_usage: &usage,
    };
    let stops = |watched| packer::Stops {
        watched,
        ..Default::default()
    };
    // With a NodePool limit no new node can be made; without one, a new node takes the
    // relaxable pod at its first rung.
    for limited in [true, false] {
        let mut np = nodepool("default");
        if limited {
            np.limits.resources = Resources::UNLIMITED.with(ResourceKind::CpuMillis, 1);
        }
        let mut sched = Scheduler::new(
            vec![pool_with(np, fake_catalogue(8, &ZONES))],
            &[],
            VersionProfile::V1,
        );
        let mut prepared = sched.prepare(&existing);
        let full = sched.schedule_draft(&input, &mut prepared, &[], stops(2));
        // Relaxed, the pod takes the room and waits for the node first; on a new node,
        // the other pod waits.
        let first_waiting = if limited { PodId(0) } else { PodId(1) };
        assert!(full.stopped);
        assert_eq!(
            full.output.bindings.last().map(|b| b.pod),
            Some(first_waiting)
        );
        let quick = sched.quick_probe(&watched, &[], &existing, &mut prepared, &[], false);
        let packer::QuickProbe::WatchedWaitsUnlessMissed {
            pod: waiting,
            watched: off,
            others,
            seed,
        } = quick
        else {
            panic!(
                "expected an answer that holds unless the pod off the existing nodes missed its first rung, got {quick:?}"
            );
        };
        assert_eq!(
            (waiting, &off[..], &others[..]),
            (PodId(1), &[0][..], &[][..])
        );
        let alone = sched.schedule_draft_without_existing(&watched[..1], &usage, stops(1), &seed);
        assert_eq!(alone.topology_missed, limited);
    }
}

/// After a node leaves, a re-prepared snapshot keeps its topology counts on the right
/// nodes and zones: hostname ids shift, and zone ids change when the first node of a zone
/// leaves (a fresh build numbers values by first appearance).
#[test]
fn reprepare_after_a_removal_keeps_counts_on_the_right_domains() {
    let web = Arc::new(PodSpec {
        labels: labels_of(&[("app", "web")]),
        ..spec(100, GI)
    });
    let node = |name: &str, zone: usize, cpu: u64, pods: u32| ExistingNode {
        id: NodeRef::Node(NodeId(name.as_bytes()[0] as u32)),
        name: name.into(),
        labels: labels_of(&[(labels::ZONE, ZONES[zone]), (labels::HOSTNAME, name)]),
        taints: vec![],
        allocatable: Resources::new(cpu, 32 * GI).with(ResourceKind::Pods, 110),
        requested: Resources::ZERO,
        initialized: true,
        nodepool: None,
        pods: vec![packer::BoundPods {
            spec: web.clone(),
            count: pods,
        }],
    };
    let pod = |spec: PodSpec| Pod {
        id: PodId(0),
        name: "p".into(),
        workload: model::WorkloadId(0),
        spec: Arc::new(spec),
        created_at: model::SimTime(0),
    };
    // `a` (zone 2, full) leaves; `b` (zone 1) has no web pod, `c` (zone 2) and `d`
    // (zone 3) one each.
    let before = vec![
        node("a", 1, 0, 0),
        node("b", 0, 4_000, 0),
        node("c", 1, 4_000, 1),
        node("d", 2, 4_000, 1),
    ];
    let after = before[1..].to_vec();
    let mut spread_pod = spec(1_000, GI);
    spread_pod.labels = labels_of(&[("app", "web")]);
    spread_pod.topology_spread = vec![spread(labels::ZONE, 1, &[("app", "web")])];
    let mut shy = spec(1_000, GI);
    shy.pod_anti_affinity = vec![anti(labels::HOSTNAME, &[("app", "web")])];
    for pods in [vec![pod(spread_pod)], vec![pod(shy)]] {
        let mut sched = Scheduler::new(
            vec![pool_with(nodepool("default"), fake_catalogue(8, &ZONES))],
            &[],
            VersionProfile::V1,
        );
        let usage = [PoolUsage::default()];
        let solve = |sched: &mut Scheduler,
                     existing: &[ExistingNode],
                     prepared: &mut packer::PreparedExisting| {
            let input = ScheduleInput {
                pods: &pods,
                existing,
                pool_usage: &usage,
            };
            sched
                .schedule_draft(&input, prepared, &[], packer::Stops::default())
                .output
                .bindings
        };
        let mut prepared = sched.prepare(&before);
        solve(&mut sched, &before, &mut prepared);
        prepared.reprepare(&after, &[], &[0]);
        let kept = solve(&mut sched, &after, &mut prepared);
        let mut fresh = sched.prepare(&after);
        let fresh = solve(&mut sched, &after, &mut fresh);
        assert_eq!(kept, fresh);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Plain pods bind exactly where a naive first fit puts them: in queue order, each on
    /// the first existing node (initialized first, then by name) with room whose taints it
    /// tolerates; the others go to claims. (The solver's tree and its per-spec memo of the
    /// last first fit must not change that.)
    #[test]
    fn plain_pods_bind_by_naive_first_fit(case in arb_case()) {
        let plain = |s: &PodSpec| s.node_selector.is_empty() && s.pod_anti_affinity.is_empty() && s.topology_spread.is_empty();
        prop_assume!(case.specs.iter().all(|s| plain(s)));
        let out = run(&case, &case.pods);
        let mut pods = case.pods.clone();
        pods.sort_by(packer::queue_order);
        let mut nodes: Vec<&ExistingNode> = case.existing.iter().collect();
        nodes.sort_by(|a, b| b.initialized.cmp(&a.initialized).then_with(|| a.name.cmp(&b.name)));
        let mut room: Vec<Resources> = nodes.iter().map(|n| n.allocatable.saturating_sub(&n.requested)).collect();
        let mut want = Vec::new();
        for p in &pods {
            let d = pod_demand(p.requests());
            let fits = |i: usize| d.fits_in(&room[i]) && first_untolerated(&nodes[i].taints, &p.spec.tolerations).is_none();
            if let Some(i) = (0..nodes.len()).find(|&i| fits(i)) {
                room[i] = room[i].saturating_sub(&d);
                want.push((p.id, nodes[i].id));
            }
        }
        let mut got: Vec<(PodId, NodeRef)> = out.bindings.iter().map(|b| (b.pod, b.node)).collect();
        got.sort_by_key(|(p, _)| *p);
        want.sort_by_key(|(p, _)| *p);
        prop_assert_eq!(got, want);
    }
}

proptest! {
    // Cheap cases; a removal shows only when it moves a node with its own room.
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Re-preparing after nodes changed their initialized flag or room, were removed, or
    /// were appended, gives the solves (and quick probes) a fresh prepare gives.
    #[test]
    fn reprepared_snapshots_equal_fresh_ones(
        case in arb_case_of(arb_spec_with_preferences()),
        flips in prop::collection::vec(any::<bool>(), 5),
        grown in prop::collection::vec(0u64..3_000, 5),
        drops in prop::collection::vec(prop::bool::weighted(0.25), 5),
        appended in 0usize..3,
    ) {
        let mut sched = scheduler_for(&case);
        let spec_of = |i: usize| case.specs[i % case.specs.len()].clone();
        let mut base = case.existing.clone();
        for (i, node) in base.iter_mut().enumerate() {
            node.pods = packer::BoundPods::group(vec![spec_of(i); i % 3]);
            // Rooms differ, so a node's leaf kept for another would show.
            node.requested = node.requested.saturating_add(&Resources::new(250 * i as u64, 0));
        }
        let usage = [PoolUsage::default()];
        let mut prepared = sched.prepare(&base);
        // A first solve fills the snapshot's topology caches (domain tables, group
        // counts), which re-preparing keeps where a fresh build would match them.
        let before = ScheduleInput { pods: &case.pods, existing: &base, pool_usage: &usage };
        sched.schedule_draft(&before, &mut prepared, &[], packer::Stops::default());
        // And a quick probe its topology counts, which re-preparing must take again.
        let mut sorted = case.pods.clone();
        sorted.sort_by(packer::queue_order);
        let (watched, others) = sorted.split_at(sorted.len() / 3);
        sched.quick_probe(watched, others, &base, &mut prepared, &[], true);
        let mut existing = base.clone();
        let mut changed = Vec::new();
        for (i, node) in existing.iter_mut().enumerate() {
            if flips[i] {
                node.initialized = !node.initialized;
            }
            if grown[i] > 0 {
                node.requested = node.requested.saturating_add(&Resources::new(grown[i], 0));
                let mut specs = vec![spec_of(i); i % 3];
                specs.push(spec_of(i + 1));
                node.pods = packer::BoundPods::group(specs);
            }
            if flips[i] || grown[i] > 0 {
                changed.push(i);
            }
        }
        // Removed nodes leave; the others keep their order (and `changed` its new indices).
        let removed: Vec<usize> = (0..existing.len()).filter(|&i| drops[i]).collect();
        changed.retain(|i| !drops[*i]);
        for i in &mut changed {
            *i -= removed.iter().filter(|&&r| r < *i).count();
        }
        let mut index = 0;
        existing.retain(|_| {
            index += 1;
            !drops[index - 1]
        });
        for k in 0..appended {
            let mut node = case.existing.first().cloned().unwrap_or_else(|| ExistingNode {
                id: NodeRef::Node(NodeId(90)),
                name: String::new(),
                labels: labels_of(&[(labels::ZONE, ZONES[0])]),
                taints: vec![],
                allocatable: Resources::new(4_000, 16 * GI).with(ResourceKind::Pods, 10),
                requested: Resources::ZERO,
                initialized: false,
                nodepool: None,
                pods: vec![],
            });
            node.id = NodeRef::Node(NodeId(100 + k as u32));
            node.name = format!("node-z{k}");
            node.labels.insert(labels::HOSTNAME.to_string(), node.name.clone());
            // The second new node brings a zone no table has yet.
            if k == 1 {
                node.labels.insert(labels::ZONE.to_string(), "test-zone-new".to_string());
            }
            node.initialized = k % 2 == 0;
            node.pods = packer::BoundPods::group(vec![spec_of(k); 1 + k % 2]);
            existing.push(node);
        }
        prepared.reprepare(&existing, &changed, &removed);
        let mut fresh = sched.prepare(&existing);
        let input = ScheduleInput { pods: &case.pods, existing: &existing, pool_usage: &usage };
        let masked: Vec<usize> = (0..existing.len()).filter(|i| i % 3 == 1).collect();
        let a = sched.schedule_draft(&input, &mut prepared, &masked, packer::Stops::default());
        let b = sched.schedule_draft(&input, &mut fresh, &masked, packer::Stops::default());
        prop_assert_eq!(a.output, b.output);
        let a: Vec<_> = a.claims.into_iter().map(|c| sched.finalize(c)).collect();
        let b: Vec<_> = b.claims.into_iter().map(|c| sched.finalize(c)).collect();
        prop_assert_eq!(a, b);
        let qa = sched.quick_probe(watched, others, &existing, &mut prepared, &masked, true);
        let qb = sched.quick_probe(watched, others, &existing, &mut fresh, &masked, true);
        prop_assert_eq!(qa, qb);
    }
}
