//! The quick probe's topology: spread constraints and preferred anti-affinity at a pod's
//! first rung, checked on existing nodes exactly as the full solve checks them
//! ([`Solve::existing_accepts`], [`crate::topology::Topology::next_domains`]).
//!
//! A pod that owns a group or counts in one and fits no existing node goes to a claim,
//! where it counts in a domain first fit does not know: its groups become *uncertain*.
//! A later pod of an uncertain group is decided only if it fits no existing node even
//! without topology (then it is off too); otherwise the probe is left to the full solve.
//! So existing nodes only ever see pods placed before their groups became uncertain, and
//! the counts at the end of the walk ([`TopologySeed`]) are those every off pod of an
//! uncertain group meets in the full solve, besides the claims' own: a solve of the off
//! pods alone, seeded with them, gives the full solve's claims, unless one of those pods
//! misses its first rung there ([`Draft::topology_missed`]), when the full solve might
//! have put it on an existing node at a later rung or retry. Pods whose constraints are
//! not modelled here (node selectors, node or pod affinity, required anti-affinity) are
//! left to the full solve.

use super::existing_nodes::node_label;
use super::prepared::Carried;
use super::probe_groups::ProbeGroups;
use super::*;

/// The probe's topology groups, counted from the bound pods of the nodes not masked.
pub(super) struct ProbeTopology<'s> {
    groups: Vec<ProbeGroup<'s>>,
    /// (spec key, its groups), sorted by key.
    specs: Vec<(usize, SpecGroups)>,
}

/// The topology counts the pods off the existing nodes start from, for
/// [`Scheduler::schedule_draft_without_existing`]: per uncertain group, the full solve's
/// domains and the counts of pods on existing nodes (none for hostname anti-affinity,
/// which a new claim's hostname never meets).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopologySeed {
    groups: Vec<SeedGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SeedGroup {
    key: String,
    kind: GroupKind,
    selector: LabelSelector,
    domains: Vec<String>,
    /// (position in `domains`, count), counts above zero.
    counts: Vec<(usize, u32)>,
}

impl TopologySeed {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Registers the seeded domains and counts in a solve's groups (those its pods own
    /// or count in; others no pod of the solve meets).
    pub(super) fn apply(&self, topology: &mut Topology) {
        for seed in &self.groups {
            let Some(g) = topology.groups.iter().position(|g| {
                !g.inverse
                    && g.kind == seed.kind
                    && g.selector == seed.selector
                    && topology.tables[g.table].key == seed.key
            }) else {
                continue;
            };
            let table = topology.groups[g].table;
            let ids: Vec<u32> = seed
                .domains
                .iter()
                .map(|d| topology.register(table, d))
                .collect();
            for &(i, n) in &seed.counts {
                topology.record_n(g, ids[i], n);
            }
        }
    }
}

struct ProbeGroup<'s> {
    /// The group as the snapshot knows it ([`ProbeGroups`]).
    known: usize,
    /// Index into the snapshot's cached domain tables.
    table: usize,
    hostname: bool,
    kind: GroupKind,
    /// Borrowed from a spec of the probe.
    selector: &'s LabelSelector,
    /// Matching pods per domain id of the table.
    counts: Vec<u32>,
    /// A pod it owns or counts went off the existing nodes.
    uncertain: bool,
}

/// A spec's groups at its first rung.
#[derive(Debug, Clone, Default)]
pub(super) struct SpecGroups {
    /// Groups the pod must satisfy: every spread constraint and preferred anti-affinity.
    pub owned: Vec<usize>,
    /// Groups that count the pod.
    pub selected_by: Vec<usize>,
}

impl SpecGroups {
    /// Whether first fit with no topology check places the pod as the full solve does,
    /// and placing it changes no count.
    pub fn is_free(&self) -> bool {
        self.owned.is_empty() && self.selected_by.is_empty()
    }
}

/// Whether the quick probe models this spec's first rung: only topology spread and
/// preferred pod anti-affinity, besides requests and tolerations.
fn modelled(spec: &PodSpec) -> bool {
    spec.node_selector.is_empty()
        && spec.required_node_affinity.is_empty()
        && spec.preferred_node_affinity.is_empty()
        && spec.pod_affinity.is_empty()
        && spec.pod_anti_affinity.iter().all(|t| !t.is_required())
}

