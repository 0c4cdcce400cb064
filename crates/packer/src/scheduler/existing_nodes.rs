//! Existing nodes and in-flight claims (`existingnode.go`): first fit in Karpenter's
//! order through the free-capacity max-tree, with taints, requirements and topology.

use super::*;

impl<'s, 'i> Solve<'s, 'i> {
    pub(super) fn find_existing(&mut self, pod: &Pod, si: usize, v: usize) -> Option<usize> {
        if self.order.is_empty() {
            return None;
        }
        let demand = self.specs[si].demand;
        let state = &self.specs[si];
        let plain = !state.variants[v].constrained && state.repelled_by.is_empty();
        if plain {
            match state.first_fit.get(v).copied().flatten() {
                Some(None) => return None,
                Some(Some(slot)) if demand.fits_in(&self.tree.get(slot)) => return Some(slot),
                _ => {}
            }
        }
        let mut stack = std::mem::take(&mut self.stack);
        let tree = std::mem::take(&mut self.tree);
        let found = tree.find_first(&demand, &mut stack, |slot| {
            self.existing_accepts(pod, si, v, slot)
        });
        self.tree = tree;
        self.stack = stack;
        if plain {
            let memo = &mut self.specs[si].first_fit;
            if memo.len() <= v {
                memo.resize(v + 1, None);
            }
            memo[v] = Some(found);
        }
        found
    }

    /// Karpenter's `ExistingNode.CanAdd` minus resources (the tree checked those).
    pub(super) fn existing_accepts(&mut self, pod: &Pod, si: usize, v: usize, slot: usize) -> bool {
        let node = &self.input.existing[self.order[slot]];
        let spec = &pod.spec;
        let variant = &self.specs[si].variants[v];
        if taints_reject(node, |taints| variant.tolerates(spec, taints).is_some()) {
            return false;
        }
        let state = &self.specs[si];
        if !variant.constrained && state.repelled_by.is_empty() {
            return true;
        }
        // Cheap topology rejections on the node's hostname first.
        if let Some(h) = self.host_domain.get(slot).copied().flatten()
            && !variant.strict_reqs.has(labels::HOSTNAME)
        {
            let selfsel = |g: usize| self.topology.groups[g].selector.matches(&spec.labels);
            for &g in variant.owned.iter().chain(&state.repelled_by) {
                if Some(self.topology.groups[g].table) == self.host_table {
                    let self_selecting =
                        self.topology.groups[g].kind != GroupKind::AntiAffinity && selfsel(g);
                    if !self.topology.quick_allows(g, h, self_selecting) {
                        return false;
                    }
                }
            }
        }
        if self.node_reqs[slot].is_none() {
            self.node_reqs[slot] = Some(node_requirements(node));
        }
        let Some(reqs) = self.node_reqs[slot].as_ref() else {
            return false;
        };
        if !strictly_compatible(reqs, &variant.reqs) {
            return false;
        }
        for &g in variant.owned.iter().chain(&self.specs[si].repelled_by) {
            let key = &self.topology.tables[self.topology.groups[g].table].key;
            let Some(node_dom) = reqs.get(key) else {
                return false;
            };
            let pod_dom = variant.strict_reqs.get(key);
            if !self
                .topology
                .allows_node(g, &spec.labels, pod_dom, node_dom)
            {
                return false;
            }
        }
        true
    }

    pub(super) fn record_on_existing(&mut self, si: usize, slot: usize) {
        let node = &self.input.existing[self.order[slot]];
        for &g in self.specs[si]
            .selected_by
            .iter()
            .chain(&self.specs[si].owns_inverse)
        {
            let table = self.topology.groups[g].table;
            let key = &self.topology.tables[table].key;
            if let Some(v) = node_label(node, key)
                && let Some(&d) = self.topology.tables[table].index.get(v)
            {
                self.topology.record(g, d);
            }
        }
    }
}

/// Whether `node`'s taints keep a pod out (`untolerated` says so for a list of taints);
/// an uninitialized node's ephemeral taints are assumed tolerated.
pub(super) fn taints_reject(node: &ExistingNode, untolerated: impl Fn(&[Taint]) -> bool) -> bool {
    if node.taints.is_empty() {
        return false;
    }
    if node.initialized {
        return untolerated(&node.taints);
    }
    let lasting: Vec<Taint> = node
        .taints
        .iter()
        .filter(|t| !EPHEMERAL_TAINT_KEYS.contains(&t.key.as_str()))
        .cloned()
        .collect();
    untolerated(&lasting)
}

/// A node's label, with the hostname defaulting to the node's name.
pub(crate) fn node_label<'a>(node: &'a ExistingNode, key: &str) -> Option<&'a str> {
    node.labels
        .get(key)
        .map(String::as_str)
        .or_else(|| (key == labels::HOSTNAME).then_some(node.name.as_str()))
}

/// `Requirements.Compatible` without `AllowUndefinedWellKnownLabels`, as
/// `existingnode.go` checks real nodes: any key the pod requires must be on the node
/// unless the pod only excludes it.
pub(super) fn strictly_compatible(node: &Requirements, pod: &Requirements) -> bool {
    pod.iter().all(|r| {
        node.has(&r.key) || matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist)
    }) && node.intersects(pod).is_ok()
}

pub(super) fn node_requirements(node: &ExistingNode) -> Requirements {
    let mut r = Requirements::from_labels(&node.labels);
    if !node.labels.contains_key(labels::HOSTNAME) {
        r.add(Requirement::new(
            labels::HOSTNAME,
            Operator::In,
            [node.name.as_str()],
        ));
    }
    r
}
