//! Human-readable reasons for unschedulable pods. Karpenter joins one error per NodePool
//! (`scheduler.go: addToNewNodeClaim`); we do the same but phrase each so that a person
//! can act on it, and collapse the common case where every pool failed the same way.

use model::labels::LabelSelector;
use model::pod::PodSpec;
use model::resources::{ResourceKind, Resources};

/// Why one NodePool could not start a claim for a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PoolRejection {
    Taint(String),
    Requirements(String),
    Topology(String),
    NoCompatibleType(String),
    Resources {
        total: Resources,
        largest: Resources,
    },
    Limit(String),
    NoTypes(String),
    MinValues(String),
}

impl PoolRejection {
    fn text(&self, pool: &str) -> String {
        match self {
            PoolRejection::Taint(t) => {
                format!("NodePool {pool} has taint {t}, which the pod does not tolerate")
            }
            PoolRejection::Requirements(e) => format!("NodePool {pool} is incompatible: {e}"),
            PoolRejection::Topology(t) => format!("NodePool {pool}: {t} cannot be satisfied"),
            PoolRejection::NoCompatibleType(r) => {
                format!("NodePool {pool}: no instance type satisfies {r}")
            }
            PoolRejection::Resources { total, largest } => {
                format!("NodePool {pool}: {}", resources_text(total, largest))
            }
            PoolRejection::Limit(m) | PoolRejection::NoTypes(m) => m.clone(),
            PoolRejection::MinValues(m) => format!("NodePool {pool}: {m}"),
        }
    }
}

fn resources_text(total: &Resources, largest: &Resources) -> String {
    match ResourceKind::ALL
        .into_iter()
        .find(|k| total.get(*k) > largest.get(*k))
    {
        Some(k) => format!(
            "no allowed instance type has {} allocatable {} (after daemonset overhead)",
            k.format(total.get(k)),
            k.kubernetes_name()
        ),
        None => format!("no single allowed instance type fits {total} together"),
    }
}

/// Formats a label selector as `app=redis` or `app in (a,b)`.
pub(crate) fn selector_text(s: &LabelSelector) -> String {
    let mut parts: Vec<String> = s
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in &s.match_expressions {
        parts.push(format!("{} {} ({})", e.key, e.operator, e.values.join(",")));
    }
    if parts.is_empty() {
        "every pod".to_string()
    } else {
        parts.join(",")
    }
}

/// One reason from every pool's rejection.
pub(crate) fn summarize(rejections: &[(String, PoolRejection)], _spec: &PodSpec) -> String {
    if rejections.is_empty() {
        return "no NodePool exists and no existing node has room".to_string();
    }
    let all_taint = rejections
        .iter()
        .all(|(_, r)| matches!(r, PoolRejection::Taint(_)));
    if all_taint && rejections.len() > 1 {
        let mut taints: Vec<&str> = rejections
            .iter()
            .filter_map(|(_, r)| match r {
                PoolRejection::Taint(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        taints.sort_unstable();
        taints.dedup();
        return format!("no NodePool tolerates taint {}", taints.join(" or "));
    }
    if rejections.len() > 1
        && let Some(t) = rejections.iter().find_map(|(_, r)| match r {
            PoolRejection::Topology(t) => Some(t),
            _ => None,
        })
        && rejections
            .iter()
            .all(|(_, r)| matches!(r, PoolRejection::Topology(x) if x == t))
    {
        return format!("{t} cannot be satisfied on any candidate");
    }
    if let [(pool, PoolRejection::Taint(t))] = rejections {
        return format!("no NodePool tolerates taint {t} (the only NodePool, {pool}, has it)");
    }
    if let [(pool, PoolRejection::Resources { total, largest })] = rejections {
        return format!("{} in NodePool {pool}", resources_text(total, largest));
    }
    rejections
        .iter()
        .map(|(pool, r)| r.text(pool))
        .collect::<Vec<_>>()
        .join("; ")
}
