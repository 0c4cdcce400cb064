//! The improvement step: repeatedly try to empty the bin that is cheapest to remove
//! (lowest normalised load) by moving its items into other bins, best fit first. An item
//! that fits nowhere may swap with a smaller item of another bin if that smaller item then
//! fits elsewhere (an ejection chain of depth one). A deterministic budget bounds the
//! number of attempts.

use super::Packing;
use super::greedy::{Context, fits};

fn load_of(ctx: &Context<'_>, items: &[u32]) -> Vec<u64> {
    let mut l = vec![0u64; ctx.dims];
    for &i in items {
        for (a, x) in l.iter_mut().zip(ctx.problem.item(i as usize)) {
            *a = a.saturating_add(*x);
        }
    }
    l
}

pub(crate) fn improve(ctx: &Context<'_>, mut p: Packing, budget: usize) -> Packing {
    let mut loads: Vec<Vec<u64>> = p.bins.iter().map(|b| load_of(ctx, &b.items)).collect();
    let fill = |ctx: &Context<'_>, t: usize, l: &[u64]| -> f64 {
        let cap = ctx.capacity(t);
        (0..ctx.dims)
            .map(|d| {
                if cap[d] == 0 {
                    0.0
                } else {
                    l[d] as f64 / cap[d] as f64
                }
            })
            .sum::<f64>()
    };
    let mut tried = vec![false; p.bins.len()];
    let mut attempts = 0;
    while attempts < budget {
        // The untried bin with the lowest fill, ties to the highest index.
        let Some(victim) = (0..p.bins.len()).filter(|&b| !tried[b]).min_by(|&a, &b| {
            fill(ctx, p.bins[a].bin_type, &loads[a])
                .total_cmp(&fill(ctx, p.bins[b].bin_type, &loads[b]))
                .then(b.cmp(&a))
        }) else {
            break;
        };
        attempts += 1;
        tried[victim] = true;
        // Tentatively move every item (largest first) to the best-fitting other bin.
        let mut items = p.bins[victim].items.clone();
        items.sort_by(|&a, &b| {
            ctx.problem
                .item(b as usize)
                .cmp(ctx.problem.item(a as usize))
        });
        let mut trial = loads.clone();
        let mut moves: Vec<(u32, usize)> = Vec::with_capacity(items.len());
        // (item in, bin, item out, bin the item out goes to)
        let mut swaps: Vec<(u32, usize, u32, usize)> = Vec::new();
        let mut ok = true;
        for &i in &items {
            let item = ctx.problem.item(i as usize);
            let mut best: Option<(f64, usize)> = None;
            for (b, bin) in p.bins.iter().enumerate() {
                if b == victim {
                    continue;
                }
                let cap = ctx.capacity(bin.bin_type);
                if !fits(cap, &trial[b], item) {
                    continue;
                }
                let slack: f64 = (0..ctx.dims)
                    .map(|d| (cap[d] - trial[b][d] - item[d]) as f64 * ctx.scale[d])
                    .sum();
                if best.is_none_or(|(s, _)| slack < s) {
                    best = Some((slack, b));
                }
            }
            match best {
                Some((_, b)) => {
                    for d in 0..ctx.dims {
                        trial[b][d] += item[d];
                    }
                    moves.push((i, b));
                }
                None => match swap(ctx, &p, victim, &mut trial, &mut swaps, i) {
                    true => {}
                    false => {
                        ok = false;
                        break;
                    }
                },
            }
        }
        if !ok {
            continue;
        }
        for (i, b) in moves {
            p.bins[b].items.push(i);
        }
        for (i, c, j, d) in swaps {
            if let Some(pos) = p.bins[c].items.iter().position(|&x| x == j) {
                p.bins[c].items.swap_remove(pos);
            }
            p.bins[c].items.push(i);
            p.bins[d].items.push(j);
        }
        loads = trial;
        p.bins.remove(victim);
        loads.remove(victim);
        tried = vec![false; p.bins.len()];
    }
    // Re-downsize after moves.
    for (b, bin) in p.bins.iter_mut().enumerate() {
        bin.bin_type = ctx.downsize(&loads[b], bin.bin_type);
    }
    p
}

fn norm_sum(ctx: &Context<'_>, item: &[u64]) -> f64 {
    (0..ctx.dims).map(|d| ctx.norm(item, d)).sum()
}

/// Places item `i` (from the victim) into some bin `c` in place of a smaller item `j`
/// that then fits directly into a third bin. Updates `trial` loads; records the swap.
/// Items already moved by earlier swaps of this attempt are left alone.
fn swap(
    ctx: &Context<'_>,
    p: &Packing,
    victim: usize,
    trial: &mut [Vec<u64>],
    swaps: &mut Vec<(u32, usize, u32, usize)>,
    i: u32,
) -> bool {
    let item = ctx.problem.item(i as usize);
    let size = norm_sum(ctx, item);
    for (c, bin) in p.bins.iter().enumerate() {
        if c == victim {
            continue;
        }
        let cap_c = ctx.capacity(bin.bin_type);
        for &j in &bin.items {
            if swaps.iter().any(|s| s.2 == j) {
                continue;
            }
            let other = ctx.problem.item(j as usize);
            if norm_sum(ctx, other) >= size {
                continue;
            }
            // C − j + i must fit.
            let fits_c = (0..ctx.dims).all(|d| {
                (trial[c][d] - other[d])
                    .checked_add(item[d])
                    .is_some_and(|s| s <= cap_c[d])
            });
            if !fits_c {
                continue;
            }
            for (dd, bd) in p.bins.iter().enumerate() {
                if dd == victim || dd == c {
                    continue;
                }
                if fits(ctx.capacity(bd.bin_type), &trial[dd], other) {
                    for k in 0..ctx.dims {
                        trial[c][k] = trial[c][k] - other[k] + item[k];
                        trial[dd][k] += other[k];
                    }
                    swaps.push((i, c, j, dd));
                    return true;
                }
            }
        }
    }
    false
}
