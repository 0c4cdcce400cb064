//! Bin-centric heuristics (Panigrahy, Talwar, Uyeda, Wieder 2011; Mommessin et al. 2025's
//! BCS-DP1-Avg-Dyn and BCS-L2Norm-Avg-Dyn): keep one bin open and repeatedly add the item
//! that scores best against its residual capacity; open a new bin when nothing fits.
//! Identical items are grouped, so one placement costs O(item types × dimensions).

use super::Packing;
use super::greedy::{Context, fits};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Score {
    /// Maximise Σ_d w_d · x_d · r_d with average dynamic weights.
    DotProduct,
    /// The same with unit weights.
    DotProductUnit,
    /// Minimise Σ_d w_d · (r_d − x_d)² with average dynamic weights.
    L2,
    /// L2 with unit weights.
    L2Unit,
    /// DotProduct normalised by the lengths of both vectors (alignment only).
    Cosine,
    /// DotProduct with exponential weights exp(ε·avg), ε = 10 (Panigrahy's ExpSum).
    DotProductExp,
}

struct Groups {
    demand: Vec<Vec<u64>>,
    items: Vec<Vec<u32>>,
}

fn group_items(ctx: &Context<'_>) -> Groups {
    let p = ctx.problem;
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p.item(b).cmp(p.item(a)).then(a.cmp(&b)));
    let mut g = Groups {
        demand: Vec::new(),
        items: Vec::new(),
    };
    for i in order {
        if g.demand.last().is_some_and(|d| d.as_slice() == p.item(i)) {
            if let Some(last) = g.items.last_mut() {
                last.push(i as u32);
            }
        } else {
            g.demand.push(p.item(i).to_vec());
            g.items.push(vec![i as u32]);
        }
    }
    // Pop from the back keeps the lowest index for last: reverse for index order.
    for v in &mut g.items {
        v.reverse();
    }
    g
}

/// Average normalised demand per dimension over the remaining items.
fn weights(ctx: &Context<'_>, g: &Groups, score: Score) -> Vec<f64> {
    if matches!(score, Score::DotProductUnit | Score::L2Unit) {
        return vec![1.0; ctx.dims];
    }
    let mut w = vec![0.0; ctx.dims];
    let mut n = 0usize;
    for (k, d) in g.demand.iter().enumerate() {
        let c = g.items[k].len();
        if c == 0 {
            continue;
        }
        n += c;
        for (dim, wd) in w.iter_mut().enumerate() {
            *wd += ctx.norm(d, dim) * c as f64;
        }
    }
    if n > 0 {
        for wd in &mut w {
            *wd /= n as f64;
        }
    }
    if score == Score::DotProductExp {
        for wd in &mut w {
            *wd = (10.0 * *wd).exp();
        }
    }
    w
}

/// Fills one bin of type `t` from the remaining groups without committing; returns the
/// chosen group per step.
fn fill(
    ctx: &Context<'_>,
    g: &Groups,
    t: usize,
    score: Score,
    w: &[f64],
) -> (Vec<usize>, Vec<u64>) {
    let cap = ctx.capacity(t);
    let mut load = vec![0u64; ctx.dims];
    let mut left: Vec<usize> = g.items.iter().map(Vec::len).collect();
    let mut picks = Vec::new();
    loop {
        let mut best: Option<(f64, usize)> = None;
        for (k, d) in g.demand.iter().enumerate() {
            if left[k] == 0 || !fits(cap, &load, d) {
                continue;
            }
            let mut s = 0.0;
            let (mut xx, mut rr) = (0.0, 0.0);
            for dim in 0..ctx.dims {
                let r = (cap[dim] - load[dim]) as f64 * ctx.scale[dim];
                let x = ctx.norm(d, dim);
                xx += x * x;
                rr += r * r;
                s += match score {
                    Score::DotProduct
                    | Score::DotProductUnit
                    | Score::DotProductExp
                    | Score::Cosine => w[dim] * x * r,
                    Score::L2 | Score::L2Unit => -(w[dim] * (r - x) * (r - x)),
                };
            }
            if score == Score::Cosine {
                s /= (xx * rr).sqrt().max(1e-12);
            }
            if best.is_none_or(|(bs, _)| s > bs) {
                best = Some((s, k));
            }
        }
        let Some((_, k)) = best else { break };
        left[k] -= 1;
        for dim in 0..ctx.dims {
            load[dim] += g.demand[k][dim];
        }
        picks.push(k);
    }
    (picks, load)
}

pub(crate) fn pack(ctx: &Context<'_>, score: Score, cost_aware: bool) -> Packing {
    let mut g = group_items(ctx);
    let mut bins: Vec<(usize, Vec<u32>, Vec<u64>)> = Vec::new();
    let mut unpacked = Vec::new();
    // Items no type can hold are set aside first.
    for k in 0..g.demand.len() {
        if ctx.type_for_new_bin(&g.demand[k]).is_none() {
            unpacked.append(&mut g.items[k]);
        }
    }
    while let Some(first) = (0..g.demand.len()).find(|&k| !g.items[k].is_empty()) {
        let w = weights(ctx, &g, score);
        let candidates: Vec<usize> = if cost_aware {
            ctx.by_price.clone()
        } else {
            let mut v = vec![ctx.open_type];
            if let Some(t) = ctx.type_for_new_bin(&g.demand[first]) {
                v.push(t);
            }
            v
        };
        let mut best: Option<(f64, usize, Vec<usize>, Vec<u64>)> = None;
        for t in candidates {
            let (picks, load) = fill(ctx, &g, t, score, &w);
            if picks.is_empty() {
                continue;
            }
            // Cost per packed (weighted, normalised) demand; without cost awareness the
            // first candidate that packs anything wins.
            let packed: f64 = (0..ctx.dims)
                .map(|d| load[d] as f64 * ctx.scale[d] * w[d].max(1e-9))
                .sum();
            let price = ctx.problem.bin_types[t].price as f64;
            let key = if cost_aware {
                price / packed.max(1e-12)
            } else {
                0.0
            };
            if best.as_ref().is_none_or(|(bk, ..)| key < *bk) {
                best = Some((key, t, picks, load));
            }
            if !cost_aware {
                break;
            }
        }
        let Some((_, t, picks, load)) = best else {
            // Nothing fits any candidate: cannot happen after the set-aside above, but
            // never loop forever on bad input.
            for k in 0..g.demand.len() {
                unpacked.append(&mut g.items[k]);
            }
            break;
        };
        let mut items = Vec::with_capacity(picks.len());
        for k in picks {
            if let Some(i) = g.items[k].pop() {
                items.push(i);
            }
        }
        bins.push((t, items, load));
    }
    ctx.finish(bins, unpacked)
}
