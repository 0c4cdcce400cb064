//! A topology view's answer for one pod, over numbered domains. kube-scheduler asks it
//! of every schedulable node for every pending pod it places; asking the view itself
//! looks each node's label up by key and each domain up by name. A node's labels never
//! change, so its domain for a key is numbered once ([`NodeDomains`]), and the view's
//! blocked and full domains are numbered once per pod ([`Plan`]).

use std::collections::BTreeMap;

use model::labels::Labels;

/// A node's domain not looked up yet.
const UNKNOWN: u32 = u32::MAX;
/// A node without the label.
const ABSENT: u32 = u32::MAX - 1;

/// Node label values numbered per key, filled in as views ask.
#[derive(Debug, Default)]
pub struct NodeDomains {
    ids: BTreeMap<String, u32>,
    /// Per key asked: the key, and per node index its value's number (or
    /// [`UNKNOWN`], [`ABSENT`]).
    keys: Vec<(String, Vec<u32>)>,
}

impl NodeDomains {
    fn key(&mut self, key: &str) -> usize {
        match self.keys.iter().position(|(k, _)| k == key) {
            Some(k) => k,
            None => {
                self.keys.push((key.to_string(), Vec::new()));
                self.keys.len() - 1
            }
        }
    }

    fn id(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.ids.len()).unwrap_or(ABSENT - 1);
        self.ids.insert(value.to_string(), id);
        id
    }

    /// The domain for key number `k` of node index `i` with `labels`, `None` without
    /// the label.
    fn of(&mut self, k: usize, i: usize, labels: &Labels) -> Option<u32> {
        let known = self.keys[k].1.get(i).copied().unwrap_or(UNKNOWN);
        let id = if known == UNKNOWN {
            let id = match labels.get(&self.keys[k].0) {
                Some(value) => self.id(value),
                None => ABSENT,
            };
            let ids = &mut self.keys[k].1;
            if ids.len() <= i {
                ids.resize(i + 1, UNKNOWN);
            }
            ids[i] = id;
            id
        } else {
            known
        };
        (id != ABSENT).then_some(id)
    }
}

/// What a view allows, for one pod: per term, the domains a node must not be in.
#[derive(Debug, Default)]
pub struct Plan {
    terms: Vec<Term>,
    /// Where the view it answers for is kept (`ViewCache`), for cross-checks.
    pub(crate) view: Option<usize>,
}

#[derive(Debug)]
struct Term {
    key: usize,
    /// A node without the label is refused (spread), or not concerned (anti-affinity).
    needs_label: bool,
    /// Every domain is refused (a spread with no room anywhere).
    all_refused: bool,
    refused: Vec<u32>,
}

impl Plan {
    /// Adds a required anti-affinity term on `key`: the domains in `blocked` hold a
    /// matching pod.
    pub(crate) fn block<'d>(
        &mut self,
        domains: &mut NodeDomains,
        key: &str,
        blocked: impl Iterator<Item = &'d str>,
    ) {
        self.push(domains, key, blocked, false, false);
    }

    /// Adds a DoNotSchedule spread on `key`: `full` are the counted domains with no room
    /// left under the skew, and with `none_free` every domain is full (counted or not).
    pub(crate) fn spread<'d>(
        &mut self,
        domains: &mut NodeDomains,
        key: &str,
        full: impl Iterator<Item = &'d str>,
        none_free: bool,
    ) {
        self.push(domains, key, full, true, none_free);
    }

    fn push<'d>(
        &mut self,
        domains: &mut NodeDomains,
        key: &str,
        refused: impl Iterator<Item = &'d str>,
        needs_label: bool,
        all_refused: bool,
    ) {
        let key = domains.key(key);
        let refused = refused.map(|d| domains.id(d)).collect();
        self.terms.push(Term {
            key,
            needs_label,
            all_refused,
            refused,
        });
    }

    /// Whether the view allows a pod on node index `i` with `labels` (the view's
    /// `allows`).
    pub fn allows(&self, i: usize, labels: &Labels, domains: &mut NodeDomains) -> bool {
        self.terms
            .iter()
            .all(|t| match domains.of(t.key, i, labels) {
                None => !t.needs_label,
                Some(d) => !t.all_refused && !t.refused.contains(&d),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(zone: Option<&str>) -> Labels {
        let mut l = Labels::new();
        l.insert("kubernetes.io/os".into(), "linux".into());
        if let Some(z) = zone {
            l.insert("zone".into(), z.into());
        }
        l
    }

    /// A spread refuses nodes without the key and in full domains; an anti-affinity
    /// term refuses only nodes in its blocked domains. Answers are kept per node, so
    /// each node is asked twice.
    #[test]
    fn terms_refuse_their_domains_and_spread_needs_the_label() {
        let nodes = [labels(Some("a")), labels(Some("b")), labels(None)];
        let mut domains = NodeDomains::default();
        let mut spread = Plan::default();
        spread.spread(&mut domains, "zone", ["a"].into_iter(), false);
        let mut block = Plan::default();
        block.block(&mut domains, "zone", ["b"].into_iter());
        let mut none_free = Plan::default();
        none_free.spread(&mut domains, "zone", std::iter::empty(), true);
        for _ in 0..2 {
            let ask = |plan: &Plan, domains: &mut NodeDomains| -> Vec<bool> {
                (0..nodes.len())
                    .map(|i| plan.allows(i, &nodes[i], domains))
                    .collect()
            };
            assert_eq!(ask(&spread, &mut domains), [false, true, false]);
            assert_eq!(ask(&block, &mut domains), [true, false, true]);
            assert_eq!(ask(&none_free, &mut domains), [false, false, false]);
            assert!(Plan::default().allows(2, &nodes[2], &mut domains));
        }
    }
}
