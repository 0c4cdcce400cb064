//! Opening a claim from the first NodePool by weight that can take the pod
//! (`scheduler.go: addToNewNodeClaim`), limits (`subtractMax`) and reasons.

use model::nodepool::Limits;

use super::*;
use crate::input::PoolUsage;
use crate::pool_index::placeholder_hostname;

impl<'s, 'i> Solve<'s, 'i> {
    pub(super) fn add_to_new_claim(
        &mut self,
        pod: &Pod,
        si: usize,
        v: usize,
    ) -> Result<(), String> {
        let mut rejections: Vec<(String, PoolRejection)> = Vec::new();
        for oi in 0..self.sched.order.len() {
            let pool_i = self.sched.order[oi];
            // Only a rejection names the pool.
            let name = |s: &Self| s.sched.pools[pool_i].name().to_string();
            if let Some(msg) = &self.over_limit[pool_i] {
                rejections.push((name(self), PoolRejection::Limit(msg.clone())));
                continue;
            }
            if self.remaining_nodes[pool_i] == Some(0) {
                let name = name(self);
                let limit = self.sched.pools[pool_i]
                    .input
                    .nodepool
                    .limits
                    .nodes
                    .unwrap_or(0);
                rejections.push((
                    name.clone(),
                    PoolRejection::Limit(format!(
                        "NodePool {name} has reached its node limit {limit}"
                    )),
                ));
                continue;
            }
            if let Err(Reject::Pool(r)) = self.pool_ok(pod, si, v, pool_i) {
                rejections.push((name(self), r));
                continue;
            }
            let pool = &self.sched.pools[pool_i];
            if pool.base.is_empty() {
                let name = name(self);
                rejections.push((
                    name.clone(),
                    PoolRejection::NoTypes(format!("NodePool {name} allows no instance type")),
                ));
                continue;
            }
            let mut options = pool.base.clone();
            if let Some(ok) = &self.limit_ok[pool_i] {
                options.and_assign(ok);
                if options.is_empty() {
                    rejections.push((name(self), PoolRejection::Limit(self.limit_message(pool_i))));
                    continue;
                }
            }
            // Tentative claim with a placeholder hostname (`NewNodeClaim`).
            let c = self.claims.len();
            let hostname = self.host_table.map(|t| (t, placeholder_hostname(c)));
            let host_domain = (hostname.as_ref()).map(|(t, h)| self.topology.register(*t, h));
            let reqs = self.sched.pools[pool_i].claim_template(c);
            let pool = &self.sched.pools[pool_i];
            let cap_max = match self.limit_ok[pool_i] {
                None => pool.base_max_effective,
                Some(_) => pool.max_effective(&options),
            };
            self.claims.push(Claim {
                pool: pool_i,
                pods: Vec::new(),
                requests: Resources::ZERO,
                options,
                cap_max,
                reqs,
                host_domain,
            });
            let total = self.specs[si].demand;
            match self.claim_try(pod, si, v, c, &total) {
                Ok(new_reqs) => {
                    self.commit_claim(pod, si, c, total, new_reqs);
                    let pool = &self.sched.pools[pool_i];
                    self.claims[c].cap_max = pool.max_effective(&self.claims[c].options);
                    if self.limit_ok[pool_i].is_some() {
                        let cap = pool.max_capacity(&self.claims[c].options);
                        self.remaining[pool_i] = self.remaining[pool_i].saturating_sub(&cap);
                        let ok =
                            self.sched.pools[pool_i].within_limits_cached(&self.remaining[pool_i]);
                        self.limit_ok[pool_i] = Some(ok);
                    }
                    if let Some(n) = &mut self.remaining_nodes[pool_i] {
                        *n = n.saturating_sub(1);
                    }
                    self.live.insert((1, c));
                    // The current run's working set must see the new claim too.
                    if self.run_spec.is_some() {
                        self.run_live.insert((1, c));
                    }
                    return Ok(());
                }
                Err(Reject::Pool(r)) => {
                    self.claims.pop();
                    if let Some((t, h)) = &hostname {
                        self.topology.unregister_last(*t, h);
                    }
                    rejections.push((name(self), r));
                }
            }
        }
        Err(summarize(&rejections, &pod.spec))
    }

    pub(super) fn limit_message(&self, pool_i: usize) -> String {
        let pool = &self.sched.pools[pool_i];
        let limits = pool.input.nodepool.limits.resources;
        let rem = self.remaining[pool_i];
        // Name the limited resource that rules out the smallest type.
        for k in ResourceKind::ALL {
            if limits.get(k) == u64::MAX {
                continue;
            }
            let smallest = pool
                .base
                .iter()
                .map(|t| pool.input.instance_types[t].capacity.get(k))
                .min()
                .unwrap_or(0);
            if smallest > rem.get(k) {
                return format!(
                    "NodePool {} would exceed its {} limit {}",
                    pool.name(),
                    k.kubernetes_name(),
                    k.format(limits.get(k))
                );
            }
        }
        format!(
            "NodePool {} would exceed its limits {}",
            pool.name(),
            limits
        )
    }

    pub(super) fn describe_group(&self, g: usize) -> String {
        let group = &self.topology.groups[g];
        let key = &self.topology.tables[group.table].key;
        let sel = crate::reason::selector_text(&group.selector);
        match group.kind {
            GroupKind::AntiAffinity if group.inverse => {
                format!("anti-affinity of pods matching this one ({sel} on {key}) repels it")
            }
            GroupKind::AntiAffinity => format!("anti-affinity with {sel} on {key}"),
            GroupKind::Affinity => format!("affinity to {sel} on {key}"),
            GroupKind::Spread { max_skew, .. } => {
                format!("topology spread of {sel} on {key} (maxSkew {max_skew})")
            }
        }
    }
}

/// What a solve of a few pods reads of one NodePool's usage, for keying the solve's
/// answers: the limit usage already exceeds, and the room left under each limit and in
/// claims, capped where none of the solve's claims could reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRoom {
    exceeded: Option<ResourceKind>,
    room: Resources,
    nodes: Option<u64>,
}

impl Scheduler {
    /// Per NodePool, what a solve of at most `pods` pods from `pool_usage` reads of it
    /// (`None` for a pool without limits). Equal rooms give solves that decide alike:
    /// each claim takes at most the pool's largest capacity from the room (`subtractMax`)
    /// and one from the node count, and a solve opens at most one claim per pod, so with
    /// room for `pods` largest capacities (or nodes) every claim finds room for any type.
    pub fn limit_rooms(&self, pool_usage: &[PoolUsage], pods: usize) -> Vec<Option<LimitRoom>> {
        let claims = u64::try_from(pods).unwrap_or(u64::MAX);
        self.pools
            .iter()
            .enumerate()
            .map(|(pi, pool)| {
                let limits = pool.input.nodepool.limits;
                if limits == Limits::default() {
                    return None;
                }
                let usage = pool_usage.get(pi).copied().unwrap_or_default();
                let largest = pool.max_capacity(&pool.base);
                let mut room = limits.resources.saturating_sub(&usage.capacity);
                for k in ResourceKind::ALL {
                    let reach = largest.get(k).saturating_mul(claims);
                    room.set(k, room.get(k).min(reach));
                }
                Some(LimitRoom {
                    exceeded: ResourceKind::ALL
                        .into_iter()
                        .find(|k| usage.capacity.get(*k) > limits.resources.get(*k)),
                    room,
                    nodes: limits
                        .nodes
                        .map(|n| n.saturating_sub(usage.nodes).min(claims)),
                })
            })
            .collect()
    }
}
