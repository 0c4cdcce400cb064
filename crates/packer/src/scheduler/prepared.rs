//! Many solves against one snapshot. A consolidation pass asks "what if these nodes were
//! gone?" dozens of times about the same cluster; sorting the existing nodes into
//! Karpenter's order and building their free-capacity tree once per snapshot, instead of
//! once per probe, removes most of a probe's cost on a large cluster. A probe masks its
//! candidates (no room, no pods counted) and the tree is restored afterwards.
//!
//! A solve can also stop short of choosing launches ([`Draft`]): a consolidation probe
//! often fails on its bindings alone, and the launch choice scans every option.

use model::labels::LabelSelector;

use super::*;

/// Existing nodes in Karpenter's order with a free-capacity tree, built once per
/// snapshot by [`Scheduler::prepare`]. It also caches the topology domains the
/// scheduler's pools can produce, so it is valid only while those pools are unchanged:
/// after [`Scheduler::set_offering_available`] changes something, or with another
/// `Scheduler`, prepare again.
#[derive(Debug, Clone)]
pub struct PreparedExisting {
    /// Input index → slot in `order`.
    pub(super) slot_of: Vec<usize>,
    /// Free capacity per slot, as the tree holds it between solves.
    pub(super) free: Vec<Resources>,
    /// (node, pod) of every bound pod with required anti-affinity: the only bound pods
    /// that repel others, and few, so solves need not scan every bound pod for them.
    pub(super) anti_affinity_pods: Vec<(usize, usize)>,
    /// Each input node's initialized flag as prepared (a change moves it in the order).
    initialized: Vec<bool>,
    pub(super) carried: Carried,
    pub(super) scratch: super::quick::QuickScratch,
    /// The quick probe's topology groups and their counts on this snapshot.
    pub(super) probe_groups: super::probe_groups::ProbeGroups,
}

/// What a solve takes from its prepared snapshot, works on, and hands back (the tree with
/// the slots it touched, which the snapshot restores).
#[derive(Debug, Clone, Default)]
pub(super) struct Carried {
    pub order: Vec<usize>,
    pub tree: MaxTree,
    pub node_reqs: Vec<Option<Requirements>>,
    pub group_counts: GroupCounts,
    /// Per topology key a solve has used: its domain table after registering every
    /// existing node's value and every value the pools can produce, which is the same
    /// for every solve of this snapshot (building it per probe was half of a probe on
    /// a large cluster with topology spread).
    pub domain_tables: Vec<DomainTable>,
    /// Per slot, the hostname's domain id in the cached hostname table, once a solve
    /// with a hostname group has looked them up.
    pub host_domain: Option<Vec<Option<u32>>>,
}

/// A new claim whose launch has not been chosen yet ([`Scheduler::finalize`] does).
#[derive(Debug, Clone)]
pub struct DraftClaim {
    pub(super) pool: usize,
    pub(super) pods: Vec<PodId>,
    pub(super) requests: Resources,
    pub(super) options: Bitset,
    pub(super) reqs: Arc<Requirements>,
}

impl DraftClaim {
    pub fn pods(&self) -> &[PodId] {
        &self.pods
    }

    pub fn pool_index(&self) -> usize {
        self.pool
    }
}

/// A solve's bindings and unschedulable pods (its `output.new_claims` is empty), and its
/// new claims before their launch choice.
#[derive(Debug, Clone)]
pub struct Draft {
    pub output: ScheduleOutput,
    pub claims: Vec<DraftClaim>,
    /// The solve stopped early ([`Stops::watched`]): the last binding is a watched pod on
    /// an uninitialized node; later pods were not placed or reported.
    pub stopped: bool,
    /// The solve stopped early ([`Stops::max_claims`]): every watched pod was placed (or
    /// [`Stops::any_failure`] was asked) and there were more claims than allowed; later
    /// pods were not placed or reported.
    pub over_claims: bool,
    /// A pod that owns or counts in a topology group missed its first rung on its first
    /// try (it was relaxed, retried or left unschedulable). A solve of only the pods off
    /// the existing nodes then may not match the full solve ([`QuickProbe::OffExisting`]).
    pub topology_missed: bool,
}

