//! Item-centric heuristics: first/best/worst fit decreasing and Karpenter's rule.

use std::collections::BTreeSet;

use super::tree::ResidualTree;
use super::{Bin, Packing, Problem};

/// Precomputed facts about a problem shared by all heuristics.
pub(crate) struct Context<'p> {
    pub problem: &'p Problem,
    pub dims: usize,
    /// 1 / the largest capacity per dimension, to make dimensions comparable.
    pub scale: Vec<f64>,
    /// The type new bins open with: the largest by normalised capacity (ties: cheaper).
    pub open_type: usize,
    /// Types not dominated (≥ capacity everywhere at ≤ price) by another, cheapest first.
    pub by_price: Vec<usize>,
}

/// True if `cap` is at least `need` in every dimension.
#[inline]
pub(crate) fn covers(cap: &[u64], need: &[u64]) -> bool {
    cap.iter().zip(need).all(|(c, n)| n <= c)
}

#[inline]
pub(crate) fn fits(cap: &[u64], load: &[u64], item: &[u64]) -> bool {
    cap.iter()
        .zip(load)
        .zip(item)
        .all(|((c, l), x)| l.checked_add(*x).is_some_and(|s| s <= *c))
}

impl<'p> Context<'p> {
    pub fn new(problem: &'p Problem) -> Context<'p> {
        let dims = problem.dims;
        let types = &problem.bin_types;
        let scale: Vec<f64> = (0..dims)
            .map(|d| {
                let m = types.iter().map(|t| t.capacity[d]).max().unwrap_or(0);
                if m == 0 { 0.0 } else { 1.0 / m as f64 }
            })
            .collect();
        let size = |t: usize| -> f64 {
            (0..dims)
                .map(|d| types[t].capacity[d] as f64 * scale[d])
                .sum()
        };
        let open_type = (0..types.len())
            .max_by(|&a, &b| {
                size(a)
                    .total_cmp(&size(b))
                    .then(types[b].price.cmp(&types[a].price))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0);
        let mut by_price: Vec<usize> = (0..types.len())
            .filter(|&t| {
                !(0..types.len()).any(|u| {
                    u != t
                        && types[u].price <= types[t].price
                        && (0..dims).all(|d| types[u].capacity[d] >= types[t].capacity[d])
                        && (types[u].price < types[t].price
                            || (0..dims).any(|d| types[u].capacity[d] > types[t].capacity[d])
                            || u < t)
                })
            })
            .collect();
        by_price.sort_by_key(|&t| (types[t].price, t));
        Context {
            problem,
            dims,
            scale,
            open_type,
            by_price,
        }
    }

    pub fn capacity(&self, t: usize) -> &[u64] {
        &self.problem.bin_types[t].capacity
    }

    /// The type a new bin for `item` opens with: the open type if the item fits it,
    /// else the cheapest type that holds it.
    pub fn type_for_new_bin(&self, item: &[u64]) -> Option<usize> {
        if covers(self.capacity(self.open_type), item) {
            return Some(self.open_type);
        }
        self.by_price
            .iter()
            .copied()
            .find(|&t| covers(self.capacity(t), item))
    }

    /// The cheapest type that holds `load`, or `current` if none is cheaper.
    pub fn downsize(&self, load: &[u64], current: usize) -> usize {
        if self.by_price.len() <= 1 {
            return current;
        }
        let price = self.problem.bin_types[current].price;
        self.by_price
            .iter()
            .copied()
            .take_while(|&t| self.problem.bin_types[t].price < price)
            .find(|&t| covers(self.capacity(t), load))
            .unwrap_or(current)
    }

    #[inline]
    pub fn norm(&self, item: &[u64], d: usize) -> f64 {
        item[d] as f64 * self.scale[d]
    }

    /// Builds the result, downsizing every bin to the cheapest type that holds it.
    pub fn finish(&self, bins: Vec<(usize, Vec<u32>, Vec<u64>)>, unpacked: Vec<u32>) -> Packing {
        Packing {
            bins: bins
                .into_iter()
                .map(|(t, items, load)| Bin {
                    bin_type: self.downsize(&load, t),
                    items,
                })
                .collect(),
            unpacked,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum SortKey {
    Sum,
    Max,
    L2,
}

fn sorted_items(ctx: &Context<'_>, key: SortKey) -> Vec<usize> {
    let p = ctx.problem;
    // Sort on a compact composite key: the size key (descending; the bits of a
    // non-negative f64 order like the number), then a fingerprint of the demand vector so
    // identical items end up adjacent, then the index. A fingerprint collision only splits
    // or merges runs differently; the order stays total and deterministic.
    let mut keyed: Vec<(u64, u64, u32)> = (0..p.len())
        .map(|i| {
            let it = p.item(i);
            let xs = (0..ctx.dims).map(|d| ctx.norm(it, d));
            let k = match key {
                SortKey::Sum => xs.sum(),
                SortKey::Max => xs.fold(0.0, f64::max),
                SortKey::L2 => xs.map(|x| x * x).sum::<f64>(),
            };
            let mut h = 0x9E37_79B9_7F4A_7C15u64;
            for &x in it {
                h = (h ^ x).wrapping_mul(0xBF58_476D_1CE4_E5B9).rotate_left(27);
            }
            (!k.max(0.0).to_bits(), h, i as u32)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, _, i)| i as usize).collect()
}

/// First fit decreasing; the open bins are indexed by residual capacity. Identical items
/// are consecutive in the order (ties broken by shape), and a run of them places as many
/// copies as fit into each first-fit bin at once, which is exactly what placing them one
/// by one would do: a bin that cannot take one more copy never can again.
pub(crate) fn first_fit_decreasing(ctx: &Context<'_>, key: SortKey) -> Packing {
    let p = ctx.problem;
    let order = sorted_items(ctx, key);
    let mut tree = ResidualTree::new(ctx.dims);
    let mut bins: Vec<(usize, Vec<u32>, Vec<u64>)> = Vec::new();
    let mut unpacked = Vec::new();
    let mut residual = vec![0u64; ctx.dims];
    let mut pos = 0;
    while pos < order.len() {
        let item = p.item(order[pos]);
        let mut run_end = pos + 1;
        while run_end < order.len() && p.item(order[run_end]) == item {
            run_end += 1;
        }
        // Bins before the last one used for this run cannot take another copy.
        let mut start = 0;
        while pos < run_end {
            let b = match tree.first_fit_from(item, start) {
                Some(b) => b,
                None => match ctx.type_for_new_bin(item) {
                    Some(t) => {
                        bins.push((t, Vec::new(), vec![0; ctx.dims]));
                        tree.push(ctx.capacity(t))
                    }
                    None => {
                        unpacked.extend(order[pos..run_end].iter().map(|&i| i as u32));
                        pos = run_end;
                        break;
                    }
                },
            };
            // How many copies fit: min over dimensions of residual / demand.
            let r = tree.get(b);
            let copies = (0..ctx.dims)
                .filter(|&d| item[d] > 0)
                .map(|d| r[d] / item[d])
                .min()
                .unwrap_or(u64::MAX)
                .max(1)
                .min((run_end - pos) as u64) as usize;
            let bin = &mut bins[b];
            for &i in &order[pos..pos + copies] {
                bin.1.push(i as u32);
            }
            for d in 0..ctx.dims {
                let add = item[d] * copies as u64;
                bin.2[d] += add;
                residual[d] = r[d] - add;
            }
            tree.set(b, &residual);
            pos += copies;
            start = b;
        }
    }
    debug_assert_eq!(tree.len(), bins.len());
    ctx.finish(bins, unpacked)
}

/// Best fit (`best = true`: least slack left) or worst fit (most slack) decreasing by
/// the sum key. Scans the open bins.
pub(crate) fn fit_decreasing_by_slack(ctx: &Context<'_>, best: bool) -> Packing {
    let p = ctx.problem;
    let order = sorted_items(ctx, SortKey::Sum);
    let mut bins: Vec<(usize, Vec<u32>, Vec<u64>)> = Vec::new();
    let mut unpacked = Vec::new();
    for i in order {
        let item = p.item(i);
        let mut choice: Option<(f64, usize)> = None;
        for (b, (t, _, load)) in bins.iter().enumerate() {
            let cap = ctx.capacity(*t);
            if !fits(cap, load, item) {
                continue;
            }
            let slack: f64 = (0..ctx.dims)
                .map(|d| (cap[d] - load[d] - item[d]) as f64 * ctx.scale[d])
                .sum();
            let better = match choice {
                None => true,
                Some((s, _)) => {
                    if best {
                        slack < s
                    } else {
                        slack > s
                    }
                }
            };
            if better {
                choice = Some((slack, b));
            }
        }
        let b = match choice {
            Some((_, b)) => b,
            None => match ctx.type_for_new_bin(item) {
                Some(t) => {
                    bins.push((t, Vec::new(), vec![0; ctx.dims]));
                    bins.len() - 1
                }
                None => {
                    unpacked.push(i as u32);
                    continue;
                }
            },
        };
        bins[b].1.push(i as u32);
        for d in 0..ctx.dims {
            bins[b].2[d] += item[d];
        }
    }
    ctx.finish(bins, unpacked)
}

/// Karpenter's rule on plain vectors (`scheduler.go`): lexicographic decreasing order,
/// open bins tried fewest items first, a bin accepts an item while *any* type holds the
/// total (elastic), and each bin is downsized to the cheapest type that holds it.
pub(crate) fn karpenter(ctx: &Context<'_>) -> Packing {
    let p = ctx.problem;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p.item(b).cmp(p.item(a)).then(a.cmp(&b)));
    let mut bins: Vec<(usize, Vec<u32>, Vec<u64>)> = Vec::new();
    let mut by_count: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut unpacked = Vec::new();
    let fits_any = |load: &[u64], item: &[u64]| -> Option<usize> {
        ctx.by_price
            .iter()
            .copied()
            .find(|&t| fits(ctx.capacity(t), load, item))
    };
    let zero = vec![0u64; ctx.dims];
    for i in order {
        let item = p.item(i);
        let chosen = by_count
            .iter()
            .find(|(_, b)| fits_any(&bins[*b].2, item).is_some())
            .copied();
        let b = match chosen {
            Some((n, b)) => {
                by_count.remove(&(n, b));
                by_count.insert((n + 1, b));
                b
            }
            None => match fits_any(&zero, item) {
                Some(_) => {
                    bins.push((ctx.open_type, Vec::new(), vec![0; ctx.dims]));
                    by_count.insert((1, bins.len() - 1));
                    bins.len() - 1
                }
                None => {
                    unpacked.push(i as u32);
                    continue;
                }
            },
        };
        bins[b].1.push(i as u32);
        for d in 0..ctx.dims {
            bins[b].2[d] += item[d];
        }
    }
    // Elastic bins: the type is the cheapest that holds the final load.
    let bins = bins
        .into_iter()
        .map(|(_, items, load)| {
            let t = fits_any(&load, &zero).unwrap_or(ctx.open_type);
            (t, items, load)
        })
        .collect();
    ctx.finish(bins, unpacked)
}
