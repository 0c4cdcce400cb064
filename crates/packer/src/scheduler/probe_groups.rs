//! The quick probe's topology groups as a prepared snapshot knows them: which groups each
//! spec owns and counts in, and every group's counts over all existing nodes.
//!
//! A consolidation pass probes dozens of candidates against one snapshot; each probe's
//! groups and counts differ from the snapshot's only by its masked nodes. Building them
//! per probe (matching every group's selector against every spec met, summing each
//! group's counts over the nodes) was a third of a probe with topology. Here a spec's
//! groups are found once, and a group's counts once per snapshot change; a probe copies
//! them and takes its masked nodes' counts off.

use super::prepared::GroupCounts;
use super::*;

/// What the snapshot knows about groups; kept across refreshes, which only drop counts.
#[derive(Debug, Clone, Default)]
pub(super) struct ProbeGroups {
    groups: Vec<KnownGroup>,
    /// Sorted by spec address; holding the spec keeps its address from being reused.
    specs: Vec<KnownSpec>,
}

#[derive(Debug, Clone)]
struct KnownGroup {
    /// Normalized topology key.
    key: String,
    kind: GroupKind,
    selector: LabelSelector,
    /// Matching bound pods per domain id of the key's cached table, over every existing
    /// node, and the group's place in the snapshot's group counts; `None` once the
    /// snapshot changed.
    counted: Option<(Vec<u32>, usize)>,
}

#[derive(Debug, Clone)]
struct KnownSpec {
    address: usize,
    spec: Arc<PodSpec>,
    /// Groups it owns (its spread constraints, then its anti-affinity terms).
    owned: Vec<usize>,
    /// Groups whose selector matches its labels, among the first `checked` groups.
    counted_in: Vec<usize>,
    checked: usize,
}

impl ProbeGroups {
    /// The existing nodes' pods changed: counts are taken again when next asked for.
    pub fn forget_counts(&mut self) {
        for g in &mut self.groups {
            g.counted = None;
        }
    }

    /// How many specs are known: it grows when [`ProbeGroups::spec`] learns one.
    pub fn specs_len(&self) -> usize {
        self.specs.len()
    }

    /// How many groups are known (group indices are below it).
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// The groups spec `i` ([`ProbeGroups::spec`]) owns, in the order of its terms
    /// (spread constraints, then anti-affinity terms).
    pub fn owned(&self, i: usize) -> &[usize] {
        &self.specs[i].owned
    }

    /// The groups counting pods of spec `i`, ascending.
    pub fn counted_in(&mut self, i: usize) -> &[usize] {
        let known = &mut self.specs[i];
        for (g, group) in self.groups.iter().enumerate().skip(known.checked) {
            if group.selector.matches(&known.spec.labels) {
                known.counted_in.push(g);
            }
        }
        known.checked = self.groups.len();
        &known.counted_in
    }

    pub fn key(&self, g: usize) -> &str {
        &self.groups[g].key
    }

    pub fn kind(&self, g: usize) -> GroupKind {
        self.groups[g].kind
    }

    /// Group `g`'s counts per domain id of `table` (the cached table of its key) over the
    /// existing nodes, and its place in `group_counts` for each node's share.
    pub fn counts(
        &mut self,
        g: usize,
        table: &DomainTable,
        group_counts: &mut GroupCounts,
        existing: &[ExistingNode],
    ) -> (&[u32], usize) {
        let KnownGroup {
            key,
            selector,
            counted,
            ..
        } = &mut self.groups[g];
        let (counts, entry) = counted.get_or_insert_with(|| {
            let entry = group_counts.index(key, selector, existing, |node| {
                super::quick_topology::domain_of(table, node)
            });
            let mut counts = vec![0u32; table.names.len()];
            for &(_, n, d) in group_counts.by_node(entry) {
                if let Some(d) = d {
                    let c = &mut counts[d as usize];
                    *c = c.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                }
            }
            (counts, entry)
        });
        (counts, *entry)
    }

    /// The index of `spec`, its groups found the first time it is asked for. Learning a
    /// spec moves the specs after it: an index holds only until the next spec is learnt.
    pub fn spec(&mut self, spec: &Arc<PodSpec>) -> usize {
        let address = spec_key(spec);
        match self.specs.binary_search_by_key(&address, |s| s.address) {
            Ok(i) => i,
            Err(i) => {
                let mut owned = Vec::new();
                for tsc in &spec.topology_spread {
                    let kind = GroupKind::Spread {
                        max_skew: tsc.max_skew,
                        min_domains: tsc.min_domains.unwrap_or(0),
                    };
                    owned.push(self.group(&tsc.topology_key, kind, &tsc.label_selector));
                }
                for term in &spec.pod_anti_affinity {
                    let kind = GroupKind::AntiAffinity;
                    owned.push(self.group(&term.topology_key, kind, &term.label_selector));
                }
                self.specs.insert(
                    i,
                    KnownSpec {
                        address,
                        spec: spec.clone(),
                        owned,
                        counted_in: Vec::new(),
                        checked: 0,
                    },
                );
                i
            }
        }
    }

    fn group(&mut self, key: &str, kind: GroupKind, selector: &LabelSelector) -> usize {
        let key = labels::normalize_key(key);
        if let Some(g) = self
            .groups
            .iter()
            .position(|g| g.kind == kind && g.selector == *selector && g.key == key)
        {
            return g;
        }
        self.groups.push(KnownGroup {
            key: key.to_string(),
            kind,
            selector: selector.clone(),
            counted: None,
        });
        self.groups.len() - 1
    }
}
