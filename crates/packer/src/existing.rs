//! Existing nodes as first-fit bins: a max-tree over free capacity in Karpenter's node
//! order (initialized first, then by name: `scheduler.go: sortExistingNodes`), so a pod
//! finds the first node with room in O(log n) instead of scanning every node.

use model::resources::Resources;

/// A segment tree whose internal nodes hold the component-wise maximum of their leaves.
/// Exact in one dimension, a safe filter in several: the search backtracks when a
/// subtree's maxima come from different leaves (spare CPU on one node, spare memory on
/// another). To cut that, each tree node also holds, for a few memory-per-CPU ratios r,
/// the maximum over its leaves of min(cpu · r, memory): a leaf that fits a pod has at
/// least the pod's own value of that, and for a pod whose ratio is r the test is exact in
/// CPU and memory together.
/// `Default` is an empty tree that allocates nothing, to stand in while a solve borrows
/// the real one.
#[derive(Debug, Clone, Default)]
pub(crate) struct MaxTree {
    size: usize,
    len: usize,
    nodes: Vec<Resources>,
    ratio_max: Vec<[u64; RATIOS_GIB_PER_VCPU.len()]>,
}

/// The memory-per-CPU ratios the tree summarises (GiB per vCPU: c, m, r families' 2, 4, 8).
const RATIOS_GIB_PER_VCPU: [u64; 4] = [1, 2, 4, 8];

/// min(cpu · r, memory), both scaled by 1,000 (millicores · r GiB ≥ bytes · 1,000).
fn ratio_scores(v: &Resources) -> [u64; RATIOS_GIB_PER_VCPU.len()] {
    let mem = v.memory_bytes().saturating_mul(1_000);
    RATIOS_GIB_PER_VCPU.map(|r| v.cpu_millis().saturating_mul(r << 30).min(mem))
}

/// The ratio closest below the demand's own (or the smallest), and the demand's score.
fn demand_score(d: &Resources) -> (usize, u64) {
    let scores = ratio_scores(d);
    let mem = d.memory_bytes().saturating_mul(1_000);
    let k = RATIOS_GIB_PER_VCPU
        .iter()
        .rposition(|r| d.cpu_millis().saturating_mul(r << 30) <= mem)
        .unwrap_or(0);
    (k, scores[k])
}

fn max_scores(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    [
        a[0].max(b[0]),
        a[1].max(b[1]),
        a[2].max(b[2]),
        a[3].max(b[3]),
    ]
}

impl MaxTree {
    pub fn new(values: &[Resources]) -> MaxTree {
        let size = values.len().next_power_of_two().max(1);
        let mut nodes = vec![Resources::ZERO; 2 * size];
        nodes[size..size + values.len()].copy_from_slice(values);
        let mut ratio_max = vec![[0; 4]; 2 * size];
        for (slot, v) in ratio_max[size..].iter_mut().zip(values) {
            *slot = ratio_scores(v);
        }
        // Level by level, parents [w/2, w) from children [w, 2w), so the loops need no
        // bounds checks (a rebuild runs whenever the cluster's node set changes).
        let mut w = size;
        while w > 1 {
            let (parents, children) = nodes.split_at_mut(w);
            for (p, pair) in parents[w / 2..].iter_mut().zip(children.chunks_exact(2)) {
                *p = pair[0].max(&pair[1]);
            }
            let (parents, children) = ratio_max.split_at_mut(w);
            for (p, pair) in parents[w / 2..].iter_mut().zip(children.chunks_exact(2)) {
                *p = max_scores(&pair[0], &pair[1]);
            }
            w /= 2;
        }
        MaxTree {
            size,
            len: values.len(),
            nodes,
            ratio_max,
        }
    }

    pub fn get(&self, i: usize) -> Resources {
        self.nodes[self.size + i]
    }

    pub fn set(&mut self, i: usize, v: Resources) {
        let mut n = self.size + i;
        self.nodes[n] = v;
        self.ratio_max[n] = ratio_scores(&v);
        while n > 1 {
            n /= 2;
            let value = self.nodes[2 * n].max(&self.nodes[2 * n + 1]);
            let ratio = max_scores(&self.ratio_max[2 * n], &self.ratio_max[2 * n + 1]);
            // Ancestors above an unchanged node are unchanged too.
            if value == self.nodes[n] && ratio == self.ratio_max[n] {
                break;
            }
            self.nodes[n] = value;
            self.ratio_max[n] = ratio;
        }
    }

    /// Whether the tree has room for `len` leaves without growing.
    pub fn holds(&self, len: usize) -> bool {
        len <= self.size && !self.nodes.is_empty()
    }

    /// Replaces the leaves from `start` on with `values[start..]` (the tree then has
    /// `values.len()` leaves, at most its size) and recomputes their ancestors only.
    pub fn rebuild_from(&mut self, start: usize, values: &[Resources]) {
        let end = values.len().max(self.len);
        self.len = values.len();
        if start >= end {
            return;
        }
        for i in start..end {
            let v = values.get(i).copied().unwrap_or(Resources::ZERO);
            self.nodes[self.size + i] = v;
            self.ratio_max[self.size + i] = ratio_scores(&v);
        }
        let (mut lo, mut hi) = ((self.size + start) / 2, (self.size + end - 1) / 2);
        while lo >= 1 {
            for n in lo..=hi {
                self.nodes[n] = self.nodes[2 * n].max(&self.nodes[2 * n + 1]);
                self.ratio_max[n] = max_scores(&self.ratio_max[2 * n], &self.ratio_max[2 * n + 1]);
            }
            if lo == 1 {
                break;
            }
            (lo, hi) = (lo / 2, hi / 2);
        }
    }

