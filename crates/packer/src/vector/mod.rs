//! Vector bin packing on plain numbers: items with a demand per dimension and priced bin
//! types with a capacity per dimension. This is where the heuristic portfolio lives
//! (`bin-packing.md` §1.1–1.2): item-centric first/best/worst fit decreasing with several
//! sort keys, the bin-centric DotProduct and L2-norm heuristics of Panigrahy et al., a
//! cost-aware opener for priced catalogues, an improvement step, and `portfolio`.
//!
//! Heterogeneous bins are handled as "pack into the largest type, then downsize each bin
//! to the cheapest type that holds its load" (Friesen–Langston style), which is also how
//! Karpenter's elastic NodeClaims behave.

// Loops here index several parallel per-dimension arrays at once; iterator zips would
// hide which dimension is meant.
#![allow(clippy::needless_range_loop)]

mod bincentric;
mod greedy;
mod improve;
mod tree;

use std::fmt;

use crate::bounds::{PricedCapacity, fluid_bound, identical_bins_bound};
use crate::error::PackerError;

/// A bin type: capacity per dimension and a price (any integer unit, e.g. nano-dollars
/// per hour; 1 for classic bin counting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinType {
    pub name: String,
    pub capacity: Vec<u64>,
    pub price: u64,
}

/// A packing problem. `demands` is row-major: item `i` is `demands[i*dims..(i+1)*dims]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub dims: usize,
    pub demands: Vec<u64>,
    pub bin_types: Vec<BinType>,
}

impl Problem {
    /// Checks shapes; every other function assumes a valid problem.
    pub fn new(
        dims: usize,
        items: &[Vec<u64>],
        bin_types: Vec<BinType>,
    ) -> Result<Problem, PackerError> {
        if dims == 0 {
            return Err(PackerError::NoDimensions);
        }
        if bin_types.is_empty() {
            return Err(PackerError::NoBinTypes);
        }
        for (i, b) in bin_types.iter().enumerate() {
            if b.capacity.len() != dims {
                return Err(PackerError::DimensionMismatch {
                    item: i,
                    expected: dims,
                    found: b.capacity.len(),
                });
            }
        }
        let mut demands = Vec::with_capacity(items.len() * dims);
        for (i, it) in items.iter().enumerate() {
            if it.len() != dims {
                return Err(PackerError::DimensionMismatch {
                    item: i,
                    expected: dims,
                    found: it.len(),
                });
            }
            demands.extend_from_slice(it);
        }
        Ok(Problem {
            dims,
            demands,
            bin_types,
        })
    }

    pub fn len(&self) -> usize {
        self.demands.len() / self.dims
    }

    pub fn is_empty(&self) -> bool {
        self.demands.is_empty()
    }

    #[inline]
    pub fn item(&self, i: usize) -> &[u64] {
        &self.demands[i * self.dims..(i + 1) * self.dims]
    }

    /// Total demand per dimension (saturating).
    pub fn total_demand(&self) -> Vec<u64> {
        let mut t = vec![0u64; self.dims];
        for i in 0..self.len() {
            for (a, x) in t.iter_mut().zip(self.item(i)) {
                *a = a.saturating_add(*x);
            }
        }
        t
    }

    /// The lower bound on cost: the ceiling bound when there is one bin type, else the
    /// fluid LP bound. `None` if some demanded dimension has no capacity anywhere.
    pub fn lower_bound(&self) -> Option<f64> {
        let demand = self.total_demand();
        if let [only] = self.bin_types.as_slice() {
            return identical_bins_bound(&demand, &only.capacity)
                .map(|n| n as f64 * only.price as f64);
        }
        let types: Vec<PricedCapacity> = self
            .bin_types
            .iter()
            .map(|b| PricedCapacity {
                capacity: b.capacity.clone(),
                price: b.price as f64,
            })
            .collect();
        fluid_bound(&demand, &types)
    }
}

/// One open bin: its type and items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin {
    pub bin_type: usize,
    pub items: Vec<u32>,
}

/// A packing: bins, and items no bin type can hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Packing {
    pub bins: Vec<Bin>,
    pub unpacked: Vec<u32>,
}

impl Packing {
    pub fn cost(&self, problem: &Problem) -> u128 {
        self.bins
            .iter()
            .map(|b| u128::from(problem.bin_types[b.bin_type].price))
            .sum()
    }

    /// True if every item appears once and every bin's load fits its type.
    pub fn is_valid(&self, problem: &Problem) -> bool {
        let mut seen = vec![false; problem.len()];
        for i in self
            .bins
            .iter()
            .flat_map(|b| &b.items)
            .chain(&self.unpacked)
        {
            let i = *i as usize;
            if i >= seen.len() || seen[i] {
                return false;
            }
            seen[i] = true;
        }
        seen.iter().all(|s| *s)
            && self.bins.iter().all(|b| {
                let cap = &problem.bin_types[b.bin_type].capacity;
                (0..problem.dims).all(|d| {
                    b.items
                        .iter()
                        .map(|&i| problem.item(i as usize)[d])
                        .fold(0u64, u64::saturating_add)
                        <= cap[d]
                })
            })
    }
}

