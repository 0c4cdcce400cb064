//! Rough wall-clock timing of one solve, cold and warm caches:
//! `cargo run --release -p karpsim-packer --example timing -- 1000 100`.

use std::time::Instant;

use model::catalog::{Catalog, CatalogOptions};
use model::kubelet::KubeletConfig;
use packer::testing::{ConstraintMix, WorkloadSpec, nodepool, workload};
use packer::{PoolInput, ScheduleInput, Scheduler, VersionProfile};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (pods, shapes) = (
        args.first().copied().unwrap_or(1000),
        args.get(1).copied().unwrap_or(100),
    );
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let types = Catalog::new(CatalogOptions::new("us-east-1", &zones))
        .instance_types(&KubeletConfig::default());
    let t0 = Instant::now();
    let mut s = Scheduler::new(
        vec![PoolInput {
            id: model::NodePoolId(0),
            nodepool: nodepool("default"),
            instance_types: types,
        }],
        &[],
        VersionProfile::V1,
    );
    println!(
        "Scheduler::new {:?} ({} pools)",
        t0.elapsed(),
        s.pools().count()
    );
    println!(
        "{} priced types",
        s.pools().map(|p| p.instance_types.len()).sum::<usize>()
    );
    let w = workload(&WorkloadSpec {
        pods,
        shapes,
        constraints: ConstraintMix::None,
        seed: 42,
    });
    for round in 0..3 {
        let t = Instant::now();
        let out = s.schedule(&ScheduleInput {
            pods: &w,
            existing: &[],
            pool_usage: &[],
        });
        println!(
            "round {round}: {:?}, {} claims",
            t.elapsed(),
            out.new_claims.len()
        );
    }
}
