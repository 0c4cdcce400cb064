//! Adding a pod to a claim of this solve (`nodeclaim.go: Add`): fewest pods first,
//! instance-type narrowing by bitsets, topology requirements, `minValues`.

use super::*;

impl<'s, 'i> Solve<'s, 'i> {
    pub(super) fn add_to_claims(
        &mut self,
        pod: &Pod,
        si: usize,
        v: usize,
        min_remaining: &Resources,
    ) -> bool {
        let demand = self.specs[si].demand;
        // A run of identical plain pods: a claim that rejects one of them rejects the rest
        // (its requests only grow and its options only shrink), so the run works on its
        // own copy of the live set and drops each rejecting claim once. This keeps large
        // Deployments linear in pods instead of pods × claims.
        let plain =
            !self.specs[si].variants[v].constrained && self.specs[si].repelled_by.is_empty();
        let run_mode = plain && self.specs[si].count >= RUN_MODE_MIN_PODS;
        if run_mode && self.run_spec != Some((si, v)) {
            self.run_spec = Some((si, v));
            self.run_live = self.live.clone();
        }
        let mut chosen = None;
        let mut rejected: Vec<(usize, usize)> = Vec::new();
        let set = std::mem::take(if run_mode {
            &mut self.run_live
        } else {
            &mut self.live
        });
        for &(n, c) in &set {
            let claim = &self.claims[c];
            let total = claim.requests.saturating_add(&demand);
            if !total.fits_in(&claim.cap_max) {
                if !claim
                    .requests
                    .saturating_add(min_remaining)
                    .fits_in(&claim.cap_max)
                {
                    self.retire.push((n, c));
                }
                if run_mode {
                    rejected.push((n, c));
                }
                continue;
            }
            match self.claim_try(pod, si, v, c, &total) {
                Ok(new_reqs) => {
                    chosen = Some((n, c, total, new_reqs));
                    break;
                }
                Err(_) => {
                    if run_mode {
                        rejected.push((n, c));
                    }
                }
            }
        }
        if run_mode {
            self.run_live = set;
            for key in &rejected {
                self.run_live.remove(key);
            }
        } else {
            self.live = set;
        }
        for key in self.retire.drain(..) {
            self.live.remove(&key);
            self.run_live.remove(&key);
        }
        let Some((n, c, total, new_reqs)) = chosen else {
            return false;
        };
        self.commit_claim(pod, si, c, total, new_reqs);
        self.live.remove(&(n, c));
        self.live.insert((n + 1, c));
        if self.run_live.remove(&(n, c)) {
            self.run_live.insert((n + 1, c));
        }
        true
    }