/// When a draft solve may stop before placing every pod. The first `watched` input pods
/// are a consolidation probe's candidate pods.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stops {
    /// Stop as soon as a watched pod binds to an uninitialized existing node.
    pub watched: usize,
    /// Stop once every watched pod is placed and there are more new claims than this
    /// (claims are never removed, so the final count exceeds it too).
    pub max_claims: Option<usize>,
    /// Stop at the first claim beyond `max_claims` even before every watched pod is
    /// placed: the caller asks only whether the probe fails, not for which reason first.
    pub any_failure: bool,
}

/// Karpenter's existing-node order (`scheduler.go`: initialized first, then by name).
pub(super) fn existing_order(existing: &[ExistingNode]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..existing.len()).collect();
    order.sort_by(|&a, &b| existing_cmp(existing, a, b));
    order
}

fn existing_cmp(existing: &[ExistingNode], a: usize, b: usize) -> std::cmp::Ordering {
    let (na, nb) = (&existing[a], &existing[b]);
    nb.initialized
        .cmp(&na.initialized)
        .then_with(|| na.name.cmp(&nb.name))
        .then(a.cmp(&b))
}

/// [`existing_order`] from the previous order (`old`, by old input index), when only the
/// nodes flagged in `moved` (new input indices: new nodes, and nodes whose initialized
/// flag changed) can have changed place: the others keep their relative order, as their
/// names, flags and relative input order are unchanged.
fn reordered(
    existing: &[ExistingNode],
    old: &[usize],
    new_of_old: &[Option<usize>],
    moved: &[bool],
) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::with_capacity(existing.len());
    order.extend(
        old.iter()
            .filter_map(|&o| new_of_old[o])
            .filter(|&i| !moved[i]),
    );
    for i in (0..existing.len()).filter(|&i| moved[i]) {
        let at = order.partition_point(|&j| existing_cmp(existing, j, i).is_lt());
        order.insert(at, i);
    }
    order
}

/// (node, pod) indices of the bound pods with a required anti-affinity term.
pub(super) fn anti_affinity_pods(existing: &[ExistingNode]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (ni, node) in existing.iter().enumerate() {
        push_anti_affinity_pods(ni, node, &mut out);
    }
    out
}

/// Appends node `ni`'s entries of [`anti_affinity_pods`].
fn push_anti_affinity_pods(ni: usize, node: &ExistingNode, out: &mut Vec<(usize, usize)>) {
    for (pi, bound) in node.pods.iter().enumerate() {
        if bound.spec.pod_anti_affinity.iter().any(|t| t.is_required()) {
            out.push((ni, pi));
        }
    }
}

impl Carried {
    /// After nodes left the input (`new_of_old` maps old input indices to new ones),
    /// builds each domain table again as a fresh solve would (every node's value in input
    /// order, then the pools' values) and moves the group counts to the new node indices
    /// and domain ids; nodes appended since are counted by the caller.
    fn rebuild_tables(&mut self, existing: &[ExistingNode], new_of_old: &[Option<usize>]) {
        let mut remaps: Vec<(String, Vec<Option<u32>>)> = Vec::new();
        for table in &mut self.domain_tables {
            let remap = table.rebuild(existing, new_of_old);
            remaps.push((table.key.clone(), remap));
        }
        self.group_counts.entries.retain_mut(|g| {
            let Some((_, remap)) = remaps.iter().find(|(k, _)| *k == g.key) else {
                return false;
            };
            g.by_node = g
                .by_node
                .iter()
                .filter_map(|&(ni, n, d)| {
                    let ni = new_of_old.get(ni).copied().flatten()?;
                    Some((
                        ni,
                        n,
                        d.and_then(|d| remap.get(d as usize).copied().flatten()),
                    ))
                })
                .collect();
            true
        });
    }

