//! A fixed-size resource vector. Packing compares these millions of times, so it is a
//! plain array of integers rather than a map keyed by resource name.

use std::fmt;

use serde::Serialize;

use crate::quantity::{format_bytes, format_cpu_millis};

/// The resources karpsim tracks. Extended resources are a closed set on purpose: every
/// vector has room for all of them and no lookups by name happen on the hot path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ResourceKind {
    CpuMillis = 0,
    MemoryBytes = 1,
    EphemeralStorageBytes = 2,
    Pods = 3,
    NvidiaGpu = 4,
    AmdGpu = 5,
    AwsNeuron = 6,
}

pub const RESOURCE_KINDS: usize = 7;

impl ResourceKind {
    pub const ALL: [ResourceKind; RESOURCE_KINDS] = [
        ResourceKind::CpuMillis,
        ResourceKind::MemoryBytes,
        ResourceKind::EphemeralStorageBytes,
        ResourceKind::Pods,
        ResourceKind::NvidiaGpu,
        ResourceKind::AmdGpu,
        ResourceKind::AwsNeuron,
    ];

    /// The Kubernetes resource name.
    pub fn kubernetes_name(self) -> &'static str {
        match self {
            ResourceKind::CpuMillis => "cpu",
            ResourceKind::MemoryBytes => "memory",
            ResourceKind::EphemeralStorageBytes => "ephemeral-storage",
            ResourceKind::Pods => "pods",
            ResourceKind::NvidiaGpu => "nvidia.com/gpu",
            ResourceKind::AmdGpu => "amd.com/gpu",
            ResourceKind::AwsNeuron => "aws.amazon.com/neuron",
        }
    }

    pub fn from_kubernetes_name(name: &str) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.kubernetes_name() == name)
    }

    /// Formats an amount of this resource the way Kubernetes would print it.
    pub fn format(self, amount: u64) -> String {
        match self {
            ResourceKind::CpuMillis => format_cpu_millis(amount),
            ResourceKind::MemoryBytes | ResourceKind::EphemeralStorageBytes => format_bytes(amount),
            _ => amount.to_string(),
        }
    }
}

/// An amount of every [`ResourceKind`]. Arithmetic is checked: an overflow is an error
/// the caller reports, never a wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Resources(pub [u64; RESOURCE_KINDS]);

/// Resource arithmetic overflowed `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("resource arithmetic overflowed")]
pub struct ResourceOverflow;

impl Resources {
    pub const ZERO: Resources = Resources([0; RESOURCE_KINDS]);
    /// "No limit": every dimension at `u64::MAX`.
    pub const UNLIMITED: Resources = Resources([u64::MAX; RESOURCE_KINDS]);

    #[inline]
    pub fn new(cpu_millis: u64, memory_bytes: u64) -> Resources {
        let mut r = Resources::ZERO;
        r.0[ResourceKind::CpuMillis as usize] = cpu_millis;
        r.0[ResourceKind::MemoryBytes as usize] = memory_bytes;
        r
    }

    #[inline]
    pub fn with(mut self, kind: ResourceKind, amount: u64) -> Resources {
        self.0[kind as usize] = amount;
        self
    }

    #[inline]
    pub fn get(&self, kind: ResourceKind) -> u64 {
        self.0[kind as usize]
    }

    #[inline]
    pub fn set(&mut self, kind: ResourceKind, amount: u64) {
        self.0[kind as usize] = amount;
    }

    #[inline]
    pub fn cpu_millis(&self) -> u64 {
        self.0[ResourceKind::CpuMillis as usize]
    }

    #[inline]
    pub fn memory_bytes(&self) -> u64 {
        self.0[ResourceKind::MemoryBytes as usize]
    }

    #[inline]
    pub fn pods(&self) -> u64 {
        self.0[ResourceKind::Pods as usize]
    }

    pub fn checked_add(&self, other: &Resources) -> Result<Resources, ResourceOverflow> {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = o.checked_add(x).ok_or(ResourceOverflow)?;
        }
        Ok(out)
    }

    /// Component-wise `self − other`, `None` if any component would go negative.
    #[inline]
    pub fn checked_sub(&self, other: &Resources) -> Option<Resources> {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = o.checked_sub(x)?;
        }
        Some(out)
    }

    /// Component-wise `self − other`, clamped at zero.
    #[inline]
    pub fn saturating_sub(&self, other: &Resources) -> Resources {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = o.saturating_sub(x);
        }
        out
    }

    #[inline]
    pub fn saturating_add(&self, other: &Resources) -> Resources {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = o.saturating_add(x);
        }
        out
    }

    /// Component-wise maximum.
    #[inline]
    pub fn max(&self, other: &Resources) -> Resources {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = (*o).max(x);
        }
        out
    }

    /// Component-wise minimum.
    #[inline]
    pub fn min(&self, other: &Resources) -> Resources {
        let mut out = *self;
        for (o, x) in out.0.iter_mut().zip(other.0) {
            *o = (*o).min(x);
        }
        out
    }

    /// True if every component of `self` is at most the same component of `capacity`.
    #[inline]
    pub fn fits_in(&self, capacity: &Resources) -> bool {
        self.0.iter().zip(capacity.0.iter()).all(|(a, b)| a <= b)
    }

    /// The first resource for which `self` exceeds `capacity`.
    pub fn first_exceeding(&self, capacity: &Resources) -> Option<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| self.get(*k) > capacity.get(*k))
    }

    #[inline]
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|x| *x == 0)
    }

    /// Multiplies every component, `Err` on overflow.
    pub fn checked_mul(&self, n: u64) -> Result<Resources, ResourceOverflow> {
        let mut out = *self;
        for o in out.0.iter_mut() {
            *o = o.checked_mul(n).ok_or(ResourceOverflow)?;
        }
        Ok(out)
    }
}

impl fmt::Display for Resources {
    /// `cpu=1500m memory=1Gi pods=3`, listing only non-zero, non-unlimited components.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for kind in ResourceKind::ALL {
            let v = self.get(kind);
            if v == 0 || v == u64::MAX {
                continue;
            }
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{}={}", kind.kubernetes_name(), kind.format(v))?;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_checked() {
        let a = Resources::new(1000, 10);
        let b = Resources::new(500, 20);
        assert_eq!(a.checked_add(&b), Ok(Resources::new(1500, 30)));
        assert_eq!(a.checked_sub(&b), None);
        assert_eq!(a.saturating_sub(&b), Resources::new(500, 0));
        assert_eq!(Resources::UNLIMITED.checked_add(&a), Err(ResourceOverflow));
        assert!(b.fits_in(&Resources::new(500, 20)));
        assert_eq!(a.first_exceeding(&b), Some(ResourceKind::CpuMillis));
    }

    #[test]
    fn display_skips_zero_and_unlimited() {
        let r = Resources::new(1500, 1 << 30)
            .with(ResourceKind::Pods, 3)
            .with(ResourceKind::NvidiaGpu, u64::MAX);
        assert_eq!(r.to_string(), "cpu=1500m memory=1Gi pods=3");
    }
}