    /// The lowest index whose value covers `demand` and that `accept` agrees to.
    pub fn find_first(
        &self,
        demand: &Resources,
        stack: &mut Vec<usize>,
        accept: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        self.find_first_from(0, demand, stack, accept)
    }

    /// [`MaxTree::find_first`] among the indices from `start` on: subtrees wholly before
    /// `start` are not entered (a caller that knows those refuse skips them, which matters
    /// when the tree's values are only upper bounds and `accept` refuses full leaves).
    pub fn find_first_from(
        &self,
        start: usize,
        demand: &Resources,
        stack: &mut Vec<usize>,
        mut accept: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        if start >= self.len {
            return None;
        }
        let (k, score) = demand_score(demand);
        stack.clear();
        stack.push(1);
        while let Some(n) = stack.pop() {
            if self.ratio_max[n][k] < score || !demand.fits_in(&self.nodes[n]) {
                continue;
            }
            // Node n covers leaves [first, first + width): its level's width times its
            // position in the level.
            let level = n.ilog2();
            let width = self.size >> level;
            if (n - (1 << level)) * width + width <= start {
                continue;
            }
            if n >= self.size {
                let i = n - self.size;
                if i < self.len && accept(i) {
                    return Some(i);
                }
                continue;
            }
            stack.push(2 * n + 1);
            stack.push(2 * n);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_first_fitting_leaf() {
        let v = [
            Resources::new(1, 10),
            Resources::new(10, 1),
            Resources::new(5, 5),
            Resources::new(10, 10),
        ];
        let mut t = MaxTree::new(&v);
        let mut stack = Vec::new();
        assert_eq!(
            t.find_first(&Resources::new(4, 4), &mut stack, |_| true),
            Some(2)
        );
        assert_eq!(
            t.find_first(&Resources::new(4, 4), &mut stack, |i| i != 2),
            Some(3)
        );
        t.set(3, Resources::ZERO);
        assert_eq!(
            t.find_first(&Resources::new(6, 6), &mut stack, |_| true),
            None
        );
        assert_eq!(
            t.find_first(&Resources::new(9, 1), &mut stack, |_| true),
            Some(1)
        );
    }

    /// A small deterministic generator: `next(m)` is in `0..m`.
    fn xorshift(mut x: u64) -> impl FnMut(u64) -> u64 {
        move |m| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        }
    }

    #[test]
    fn rebuilding_a_tail_equals_building_afresh() {
        let mut next = xorshift(0x2545_F491_4F6C_DD1Du64);
        for len in 1..40usize {
            let size = len.next_power_of_two();
            let mut v: Vec<Resources> = (0..len)
                .map(|_| Resources::new(next(8_000), next(64) << 29))
                .collect();
            let mut t = MaxTree::new(&v);
            for _ in 0..6 {
                let start = next(len as u64 + 1) as usize;
                // Grow within the tree's size, so a fresh tree has the same shape.
                let new_len = (len + next(3) as usize).min(size).max(start);
                v.resize(new_len, Resources::ZERO);
                for item in v.iter_mut().skip(start) {
                    *item = Resources::new(next(8_000), next(64) << 29);
                }
                t.rebuild_from(start, &v);
                let fresh = MaxTree::new(&v);
                assert_eq!(fresh.size, t.size, "len {len}");
                assert_eq!(t.len, fresh.len);
                assert_eq!(t.nodes, fresh.nodes, "len {len} start {start}");
                assert_eq!(t.ratio_max, fresh.ratio_max);
            }
        }
    }

    #[test]
    fn first_fit_equals_a_scan_after_updates() {
        // Pseudo-random leaves in CPU millicores and memory bytes of realistic sizes, so
        // the ratio summaries prune; the answer must still be the first fitting leaf.
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15u64);
        let gib = 1u64 << 30;
        let mut stack = Vec::new();
        for len in 1..60 {
            let mut v: Vec<Resources> = (0..len)
                .map(|_| Resources::new(next(8_000), next(64) * gib / 2))
                .collect();
            let mut t = MaxTree::new(&v);
            for step in 0..40 {
                let d = Resources::new(next(4_000) + 1, next(16) * gib / 2 + 1);
                let want = (0..len).find(|&i| d.fits_in(&v[i]) && i % 5 != 3);
                assert_eq!(
                    t.find_first(&d, &mut stack, |i| i % 5 != 3),
                    want,
                    "len {len} step {step}"
                );
                let start = next(len as u64 + 1) as usize;
                let want = (start..len).find(|&i| d.fits_in(&v[i]) && i % 5 != 3);
                assert_eq!(
                    t.find_first_from(start, &d, &mut stack, |i| i % 5 != 3),
                    want,
                    "len {len} step {step} from {start}"
                );
                let i = next(len as u64) as usize;
                v[i] = v[i].saturating_sub(&d);
                t.set(i, v[i]);
            }
        }
    }
}
