//! A pod's constraints at one rung of Karpenter's relaxation ladder
//! (`pkg/controllers/provisioning/scheduling/preferences.go: Relax`). Preferences start
//! out required; each failed attempt drops one, in this order:
//! 1. the first of several ORed required node-affinity terms (the last one is kept);
//! 2. preferred pod affinity, heaviest first;
//! 3. preferred pod anti-affinity, heaviest first;
//! 4. preferred node affinity, heaviest first;
//! 5. `ScheduleAnyway` topology spread constraints;
//! 6. a toleration for `PreferNoSchedule` taints, only if some NodePool has one.

use model::labels;
use model::pod::{PodSpec, WhenUnsatisfiable};
use model::requirements::Requirements;
use model::taints::{Taint, TaintEffect, first_untolerated};

use crate::topology::{GroupKind, Topology};

/// Which preferences remain at one rung.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rung {
    required_term: usize,
    /// Indices into `pod_affinity` / `pod_anti_affinity` / `preferred_node_affinity`
    /// / `topology_spread`, heaviest first where weights exist.
    affinity: Vec<usize>,
    anti: Vec<usize>,
    node_prefs: Vec<usize>,
    spreads_anyway: Vec<usize>,
    tolerate_prefer_no_schedule: bool,
}

/// The materialised constraints of one rung.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// nodeSelector + the current required term + the heaviest remaining preferred term
    /// (`NewPodRequirements`).
    pub reqs: Requirements,
    /// nodeSelector + the current required term (`NewStrictPodRequirements`), used for
    /// the pod's own topology domains.
    pub strict_reqs: Requirements,
    pub tolerate_prefer_no_schedule: bool,
    /// Topology groups this pod must satisfy (its own spread/affinity/anti-affinity).
    pub owned: Vec<usize>,
    /// True if the variant can change a node's requirements (so claims must re-filter
    /// instance types); false for plain pods.
    pub constrained: bool,
    /// Per pool: `None` = not yet checked, `Some(Ok)` = taints tolerated and template
    /// compatible, `Some(Err(reason))`.
    pub pool_ok: Vec<Option<Result<(), String>>>,
}

impl Variant {
    pub fn tolerates(&self, spec: &PodSpec, taints: &[Taint]) -> Option<Taint> {
        if self.tolerate_prefer_no_schedule {
            let hard: Vec<Taint> = taints
                .iter()
                .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
                .cloned()
                .collect();
            first_untolerated(&hard, &spec.tolerations).cloned()
        } else {
            first_untolerated(taints, &spec.tolerations).cloned()
        }
    }
}

/// Builds every rung for `spec`, strictest first, registering topology groups.
pub(crate) fn ladder(
    spec: &PodSpec,
    any_pool_prefer_no_schedule: bool,
    pools: usize,
    topology: &mut Topology,
) -> Vec<Variant> {
    let by_weight = |weights: Vec<(usize, i32)>| {
        let mut v = weights;
        v.sort_by_key(|&(i, w)| (std::cmp::Reverse(w), i));
        v.into_iter().map(|(i, _)| i).collect::<Vec<usize>>()
    };
    let affinity = by_weight(
        spec.pod_affinity
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.weight.map(|w| (i, w)))
            .collect(),
    );
    let anti = by_weight(
        spec.pod_anti_affinity
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.weight.map(|w| (i, w)))
            .collect(),
    );
    let node_prefs = by_weight(
        spec.preferred_node_affinity
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.weight))
            .collect(),
    );
    let spreads_anyway: Vec<usize> = spec
        .topology_spread
        .iter()
        .enumerate()
        .filter(|(_, t)| t.when_unsatisfiable == WhenUnsatisfiable::ScheduleAnyway)
        .map(|(i, _)| i)
        .collect();
    let mut rung = Rung {
        required_term: 0,
        affinity,
        anti,
        node_prefs,
        spreads_anyway,
        tolerate_prefer_no_schedule: false,
    };
    let mut out = vec![materialise(spec, &rung, pools, topology)];
    loop {
        if rung.required_term + 1 < spec.required_node_affinity.len() {
            rung.required_term += 1;
        } else if !rung.affinity.is_empty() {
            rung.affinity.remove(0);
        } else if !rung.anti.is_empty() {
            rung.anti.remove(0);
        } else if !rung.node_prefs.is_empty() {
            rung.node_prefs.remove(0);
        } else if !rung.spreads_anyway.is_empty() {
            rung.spreads_anyway.remove(0);
        } else if any_pool_prefer_no_schedule && !rung.tolerate_prefer_no_schedule {
            rung.tolerate_prefer_no_schedule = true;
        } else {
            break;
        }
        out.push(materialise(spec, &rung, pools, topology));
    }
    out
}

fn materialise(spec: &PodSpec, rung: &Rung, pools: usize, topology: &mut Topology) -> Variant {
    let mut strict = Requirements::from_labels(&spec.node_selector);
    if let Some(term) = spec.required_node_affinity.get(rung.required_term) {
        for e in term {
            strict.add(e.to_requirement());
        }
    }
    let mut reqs = strict.clone();
    if let Some(&heaviest) = rung.node_prefs.first() {
        for e in &spec.preferred_node_affinity[heaviest].term {
            reqs.add(e.to_requirement());
        }
    }
    let mut owned = Vec::new();
    for (i, tsc) in spec.topology_spread.iter().enumerate() {
        let keep = tsc.when_unsatisfiable == WhenUnsatisfiable::DoNotSchedule
            || rung.spreads_anyway.contains(&i);
        if keep {
            owned.push(topology.group_for(
                labels::normalize_key(&tsc.topology_key),
                GroupKind::Spread {
                    max_skew: tsc.max_skew,
                    min_domains: tsc.min_domains.unwrap_or(0),
                },
                &tsc.label_selector,
                false,
            ));
        }
    }
    for (i, term) in spec.pod_affinity.iter().enumerate() {
        if term.is_required() || rung.affinity.contains(&i) {
            owned.push(topology.group_for(
                labels::normalize_key(&term.topology_key),
                GroupKind::Affinity,
                &term.label_selector,
                false,
            ));
        }
    }
    for (i, term) in spec.pod_anti_affinity.iter().enumerate() {
        if term.is_required() || rung.anti.contains(&i) {
            owned.push(topology.group_for(
                labels::normalize_key(&term.topology_key),
                GroupKind::AntiAffinity,
                &term.label_selector,
                false,
            ));
        }
    }
    let constrained = !reqs.is_empty() || !owned.is_empty();
    Variant {
        reqs,
        strict_reqs: strict,
        tolerate_prefer_no_schedule: rung.tolerate_prefer_no_schedule,
        owned,
        constrained,
        pool_ok: vec![None; pools],
    }
}