    /// After nodes `appended` joined the input (earlier nodes keeping their index and
    /// labels), keeps the domain tables if a fresh build would give them the same ids: a
    /// fresh build registers the nodes' values in input order, then the pools' values
    /// (none for hostnames). So the hostname table takes the new hostnames at its end; if
    /// the new nodes bring another key a new value (which would go before the pools'
    /// values), nothing is changed and it returns false.
    fn keep_tables(&mut self, existing: &[ExistingNode], appended: std::ops::Range<usize>) -> bool {
        let new_nodes = &existing[appended];
        let same_ids = self
            .domain_tables
            .iter()
            .filter(|t| t.key != labels::HOSTNAME)
            .all(|t| {
                new_nodes
                    .iter()
                    .filter_map(|n| super::existing_nodes::node_label(n, &t.key))
                    .all(|v| t.index.contains_key(v))
            });
        if !same_ids {
            return false;
        }
        for t in &mut self.domain_tables {
            for n in new_nodes {
                let id = super::existing_nodes::node_label(n, &t.key).map(|v| {
                    // Only hostnames can be new here.
                    t.register(v)
                });
                t.node_ids.push(id);
            }
        }
        true
    }
}

impl PreparedExisting {
    pub(super) fn new(existing: &[ExistingNode]) -> PreparedExisting {
        let order = existing_order(existing);
        let mut slot_of = vec![0; existing.len()];
        for (slot, &i) in order.iter().enumerate() {
            slot_of[i] = slot;
        }
        let free: Vec<Resources> = order
            .iter()
            .map(|&i| {
                existing[i]
                    .allocatable
                    .saturating_sub(&existing[i].requested)
            })
            .collect();
        PreparedExisting {
            carried: Carried {
                tree: MaxTree::new(&free),
                node_reqs: vec![None; order.len()],
                order,
                ..Carried::default()
            },
            anti_affinity_pods: anti_affinity_pods(existing),
            initialized: existing.iter().map(|n| n.initialized).collect(),
            slot_of,
            free,
            scratch: Default::default(),
            probe_groups: Default::default(),
        }
    }

    /// Brings the snapshot up to date after the nodes at input indices `changed` changed
    /// their requests or bound pods, but not their name, labels, taints, allocatable or
    /// initialized flag (those would change the order: prepare again).
    pub fn refresh(&mut self, existing: &[ExistingNode], changed: &[usize]) {
        if changed.is_empty() {
            return;
        }
        for &i in changed {
            let slot = self.slot_of[i];
            self.free[slot] = existing[i]
                .allocatable
                .saturating_sub(&existing[i].requested);
            self.carried.tree.set(slot, self.free[slot]);
        }
        // Only the changed nodes' bound pods are looked at again.
        let mut is_changed = vec![false; existing.len()];
        for &i in changed {
            is_changed[i] = true;
        }
        self.anti_affinity_pods.retain(|&(ni, _)| !is_changed[ni]);
        for &ni in changed {
            push_anti_affinity_pods(ni, &existing[ni], &mut self.anti_affinity_pods);
        }
        self.anti_affinity_pods.sort_unstable();
        let carried = &mut self.carried;
        carried
            .group_counts
            .refresh(existing, changed, &is_changed, &carried.domain_tables);
        self.probe_groups.forget_counts();
    }

