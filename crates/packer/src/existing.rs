//! Existing nodes as first-fit bins: a max-tree over free capacity in Karpenter's node
//! order (initialized first, then by name: `scheduler.go: sortExistingNodes`), so a pod
//! finds the first node with room in O(log n) instead of scanning every node.

use model::resources::Resources;

/// A segment tree whose internal nodes hold the component-wise maximum of their leaves.
/// Exact in one dimension, a safe filter in several: the search backtracks when a
/// subtree's maxima come from different leaves.
#[derive(Debug, Clone)]
pub(crate) struct MaxTree {
    size: usize,
    len: usize,
    nodes: Vec<Resources>,
}

impl MaxTree {
    pub fn new(values: &[Resources]) -> MaxTree {
        let size = values.len().next_power_of_two().max(1);
        let mut nodes = vec![Resources::ZERO; 2 * size];
        nodes[size..size + values.len()].copy_from_slice(values);
        for i in (1..size).rev() {
            nodes[i] = nodes[2 * i].max(&nodes[2 * i + 1]);
        }
        MaxTree {
            size,
            len: values.len(),
            nodes,
        }
    }

    pub fn get(&self, i: usize) -> Resources {
        self.nodes[self.size + i]
    }

    pub fn set(&mut self, i: usize, v: Resources) {
        let mut n = self.size + i;
        self.nodes[n] = v;
        while n > 1 {
            n /= 2;
            self.nodes[n] = self.nodes[2 * n].max(&self.nodes[2 * n + 1]);
        }
    }

    /// The lowest index whose value covers `demand` and that `accept` agrees to.
    pub fn find_first(
        &self,
        demand: &Resources,
        stack: &mut Vec<usize>,
        mut accept: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        stack.clear();
        stack.push(1);
        while let Some(n) = stack.pop() {
            if !demand.fits_in(&self.nodes[n]) {
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
}
