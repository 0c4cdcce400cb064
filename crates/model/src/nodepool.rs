//! NodePools in Karpenter v1 shape, the canonical model (v1beta1 input is mapped onto it).

use std::fmt;

use serde::Serialize;

use crate::cron::CronSchedule;
use crate::kubelet::KubeletConfig;
use crate::labels::Labels;
use crate::requirements::Requirements;
use crate::resources::Resources;
use crate::taints::Taint;
use crate::time::{SimDuration, SimTime};

/// `spec.disruption.consolidationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConsolidationPolicy {
    WhenEmpty,
    /// v1's `WhenEmptyOrUnderutilized`; v1beta1 spelled it `WhenUnderutilized`.
    WhenEmptyOrUnderutilized,
    /// v1.14+: a move must save enough for the disruption it causes (score ≥ 1/2).
    Balanced,
}

impl fmt::Display for ConsolidationPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsolidationPolicy::WhenEmpty => "WhenEmpty",
            ConsolidationPolicy::WhenEmptyOrUnderutilized => "WhenEmptyOrUnderutilized",
            ConsolidationPolicy::Balanced => "Balanced",
        })
    }
}

/// Why a node is disrupted; budgets may be limited to some reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum DisruptionReason {
    Empty,
    Underutilized,
    Drifted,
}

impl DisruptionReason {
    pub const NAMES: [&'static str; 3] = ["Empty", "Underutilized", "Drifted"];

    pub fn parse(s: &str) -> Option<DisruptionReason> {
        match s {
            "Empty" => Some(DisruptionReason::Empty),
            "Underutilized" => Some(DisruptionReason::Underutilized),
            "Drifted" => Some(DisruptionReason::Drifted),
            _ => None,
        }
    }
}

impl fmt::Display for DisruptionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DisruptionReason::NAMES[*self as usize])
    }
}

/// A count or a percentage, as budgets and PDBs write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IntOrPercent {
    Int(u32),
    Percent(u32),
}

impl IntOrPercent {
    /// Parses `5` or `10%`. Percentages above 100 and negative numbers are rejected.
    pub fn parse(s: &str) -> Result<IntOrPercent, String> {
        let s = s.trim();
        if let Some(p) = s.strip_suffix('%') {
            let v: u32 = p
                .parse()
                .map_err(|_| format!("`{s}` is not a percentage (expected e.g. `10%`)"))?;
            if v > 100 {
                return Err(format!("`{s}` is more than 100%"));
            }
            return Ok(IntOrPercent::Percent(v));
        }
        if s.starts_with('-') {
            return Err(format!("`{s}` is negative"));
        }
        s.parse().map(IntOrPercent::Int).map_err(|_| {
            format!("`{s}` is neither a count nor a percentage (expected e.g. `1` or `10%`)")
        })
    }

    /// Resolves against `total`, rounding a percentage up (Karpenter's budgets use
    /// `intstr.GetScaledValueFromIntOrPercent(.., roundUp=true)`).
    pub fn resolve_round_up(self, total: u32) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(total) * u64::from(p)).div_ceil(100) as u32,
        }
    }

    /// Resolves against `total`, rounding a percentage down.
    pub fn resolve_round_down(self, total: u32) -> u32 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(total) * u64::from(p) / 100) as u32,
        }
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// One `spec.disruption.budgets` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Budget {
    pub nodes: IntOrPercent,
    #[serde(skip)]
    pub schedule: Option<CronSchedule>,
    pub duration: Option<SimDuration>,
    /// Empty means "all reasons".
    pub reasons: Vec<DisruptionReason>,
}

impl Budget {
    /// Karpenter's default: one budget of `10%` for all reasons, always active.
    pub fn default_budget() -> Budget {
        Budget {
            nodes: IntOrPercent::Percent(10),
            schedule: None,
            duration: None,
            reasons: Vec::new(),
        }
    }

    pub fn is_active(&self, t: SimTime) -> bool {
        match (&self.schedule, self.duration) {
            (Some(s), Some(d)) => s.active_at(t, d),
            _ => true,
        }
    }

    pub fn applies_to(&self, reason: DisruptionReason) -> bool {
        self.reasons.is_empty() || self.reasons.contains(&reason)
    }
}