    /// Prepares again after the nodes at old input indices `removed` left the input (the
    /// others keeping their order), nodes were appended to it, changed their initialized
    /// flag (which moves them in Karpenter's order), or changed their room or bound pods
    /// (`changed`, new input indices). Slots before the first change of order keep their
    /// place and tree; the rest is rebuilt. It equals [`Scheduler::prepare`]: topology
    /// caches get the domain ids a fresh build would give (see `Carried::keep_tables`
    /// and `Carried::rebuild_tables`), and only new and changed nodes are counted again.
    pub fn reprepare(&mut self, existing: &[ExistingNode], changed: &[usize], removed: &[usize]) {
        let old_len = self.slot_of.len();
        let kept_len = old_len.saturating_sub(removed.len());
        if kept_len > existing.len() || !self.carried.tree.holds(existing.len()) {
            *self = PreparedExisting::new(existing);
            return;
        }
        // Old input index → new, for the nodes still in the input.
        let mut new_of_old: Vec<Option<usize>> = vec![None; old_len];
        let mut gone = removed.iter().peekable();
        let mut next = 0;
        for (old, slot) in new_of_old.iter_mut().enumerate() {
            if gone.next_if(|&&r| r == old).is_none() {
                *slot = Some(next);
                next += 1;
            }
        }
        let mut was_initialized = vec![None; existing.len()];
        for (old, new) in new_of_old.iter().enumerate() {
            if let Some(new) = new {
                was_initialized[*new] = Some(self.initialized[old]);
            }
        }
        let moved: Vec<bool> = existing
            .iter()
            .zip(&was_initialized)
            .map(|(n, was)| *was != Some(n.initialized))
            .collect();
        let order = reordered(existing, &self.carried.order, &new_of_old, &moved);
        self.initialized.clear();
        self.initialized
            .extend(existing.iter().map(|n| n.initialized));
        let start = order
            .iter()
            .zip(&self.carried.order)
            .position(|(a, b)| Some(*a) != new_of_old[*b])
            .unwrap_or(order.len().min(old_len));
        let room = |i: usize| {
            existing[i]
                .allocatable
                .saturating_sub(&existing[i].requested)
        };
        self.slot_of.clear();
        self.slot_of.resize(existing.len(), 0);
        for (slot, &i) in order.iter().enumerate() {
            self.slot_of[i] = slot;
        }
        self.free.truncate(start);
        self.free.extend(order[start..].iter().map(|&i| room(i)));
        self.carried.tree.rebuild_from(start, &self.free);
        for &i in changed {
            let slot = self.slot_of[i];
            if slot < start {
                self.free[slot] = room(i);
                self.carried.tree.set(slot, self.free[slot]);
            }
        }
        // A slot before `start` holds the same node as before, whose labels never change.
        self.carried.node_reqs.truncate(start);
        self.carried.node_reqs.resize(order.len(), None);
        self.carried.order = order;
        self.carried.host_domain = None;
        // Kept entries of unchanged nodes under their new index; changed and new nodes'
        // entries read again.
        let mut recheck = vec![false; existing.len()];
        for &i in changed {
            recheck[i] = true;
        }
        recheck[kept_len..].fill(true);
        let mut anti: Vec<(usize, usize)> = self
            .anti_affinity_pods
            .iter()
            .filter_map(|&(ni, pi)| new_of_old[ni].map(|n| (n, pi)))
            .filter(|(ni, _)| !recheck[*ni])
            .collect();
        for (ni, node) in existing.iter().enumerate().filter(|(ni, _)| recheck[*ni]) {
            push_anti_affinity_pods(ni, node, &mut anti);
        }
        anti.sort_unstable();
        self.anti_affinity_pods = anti;
        let appended = kept_len..existing.len();
        if !removed.is_empty() || !self.carried.keep_tables(existing, appended.clone()) {
            self.carried.rebuild_tables(existing, &new_of_old);
        }
        let mut recount: Vec<usize> = changed.iter().copied().chain(appended).collect();
        recount.sort_unstable();
        recount.dedup();
        let mut is_changed = vec![false; existing.len()];
        for &i in &recount {
            is_changed[i] = true;
        }
        let carried = &mut self.carried;
        carried
            .group_counts
            .refresh(existing, &recount, &is_changed, &carried.domain_tables);
        self.probe_groups.forget_counts();
    }

    /// How many existing nodes it was prepared for.
    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }
}

impl Scheduler {
    /// Prepares `existing` for [`Scheduler::schedule_draft`]; valid as long as the same
    /// slice is passed unchanged.
    pub fn prepare(&self, existing: &[ExistingNode]) -> PreparedExisting {
        PreparedExisting::new(existing)
    }

