//! Criterion benches of the packer (issue 3, part E).
//!
//! `cargo bench --bench packing` runs the trimmed matrix; set `KARPSIM_BENCH_QUICK=1`
//! for the quick subset. Inputs use fixed seeds; `iter_batched` keeps input cloning out
//! of the timings; throughput is reported per pod (or item).

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use model::catalog::{Catalog, CatalogOptions};
use model::ids::NodePoolId;
use model::instance::InstanceType;
use model::kubelet::KubeletConfig;
use packer::testing::{
    ConstraintMix, SplitMix64, WorkloadSpec, existing_nodes, nodepool, workload,
};
use packer::vector::{BinType, Heuristic, Problem, pack};
use packer::{PoolInput, ScheduleInput, Scheduler, VersionProfile};

/// The same allocator as `simctl`, so benches measure what the binary runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn catalogue(small: bool) -> Vec<InstanceType> {
    let all = Catalog::new(CatalogOptions::new("us-east-1", &ZONES))
        .instance_types(&KubeletConfig::default());
    if !small {
        return all;
    }
    const TEN: [&str; 10] = [
        "m5.large",
        "m5.xlarge",
        "m5.2xlarge",
        "m5.4xlarge",
        "c5.xlarge",
        "c5.4xlarge",
        "r5.large",
        "r5.2xlarge",
        "r5.4xlarge",
        "m5.8xlarge",
    ];
    all.into_iter()
        .filter(|t| TEN.contains(&t.name.as_str()))
        .collect()
}

struct Case {
    name: &'static str,
    pods: usize,
    shapes: usize,
    small_catalogue: bool,
    constraints: ConstraintMix,
    existing: usize,
}

fn cases(quick: bool) -> Vec<Case> {
    let c = |name, pods, shapes, small_catalogue, constraints, existing| Case {
        name,
        pods,
        shapes,
        small_catalogue,
        constraints,
        existing,
    };
    use ConstraintMix::*;
    let mut v = vec![
        c("10k/100shapes/all-types/none", 10_000, 100, false, None, 0),
        c(
            "10k/100shapes/all-types/mixed",
            10_000,
            100,
            false,
            Mixed,
            0,
        ),
    ];
    if quick {
        return v;
    }
    v.extend([
        c("1k/100shapes/all-types/none", 1_000, 100, false, None, 0),
        c(
            "100k/100shapes/all-types/none",
            100_000,
            100,
            false,
            None,
            0,
        ),
        c("10k/1shape/all-types/none", 10_000, 1, false, None, 0),
        c("10k/all-shapes/all-types/none", 10_000, 0, false, None, 0),
        c("10k/100shapes/10-types/none", 10_000, 100, true, None, 0),
        c(
            "10k/100shapes/all-types/zonal-spread",
            10_000,
            100,
            false,
            ZonalSpread,
            0,
        ),
        c(
            "10k/100shapes/all-types/hostname-anti",
            10_000,
            100,
            false,
            HostnameAntiAffinity,
            0,
        ),
        c(
            "100k/100shapes/all-types/mixed",
            100_000,
            100,
            false,
            Mixed,
            0,
        ),
        c(
            "10k/100shapes/all-types/none/5k-existing",
            10_000,
            100,
            false,
            None,
            5_000,
        ),
        c(
            "10k/100shapes/all-types/mixed/5k-existing",
            10_000,
            100,
            false,
            Mixed,
            5_000,
        ),
    ]);
    v
}

fn bench_schedule(c: &mut Criterion) {
    let quick = std::env::var_os("KARPSIM_BENCH_QUICK").is_some();
    let full = catalogue(false);
    let small = catalogue(true);
    let mut group = c.benchmark_group("schedule");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(if quick { 2 } else { 4 }));
    for case in cases(quick) {
        let types = if case.small_catalogue {
            small.clone()
        } else {
            full.clone()
        };
        let pool = PoolInput {
            id: NodePoolId(0),
            nodepool: nodepool("default"),
            instance_types: types,
        };
        // Built once, as the engine does; every solve reuses the pool indexes and their
        // caches (the first iterations warm them).
        let mut scheduler = Scheduler::new(vec![pool], &[], VersionProfile::V1);
        let pods = workload(&WorkloadSpec {
            pods: case.pods,
            shapes: case.shapes,
            constraints: case.constraints,
            seed: 42,
        });
        let existing = existing_nodes(case.existing, &ZONES, 7);
        group.throughput(Throughput::Elements(case.pods as u64));
        group.bench_function(BenchmarkId::from_parameter(case.name), |b| {
            // The pod list is cloned outside the timing; the output is returned so that
            // dropping it is not timed either.
            b.iter_batched(
                || pods.clone(),
                |pods| {
                    let out = scheduler.schedule(&ScheduleInput {
                        pods: black_box(&pods),
                        existing: &existing,
                        pool_usage: &[],
                    });
                    (pods, out)
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

/// Items in [1, 400] per dimension, bins of 1,000 (Panigrahy class 1 shapes); `shapes`
/// distinct item vectors (0 = every item distinct), like pods of Deployments.
fn vector_problem(items: usize, shapes: usize, dims: usize, seed: u64) -> Problem {
    let mut rng = SplitMix64(seed);
    let distinct = if shapes == 0 { items } else { shapes };
    let pool: Vec<Vec<u64>> = (0..distinct)
        .map(|_| (0..dims).map(|_| 1 + rng.below(400)).collect())
        .collect();
    let rows: Vec<Vec<u64>> = (0..items).map(|i| pool[i % distinct].clone()).collect();
    let bin = BinType {
        name: "bin".to_string(),
        capacity: vec![1_000; dims],
        price: 1,
    };
    Problem::new(dims, &rows, vec![bin]).expect("valid problem")
}

fn bench_vector(c: &mut Criterion) {
    let quick = std::env::var_os("KARPSIM_BENCH_QUICK").is_some();
    let mut group = c.benchmark_group("vector");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(if quick { 2 } else { 3 }));
    // (heuristic, items, distinct shapes; 0 = all distinct)
    let mut cases = vec![(Heuristic::FfdSum, 100_000usize, 100usize)];
    if !quick {
        cases.extend([
            (Heuristic::FfdSum, 10_000, 0),
            (Heuristic::FfdSum, 100_000, 0),
            (Heuristic::Karpenter, 10_000, 100),
            (Heuristic::DotProduct, 10_000, 100),
            (Heuristic::Portfolio, 1_000, 0),
        ]);
    }
    for (h, n, shapes) in cases {
        let problem = vector_problem(n, shapes, 3, 11);
        group.throughput(Throughput::Elements(n as u64));
        let shapes_label = if shapes == 0 {
            "distinct".to_string()
        } else {
            format!("{shapes}shapes")
        };
        group.bench_function(
            BenchmarkId::new(h.name(), format!("{n}/{shapes_label}")),
            |b| b.iter(|| black_box(pack(black_box(&problem), h).bins.len())),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_schedule, bench_vector);
criterion_main!(benches);
