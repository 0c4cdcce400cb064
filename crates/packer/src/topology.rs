//! Topology spread and pod (anti-)affinity bookkeeping with Karpenter's semantics
//! (`pkg/controllers/provisioning/scheduling/topology.go`, `topologygroup.go`):
//! one group per distinct (key, kind, selector), counting matching pods per domain.
//!
//! Where Karpenter iterates a Go map (random order) to break ties between equally good
//! domains, we take the domain whose name sorts first, so runs are reproducible.

use std::collections::BTreeMap;

use model::labels::{LabelSelector, Labels};
use model::requirements::{Operator, Requirement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupKind {
    Spread { max_skew: u32, min_domains: u32 },
    Affinity,
    AntiAffinity,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub table: usize,
    pub kind: GroupKind,
    pub selector: LabelSelector,
    /// Matching pods per domain id of the group's key.
    counts: Vec<u32>,
    nonzero: usize,
    /// Built from a bound pod's required anti-affinity: repels pods its selector matches
    /// (`updateInverseAffinities`).
    pub inverse: bool,
}

impl Group {
    #[inline]
    pub fn count(&self, domain: u32) -> u32 {
        self.counts.get(domain as usize).copied().unwrap_or(0)
    }

    fn add(&mut self, domain: u32) {
        self.add_n(domain, 1);
    }

    fn add_n(&mut self, domain: u32, n: u32) {
        let i = domain as usize;
        if n == 0 {
            return;
        }
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        if self.counts[i] == 0 {
            self.nonzero += 1;
        }
        self.counts[i] += n;
    }
}

/// The known values of one topology key.
#[derive(Debug, Clone, Default)]
pub(crate) struct DomainTable {
    pub key: String,
    pub names: Vec<String>,
    pub index: BTreeMap<String, u32>,
    /// The values the pools registered after the existing nodes' (repeats included), so
    /// a snapshot can rebuild the table as a fresh solve would after nodes leave.
    pub from_pools: Vec<String>,
    /// Each existing node's domain id (by input index), as registered.
    pub node_ids: Vec<Option<u32>>,
}

impl DomainTable {
    /// The domain id of `name`, registered at the end if new.
    pub fn register(&mut self, name: &str) -> u32 {
        if let Some(&d) = self.index.get(name) {
            return d;
        }
        let d = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), d);
        d
    }

    /// After the input's nodes changed (`new_of_old` maps old input indices to new ones;
    /// nodes after the kept ones are new), renumbers the table as a fresh build would:
    /// the nodes' values in input order, then the pools' values. Returns each old id's
    /// new id (`None` for a value no longer present). Kept nodes' values are known by id,
    /// so only new nodes' labels are read.
    pub fn rebuild(
        &mut self,
        existing: &[crate::input::ExistingNode],
        new_of_old: &[Option<usize>],
    ) -> Vec<Option<u32>> {
        let mut old_names = std::mem::take(&mut self.names);
        let mut remap: Vec<Option<u32>> = vec![None; old_names.len()];
        let mut old_id_of_new: Vec<Option<u32>> = vec![None; existing.len()];
        let mut kept = 0;
        for (old, new) in new_of_old.iter().enumerate() {
            if let Some(new) = new {
                old_id_of_new[*new] = self.node_ids.get(old).copied().flatten();
                kept += 1;
            }
        }
        // Values new to the table, by name (only new nodes can bring them).
        let mut added: BTreeMap<String, u32> = BTreeMap::new();
        let mut names: Vec<String> = Vec::with_capacity(old_names.len());
        let mut take = |value: Result<u32, &str>, names: &mut Vec<String>| -> u32 {
            let value = match value {
                Ok(old) => Ok(old),
                Err(v) => self.index.get(v).copied().ok_or(v),
            };
            match value {
                Ok(old) => *remap[old as usize].get_or_insert_with(|| {
                    names.push(std::mem::take(&mut old_names[old as usize]));
                    names.len() as u32 - 1
                }),
                Err(v) => *added.entry(v.to_string()).or_insert_with(|| {
                    names.push(v.to_string());
                    names.len() as u32 - 1
                }),
            }
        };
        let mut node_ids = Vec::with_capacity(existing.len());
        for (i, node) in existing.iter().enumerate() {
            let id = if i < kept {
                old_id_of_new[i].map(|old| take(Ok(old), &mut names))
            } else {
                crate::scheduler::node_label(node, &self.key).map(|v| take(Err(v), &mut names))
            };
            node_ids.push(id);
        }
        for v in &self.from_pools {
            take(Err(v), &mut names);
        }
        self.index.retain(|_, id| match remap[*id as usize] {
            Some(new) => {
                *id = new;
                true
            }
            None => false,
        });
        for (name, id) in added {
            self.index.insert(name, id);
        }
        self.names = names;
        self.node_ids = node_ids;
        remap
    }

    /// Forgets every domain registered after the first `len` (a solve's placeholder
    /// hostnames), so the table can serve the next solve of a prepared snapshot.
    pub fn truncate(&mut self, len: usize) {
        for name in self.names.drain(len.min(self.names.len())..) {
            self.index.remove(&name);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Topology {
    pub tables: Vec<DomainTable>,
    table_index: BTreeMap<String, usize>,
    pub groups: Vec<Group>,
}

impl Topology {
    pub fn table_for(&mut self, key: &str) -> usize {
        if let Some(&t) = self.table_index.get(key) {
            return t;
        }
        self.tables.push(DomainTable {
            key: key.to_string(),
            ..DomainTable::default()
        });
        self.table_index
            .insert(key.to_string(), self.tables.len() - 1);
        self.tables.len() - 1
    }

    pub fn table_of(&self, key: &str) -> Option<usize> {
        self.table_index.get(key).copied()
    }

    pub fn register(&mut self, table: usize, name: &str) -> u32 {
        self.tables[table].register(name)
    }

    /// Removes the most recently registered domain if it is `name` and no group counts it
    /// (a tentative placeholder hostname whose NodeClaim was not created).
    pub fn unregister_last(&mut self, table: usize, name: &str) {
        let t = &mut self.tables[table];
        if t.names.last().map(String::as_str) == Some(name) {
            let d = t.names.len() as u32 - 1;
            if self
                .groups
                .iter()
                .all(|g| g.table != table || g.count(d) == 0)
            {
                t.names.pop();
                t.index.remove(name);
            }
        }
    }

    pub fn group_for(
        &mut self,
        key: &str,
        kind: GroupKind,
        selector: &LabelSelector,
        inverse: bool,
    ) -> usize {
        // A solve has a few groups: a scan beats formatting a key for a map.
        let table = self.table_for(key);
        if let Some(g) = self.groups.iter().position(|g| {
            g.table == table && g.kind == kind && g.inverse == inverse && g.selector == *selector
        }) {
            return g;
        }
        self.groups.push(Group {
            table,
            kind,
            selector: selector.clone(),
            counts: Vec::new(),
            nonzero: 0,
            inverse,
        });
        self.groups.len() - 1
    }

    pub fn record(&mut self, group: usize, domain: u32) {
        self.groups[group].add(domain);
    }

    /// [`Topology::record`] `n` times.
    pub fn record_n(&mut self, group: usize, domain: u32, n: u32) {
        self.groups[group].add_n(domain, n);
    }

    /// Records a placed pod in `group`, given the requirement its node has on the key:
    /// anti-affinity blocks every domain the node could be in, spread and affinity count
    /// only a single definite domain (`Topology.Record`).
    pub fn record_placement(&mut self, group: usize, node_domains: Option<&Requirement>) {
        let Some(req) = node_domains else { return };
        if req.is_complement() {
            return;
        }
        let table = self.groups[group].table;
        let anti = self.groups[group].kind == GroupKind::AntiAffinity;
        if !anti && req.len() != 1 {
            return;
        }
        let ids: Vec<u32> = req
            .values()
            .filter_map(|v| self.tables[table].index.get(v).copied())
            .collect();
        for d in ids {
            self.groups[group].add(d);
        }
    }

    /// The domains `pod` may use for `group` on a node whose requirement on the key is
    /// `node_domains` (`None` = unconstrained), as a requirement to intersect with the
    /// node's (`nextDomainTopologySpread`, `nextDomainAffinity`, `nextDomainAntiAffinity`).
    /// `pod_domains` is the pod's own strict requirement on the key.
    pub fn next_domains(
        &self,
        group: usize,
        pod_labels: &Labels,
        pod_domains: Option<&Requirement>,
        node_domains: Option<&Requirement>,
    ) -> Requirement {
        let g = &self.groups[group];
        let table = &self.tables[g.table];
        let key = table.key.as_str();
        let pod_ok = |name: &str| pod_domains.is_none_or(|r| r.has(name));
        // Candidate domains in name order: the node's listed values if it has a finite
        // list, otherwise every known domain.
        let mut candidates: Vec<(u32, &str)> = Vec::new();
        match node_domains {
            Some(r) if !r.is_complement() => {
                for v in r.values() {
                    if let Some(&d) = table.index.get(v) {
                        candidates.push((d, v));
                    }
                }
            }
            _ => {
                for (name, &d) in &table.index {
                    if node_domains.is_none_or(|r| r.has(name)) {
                        candidates.push((d, name.as_str()));
                    }
                }
            }
        }
        match g.kind {
            GroupKind::Spread {
                max_skew,
                min_domains,
            } => {
                let min = self.spread_min(group, pod_domains, min_domains);
                let self_selecting = g.selector.matches(pod_labels);
                let mut best: Option<(&str, u32)> = None;
                for (d, name) in candidates {
                    if !pod_ok(name) {
                        continue;
                    }
                    let count = g.count(d) + u32::from(self_selecting);
                    if count.saturating_sub(min) <= max_skew && best.is_none_or(|(_, c)| count < c)
                    {
                        best = Some((name, count));
                    }
                }
                match best {
                    Some((name, _)) => Requirement::new(key, Operator::In, [name]),
                    None => Requirement::new(key, Operator::DoesNotExist, []),
                }
            }
            GroupKind::AntiAffinity => {
                let allowed: Vec<&str> = candidates
                    .iter()
                    .filter(|(d, _)| g.count(*d) == 0)
                    .map(|(_, n)| *n)
                    .collect();
                if allowed.is_empty() {
                    Requirement::new(key, Operator::DoesNotExist, [])
                } else {
                    Requirement::new(key, Operator::In, allowed)
                }
            }
            GroupKind::Affinity => {
                let mut allowed: Vec<&str> = Vec::new();
                for (name, &d) in &table.index {
                    if pod_ok(name) && g.count(d) > 0 {
                        allowed.push(name);
                    }
                }
                if allowed.is_empty() && g.selector.matches(pod_labels) {
                    // Bootstrap a self-selecting group: prefer a domain the node is
                    // already in, else any domain the pod allows.
                    if let Some((_, n)) = candidates.iter().find(|(_, n)| pod_ok(n)) {
                        allowed.push(n);
                    } else if let Some(n) = table.index.keys().find(|n| pod_ok(n)) {
                        allowed.push(n);
                    }
                }
                if allowed.is_empty() {
                    Requirement::new(key, Operator::DoesNotExist, [])
                } else {
                    Requirement::new(key, Operator::In, allowed)
                }
            }
        }
    }

    /// Whether [`Topology::next_domains`] leaves a node whose requirement on the key is
    /// `node_domains` any of them (its intersection with `node_domains` is not empty).
    /// Existing nodes list their one domain: spread and anti-affinity then answer by
    /// counting, without building either requirement.
    pub fn allows_node(
        &self,
        group: usize,
        pod_labels: &Labels,
        pod_domains: Option<&Requirement>,
        node_domains: &Requirement,
    ) -> bool {
        let g = &self.groups[group];
        let table = &self.tables[g.table];
        let mut candidates =
            (node_domains.values()).filter_map(|v| table.index.get(v).map(|&d| (d, v)));
        match g.kind {
            _ if node_domains.is_complement() => {}
            GroupKind::Spread {
                max_skew,
                min_domains,
            } => {
                let min = self.spread_min(group, pod_domains, min_domains);
                let own = u32::from(g.selector.matches(pod_labels));
                return candidates.any(|(d, name)| {
                    pod_domains.is_none_or(|r| r.has(name))
                        && (g.count(d) + own).saturating_sub(min) <= max_skew
                });
            }
            GroupKind::AntiAffinity => return candidates.any(|(d, _)| g.count(d) == 0),
            GroupKind::Affinity => {}
        }
        let allowed = self.next_domains(group, pod_labels, pod_domains, Some(node_domains));
        !node_domains.intersection(&allowed).is_empty()
    }

    /// The least count a spread's skew is measured from. Hostname spread always has a
    /// minimum of zero: a new node can be created (`topologygroup.go: domainMinCount`).
    fn spread_min(&self, group: usize, pod_domains: Option<&Requirement>, min_domains: u32) -> u32 {
        let key = &self.tables[self.groups[group].table].key;
        if key == model::labels::HOSTNAME
            || (min_domains > 0 && self.eligible_domains(group, pod_domains) < min_domains as usize)
        {
            return 0;
        }
        self.min_count(group, pod_domains)
    }

    fn min_count(&self, group: usize, pod_domains: Option<&Requirement>) -> u32 {
        let g = &self.groups[group];
        let table = &self.tables[g.table];
        if pod_domains.is_none() {
            // Fast path: any domain never counted has count 0.
            if g.nonzero < table.names.len() {
                return 0;
            }
            return (0..table.names.len() as u32)
                .map(|d| g.count(d))
                .min()
                .unwrap_or(0);
        }
        table
            .index
            .iter()
            .filter(|(n, _)| pod_domains.is_none_or(|r| r.has(n)))
            .map(|(_, &d)| g.count(d))
            .min()
            .unwrap_or(0)
    }

    fn eligible_domains(&self, group: usize, pod_domains: Option<&Requirement>) -> usize {
        let table = &self.tables[self.groups[group].table];
        match pod_domains {
            None => table.names.len(),
            Some(r) => table.names.iter().filter(|n| r.has(n)).count(),
        }
    }

    /// Quick necessary check for a node whose domain on the group's key is exactly
    /// `domain`: false if the pod certainly cannot go there.
    #[inline]
    pub fn quick_allows(&self, group: usize, domain: u32, self_selecting: bool) -> bool {
        let g = &self.groups[group];
        match g.kind {
            GroupKind::AntiAffinity => g.count(domain) == 0,
            GroupKind::Spread { max_skew, .. } => {
                // min ≥ 0, so count − max_skew > min can only be ruled out cheaply when
                // some domain is still empty.
                let count = g.count(domain) + u32::from(self_selecting);
                let hostname = self.tables[g.table].key == model::labels::HOSTNAME;
                (!hostname && g.nonzero >= self.tables[g.table].names.len()) || count <= max_skew
            }
            GroupKind::Affinity => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const ZONES: [&str; 4] = ["zone-a", "zone-b", "zone-c", "zone-d"];

    fn requirement(key: &str, picks: &[bool], complement: bool) -> Requirement {
        let values = (ZONES.iter().zip(picks))
            .filter(|(_, p)| **p)
            .map(|(z, _)| *z)
            // A value no table knows, as a node label can be.
            .chain(picks.last().filter(|p| **p).map(|_| "zone-unknown"));
        let op = if complement {
            Operator::NotIn
        } else {
            Operator::In
        };
        Requirement::new(key, op, values)
    }

    proptest! {
        /// Counting a node's listed domains answers as intersecting the node's
        /// requirement with the next domains does, for every group kind, with and without
        /// the pod's own domain requirement, and for a node requirement that excludes.
        #[test]
        fn allows_node_is_next_domains_meeting_the_node(
            kind in 0usize..3,
            max_skew in 1u32..3,
            min_domains in 0u32..6,
            counts in proptest::collection::vec(0u32..4, 3),
            selecting in any::<bool>(),
            pod_picks in proptest::option::of(proptest::collection::vec(any::<bool>(), 4)),
            node_picks in proptest::collection::vec(any::<bool>(), 4),
            node_complement in any::<bool>(),
        ) {
            let key = model::labels::ZONE;
            let mut topology = Topology::default();
            let table = topology.table_for(key);
            // The fourth zone stays unregistered: pods may name it, no count has it.
            for z in &ZONES[..3] {
                topology.register(table, z);
            }
            let selector = LabelSelector {
                match_labels: [("app".to_string(), "web".to_string())].into(),
                match_expressions: Vec::new(),
            };
            let kind = match kind {
                0 => GroupKind::Spread { max_skew, min_domains },
                1 => GroupKind::AntiAffinity,
                _ => GroupKind::Affinity,
            };
            let g = topology.group_for(key, kind, &selector, false);
            for (d, n) in (0u32..).zip(&counts) {
                topology.record_n(g, d, *n);
            }
            let labels: Labels = if selecting {
                selector.match_labels.clone()
            } else {
                [("app".to_string(), "other".to_string())].into()
            };
            let pod = pod_picks.map(|p| requirement(key, &p, false));
            let node = requirement(key, &node_picks, node_complement);
            let allowed = topology.next_domains(g, &labels, pod.as_ref(), Some(&node));
            let want = !node.intersection(&allowed).is_empty();
            prop_assert_eq!(topology.allows_node(g, &labels, pod.as_ref(), &node), want);
        }
    }
}
