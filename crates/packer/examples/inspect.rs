//! Prints what Karpenter's solve and the portfolio pick for a generated workload over
//! the embedded catalogue: `cargo run --release -p karpsim-packer --example inspect`.

use model::catalog::{Catalog, CatalogOptions};
use model::instance::CapacityType;
use model::kubelet::KubeletConfig;
use model::requirements::{Operator, Requirement};
use packer::testing::{ConstraintMix, WorkloadSpec, nodepool, workload};
use packer::{PoolInput, ScheduleInput, Scheduler, VersionProfile};

fn main() {
    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let types = Catalog::new(CatalogOptions::new("us-east-1", &zones))
        .instance_types(&KubeletConfig::default());
    let mut np = nodepool("default");
    np.requirements.add(Requirement::new(
        model::labels::CAPACITY_TYPE,
        Operator::In,
        [CapacityType::OnDemand.label_value()],
    ));
    let mut s = Scheduler::new(
        vec![PoolInput {
            id: model::NodePoolId(0),
            nodepool: np,
            instance_types: types.clone(),
        }],
        &[],
        VersionProfile::V1,
    );
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let pods = workload(&WorkloadSpec {
        pods: args.first().copied().unwrap_or(200),
        shapes: args.get(1).copied().unwrap_or(10),
        constraints: ConstraintMix::None,
        seed: 1,
    });
    let out = s.schedule(&ScheduleInput {
        pods: &pods,
        existing: &[],
        pool_usage: &[],
    });
    for c in &out.new_claims {
        let l = c.launch.as_ref().unwrap();
        let t = &types[l.instance_type.0 as usize];
        println!(
            "{} pods, requests {}, {} options, launch {} {} {} (alloc {})",
            c.pods.len(),
            c.requests,
            c.instance_type_options.len(),
            l.instance_type_name,
            l.capacity_type,
            l.price,
            t.allocatable
        );
    }
}
