//! Builders for tests, benches and examples: a plain NodePool, pods from shapes, and
//! small catalogues. Not used by the solve itself.

use std::sync::Arc;

use model::ids::{InstanceTypeId, PodId, WorkloadId};
use model::instance::{CapacityType, InstanceType, Offering};
use model::labels::{self, Labels};
use model::nodepool::{Disruption, Limits, NodePool};
use model::pod::{Pod, PodSpec};
use model::price::UsdPerHour;
use model::requirements::Requirements;
use model::resources::{ResourceKind, Resources};
use model::time::SimTime;

/// A NodePool with no requirements, taints or limits, weight 0.
pub fn nodepool(name: &str) -> NodePool {
    NodePool {
        name: name.to_string(),
        node_class: "default".to_string(),
        weight: 0,
        labels: Labels::new(),
        taints: Vec::new(),
        startup_taints: Vec::new(),
        requirements: Requirements::default(),
        limits: Limits::default(),
        disruption: Disruption::default(),
        expire_after: None,
        termination_grace_period: None,
        kubelet: None,
    }
}

/// `n` pods sharing one spec, ids from `first_id`.
pub fn pods(spec: &Arc<PodSpec>, n: usize, first_id: u32) -> Vec<Pod> {
    (0..n)
        .map(|i| {
            let id = first_id + i as u32;
            Pod {
                id: PodId(id),
                name: format!("pod-{id}").into(),
                workload: WorkloadId(0),
                spec: spec.clone(),
                created_at: SimTime::default(),
            }
        })
        .collect()
}

/// A synthetic instance type in the style of Karpenter's fake cloud provider
/// (`pkg/cloudprovider/fake/instancetype.go`): allocatable = capacity, offerings in the
/// given zones for spot and on-demand, spot at 70 % of the on-demand price.
pub fn fake_type(
    id: u32,
    name: &str,
    cpu_millis: u64,
    memory_bytes: u64,
    pods: u64,
    on_demand: UsdPerHour,
    zones: &[&str],
) -> InstanceType {
    let capacity = Resources::new(cpu_millis, memory_bytes).with(ResourceKind::Pods, pods);
    let mut l = Labels::new();
    l.insert(labels::INSTANCE_TYPE.to_string(), name.to_string());
    l.insert(labels::ARCH.to_string(), "amd64".to_string());
    l.insert(labels::OS.to_string(), "linux".to_string());
    let mut offerings = Vec::new();
    for z in zones {
        offerings.push(Offering {
            zone: z.to_string(),
            capacity_type: CapacityType::Spot,
            price: UsdPerHour(on_demand.0 / 10 * 7),
            available: true,
            interruption_band: Some(0),
        });
        offerings.push(Offering {
            zone: z.to_string(),
            capacity_type: CapacityType::OnDemand,
            price: on_demand,
            available: true,
            interruption_band: None,
        });
    }
    InstanceType {
        id: InstanceTypeId(id),
        name: name.to_string(),
        labels: l,
        capacity,
        allocatable: capacity,
        offerings,
    }
}

/// `n` fake types: type i has i+1 vCPU, 2(i+1) GiB, 10(i+1) pods (capped at 110) and a
/// linear price, like Karpenter's fake catalogue.
pub fn fake_catalogue(n: usize, zones: &[&str]) -> Vec<InstanceType> {
    (0..n)
        .map(|i| {
            let k = i as u64 + 1;
            fake_type(
                i as u32,
                &format!("fake-{k}x"),
                k * 1000,
                k * 2 * (1 << 30),
                (k * 10).min(110),
                UsdPerHour(k * 100_000_000),
                zones,
            )
        })
        .collect()
}

/// A small deterministic generator (SplitMix64), so workloads are identical on every
/// machine without depending on `rand`'s stream stability.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Placement constraints put on 20 % of the deployments of a generated workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintMix {
    None,
    /// Zonal topology spread (maxSkew 1) over the deployment's own pods.
    ZonalSpread,
    /// Required hostname anti-affinity with the deployment's own pods.
    HostnameAntiAffinity,
    /// 10 % zonal spread and 10 % hostname anti-affinity.
    Mixed,
}

/// Parameters of a generated scheduling workload (benches and the CLI comparison).
#[derive(Debug, Clone, Copy)]
pub struct WorkloadSpec {
    pub pods: usize,
    /// Distinct request shapes; `0` means every pod has its own.
    pub shapes: usize,
    pub constraints: ConstraintMix,
    pub seed: u64,
}

