//! Building one solve's state: specs and their relaxation ladders, topology groups and
//! domains with bound pods counted, existing nodes in Karpenter's order, pool limits.

use super::existing_nodes::node_label;
use super::*;

impl<'s, 'i> Solve<'s, 'i> {
    pub(super) fn new(
        sched: &'s mut Scheduler,
        input: &'i ScheduleInput<'i>,
        mut base: Option<prepared::Base<'_>>,
    ) -> Solve<'s, 'i> {
        let mut group_counts = base
            .as_mut()
            .map(|b| std::mem::take(&mut b.carried.group_counts))
            .unwrap_or_default();
        let mut masked = vec![false; input.existing.len()];
        if let Some(b) = &base {
            for &i in b.masked {
                masked[i] = true;
            }
        }
        let mut topology = Topology::default();
        let npools = sched.pools.len();
        // Specs: one state per distinct `Arc<PodSpec>` (pointer identity is only a lookup
        // key here; nothing iterates this map to make decisions).
        let mut spec_index: BTreeMap<usize, usize> = BTreeMap::new();
        let mut specs: Vec<SpecState> = Vec::new();
        let mut spec_arcs: Vec<&Arc<PodSpec>> = Vec::new();
        let mut pod_spec = Vec::with_capacity(input.pods.len());
        for pod in input.pods {
            let k = spec_key(&pod.spec);
            let idx = *spec_index.entry(k).or_insert_with(|| {
                let owns_inverse = pod
                    .spec
                    .pod_anti_affinity
                    .iter()
                    .filter(|t| t.is_required())
                    .map(|t| {
                        topology.group_for(
                            labels::normalize_key(&t.topology_key),
                            GroupKind::AntiAffinity,
                            &t.label_selector,
                            true,
                        )
                    })
                    .collect();
                specs.push(SpecState {
                    demand: pod_demand(&pod.spec.requests),
                    count: 0,
                    owns_inverse,
                    variants: ladder(
                        &pod.spec,
                        sched.any_prefer_no_schedule,
                        npools,
                        &mut topology,
                    ),
                    selected_by: Vec::new(),
                    repelled_by: Vec::new(),
                    first_fit: Vec::new(),
                });
                spec_arcs.push(&pod.spec);
                specs.len() - 1
            });
            specs[idx].count += 1;
            pod_spec.push(idx);
        }
        // Inverse anti-affinity from bound pods.
        let mut inverse_records: Vec<(usize, usize, u32)> = Vec::new();
        let anti_pods_scan;
        let anti_pods = match &base {
            Some(b) => b.anti_affinity_pods,
            None => {
                anti_pods_scan = prepared::anti_affinity_pods(input.existing);
                &anti_pods_scan[..]
            }
        };
        for &(ni, pi) in anti_pods {
            if masked[ni] {
                continue;
            }
            {
                let bound = &input.existing[ni].pods[pi];
                for term in bound
                    .spec
                    .pod_anti_affinity
                    .iter()
                    .filter(|t| t.is_required())
                {
                    let g = topology.group_for(
                        labels::normalize_key(&term.topology_key),
                        GroupKind::AntiAffinity,
                        &term.label_selector,
                        true,
                    );
                    inverse_records.push((g, ni, bound.count));
                }
            }
        }
        // Domains: existing nodes' labels, and every value the pools' instance types and
        // templates can produce. A prepared snapshot keeps each key's table.
        let mut domain_cache = base
            .as_mut()
            .map(|b| std::mem::take(&mut b.carried.domain_tables))
            .unwrap_or_default();
        let mut table_base_len = Vec::with_capacity(topology.tables.len());
        for ti in 0..topology.tables.len() {
            let key = topology.tables[ti].key.clone();
            if base.is_some()
                && let Some(i) = domain_cache.iter().position(|t| t.key == key)
            {
                topology.tables[ti] = domain_cache.swap_remove(i);
                table_base_len.push(Some(topology.tables[ti].names.len()));
                continue;
            }
            for node in input.existing {
                let id = node_label(node, &key).map(|v| topology.register(ti, v));
                topology.tables[ti].node_ids.push(id);
            }
            if key != labels::HOSTNAME {
                for pool in sched.pools.iter_mut() {
                    for v in pool.domain_values(&key) {
                        topology.register(ti, v);
                        topology.tables[ti].from_pools.push(v.clone());
                    }
                }
            }
            table_base_len.push(base.is_some().then(|| topology.tables[ti].names.len()));
        }
        // Count bound pods.
        for (g, ni, count) in inverse_records {
            let table = topology.groups[g].table;
            let key = topology.tables[table].key.clone();
            if let Some(v) = node_label(&input.existing[ni], &key) {
                let d = topology.register(table, v);
                topology.record_n(g, d, count);
            }
        }
        // With no existing node (a probe's claims-only solve) there is nothing to count.
        let count_groups = if input.existing.is_empty() {
            0
        } else {
            topology.groups.len()
        };
        for gi in 0..count_groups {
            if topology.groups[gi].inverse {
                continue;
            }
            let table = topology.groups[gi].table;
            let key = topology.tables[table].key.clone();
            let selector = topology.groups[gi].selector.clone();
            let counts = group_counts.get(&key, &selector, input.existing, |node| {
                node_label(node, &key).map(|v| topology.register(table, v))
            });
            for &(ni, n, d) in counts {
                if masked[ni] {
                    continue;
                }
                let Some(d) = d else { continue };
                topology.record_n(gi, d, u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
        for (si, spec) in specs.iter_mut().enumerate() {
            let labels = &spec_arcs[si].labels;
            for (gi, g) in topology.groups.iter().enumerate() {
                if g.selector.matches(labels) {
                    if g.inverse {
                        spec.repelled_by.push(gi);
                    } else {
                        spec.selected_by.push(gi);
                    }
                }
            }
        }
        let host_table = topology.table_of(labels::HOSTNAME);

        let mut host_domain_cache = base.as_mut().and_then(|b| b.carried.host_domain.take());
        // Existing nodes in Karpenter's order, with masked ones holding no room.
        let mut touched = Vec::new();
        let (order, tree, node_reqs) = match base {
            Some(b) => {
                let mut tree = b.carried.tree;
                for &i in b.masked {
                    tree.set(b.slot_of[i], Resources::ZERO);
                    touched.push(b.slot_of[i]);
                }
                (b.carried.order, tree, b.carried.node_reqs)
            }
            None => {
                let order = prepared::existing_order(input.existing);
                let free: Vec<Resources> = order
                    .iter()
                    .map(|&i| {
                        input.existing[i]
                            .allocatable
                            .saturating_sub(&input.existing[i].requested)
                    })
                    .collect();
                let reqs = vec![None; order.len()];
                (order, MaxTree::new(&free), reqs)
            }
        };
        // Only solves with a hostname topology group read node hostnames' domains; a
        // prepared snapshot keeps them.
        let host_domain = match host_table {
            Some(t) => host_domain_cache.take().unwrap_or_else(|| {
                order
                    .iter()
                    .map(|&i| {
                        node_label(&input.existing[i], labels::HOSTNAME)
                            .and_then(|h| topology.tables[t].index.get(h).copied())
                    })
                    .collect()
            }),
            None => Vec::new(),
        };

        // Limits.
        let mut remaining = Vec::with_capacity(npools);
        let mut remaining_nodes = Vec::with_capacity(npools);
        let mut over_limit = Vec::with_capacity(npools);
        let mut limit_ok = Vec::with_capacity(npools);
        for (pi, pool) in sched.pools.iter_mut().enumerate() {
            let limits = pool.input.nodepool.limits;
            let usage = input.pool_usage.get(pi).copied().unwrap_or_default();
            // `provisioner.go: Create` refuses a pool whose usage already exceeds a limit.
            let exceeded = ResourceKind::ALL
                .iter()
                .find(|k| usage.capacity.get(**k) > limits.resources.get(**k));
            over_limit.push(exceeded.map(|k| {
                format!(
                    "NodePool {} has exceeded its {} limit {}",
                    pool.name(),
                    k.kubernetes_name(),
                    k.format(limits.resources.get(*k))
                )
            }));
            let rem = limits.resources.saturating_sub(&usage.capacity);
            let limited = limits.resources != Resources::UNLIMITED;
            limit_ok.push(limited.then(|| pool.within_limits_cached(&rem)));
            remaining.push(rem);
            remaining_nodes.push(limits.nodes.map(|n| n.saturating_sub(usage.nodes)));
        }
        Solve {
            input,
            topology,
            specs,
            pod_spec,
            tree,
            touched,
            stop_watch: 0,
            stopped: false,
            stop_claims: None,
            stop_any_failure: false,
            topology_missed: false,
            watched_placed: 0,
            over_claims: false,
            order,
            node_reqs,
            group_counts,
            domain_cache,
            table_base_len,
            host_domain_cache,
            host_domain,
            claims: Vec::new(),
            live: BTreeSet::new(),
            run_live: BTreeSet::new(),
            run_spec: None,
            remaining,
            remaining_nodes,
            over_limit,
            limit_ok,
            host_table,
            out: ScheduleOutput::default(),
            stack: Vec::new(),
            scratch: Bitset::default(),
            scratch_compat: Bitset::default(),
            retire: Vec::new(),
            sched,
        }
    }
}