/// A heuristic of the portfolio, selectable by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Heuristic {
    /// Karpenter's rule on plain vectors: lexicographic (first dimension, then second…)
    /// decreasing order, open bins tried fewest items first, elastic bin types.
    Karpenter,
    /// First fit decreasing by the sum of capacity-normalised demands.
    FfdSum,
    /// First fit decreasing by the largest normalised demand.
    FfdMax,
    /// First fit decreasing by the L2 norm of normalised demands.
    FfdL2,
    /// Best fit decreasing (sum key): the feasible bin with the least normalised slack.
    Bfd,
    /// Worst fit decreasing (sum key): the feasible bin with the most normalised slack.
    WorstFit,
    /// Bin-centric DotProduct with average, dynamically recomputed weights (Panigrahy).
    DotProduct,
    /// Bin-centric L2-norm greedy with average dynamic weights (Panigrahy).
    L2Norm,
    /// Opens each bin with the type whose DotProduct fill costs least per packed demand.
    CostAware,
    /// Runs several heuristics plus the improvement step and keeps the cheapest.
    Portfolio,
}

impl Heuristic {
    pub const ALL: [Heuristic; 10] = [
        Heuristic::Karpenter,
        Heuristic::FfdSum,
        Heuristic::FfdMax,
        Heuristic::FfdL2,
        Heuristic::Bfd,
        Heuristic::WorstFit,
        Heuristic::DotProduct,
        Heuristic::L2Norm,
        Heuristic::CostAware,
        Heuristic::Portfolio,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Heuristic::Karpenter => "karpenter",
            Heuristic::FfdSum => "ffd-sum",
            Heuristic::FfdMax => "ffd-max",
            Heuristic::FfdL2 => "ffd-l2",
            Heuristic::Bfd => "bfd",
            Heuristic::WorstFit => "worst-fit",
            Heuristic::DotProduct => "dot-product",
            Heuristic::L2Norm => "l2-norm",
            Heuristic::CostAware => "cost-aware",
            Heuristic::Portfolio => "portfolio",
        }
    }

    pub fn parse(name: &str) -> Result<Heuristic, PackerError> {
        Heuristic::ALL
            .into_iter()
            .find(|h| h.name() == name)
            .ok_or_else(|| PackerError::UnknownHeuristic {
                name: name.to_string(),
                known: Heuristic::ALL.map(Heuristic::name).join(", "),
            })
    }
}

impl fmt::Display for Heuristic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Deterministic work budget of the improvement step (bin-emptying attempts).
pub const IMPROVE_BUDGET: usize = 2_000;

/// Packs `problem` with heuristic `h`.
pub fn pack(problem: &Problem, h: Heuristic) -> Packing {
    let ctx = greedy::Context::new(problem);
    match h {
        Heuristic::Karpenter => greedy::karpenter(&ctx),
        Heuristic::FfdSum => greedy::first_fit_decreasing(&ctx, greedy::SortKey::Sum),
        Heuristic::FfdMax => greedy::first_fit_decreasing(&ctx, greedy::SortKey::Max),
        Heuristic::FfdL2 => greedy::first_fit_decreasing(&ctx, greedy::SortKey::L2),
        Heuristic::Bfd => greedy::fit_decreasing_by_slack(&ctx, true),
        Heuristic::WorstFit => greedy::fit_decreasing_by_slack(&ctx, false),
        Heuristic::DotProduct => bincentric::pack(&ctx, bincentric::Score::DotProduct, false),
        Heuristic::L2Norm => bincentric::pack(&ctx, bincentric::Score::L2, false),
        Heuristic::CostAware => bincentric::pack(&ctx, bincentric::Score::DotProduct, true),
        Heuristic::Portfolio => portfolio(&ctx),
    }
}

fn portfolio(ctx: &greedy::Context<'_>) -> Packing {
    use bincentric::Score;
    let mut candidates = vec![
        greedy::first_fit_decreasing(ctx, greedy::SortKey::L2),
        greedy::first_fit_decreasing(ctx, greedy::SortKey::Max),
        greedy::fit_decreasing_by_slack(ctx, true),
    ];
    for score in [
        Score::DotProduct,
        Score::DotProductUnit,
        Score::DotProductExp,
        Score::L2,
        Score::L2Unit,
        Score::Cosine,
    ] {
        candidates.push(bincentric::pack(ctx, score, false));
    }
    if ctx.problem.bin_types.len() > 1 {
        candidates.push(bincentric::pack(ctx, Score::DotProduct, true));
    }
    let mut best: Option<(u128, Packing)> = None;
    for p in candidates {
        let p = improve::improve(ctx, p, IMPROVE_BUDGET);
        let c = p.cost(ctx.problem);
        if best.as_ref().is_none_or(|(bc, _)| c < *bc) {
            best = Some((c, p));
        }
    }
    best.map(|(_, p)| p).unwrap_or_default()
}

/// A packing with its cost and the lower bound, so `cost / bound` can be reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub packing: Packing,
    pub cost: u128,
    pub bound: Option<f64>,
}

impl Scored {
    /// `cost / bound`, `None` when the bound is zero or unknown.
    pub fn ratio_to_bound(&self) -> Option<f64> {
        self.bound
            .filter(|b| *b > 0.0)
            .map(|b| self.cost as f64 / b)
    }
}

/// Packs and scores.
pub fn pack_scored(problem: &Problem, h: Heuristic) -> Scored {
    let packing = pack(problem, h);
    Scored {
        cost: packing.cost(problem),
        bound: problem.lower_bound(),
        packing,
    }
}