    /// One solve against a prepared snapshot, with the existing nodes at the input
    /// indices in `masked` treated as gone (no room, their pods not counted for
    /// topology), stopping before launch choices. `prepared` must come from
    /// [`Scheduler::prepare`] on `input.existing`; it is left as it was.
    ///
    /// # Panics
    /// If `prepared` was built for a different number of existing nodes, or a masked
    /// index is out of range (both programming errors of the caller, not input).
    ///
    /// `stops` lets a consolidation probe end the solve once its answer is known (see
    /// [`Stops`]).
    pub fn schedule_draft(
        &mut self,
        input: &ScheduleInput<'_>,
        prepared: &mut PreparedExisting,
        masked: &[usize],
        stops: Stops,
    ) -> Draft {
        assert_eq!(
            prepared.len(),
            input.existing.len(),
            "stale PreparedExisting"
        );
        let base = Base {
            carried: std::mem::take(&mut prepared.carried),
            slot_of: &prepared.slot_of,
            anti_affinity_pods: &prepared.anti_affinity_pods,
            masked,
        };
        let mut solve = Solve::new(self, input, Some(base));
        solve.stop_watch = stops.watched;
        solve.stop_claims = stops.max_claims;
        solve.stop_any_failure = stops.any_failure;
        solve.run();
        let (draft, back, touched) = solve.finish_draft();
        prepared.carried = back;
        for slot in touched {
            prepared.carried.tree.set(slot, prepared.free[slot]);
        }
        draft
    }

    /// Chooses a draft claim's launch (`FinalizeScheduling`, truncation, offering).
    pub fn finalize(&mut self, claim: DraftClaim) -> NewClaim {
        let f = finalize(
            &mut self.pools[claim.pool],
            &claim.options,
            &claim.reqs,
            &claim.requests,
            self.profile,
        );
        let pool = &self.pools[claim.pool];
        NewClaim {
            nodepool: pool.input.id,
            pool_index: claim.pool,
            pods: claim.pods,
            requests: f.requests,
            requirements: f.requirements,
            instance_type_options: f
                .options
                .iter()
                .map(|&t| pool.input.instance_types[t].id)
                .collect(),
            launch: f.launch,
        }
    }
}

/// What a solve against a prepared snapshot starts from.
pub(super) struct Base<'p> {
    pub carried: Carried,
    pub slot_of: &'p [usize],
    pub anti_affinity_pods: &'p [(usize, usize)],
    pub masked: &'p [usize],
}

/// Bound pods counted per topology group, by node: (node index, pods the selector
/// matches) for every node with at least one. Counting means matching every bound pod
/// against the selector, so a prepared snapshot keeps the counts for every probe.
#[derive(Debug, Clone, Default)]
pub(super) struct GroupCounts {
    entries: Vec<GroupCount>,
    /// For a recount: whether each group's selector matches a spec, by group (a prefix
    /// of `entries` when groups were added since), per spec address. A changed node is
    /// then read once for all groups, not once per group.
    by_spec: Vec<(usize, Arc<PodSpec>, Vec<bool>)>,
}

#[derive(Debug, Clone)]
struct GroupCount {
    key: String,
    selector: LabelSelector,
    /// (node index, matching bound pods, the node's domain id for the key), nodes
    /// without any left out. Domain ids are stable for a prepared snapshot because its
    /// domain tables are.
    by_node: Vec<(usize, usize, Option<u32>)>,
}

impl GroupCounts {
    /// Recounts only the `changed` nodes (their labels did not change, so their domain
    /// ids are looked up in the snapshot's cached `tables`). A group whose key has no
    /// cached table is dropped and counted afresh when next asked for.
    fn refresh(
        &mut self,
        existing: &[ExistingNode],
        changed: &[usize],
        is_changed: &[bool],
        tables: &[DomainTable],
    ) {
        let before = self.entries.len();
        self.entries
            .retain(|g| tables.iter().any(|t| t.key == g.key));
        if self.entries.len() != before {
            // Group positions moved: what was matched by position no longer holds.
            self.by_spec.clear();
        }
        let table_of: Vec<&DomainTable> = (self.entries.iter())
            .filter_map(|g| tables.iter().find(|t| t.key == g.key))
            .collect();
        for g in &mut self.entries {
            g.by_node.retain(|(ni, _, _)| !is_changed[*ni]);
        }
        let mut counts = vec![0usize; self.entries.len()];
        for &ni in changed {
            let node = &existing[ni];
            counts.fill(0);
            for b in &node.pods {
                let matched = self.matched_by(&b.spec);
                for (c, _) in counts.iter_mut().zip(matched).filter(|(_, m)| **m) {
                    *c += b.count as usize;
                }
            }
            for ((g, table), &n) in self.entries.iter_mut().zip(&table_of).zip(&counts) {
                if n > 0 {
                    let domain = super::quick_topology::node_domain(table, ni, node);
                    g.by_node.push((ni, n, domain));
                }
            }
        }
        for g in &mut self.entries {
            g.by_node.sort_unstable_by_key(|(ni, _, _)| *ni);
        }
    }