/// Whether a modelled spec's ladder has rungs after its first (no pool has a
/// `PreferNoSchedule` taint here): preferred anti-affinity or a `ScheduleAnyway` spread.
/// Off the existing nodes, such a pod might come back to one at a later rung.
pub(super) fn relaxable(spec: &PodSpec) -> bool {
    spec.pod_anti_affinity.iter().any(|t| !t.is_required())
        || spec
            .topology_spread
            .iter()
            .any(|t| t.when_unsatisfiable == model::pod::WhenUnsatisfiable::ScheduleAnyway)
}

impl<'s> ProbeTopology<'s> {
    /// The groups of `specs` (distinct, any order) and their counts on the nodes not
    /// `masked`, or `None` when some spec is not modelled or a group's key has no cached
    /// domain table yet (the full solve builds it, and later probes find it).
    pub fn new(
        specs: &[&'s Arc<PodSpec>],
        existing: &[ExistingNode],
        carried: &mut Carried,
        known: &mut ProbeGroups,
        masked: &[usize],
    ) -> Option<ProbeTopology<'s>> {
        let mut topo = ProbeTopology {
            groups: Vec::new(),
            specs: Vec::with_capacity(specs.len()),
        };
        if !specs.iter().all(|spec| modelled(spec)) {
            return None;
        }
        // Every spec is known before any index is kept: learning one moves the others,
        // so the indices are taken again if this probe learnt any.
        let learnt = known.specs_len();
        let mut known_specs: Vec<usize> = specs.iter().map(|spec| known.spec(spec)).collect();
        if known.specs_len() != learnt {
            known_specs.clear();
            known_specs.extend(specs.iter().map(|spec| known.spec(spec)));
        }
        // Known group → its place in `topo.groups`.
        let mut local: Vec<Option<usize>> = vec![None; known.len()];
        for (spec, &ks) in specs.iter().zip(&known_specs) {
            // `owned` follows the terms' order, so each group borrows its term's selector.
            let selectors = (spec.topology_spread.iter().map(|t| &t.label_selector))
                .chain(spec.pod_anti_affinity.iter().map(|t| &t.label_selector));
            let mut owned = Vec::new();
            for (&kg, selector) in known.owned(ks).iter().zip(selectors) {
                let g = match local[kg] {
                    Some(g) => g,
                    None => {
                        let key = known.key(kg);
                        let table = carried.domain_tables.iter().position(|t| t.key == key)?;
                        topo.groups.push(ProbeGroup {
                            known: kg,
                            table,
                            hostname: key == labels::HOSTNAME,
                            kind: known.kind(kg),
                            selector,
                            counts: Vec::new(),
                            uncertain: false,
                        });
                        local[kg] = Some(topo.groups.len() - 1);
                        topo.groups.len() - 1
                    }
                };
                owned.push(g);
            }
            topo.specs.push((
                spec_key(spec),
                SpecGroups {
                    owned,
                    selected_by: Vec::new(),
                },
            ));
        }
        for (&ks, (_, groups)) in known_specs.iter().zip(&mut topo.specs) {
            groups.selected_by = (known.counted_in(ks).iter())
                .filter_map(|&kg| local.get(kg).copied().flatten())
                .collect();
            groups.selected_by.sort_unstable();
        }
        topo.specs.sort_unstable_by_key(|(k, _)| *k);
        let Carried {
            group_counts,
            domain_tables,
            ..
        } = carried;
        // A multi-node probe masks up to a hundred nodes: their counts come off the
        // snapshot's.
        for g in &mut topo.groups {
            let (all, entry) =
                known.counts(g.known, &domain_tables[g.table], group_counts, existing);
            g.counts = all.to_vec();
            let by_node = group_counts.by_node(entry);
            for &ni in masked {
                if let Ok(k) = by_node.binary_search_by_key(&ni, |e| e.0)
                    && let (_, n, Some(d)) = by_node[k]
                {
                    let c = &mut g.counts[d as usize];
                    *c = c.saturating_sub(u32::try_from(n).unwrap_or(u32::MAX));
                }
            }
        }
        Some(topo)
    }

    /// The index of a spec given to [`ProbeTopology::new`], for [`ProbeTopology::groups`].
    pub fn spec_index(&self, spec: &Arc<PodSpec>) -> usize {
        let key = spec_key(spec);
        self.specs.partition_point(|(k, _)| *k < key)
    }

