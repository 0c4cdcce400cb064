//! Karpenter's AWS capacity and allocatable formula
//! (`aws/karpenter-provider-aws: pkg/providers/instancetype/types.go`: `computeCapacity`,
//! `kubeReservedResources`, `evictionThreshold`, `ENILimitedPods`).
//!
//! ```text
//! capacity.memory = MiB (− 64 on arm64) − ceil(MiB × vmMemoryOverheadPercent)
//! capacity.pods   = maxPods, else ENI-limited pods; capped by podsPerCore × vCPU
//! kubeReserved    = cpu tiers (6 % / 1 % / 0.5 % / 0.25 %), memory 11 Mi × ENI pods + 255 Mi, 1 Gi storage
//! eviction        = memory 100 Mi, storage 10 %
//! allocatable     = capacity − kubeReserved − systemReserved − eviction
//! ```

use serde::Serialize;

use crate::resources::{ResourceKind, Resources};

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// A threshold from `evictionHard` (`memory.available`, `nodefs.available`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EvictionThreshold {
    Bytes(u64),
    /// Percent of capacity in basis points (10 % = 1000); 100 % means zero, as in Karpenter.
    PercentBp(u32),
}

/// Resources reserved for kubelet or system daemons. `None` keeps Karpenter's default
/// for that resource (user values replace defaults per resource, like `lo.Assign`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reserved {
    pub cpu_millis: Option<u64>,
    pub memory_bytes: Option<u64>,
    pub ephemeral_storage_bytes: Option<u64>,
}

/// The kubelet settings that shape allocatable. In Karpenter v1 these live on the
/// EC2NodeClass (`spec.kubelet`); in v1beta1 on the NodePool template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeletConfig {
    pub max_pods: Option<u32>,
    pub pods_per_core: Option<u32>,
    pub kube_reserved: Reserved,
    pub system_reserved: Reserved,
    pub eviction_memory_available: Option<EvictionThreshold>,
    pub eviction_nodefs_available: Option<EvictionThreshold>,
    /// `--vm-memory-overhead-percent` in parts per million (7.5 % = 75,000).
    pub vm_memory_overhead_ppm: u32,
    /// Root volume size (ephemeral-storage capacity). Karpenter's default is 20 Gi.
    pub root_volume_bytes: u64,
}

impl Default for KubeletConfig {
    fn default() -> Self {
        KubeletConfig {
            max_pods: None,
            pods_per_core: None,
            kube_reserved: Reserved::default(),
            system_reserved: Reserved::default(),
            eviction_memory_available: None,
            eviction_nodefs_available: None,
            vm_memory_overhead_ppm: 75_000,
            root_volume_bytes: 20 * GIB,
        }
    }
}

/// The hardware facts the formula needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardware {
    pub vcpu: u32,
    pub memory_mib: u64,
    pub arm64: bool,
    /// Max pods from ENIs: `ENIs × (IPv4 per ENI − 1) + 2`.
    pub eni_max_pods: u32,
    pub nvidia_gpus: u32,
    pub amd_gpus: u32,
    pub neuron_devices: u32,
}

/// Capacity and allocatable of one instance type under one kubelet configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NodeResources {
    pub capacity: Resources,
    pub allocatable: Resources,
}

/// Karpenter's default kube-reserved CPU: 6 % of the first core, 1 % of the second,
/// 0.5 % of cores three and four, 0.25 % of the rest (in millicores).
pub fn kube_reserved_cpu_millis(vcpu: u32) -> u64 {
    let cpu = u64::from(vcpu) * 1000;
    // (from, to, basis points)
    const TIERS: [(u64, u64, u64); 4] = [
        (0, 1000, 600),
        (1000, 2000, 100),
        (2000, 4000, 50),
        (4000, u64::MAX, 25),
    ];
    let reserved_bp: u64 = TIERS
        .iter()
        .filter(|(from, _, _)| cpu > *from)
        .map(|(from, to, bp)| (cpu.min(*to) - from) * bp)
        .sum();
    reserved_bp / 10_000
}