    /// Whether each group's selector matches `spec`, by group.
    fn matched_by(&mut self, spec: &Arc<PodSpec>) -> &[bool] {
        let key = Arc::as_ptr(spec) as usize;
        let i = match self.by_spec.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => i,
            Err(i) => {
                self.by_spec.insert(i, (key, spec.clone(), Vec::new()));
                i
            }
        };
        let matched = &mut self.by_spec[i].2;
        for g in &self.entries[matched.len()..] {
            matched.push(g.selector.matches(&spec.labels));
        }
        matched
    }

    /// The bound pods `selector` matches per node, with `domain` giving a node's domain
    /// id for `key` the first time the group is counted.
    pub fn get(
        &mut self,
        key: &str,
        selector: &LabelSelector,
        existing: &[ExistingNode],
        domain: impl FnMut(&ExistingNode) -> Option<u32>,
    ) -> &[(usize, usize, Option<u32>)] {
        let i = self.index(key, selector, existing, domain);
        &self.entries[i].by_node
    }

    /// The group's position, for [`GroupCounts::by_node`] until the next refresh.
    pub fn index(
        &mut self,
        key: &str,
        selector: &LabelSelector,
        existing: &[ExistingNode],
        mut domain: impl FnMut(&ExistingNode) -> Option<u32>,
    ) -> usize {
        match self
            .entries
            .iter()
            .position(|g| g.key == key && g.selector == *selector)
        {
            Some(i) => i,
            None => {
                let mut memo = SpecMatches::default();
                let counts = existing
                    .iter()
                    .enumerate()
                    .filter_map(|(ni, node)| {
                        let n = matching(&mut memo, selector, node);
                        (n > 0).then(|| (ni, n, domain(node)))
                    })
                    .collect();
                self.entries.push(GroupCount {
                    key: key.to_string(),
                    selector: selector.clone(),
                    by_node: counts,
                });
                self.entries.len() - 1
            }
        }
    }

    /// The counts of the group at `index` ([`GroupCounts::index`]), by node index.
    pub fn by_node(&self, index: usize) -> &[(usize, usize, Option<u32>)] {
        &self.entries[index].by_node
    }
}

/// How many of `node`'s bound pods `selector` matches.
fn matching(memo: &mut SpecMatches, selector: &LabelSelector, node: &ExistingNode) -> usize {
    node.pods
        .iter()
        .filter(|b| memo.matches(selector, &b.spec))
        .map(|b| b.count as usize)
        .sum()
}

/// Whether a selector matches each distinct pod spec, remembered by the spec's address:
/// a Deployment's pods share one spec, and matching compares label strings. The spec is
/// held, so its address cannot be reused by another while remembered.
#[derive(Debug, Clone, Default)]
struct SpecMatches {
    /// (spec address, matches, the spec), sorted by address; only looked up, never
    /// iterated.
    seen: Vec<(usize, bool, Arc<PodSpec>)>,
    /// The last lookup: a node's pods often come in runs of one spec.
    last: Option<(usize, bool)>,
}

impl SpecMatches {
    fn matches(&mut self, selector: &LabelSelector, spec: &Arc<PodSpec>) -> bool {
        let key = Arc::as_ptr(spec) as usize;
        if let Some((k, m)) = self.last
            && k == key
        {
            return m;
        }
        let m = match self.seen.binary_search_by_key(&key, |e| e.0) {
            Ok(i) => self.seen[i].1,
            Err(i) => {
                let m = selector.matches(&spec.labels);
                self.seen.insert(i, (key, m, spec.clone()));
                m
            }
        };
        self.last = Some((key, m));
        m
    }
}
