//! A growable max-tree over bins' residual capacity vectors (any number of dimensions),
//! so first fit finds the lowest-index bin with room without scanning every open bin
//! (`bin-packing.md` §6.2 item 5). Exact in one dimension, a safe filter in several:
//! a subtree whose maxima come from different bins is searched and may not fit. With
//! many distinct item shapes that backtracking dominates (see docs/performance.md);
//! with grouped shapes each query places many copies.

#[derive(Debug, Clone)]
pub(crate) struct ResidualTree {
    dims: usize,
    size: usize,
    len: usize,
    /// Node `n` occupies `data[n*dims..(n+1)*dims]`; leaves start at `size`.
    data: Vec<u64>,
    stack: Vec<usize>,
}

impl ResidualTree {
    pub fn new(dims: usize) -> ResidualTree {
        ResidualTree {
            dims,
            size: 1,
            len: 0,
            data: vec![0; 2 * dims],
            stack: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    fn node(&self, n: usize) -> &[u64] {
        &self.data[n * self.dims..(n + 1) * self.dims]
    }

    fn pull(&mut self, n: usize) {
        let d = self.dims;
        for k in 0..d {
            let a = self.data[2 * n * d + k];
            let b = self.data[(2 * n + 1) * d + k];
            self.data[n * d + k] = a.max(b);
        }
    }

    pub fn push(&mut self, residual: &[u64]) -> usize {
        if self.len == self.size {
            let d = self.dims;
            let old: Vec<u64> = self.data[self.size * d..(self.size + self.len) * d].to_vec();
            self.size *= 2;
            self.data = vec![0; 2 * self.size * d];
            self.data[self.size * d..self.size * d + old.len()].copy_from_slice(&old);
            for n in (1..self.size).rev() {
                self.pull(n);
            }
        }
        let i = self.len;
        self.len += 1;
        self.set(i, residual);
        i
    }

    pub fn set(&mut self, i: usize, residual: &[u64]) {
        let d = self.dims;
        let mut n = self.size + i;
        self.data[n * d..(n + 1) * d].copy_from_slice(residual);
        while n > 1 {
            n /= 2;
            self.pull(n);
        }
    }

    pub fn get(&self, i: usize) -> &[u64] {
        self.node(self.size + i)
    }

    /// Lowest-index bin whose residual covers `demand`.
    #[cfg(test)]
    pub fn first_fit(&mut self, demand: &[u64]) -> Option<usize> {
        self.first_fit_from(demand, 0)
    }

    /// Lowest index `≥ start` whose residual covers `demand`. Callers that know no
    /// earlier bin fits (a run of identical items) skip the full left part of the tree.
    pub fn first_fit_from(&mut self, demand: &[u64], start: usize) -> Option<usize> {
        if self.len == 0 || start >= self.len {
            return None;
        }
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push(1);
        let mut found = None;
        while let Some(n) = stack.pop() {
            // Leaves below node n: [lo, lo + span).
            let level = usize::BITS - 1 - n.leading_zeros();
            let span = self.size >> level;
            let lo = (n - (1 << level)) * span;
            if lo + span <= start || !demand.iter().zip(self.node(n)).all(|(a, b)| a <= b) {
                continue;
            }
            if n >= self.size {
                let i = n - self.size;
                if i < self.len {
                    found = Some(i);
                    break;
                }
                continue;
            }
            stack.push(2 * n + 1);
            stack.push(2 * n);
        }
        self.stack = stack;
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_fit_matches_a_scan() {
        let mut rng = crate::testing::SplitMix64(5);
        let mut t = ResidualTree::new(3);
        let mut plain: Vec<Vec<u64>> = Vec::new();
        for _ in 0..300 {
            let r: Vec<u64> = (0..3).map(|_| rng.below(100)).collect();
            t.push(&r);
            plain.push(r);
        }
        for _ in 0..2_000 {
            let d: Vec<u64> = (0..3).map(|_| rng.below(60)).collect();
            let want = plain
                .iter()
                .position(|r| r.iter().zip(&d).all(|(a, b)| a >= b));
            assert_eq!(t.first_fit(&d), want);
            if let Some(i) = want {
                let r: Vec<u64> = plain[i].iter().zip(&d).map(|(a, b)| a - b).collect();
                t.set(i, &r);
                plain[i] = r;
            }
        }
    }
}