/// How many of `total` nodes may be disrupted for `reason` at `t`: the minimum over the
/// active budgets that apply (Karpenter's `GetAllowedDisruptionsByReason`).
pub fn allowed_disruptions(
    budgets: &[Budget],
    reason: DisruptionReason,
    total: u32,
    t: SimTime,
) -> u32 {
    budgets
        .iter()
        .filter(|b| b.applies_to(reason) && b.is_active(t))
        .map(|b| b.nodes.resolve_round_up(total))
        .min()
        .unwrap_or(u32::MAX)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disruption {
    pub consolidation_policy: ConsolidationPolicy,
    /// `None` is `Never`.
    pub consolidate_after: Option<SimDuration>,
    pub budgets: Vec<Budget>,
}

impl Default for Disruption {
    fn default() -> Self {
        Disruption {
            consolidation_policy: ConsolidationPolicy::WhenEmptyOrUnderutilized,
            consolidate_after: Some(SimDuration::ZERO),
            budgets: vec![Budget::default_budget()],
        }
    }
}

/// `spec.limits`: unset dimensions are `u64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub resources: Resources,
    pub nodes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            resources: Resources::UNLIMITED,
            nodes: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodePool {
    pub name: String,
    pub node_class: String,
    /// 0..=100; Karpenter treats a missing weight as 0.
    pub weight: u32,
    pub labels: Labels,
    pub taints: Vec<Taint>,
    pub startup_taints: Vec<Taint>,
    pub requirements: Requirements,
    pub limits: Limits,
    pub disruption: Disruption,
    /// `None` is `Never`. Karpenter v1 defaults to 720h.
    pub expire_after: Option<SimDuration>,
    pub termination_grace_period: Option<SimDuration>,
    /// v1beta1's `spec.template.spec.kubelet`; in v1 the EC2NodeClass carries it.
    pub kubelet: Option<KubeletConfig>,
}

/// Karpenter's `OrderByWeight`: weight descending, ties to the name later in the alphabet.
pub fn order_by_weight(pools: &[NodePool]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pools.len()).collect();
    order.sort_by(|&a, &b| {
        pools[b]
            .weight
            .cmp(&pools[a].weight)
            .then_with(|| pools[b].name.cmp(&pools[a].name))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn int_or_percent() {
        assert_eq!(IntOrPercent::parse("10%"), Ok(IntOrPercent::Percent(10)));
        assert_eq!(IntOrPercent::parse("3"), Ok(IntOrPercent::Int(3)));
        assert!(IntOrPercent::parse("110%").is_err());
        assert!(IntOrPercent::parse("-1").is_err());
        assert!(IntOrPercent::parse("ten").is_err());
        assert_eq!(IntOrPercent::Percent(10).resolve_round_up(23), 3);
        assert_eq!(IntOrPercent::Percent(10).resolve_round_down(23), 2);
    }

    #[test]
    fn budgets_take_the_minimum_active() {
        let t = parse_rfc3339("2025-10-16T10:30:00Z").unwrap();
        let night_only = Budget {
            nodes: IntOrPercent::Int(0),
            schedule: Some(CronSchedule::parse("0 22 * * *").unwrap()),
            duration: Some(SimDuration::from_mins(8 * 60)),
            reasons: vec![],
        };
        let no_drift = Budget {
            nodes: IntOrPercent::Int(0),
            schedule: None,
            duration: None,
            reasons: vec![DisruptionReason::Drifted],
        };
        let budgets = vec![Budget::default_budget(), night_only, no_drift];
        assert_eq!(
            allowed_disruptions(&budgets, DisruptionReason::Underutilized, 23, t),
            3
        );
        assert_eq!(
            allowed_disruptions(&budgets, DisruptionReason::Drifted, 23, t),
            0
        );
        let night = parse_rfc3339("2025-10-16T23:00:00Z").unwrap();
        assert_eq!(
            allowed_disruptions(&budgets, DisruptionReason::Empty, 23, night),
            0
        );
    }

    #[test]
    fn weight_order_breaks_ties_by_later_name() {
        let pool = |name: &str, weight| NodePool {
            name: name.into(),
            node_class: "default".into(),
            weight,
            labels: Labels::new(),
            taints: vec![],
            startup_taints: vec![],
            requirements: Requirements::default(),
            limits: Limits::default(),
            disruption: Disruption::default(),
            expire_after: None,
            termination_grace_period: None,
            kubelet: None,
        };
        let pools = [pool("a", 10), pool("b", 50), pool("c", 10)];
        assert_eq!(order_by_weight(&pools), vec![1, 2, 0]);
    }
}
