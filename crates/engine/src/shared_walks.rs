//! First-fit walks shared by the single-node probes of one pass.
//!
//! A pass probes every candidate against the same cluster view, and on a day of a few
//! Deployments most candidates hold the same pods by spec (on `synthetic-10k`, nine
//! probes in ten repeat an earlier one's specs in the same pass). For plain pods
//! (`packer::ProbeWalk`), first fit reads only the rooms, taints and initialized flags of
//! the other nodes, so candidates whose pods, merged with the pending ones, form the same
//! sequence of specs (and of which are the candidate's) walk alike but for the node each
//! masks. A walk with no node masked answers for every such candidate its first fit
//! never chose: that candidate only refused the pods that reached it, as a masked node
//! does. So the second probe of a sequence in a pass also walks with nothing masked, and
//! it and later ones reuse that walk's answer, by position in their own pods, unless it
//! chose their node. (The first probe walks only its own: on a day of many Deployments
//! most sequences occur once per pass.)

use model::NodeId;
use model::pod::Pod;

/// A walk's sequence as runs of (spec address, the candidate's?, count). Addresses
/// identify specs within a pass: the pods holding them stay while it lasts.
pub type WalkKey = Vec<(usize, bool, u32)>;

/// The walks of a pass; [`crate::snapshot::Snapshot::release`] clears them.
#[derive(Debug, Default)]
pub struct SharedWalks {
    /// (fingerprint of the key, key, state): a pass holds a few sequences, or on a day of
    /// many Deployments a few hundred, each looked up by a word compare first.
    entries: Vec<(u64, WalkKey, State)>,
}