/// A realistic request shape: cpu in {100m … 4}, memory 1–8 GiB per cpu, with jitter.
fn random_shape(rng: &mut SplitMix64) -> Resources {
    const CPU: [u64; 7] = [100, 250, 500, 1_000, 1_500, 2_000, 4_000];
    const GIB_PER_CPU: [u64; 4] = [1, 2, 4, 8];
    let cpu = CPU[rng.below(CPU.len() as u64) as usize];
    let ratio = GIB_PER_CPU[rng.below(GIB_PER_CPU.len() as u64) as usize];
    let mem = cpu * ratio * (1 << 30) / 1000;
    let jitter = rng.below(64) * (1 << 20);
    Resources::new(cpu + rng.below(50), mem + jitter)
}

/// Generates pods: deployments of identical replicas, `spec.shapes` distinct shapes,
/// 20 % of deployments carrying the chosen constraint on their own `app` label.
pub fn workload(spec: &WorkloadSpec) -> Vec<Pod> {
    use model::labels::LabelSelector;
    use model::pod::{PodAffinityTerm, TopologySpreadConstraint, WhenUnsatisfiable};
    let mut rng = SplitMix64(spec.seed);
    let shapes_n = if spec.shapes == 0 {
        spec.pods
    } else {
        spec.shapes
    };
    let shapes: Vec<Resources> = (0..shapes_n).map(|_| random_shape(&mut rng)).collect();
    let deployments = shapes_n.max(10).min(spec.pods.max(1));
    let specs: Vec<Arc<PodSpec>> = (0..deployments)
        .map(|d| {
            let mut s = PodSpec::with_requests(shapes[d % shapes_n]);
            let app = format!("app-{d}");
            s.labels.insert("app".to_string(), app.clone());
            let selector = LabelSelector::from_labels([("app".to_string(), app)].into());
            let kind = match (spec.constraints, d % 10) {
                (ConstraintMix::ZonalSpread, 0 | 5) | (ConstraintMix::Mixed, 0) => 1,
                (ConstraintMix::HostnameAntiAffinity, 0 | 5) | (ConstraintMix::Mixed, 5) => 2,
                _ => 0,
            };
            if kind == 1 {
                s.topology_spread.push(TopologySpreadConstraint {
                    topology_key: labels::ZONE.to_string(),
                    max_skew: 1,
                    when_unsatisfiable: WhenUnsatisfiable::DoNotSchedule,
                    label_selector: selector,
                    min_domains: None,
                });
            } else if kind == 2 {
                s.pod_anti_affinity.push(PodAffinityTerm {
                    topology_key: labels::HOSTNAME.to_string(),
                    label_selector: selector,
                    weight: None,
                });
            }
            Arc::new(s)
        })
        .collect();
    (0..spec.pods)
        .map(|i| Pod {
            id: PodId(i as u32),
            name: format!("pod-{i}").into(),
            workload: WorkloadId((i % deployments) as u32),
            spec: specs[i % deployments].clone(),
            created_at: SimTime(i as u64),
        })
        .collect()
}

/// `n` existing nodes of 4 vCPU / 16 GiB / 58 pods, each 0–90 % used, spread over `zones`.
pub fn existing_nodes(n: usize, zones: &[&str], seed: u64) -> Vec<crate::ExistingNode> {
    let mut rng = SplitMix64(seed);
    (0..n)
        .map(|i| {
            let allocatable =
                Resources::new(3_920, 14_900 * (1 << 20)).with(ResourceKind::Pods, 58);
            let used_pct = rng.below(91);
            let requested = Resources::new(
                allocatable.cpu_millis() * used_pct / 100,
                allocatable.memory_bytes() / 100 * used_pct,
            )
            .with(ResourceKind::Pods, 4 + used_pct / 10);
            let name = format!("node-{i:05}");
            let mut l = Labels::new();
            l.insert(
                labels::ZONE.to_string(),
                zones[i % zones.len().max(1)].to_string(),
            );
            l.insert(labels::HOSTNAME.to_string(), name.clone());
            crate::ExistingNode {
                id: crate::NodeRef::Node(model::ids::NodeId(i as u32)),
                name,
                labels: l,
                taints: Vec::new(),
                allocatable,
                requested,
                initialized: true,
                nodepool: None,
                pods: Vec::new(),
            }
        })
        .collect()
}
