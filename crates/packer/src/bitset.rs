//! A fixed-width bitset over instance-type indices. Narrowing a claim's options is an
//! AND of a few of these (hot path), so they are plain `u64` words, never hashed sets.
#![allow(dead_code)] // some helpers are only used by tests

/// A set of small integers `0..len`, stored as words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bitset {
    words: Vec<u64>,
}

impl Bitset {
    pub fn empty(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(64)],
        }
    }

    pub fn full(len: usize) -> Bitset {
        let mut b = Bitset::empty(len);
        for i in 0..len {
            b.insert(i);
        }
        b
    }

    #[inline]
    pub fn insert(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    #[inline]
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1 << (i % 64));
    }

    #[inline]
    pub fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    pub fn words(&self) -> &[u64] {
        &self.words
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn and_assign(&mut self, other: &Bitset) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= *b;
        }
    }

    /// The set members in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + b)
            })
        })
    }

    /// The smallest member, if any.
    pub fn first(&self) -> Option<usize> {
        self.words
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }

    /// Writes `self ∧ all of others` into `out` and reports whether it is non-empty.
    /// `out` is caller-owned scratch, so the hot path does not allocate.
    #[inline]
    pub fn and_many_into(&self, others: &[&Bitset], out: &mut Bitset) -> bool {
        out.words.clear();
        out.words.extend_from_slice(&self.words);
        let mut any = 0;
        for (i, w) in out.words.iter_mut().enumerate() {
            for o in others {
                *w &= o.words[i];
            }
            any |= *w;
        }
        any != 0
    }

    /// True if `self ∧ other` is non-empty.
    #[inline]
    pub fn intersects(&self, other: &Bitset) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// True if `self ∧ all of others` is non-empty, without materialising it.
    #[inline]
    pub fn and_many_any(&self, others: &[&Bitset]) -> bool {
        for (i, &w) in self.words.iter().enumerate() {
            let mut w = w;
            for o in others {
                w &= o.words[i];
            }
            if w != 0 {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_ops() {
        let mut a = Bitset::empty(130);
        a.insert(0);
        a.insert(64);
        a.insert(129);
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![0, 64, 129]);
        assert_eq!(a.count(), 3);
        let mut b = Bitset::empty(130);
        b.insert(64);
        let mut out = Bitset::default();
        assert!(a.and_many_into(&[&b], &mut out));
        assert_eq!(out.first(), Some(64));
        assert!(a.and_many_any(&[&b]));
        assert!(!Bitset::empty(130).and_many_any(&[&b]));
        assert_eq!(Bitset::full(70).count(), 70);
    }
}
