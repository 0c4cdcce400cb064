//! `Scheduler::limit_rooms` keys claims-only consolidation solves (the engine keeps their
//! refusals under it): NodePool usages with equal rooms must give solves that decide
//! alike, and usages that a solve can tell apart must give different rooms.

mod common;

use std::sync::Arc;

use common::*;
use model::ids::PodId;
use model::pod::{Pod, PodSpec};
use model::resources::{ResourceKind, Resources};
use packer::testing::{fake_catalogue, nodepool};
use packer::{PoolUsage, Scheduler, Stops, TopologySeed, VersionProfile};
use proptest::prelude::*;

/// A limited pool first, an unlimited one behind it (where claims go once the first is
/// out of room).
fn scheduler(cpu_limit: u64, node_limit: Option<u64>) -> Scheduler {
    let mut limited = nodepool("limited");
    limited.weight = 10;
    limited.limits.resources = Resources::UNLIMITED.with(ResourceKind::CpuMillis, cpu_limit);
    limited.limits.nodes = node_limit;
    let spare = nodepool("spare");
    Scheduler::new(
        vec![
            pool_with(limited, fake_catalogue(8, &ZONES)),
            pool_with(spare, fake_catalogue(8, &ZONES)),
        ],
        &[],
        VersionProfile::V1,
    )
}

fn pods(cpus: &[u64]) -> Vec<Pod> {
    cpus.iter()
        .enumerate()
        .map(|(i, cpu)| Pod {
            id: PodId(i as u32),
            name: format!("p{i}").into(),
            workload: model::WorkloadId(0),
            spec: Arc::new(PodSpec {
                labels: labels_of(&[("app", "a")]),
                ..spec(*cpu, GI)
            }),
            created_at: model::SimTime(0),
        })
        .collect()
}

/// Usage near the limit or far below it, in steps fine enough to reach every type's size.
fn arb_usage(cpu_limit: u64) -> impl Strategy<Value = PoolUsage> {
    (any::<bool>(), 0u64..64, 0u64..12).prop_map(move |(near, steps, nodes)| {
        let cpu = if near {
            cpu_limit.saturating_sub(steps * 500)
        } else {
            steps * 500
        };
        PoolUsage {
            capacity: Resources::new(cpu, 0),
            nodes,
        }
    })
}

fn draft_text(sched: &mut Scheduler, pods: &[Pod], usage: PoolUsage) -> String {
    let usage = [usage, PoolUsage::default()];
    let stops = Stops {
        watched: pods.len(),
        max_claims: Some(1),
        any_failure: false,
    };
    let draft =
        sched.schedule_draft_without_existing(pods, &usage, stops, &TopologySeed::default());
    format!(
        "{:?} {:?} {}",
        draft.output, draft.claims, draft.over_claims
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn equal_rooms_give_equal_solves(
        cpus in prop::collection::vec(250u64..6_000, 1..4),
        (cpu_limit, a, b) in (8_000u64..200_000)
            .prop_flat_map(|l| (Just(l), arb_usage(l), arb_usage(l))),
        node_limit in prop::option::of(0u64..8),
    ) {
        let mut sched = scheduler(cpu_limit, node_limit);
        let pods = pods(&cpus);
        let rooms = |u: PoolUsage| sched.limit_rooms(&[u, PoolUsage::default()], pods.len());
        let (room_a, room_b) = (rooms(a), rooms(b));
        let (draft_a, draft_b) = (draft_text(&mut sched, &pods, a), draft_text(&mut sched, &pods, b));
        if room_a == room_b {
            prop_assert_eq!(draft_a, draft_b);
        }
    }
}

#[test]
fn rooms_are_capped_only_beyond_a_solves_reach() {
    let sched = scheduler(1_000_000, Some(100));
    let usage = |cpu, nodes| PoolUsage {
        capacity: Resources::new(cpu, 0),
        nodes,
    };
    let rooms = |u| sched.limit_rooms(&[u, PoolUsage::default()], 2);
    // The unlimited pool reads nothing.
    assert_eq!(rooms(usage(0, 0))[1], None);
    // Far below the limit, usages differ but rooms do not.
    assert_eq!(rooms(usage(0, 0)), rooms(usage(500_000, 40)));
    // Near it they differ, in CPU or in nodes.
    assert_ne!(rooms(usage(0, 0)), rooms(usage(995_000, 0)));
    assert_ne!(rooms(usage(995_000, 0)), rooms(usage(996_000, 0)));
    assert_ne!(rooms(usage(0, 0)), rooms(usage(0, 99)));
    // Over the limit is not the same as at it.
    assert_ne!(rooms(usage(1_000_000, 0)), rooms(usage(1_000_001, 0)));
}
