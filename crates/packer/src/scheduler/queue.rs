//! The queue (`queue.go`, `scheduler.go: Solve/add`): sorted pods, retry until a cycle
//! makes no progress, the relaxation ladder, placement order, and the final claims.

use super::*;

/// Karpenter's queue order (`queue.go: byCPUAndMemoryDescending`): CPU, then memory,
/// descending; then creation time and id, so the order is total. Callers that hand the
/// scheduler pods already in this order (in runs) make its sort linear.
pub fn queue_order(a: &Pod, b: &Pod) -> std::cmp::Ordering {
    queue_key(a).cmp(&queue_key(b))
}

/// A pod's place in [`queue_order`]: unique, because it ends with the pod's id.
pub type QueueKey = (
    std::cmp::Reverse<u64>,
    std::cmp::Reverse<u64>,
    model::SimTime,
    PodId,
);

/// [`queue_order`] as a sort key, for `sort_by_cached_key` (read once per pod).
pub fn queue_key(p: &Pod) -> QueueKey {
    let r = p.requests();
    (
        std::cmp::Reverse(r.cpu_millis()),
        std::cmp::Reverse(r.memory_bytes()),
        p.created_at,
        p.id,
    )
}

impl<'s, 'i> Solve<'s, 'i> {
    pub(super) fn run(&mut self) {
        let pods = self.input.pods;
        let mut sorted: Vec<usize> = (0..pods.len()).collect();
        // A stable sort finds runs that callers left in order (a probe's candidate pods,
        // then the pending pods) and merges them in linear time.
        sorted.sort_by(|&a, &b| queue_order(&pods[a], &pods[b]));
        // suffix_min[i] = component-wise minimum demand of sorted[i..]: a claim that cannot
        // take that much more can never take another pod of this solve and is retired.
        let mut suffix_min = vec![Resources::UNLIMITED; sorted.len() + 1];
        for i in (0..sorted.len()).rev() {
            let d = &self.specs[self.pod_spec[sorted[i]]].demand;
            suffix_min[i] = suffix_min[i + 1].min(d);
        }
        let mut failed_min = Resources::UNLIMITED;
        let mut queue: VecDeque<usize> = sorted.iter().copied().collect();
        let mut first_pass_pos = 0usize;
        let mut last_len: Vec<Option<usize>> = vec![None; pods.len()];
        let mut last_error: Vec<Option<String>> = vec![None; pods.len()];
        while let Some(&p) = queue.front() {
            if last_len[p] == Some(queue.len()) {
                break;
            }
            queue.pop_front();
            if first_pass_pos < sorted.len() {
                first_pass_pos += 1;
            }
            let min_remaining = suffix_min[first_pass_pos.min(sorted.len())].min(&failed_min);
            match self.try_schedule(p, &min_remaining) {
                Ok(()) if self.stopped => return,
                Ok(()) => {
                    if p < self.stop_watch {
                        self.watched_placed += 1;
                    }
                    if (self.stop_any_failure || self.watched_placed == self.stop_watch)
                        && self.stop_claims.is_some_and(|m| self.claims.len() > m)
                    {
                        self.over_claims = true;
                        return;
                    }
                }
                Err(e) => {
                    last_error[p] = Some(e);
                    let d = self.specs[self.pod_spec[p]].demand;
                    failed_min = failed_min.min(&d);
                    queue.push_back(p);
                    last_len[p] = Some(queue.len());
                }
            }
        }
        for p in queue {
            self.out.unschedulable.push(Unschedulable {
                pod: pods[p].id,
                reason: last_error[p]
                    .take()
                    .unwrap_or_else(|| "not attempted".to_string()),
            });
        }
    }

    pub(super) fn try_schedule(
        &mut self,
        p: usize,
        min_remaining: &Resources,
    ) -> Result<(), String> {
        let si = self.pod_spec[p];
        let mut last = String::new();
        for v in 0..self.specs[si].variants.len() {
            match self.add(p, si, v, min_remaining) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            let spec = &self.specs[si];
            if !spec.variants[0].owned.is_empty() || !spec.selected_by.is_empty() {
                self.topology_missed = true;
            }
        }
        Err(last)
    }

    pub(super) fn add(
        &mut self,
        p: usize,
        si: usize,
        v: usize,
        min_remaining: &Resources,
    ) -> Result<(), String> {
        let pod = &self.input.pods[p];
        // 1. Existing nodes, first fit in Karpenter's order.
        if let Some(slot) = self.find_existing(pod, si, v) {
            let ni = self.order[slot];
            let free = self.tree.get(slot).saturating_sub(&self.specs[si].demand);
            self.tree.set(slot, free);
            self.touched.push(slot);
            if p < self.stop_watch && !self.input.existing[ni].initialized {
                self.stopped = true;
            }
            self.record_on_existing(si, slot);
            self.out.bindings.push(Binding {
                pod: pod.id,
                node: self.input.existing[ni].id,
            });
            return Ok(());
        }
        // 2. In-flight claims, fewest pods first (ties: older claim first).
        if self.add_to_claims(pod, si, v, min_remaining) {
            return Ok(());
        }
        // 3. A new claim from the first pool (by weight) that can take the pod.
        self.add_to_new_claim(pod, si, v)
    }

    pub(super) fn finish_draft(mut self) -> (Draft, prepared::Carried, Vec<usize>) {
        let claims = std::mem::take(&mut self.claims)
            .into_iter()
            .map(|c| DraftClaim {
                pool: c.pool,
                pods: c.pods,
                requests: c.requests,
                options: c.options,
                reqs: c.reqs,
            })
            .collect();
        let draft = Draft {
            output: std::mem::take(&mut self.out),
            claims,
            stopped: self.stopped,
            over_claims: self.over_claims,
            topology_missed: self.topology_missed,
        };
        let mut domain_tables = self.domain_cache;
        for (mut table, len) in self.topology.tables.into_iter().zip(self.table_base_len) {
            if let Some(len) = len {
                table.truncate(len);
                domain_tables.push(table);
            }
        }
        let base = prepared::Carried {
            order: self.order,
            tree: self.tree,
            node_reqs: self.node_reqs,
            group_counts: self.group_counts,
            domain_tables,
            host_domain: match self.host_table {
                Some(_) => Some(self.host_domain),
                None => self.host_domain_cache,
            },
        };
        (draft, base, self.touched)
    }
}