    pub fn groups(&self, spec: usize) -> &SpecGroups {
        &self.specs[spec].1
    }

    /// Whether a pod of `spec` may go to input node `ni` (`node`) for every group it owns.
    pub fn allows(
        &self,
        spec: usize,
        ni: usize,
        node: &ExistingNode,
        tables: &[DomainTable],
    ) -> bool {
        let groups = &self.specs[spec].1;
        let selected_by = &groups.selected_by;
        groups.owned.iter().all(|&g| {
            let group = &self.groups[g];
            let Some(d) = node_domain(&tables[group.table], ni, node) else {
                return false;
            };
            let count = group.counts.get(d as usize).copied().unwrap_or(0);
            match group.kind {
                GroupKind::AntiAffinity => count == 0,
                GroupKind::Spread {
                    max_skew,
                    min_domains,
                } => {
                    // `next_domains`: the minimum over every known domain, zero for
                    // hostnames (a new node can always be made) or too few domains.
                    let domains = tables[group.table].names.len();
                    let min = if group.hostname || (min_domains as usize) > domains {
                        0
                    } else {
                        (0..domains)
                            .map(|d| group.counts.get(d).copied().unwrap_or(0))
                            .min()
                            .unwrap_or(0)
                    };
                    let own = u32::from(selected_by.contains(&g));
                    (count + own).saturating_sub(min) <= max_skew
                }
                GroupKind::Affinity => false,
            }
        })
    }

    /// The groups a pod of `spec` owns or counts in.
    fn touched(&self, spec: usize) -> impl Iterator<Item = usize> + '_ {
        let groups = &self.specs[spec].1;
        groups.owned.iter().chain(&groups.selected_by).copied()
    }

    /// Whether a pod of `spec` owns or counts in an uncertain group.
    pub fn touches_uncertain(&self, spec: usize) -> bool {
        self.touched(spec).any(|g| self.groups[g].uncertain)
    }

    /// A pod of `spec` went off the existing nodes: its groups become uncertain.
    pub fn went_off(&mut self, spec: usize) {
        let touched: Vec<usize> = self.touched(spec).collect();
        for g in touched {
            self.groups[g].uncertain = true;
        }
    }

    /// The uncertain groups' domains and counts now.
    pub fn seed(&self, tables: &[DomainTable]) -> TopologySeed {
        let groups = self
            .groups
            .iter()
            .filter(|g| g.uncertain)
            .map(|g| {
                let table = &tables[g.table];
                let shown = !(g.hostname && g.kind == GroupKind::AntiAffinity);
                SeedGroup {
                    key: table.key.clone(),
                    kind: g.kind,
                    selector: g.selector.clone(),
                    domains: if shown {
                        table.names.clone()
                    } else {
                        Vec::new()
                    },
                    counts: if shown {
                        (g.counts.iter().enumerate())
                            .filter(|(d, n)| **n > 0 && *d < table.names.len())
                            .map(|(d, n)| (d, *n))
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect();
        TopologySeed { groups }
    }

    /// Counts a pod of `spec` placed on `node`.
    pub fn record(&mut self, spec: usize, ni: usize, node: &ExistingNode, tables: &[DomainTable]) {
        let ProbeTopology { groups, specs } = self;
        for &g in &specs[spec].1.selected_by {
            let group = &mut groups[g];
            if let Some(d) = node_domain(&tables[group.table], ni, node) {
                if group.counts.len() <= d as usize {
                    group.counts.resize(d as usize + 1, 0);
                }
                group.counts[d as usize] += 1;
            }
        }
    }
}

/// Input node `ni`'s (`node`'s) domain id in `table`, as the table registered it when
/// built or last renumbered (a lookup by label and then by name, per search step, was a
/// tenth of a probe).
pub(super) fn node_domain(table: &DomainTable, ni: usize, node: &ExistingNode) -> Option<u32> {
    match table.node_ids.get(ni) {
        Some(&id) => {
            debug_assert_eq!(id, domain_of(table, node), "stale node id in {}", table.key);
            id
        }
        None => domain_of(table, node),
    }
}

/// The node's domain id in `table`, if it has the table's label.
pub(super) fn domain_of(table: &DomainTable, node: &ExistingNode) -> Option<u32> {
    node_label(node, &table.key).and_then(|v| table.index.get(v).copied())
}