/// FNV-1a over a key's words: only ever compared for equality (then the keys are).
fn fingerprint(key: &WalkKey) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &(spec, watched, count) in key {
        for w in [spec as u64, u64::from(watched), u64::from(count)] {
            h = (h ^ w).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

#[derive(Debug)]
enum State {
    /// Probed once this pass, by its own walk.
    Seen,
    /// Walked with nothing masked: `None` if that walk did not decide alone on rooms.
    Walked(Option<Walk>),
}

#[derive(Debug)]
struct Walk {
    answer: packer::QuickProbe,
    /// For [`packer::QuickProbe::WatchedWaits`]: the waiting pod's position among the
    /// candidate's pods.
    waiting_at: Option<usize>,
    /// The nodes first fit chose, ascending.
    placed: Vec<NodeId>,
}

/// The pending pods of a pass as a walk's key reads them: their queue keys, and where
/// each run of one spec starts (with the spec's address).
#[derive(Debug, Default)]
pub struct PendingRuns {
    keys: Vec<packer::QueueKey>,
    runs: Vec<(usize, usize)>,
    /// Whether every pending pod is plain (`packer::plain`): only then can a walk with
    /// them be shared.
    plain: bool,
}

impl PendingRuns {
    /// From the pending pods in queue order.
    pub fn new(pending: &[Pod]) -> PendingRuns {
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (i, pod) in pending.iter().enumerate() {
            let spec = std::sync::Arc::as_ptr(&pod.spec) as usize;
            if runs.last().is_none_or(|r| r.1 != spec) {
                runs.push((i, spec));
            }
        }
        PendingRuns {
            keys: pending.iter().map(packer::queue_key).collect(),
            plain: runs
                .iter()
                .all(|&(start, _)| packer::plain(&pending[start].spec)),
            runs,
        }
    }

    /// Appends the pending pods at positions `from..to` to `key`.
    fn extend(&self, key: &mut WalkKey, mut from: usize, to: usize) {
        let mut r = self.runs.partition_point(|(start, _)| *start <= from);
        while from < to {
            let spec = self.runs[r - 1].1;
            let end = self.runs.get(r).map_or(to, |next| next.0.min(to));
            push(key, spec, false, end - from);
            from = end;
            r += 1;
        }
    }
}

fn push(key: &mut WalkKey, spec: usize, watched: bool, count: usize) {
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    match key.last_mut() {
        Some((s, w, c)) if *s == spec && *w == watched => *c = c.saturating_add(count),
        _ => key.push((spec, watched, count)),
    }
}

/// The sequence a walk reads: the candidate's pods (`watched`, in queue order, with
/// their queue `keys`) merged with the pending ones in queue order, as runs; `None` if
/// some pod is not plain, so no walk of the sequence could be shared.
pub fn key_of(
    watched: &[&Pod],
    keys: &[packer::QueueKey],
    pending: &PendingRuns,
) -> Option<WalkKey> {
    if !pending.plain {
        return None;
    }
    let mut key = WalkKey::new();
    let mut at = 0;
    // Pending pods up to queue key `k` go first.
    let pending_before = |key: &mut WalkKey, at: &mut usize, k: &packer::QueueKey| {
        if pending.keys.get(*at).is_some_and(|p| p < k) {
            let before = *at + pending.keys[*at..].partition_point(|p| p < k);
            pending.extend(key, *at, before);
            *at = before;
        }
    };
    let mut i = 0;
    while i < watched.len() {
        if !packer::plain(&watched[i].spec) {
            return None;
        }
        let spec = std::sync::Arc::as_ptr(&watched[i].spec) as usize;
        let run = watched[i..]
            .iter()
            .take_while(|p| std::sync::Arc::as_ptr(&p.spec) as usize == spec)
            .count();
        pending_before(&mut key, &mut at, &keys[i]);
        // With no pending pod inside a run of the candidate's, the run is one push.
        if pending.keys.get(at).is_some_and(|p| *p < keys[i + run - 1]) {
            for k in &keys[i..i + run] {
                pending_before(&mut key, &mut at, k);
                push(&mut key, spec, true, 1);
            }
        } else {
            push(&mut key, spec, true, run);
        }
        i += run;
    }
    pending.extend(&mut key, at, pending.keys.len());
    Some(key)
}

/// What [`SharedWalks::lookup`] found for a sequence.
pub enum Lookup {
    /// The sequence is new this pass (now noted): probe alone.
    First,
    /// Seen once: walk it with nothing masked, then look again.
    Second,
    /// The sequence's walk cannot stand for this candidate: probe alone.
    Own,
    /// The candidate's answer (positions refer to its own pods).
    Shared(packer::QuickProbe),
}

impl SharedWalks {
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The shared answer for a candidate `node` whose pods (`watched`, in queue order)
    /// form `key` with the pending pods.
    pub fn lookup(&mut self, key: &WalkKey, node: NodeId, watched: &[&Pod]) -> Lookup {
        let fp = fingerprint(key);
        let Some((_, _, state)) = self.entries.iter().find(|e| e.0 == fp && e.1 == *key) else {
            self.entries.push((fp, key.clone(), State::Seen));
            return Lookup::First;
        };
        match state {
            State::Seen => Lookup::Second,
            State::Walked(Some(w)) if w.placed.binary_search(&node).is_err() => {
                Lookup::Shared(match (&w.answer, w.waiting_at) {
                    (packer::QuickProbe::WatchedWaits(_), Some(at)) => {
                        packer::QuickProbe::WatchedWaits(watched[at].id)
                    }
                    (answer, _) => answer.clone(),
                })
            }
            _ => Lookup::Own,
        }
    }

    /// Keeps the walk of `key` (seen once) with nothing masked: its `answer` over
    /// `watched`, and the nodes it chose if it read only rooms (else nothing is shared).
    pub fn keep(
        &mut self,
        key: &WalkKey,
        watched: &[&Pod],
        answer: packer::QuickProbe,
        placed: Option<Vec<NodeId>>,
    ) {
        let shareable = !matches!(
            answer,
            packer::QuickProbe::Undecided | packer::QuickProbe::WatchedWaitsUnlessMissed { .. }
        );
        let walk = placed.filter(|_| shareable).map(|mut placed| {
            placed.sort_unstable();
            let waiting_at = match &answer {
                packer::QuickProbe::WatchedWaits(pod) => watched.iter().position(|p| p.id == *pod),
                _ => None,
            };
            Walk {
                answer,
                waiting_at,
                placed,
            }
        });
        let fp = fingerprint(key);
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == fp && e.1 == *key) {
            e.2 = State::Walked(walk);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use model::pod::{Pod, PodSpec};
    use model::{NodeId, PodId, Resources, SimTime, WorkloadId};

    use super::*;

    fn pod(id: u32, spec: &Arc<PodSpec>, created_s: u64) -> Pod {
        Pod {
            id: PodId(id),
            name: Arc::from(format!("p{id}")),
            workload: WorkloadId(0),
            spec: spec.clone(),
            created_at: SimTime(created_s * 1000),
        }
    }

    fn spec(cpu_millis: u64) -> Arc<PodSpec> {
        Arc::new(PodSpec::with_requests(Resources::new(cpu_millis, 1 << 30)))
    }

    #[test]
    fn a_key_places_pending_pods_where_queue_order_merges_them() {
        let (a, b, c) = (spec(1000), spec(500), spec(2000));
        let watched = [pod(1, &a, 10), pod(2, &a, 20), pod(3, &b, 5)];
        let mut pending = vec![
            pod(10, &a, 15),
            pod(11, &a, 30),
            pod(12, &c, 1),
            pod(13, &b, 1),
            pod(14, &b, 9),
        ];
        pending.sort_by_cached_key(packer::queue_key);
        let refs: Vec<&Pod> = watched.iter().collect();
        let mut expected = WalkKey::new();
        for (p, position) in packer::merged_in_queue_order(&refs, &pending) {
            push(
                &mut expected,
                Arc::as_ptr(&p.spec) as usize,
                position.is_ok(),
                1,
            );
        }
        let keys: Vec<packer::QueueKey> = watched.iter().map(packer::queue_key).collect();
        let key = key_of(&refs, &keys, &PendingRuns::new(&pending)).unwrap();
        assert_eq!(key, expected);
        // c, a (watched), a (pending), a (watched), a (pending), b (pending), b (watched), b
        assert_eq!(key.len(), 8);
    }

    #[test]
    fn a_walk_stands_only_for_candidates_it_did_not_choose() {
        let a = spec(1000);
        let first = [pod(1, &a, 1), pod(2, &a, 2)];
        let second = [pod(3, &a, 3), pod(4, &a, 4)];
        let (first, second): (Vec<&Pod>, Vec<&Pod>) =
            (first.iter().collect(), second.iter().collect());
        let keys = |pods: &[&Pod]| {
            pods.iter()
                .map(|p| packer::queue_key(p))
                .collect::<Vec<_>>()
        };
        let none = PendingRuns::new(&[]);
        let key = key_of(&first, &keys(&first), &none).expect("plain pods");
        assert_eq!(Some(&key), key_of(&second, &keys(&second), &none).as_ref());
        // A pod with a node selector reads labels: its walks are never shared.
        let mut selective = PodSpec::with_requests(Resources::new(1000, 1 << 30));
        selective.node_selector.insert("zone".into(), "a".into());
        let third = [pod(5, &Arc::new(selective), 5)];
        let third: Vec<&Pod> = third.iter().collect();
        assert_eq!(key_of(&third, &keys(&third), &none), None);
        let mut walks = SharedWalks::default();
        let (n1, n2, n3) = (NodeId(1), NodeId(2), NodeId(3));
        assert!(matches!(walks.lookup(&key, n1, &first), Lookup::First));
        assert!(matches!(walks.lookup(&key, n2, &second), Lookup::Second));
        // With nothing masked, first fit put a pod on n2 and the second pod would wait.
        let answer = packer::QuickProbe::WatchedWaits(second[1].id);
        walks.keep(&key, &second, answer, Some(vec![n2, n3]));
        assert!(matches!(walks.lookup(&key, n2, &second), Lookup::Own));
        assert!(matches!(walks.lookup(&key, n3, &second), Lookup::Own));
        // Another candidate's waiting pod is its own, at the same position.
        match walks.lookup(&key, n1, &first) {
            Lookup::Shared(packer::QuickProbe::WatchedWaits(p)) => assert_eq!(p, first[1].id),
            _ => panic!("the walk did not choose n1, so it answers for it"),
        }
        // A walk that read more than rooms stands for no one.
        walks.clear();
        walks.lookup(&key, n1, &first);
        walks.lookup(&key, n1, &first);
        walks.keep(&key, &first, packer::QuickProbe::AllOnExisting, None);
        assert!(matches!(walks.lookup(&key, n3, &first), Lookup::Own));
    }
}