    /// Checks whether claim `c` can take the pod; on success `scratch` holds the narrowed
    /// options and the result carries the new requirements if they changed
    /// (`NodeClaim.Add` in `nodeclaim.go`).
    pub(super) fn claim_try(
        &mut self,
        pod: &Pod,
        si: usize,
        v: usize,
        c: usize,
        total: &Resources,
    ) -> Result<Option<Requirements>, Reject> {
        let pool_i = self.claims[c].pool;
        self.pool_ok(pod, si, v, pool_i)?;
        let spec = &pod.spec;
        let variant = &self.specs[si].variants[v];
        let plain = !variant.constrained && self.specs[si].repelled_by.is_empty();
        if plain {
            let pool = &self.sched.pools[pool_i];
            let mut sets: Vec<&Bitset> = Vec::with_capacity(RESOURCE_KINDS);
            let claim = &self.claims[c];
            let fits = pool.fits_sets(total, &mut sets).is_ok()
                && claim.options.and_many_into(&sets, &mut self.scratch);
            if !fits {
                let exact = pool.max_effective(&claim.options);
                self.claims[c].cap_max = exact;
                return Err(Reject::Pool(PoolRejection::Resources {
                    total: *total,
                    largest: exact,
                }));
            }
            if pool.has_min_values
                && let Some(m) = pool.min_values_unmet(&claim.reqs, &self.scratch)
            {
                return Err(Reject::Pool(PoolRejection::MinValues(m)));
            }
            return Ok(None);
        }
        // Cheap hostname checks before any requirement work.
        if let Some(h) = self.claims[c].host_domain
            && !variant.strict_reqs.has(labels::HOSTNAME)
        {
            for &g in variant.owned.iter().chain(&self.specs[si].repelled_by) {
                if Some(self.topology.groups[g].table) == self.host_table {
                    let gk = self.topology.groups[g].kind;
                    let self_selecting = gk != GroupKind::AntiAffinity
                        && self.topology.groups[g].selector.matches(&spec.labels);
                    if !self.topology.quick_allows(g, h, self_selecting) {
                        return Err(Reject::Pool(PoolRejection::Topology(
                            self.describe_group(g),
                        )));
                    }
                }
            }
        }
        // The claim's requirements are copied only when the pod changes them: a pod
        // joining a claim its zone or hostname is already pinned to changes nothing.
        let base = Arc::clone(&self.claims[c].reqs);
        let mut changed: Option<Requirements> = None;
        if !variant.reqs.is_empty() {
            if let Err(e) = base.compatible(&variant.reqs) {
                return Err(Reject::Pool(PoolRejection::Requirements(e.to_string())));
            }
            let mut reqs = Requirements::clone(&base);
            reqs.add_all(&variant.reqs);
            changed = Some(reqs);
        }
        let groups: Vec<usize> = variant
            .owned
            .iter()
            .chain(&self.specs[si].repelled_by)
            .copied()
            .collect();
        for g in groups {
            let key = &self.topology.tables[self.topology.groups[g].table].key;
            let variant = &self.specs[si].variants[v];
            let reqs = changed.as_ref().unwrap_or(&base);
            let current = reqs.get(key);
            let allowed =
                self.topology
                    .next_domains(g, &spec.labels, variant.strict_reqs.get(key), current);
            if allowed.operator() == Operator::DoesNotExist {
                return Err(Reject::Pool(PoolRejection::Topology(
                    self.describe_group(g),
                )));
            }
            // Adding a requirement equal to the claim's own (not empty, checked above)
            // keeps it as it is.
            if current == Some(&allowed) {
                continue;
            }
            let mut single = Requirements::default();
            single.add(allowed);
            if reqs.compatible(&single).is_err() {
                return Err(Reject::Pool(PoolRejection::Topology(
                    self.describe_group(g),
                )));
            }
            changed
                .get_or_insert_with(|| Requirements::clone(&base))
                .add_all(&single);
        }
        let reqs = changed.as_ref().unwrap_or(&base);
        let pool = &mut self.sched.pools[pool_i];
        self.scratch_compat.clone_from(pool.compatible_with(reqs));
        let pool = &self.sched.pools[pool_i];
        let claim = &self.claims[c];
        let mut compat_options = claim.options.clone();
        compat_options.and_assign(&self.scratch_compat);
        if compat_options.is_empty() {
            return Err(Reject::Pool(PoolRejection::NoCompatibleType(format!(
                "{}",
                RequirementsText(reqs)
            ))));
        }
        let mut sets: Vec<&Bitset> = Vec::with_capacity(RESOURCE_KINDS);
        let fits = pool.fits_sets(total, &mut sets).is_ok()
            && compat_options.and_many_into(&sets, &mut self.scratch);
        if !fits {
            return Err(Reject::Pool(PoolRejection::Resources {
                total: *total,
                largest: pool.max_effective(&compat_options),
            }));
        }
        if pool.has_min_values
            && let Some(m) = pool.min_values_unmet(reqs, &self.scratch)
        {
            return Err(Reject::Pool(PoolRejection::MinValues(m)));
        }
        Ok(changed)
    }

    pub(super) fn commit_claim(
        &mut self,
        pod: &Pod,
        si: usize,
        c: usize,
        total: Resources,
        new_reqs: Option<Requirements>,
    ) {
        let claim = &mut self.claims[c];
        std::mem::swap(&mut claim.options, &mut self.scratch);
        claim.requests = total;
        claim.pods.push(pod.id);
        if let Some(r) = new_reqs {
            claim.reqs = Arc::new(r);
        }
        let n_sel = self.specs[si].selected_by.len();
        for gi in 0..n_sel + self.specs[si].owns_inverse.len() {
            let g = if gi < n_sel {
                self.specs[si].selected_by[gi]
            } else {
                self.specs[si].owns_inverse[gi - n_sel]
            };
            let key = &self.topology.tables[self.topology.groups[g].table].key;
            let dom = self.claims[c].reqs.get(key);
            self.topology.record_placement(g, dom);
        }
    }

    /// Taints and template requirements for pool `pool_i`, cached per variant.
    pub(super) fn pool_ok(
        &mut self,
        pod: &Pod,
        si: usize,
        v: usize,
        pool_i: usize,
    ) -> Result<(), Reject> {
        let cached = self.specs[si].variants[v].pool_ok[pool_i].clone();
        let result = match cached {
            Some(r) => r,
            None => {
                let pool = &self.sched.pools[pool_i];
                let variant = &self.specs[si].variants[v];
                let r = if let Some(t) = variant.tolerates(&pod.spec, &pool.input.nodepool.taints) {
                    Err(format!("taint:{t}"))
                } else {
                    pool.template_reqs
                        .compatible(&variant.reqs)
                        .map_err(|e| format!("reqs:{e}"))
                };
                self.specs[si].variants[v].pool_ok[pool_i] = Some(r.clone());
                r
            }
        };
        result.map_err(|e| {
            Reject::Pool(match e.split_once(':') {
                Some(("taint", t)) => PoolRejection::Taint(t.to_string()),
                Some((_, r)) => PoolRejection::Requirements(r.to_string()),
                None => PoolRejection::Requirements(e),
            })
        })
    }
}

struct RequirementsText<'a>(&'a Requirements);

impl std::fmt::Display for RequirementsText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for r in self.0.iter() {
            if r.key == labels::HOSTNAME || r.key == labels::NODEPOOL {
                continue;
            }
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{r}")?;
        }
        Ok(())
    }
}