impl KubeletConfig {
    /// Capacity and allocatable for `hw`. Saturating: a reservation bigger than the
    /// machine leaves zero allocatable rather than wrapping.
    pub fn node_resources(&self, hw: &Hardware) -> NodeResources {
        let mut memory_mib = hw.memory_mib;
        if hw.arm64 {
            // "extra 64 MiB of cma reserved memory" on Graviton.
            memory_mib = memory_mib.saturating_sub(64);
        }
        let overhead_mib = (u128::from(memory_mib) * u128::from(self.vm_memory_overhead_ppm))
            .div_ceil(1_000_000) as u64;
        let memory_bytes = memory_mib.saturating_sub(overhead_mib) * MIB;

        let mut pods = self.max_pods.unwrap_or(hw.eni_max_pods);
        if let Some(per_core) = self.pods_per_core {
            pods = pods.min(per_core.saturating_mul(hw.vcpu));
        }

        let capacity = Resources::new(u64::from(hw.vcpu) * 1000, memory_bytes)
            .with(ResourceKind::EphemeralStorageBytes, self.root_volume_bytes)
            .with(ResourceKind::Pods, u64::from(pods))
            .with(ResourceKind::NvidiaGpu, u64::from(hw.nvidia_gpus))
            .with(ResourceKind::AmdGpu, u64::from(hw.amd_gpus))
            .with(ResourceKind::AwsNeuron, u64::from(hw.neuron_devices));

        // AL2/AL2023 size kube-reserved memory from the ENI-limited pod count even when
        // maxPods is set (`UsesENILimitedMemoryOverhead`).
        let kube_reserved = Resources::new(
            self.kube_reserved
                .cpu_millis
                .unwrap_or_else(|| kube_reserved_cpu_millis(hw.vcpu)),
            self.kube_reserved
                .memory_bytes
                .unwrap_or((11 * u64::from(hw.eni_max_pods) + 255) * MIB),
        )
        .with(
            ResourceKind::EphemeralStorageBytes,
            self.kube_reserved.ephemeral_storage_bytes.unwrap_or(GIB),
        );
        let system_reserved = Resources::new(
            self.system_reserved.cpu_millis.unwrap_or(0),
            self.system_reserved.memory_bytes.unwrap_or(0),
        )
        .with(
            ResourceKind::EphemeralStorageBytes,
            self.system_reserved.ephemeral_storage_bytes.unwrap_or(0),
        );
        let eviction = Resources::new(
            0,
            threshold_bytes(self.eviction_memory_available, memory_bytes, 100 * MIB),
        )
        .with(
            ResourceKind::EphemeralStorageBytes,
            threshold_bytes(
                self.eviction_nodefs_available,
                self.root_volume_bytes,
                self.root_volume_bytes.div_ceil(10),
            ),
        );

        let allocatable = capacity
            .saturating_sub(&kube_reserved)
            .saturating_sub(&system_reserved)
            .saturating_sub(&eviction);
        NodeResources {
            capacity,
            allocatable,
        }
    }
}

fn threshold_bytes(t: Option<EvictionThreshold>, capacity: u64, default: u64) -> u64 {
    match t {
        None => default,
        Some(EvictionThreshold::Bytes(b)) => b,
        Some(EvictionThreshold::PercentBp(bp)) if bp >= 10_000 => 0,
        Some(EvictionThreshold::PercentBp(bp)) => {
            (u128::from(capacity) * u128::from(bp)).div_ceil(10_000) as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hw(vcpu: u32, memory_mib: u64, eni_max_pods: u32) -> Hardware {
        Hardware {
            vcpu,
            memory_mib,
            arm64: false,
            eni_max_pods,
            nvidia_gpus: 0,
            amd_gpus: 0,
            neuron_devices: 0,
        }
    }

    #[test]
    fn cpu_tiers_match_karpenter_examples() {
        for (vcpu, m) in [(2, 70), (4, 80), (8, 90), (16, 110), (64, 230)] {
            assert_eq!(kube_reserved_cpu_millis(vcpu), m, "{vcpu} vCPU");
        }
    }

    #[test]
    fn m6i_4xlarge_worked_example() {
        // ec2-pricing.md §3: 15890m, 57691Mi, 234 pods, 17Gi.
        let r = KubeletConfig::default().node_resources(&hw(16, 65536, 234));
        assert_eq!(r.allocatable.cpu_millis(), 15_890);
        assert_eq!(r.allocatable.memory_bytes(), 57_691 * MIB);
        assert_eq!(r.allocatable.pods(), 234);
        assert_eq!(
            r.allocatable.get(ResourceKind::EphemeralStorageBytes),
            17 * GIB
        );
    }

    #[test]
    fn max_pods_changes_capacity_but_not_reserved_memory() {
        let k = KubeletConfig {
            max_pods: Some(110),
            ..KubeletConfig::default()
        };
        let r = k.node_resources(&hw(16, 65536, 234));
        assert_eq!(r.allocatable.pods(), 110);
        assert_eq!(r.allocatable.memory_bytes(), 57_691 * MIB);
    }

    #[test]
    fn user_reservations_replace_defaults_per_resource() {
        // The seed's v1beta1 kubelet block: systemReserved 500m/1Gi, kubeReserved 200m/512Mi.
        let k = KubeletConfig {
            max_pods: Some(110),
            kube_reserved: Reserved {
                cpu_millis: Some(200),
                memory_bytes: Some(512 * MIB),
                ephemeral_storage_bytes: None,
            },
            system_reserved: Reserved {
                cpu_millis: Some(500),
                memory_bytes: Some(1024 * MIB),
                ephemeral_storage_bytes: None,
            },
            ..KubeletConfig::default()
        };
        let r = k.node_resources(&hw(16, 65536, 234));
        assert_eq!(r.allocatable.cpu_millis(), 16_000 - 200 - 500);
        assert_eq!(
            r.allocatable.memory_bytes(),
            (60_620 - 512 - 1024 - 100) * MIB
        );
    }

    #[test]
    fn eviction_percent_and_pods_per_core() {
        let k = KubeletConfig {
            eviction_memory_available: Some(EvictionThreshold::PercentBp(1_000)),
            pods_per_core: Some(2),
            ..KubeletConfig::default()
        };
        let r = k.node_resources(&hw(4, 16384, 58));
        let cap = r.capacity.memory_bytes();
        assert_eq!(
            r.allocatable.memory_bytes(),
            cap - (11 * 58 + 255) * MIB - cap.div_ceil(10)
        );
        assert_eq!(r.allocatable.pods(), 8);
        let all = KubeletConfig {
            eviction_memory_available: Some(EvictionThreshold::PercentBp(10_000)),
            ..KubeletConfig::default()
        };
        assert_eq!(
            all.node_resources(&hw(4, 16384, 58))
                .allocatable
                .memory_bytes(),
            r.capacity.memory_bytes() - (11 * 58 + 255) * MIB
        );
    }
}
