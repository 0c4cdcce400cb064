//! Lower bounds on the cost of a packing.
//!
//! * [`identical_bins_bound`]: for identical bins, `max_d ⌈Σ demand_d / capacity_d⌉`.
//! * [`fluid_bound`]: for a priced heterogeneous catalogue, the LP
//!   `min Σ price_t·x_t  s.t.  Σ_t capacity_t,d·x_t ≥ demand_d, x ≥ 0`. An optimal basic
//!   solution uses at most as many types as there are rows, so with 2–3 rows it is solved
//!   exactly by enumerating bases over the types that are not dominated in
//!   capacity-per-dollar. With more rows we take the best bound over every subset of at
//!   most three rows (each is a valid relaxation).

/// A bin type for bounds: capacity per dimension and a price (any unit).
#[derive(Debug, Clone, PartialEq)]
pub struct PricedCapacity {
    pub capacity: Vec<u64>,
    pub price: f64,
}

/// `max_d ⌈demand_d / capacity_d⌉`; a dimension with zero capacity and non-zero demand
/// makes the problem infeasible (`None`).
pub fn identical_bins_bound(demand: &[u64], capacity: &[u64]) -> Option<u64> {
    let mut best = 0u64;
    for (d, c) in demand.iter().zip(capacity) {
        if *d == 0 {
            continue;
        }
        if *c == 0 {
            return None;
        }
        best = best.max(d.div_ceil(*c));
    }
    Some(best)
}

/// The fluid LP bound. `None` if some demanded dimension has no capacity in any type.
pub fn fluid_bound(demand: &[u64], types: &[PricedCapacity]) -> Option<f64> {
    let rows: Vec<usize> = (0..demand.len()).filter(|&d| demand[d] > 0).collect();
    if rows.is_empty() {
        return Some(0.0);
    }
    let mut best: Option<f64> = Some(0.0);
    let subsets = row_subsets(&rows, 3);
    for subset in subsets {
        let v = fluid_exact(demand, types, &subset)?;
        best = best.map(|b| b.max(v));
    }
    best
}

fn row_subsets(rows: &[usize], max: usize) -> Vec<Vec<usize>> {
    if rows.len() <= max {
        return vec![rows.to_vec()];
    }
    let mut out = Vec::new();
    let n = rows.len();
    for a in 0..n {
        for b in a + 1..n {
            for c in b + 1..n {
                out.push(vec![rows[a], rows[b], rows[c]]);
            }
        }
    }
    out
}

/// Exact LP over the given rows (at most three) by basis enumeration.
fn fluid_exact(demand: &[u64], types: &[PricedCapacity], rows: &[usize]) -> Option<f64> {
    let m = rows.len();
    // Candidates: types not dominated in capacity per unit price on these rows.
    let value = |t: &PricedCapacity, r: usize| -> f64 {
        if t.price <= 0.0 {
            f64::INFINITY
        } else {
            t.capacity[r] as f64 / t.price
        }
    };
    let usable: Vec<&PricedCapacity> = types
        .iter()
        .filter(|t| {
            rows.iter()
                .any(|&r| t.capacity.get(r).copied().unwrap_or(0) > 0)
        })
        .collect();
    if rows.iter().any(|&r| {
        usable
            .iter()
            .all(|t| t.capacity.get(r).copied().unwrap_or(0) == 0)
    }) {
        return None;
    }
    let mut cand: Vec<&PricedCapacity> = Vec::new();
    for (i, t) in usable.iter().enumerate() {
        let dominated = usable.iter().enumerate().any(|(j, u)| {
            j != i
                && rows.iter().all(|&r| value(u, r) >= value(t, r))
                && (rows.iter().any(|&r| value(u, r) > value(t, r)) || j < i)
        });
        if !dominated {
            cand.push(t);
        }
    }
    let b: Vec<f64> = rows.iter().map(|&r| demand[r] as f64).collect();
    let cap = |t: &PricedCapacity, k: usize| t.capacity[rows[k]] as f64;
    let feasible = |x: &[(usize, f64)]| -> Option<f64> {
        if x.iter().any(|(_, v)| *v < -1e-9) {
            return None;
        }
        for (k, bk) in b.iter().enumerate() {
            let s: f64 = x.iter().map(|(t, v)| cap(cand[*t], k) * v).sum();
            if s < bk * (1.0 - 1e-9) {
                return None;
            }
        }
        Some(x.iter().map(|(t, v)| cand[*t].price * v).sum())
    };
    let mut best = f64::INFINITY;
    let n = cand.len();
    // One type: x = max_k b_k / cap_k.
    for t in &cand {
        let x = (0..m)
            .map(|k| if b[k] > 0.0 { b[k] / cap(t, k) } else { 0.0 })
            .fold(0.0f64, f64::max);
        if x.is_finite() {
            best = best.min(t.price * x);
        }
    }
    // Two types, two tight rows.
    if m >= 2 {
        for t1 in 0..n {
            for t2 in t1 + 1..n {
                for k1 in 0..m {
                    for k2 in k1 + 1..m {
                        let (a, bq, c, d) = (
                            cap(cand[t1], k1),
                            cap(cand[t2], k1),
                            cap(cand[t1], k2),
                            cap(cand[t2], k2),
                        );
                        let det = a * d - bq * c;
                        if det.abs() < 1e-12 {
                            continue;
                        }
                        let x1 = (b[k1] * d - bq * b[k2]) / det;
                        let x2 = (a * b[k2] - c * b[k1]) / det;
                        if let Some(v) = feasible(&[(t1, x1), (t2, x2)]) {
                            best = best.min(v);
                        }
                    }
                }
            }
        }
    }
    // Three types, three tight rows.
    if m == 3 {
        for t1 in 0..n {
            for t2 in t1 + 1..n {
                for t3 in t2 + 1..n {
                    let mat = [
                        [cap(cand[t1], 0), cap(cand[t2], 0), cap(cand[t3], 0)],
                        [cap(cand[t1], 1), cap(cand[t2], 1), cap(cand[t3], 1)],
                        [cap(cand[t1], 2), cap(cand[t2], 2), cap(cand[t3], 2)],
                    ];
                    if let Some(x) = solve3(mat, [b[0], b[1], b[2]])
                        && let Some(v) = feasible(&[(t1, x[0]), (t2, x[1]), (t3, x[2])])
                    {
                        best = best.min(v);
                    }
                }
            }
        }
    }
    best.is_finite().then_some(best)
}

fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-12 {
        return None;
    }
    let mut x = [0.0; 3];
    for (i, xi) in x.iter_mut().enumerate() {
        let mut mi = m;
        for r in 0..3 {
            mi[r][i] = b[r];
        }
        *xi = det(mi) / d;
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_bound() {
        assert_eq!(identical_bins_bound(&[250, 90], &[100, 100]), Some(3));
        assert_eq!(identical_bins_bound(&[0, 0], &[100, 100]), Some(0));
        assert_eq!(identical_bins_bound(&[1], &[0]), None);
    }

    #[test]
    fn fluid_bound_mixes_types() {
        // A cpu-heavy and a memory-heavy type at the same price: demand (10, 10) is
        // covered by 1 of each fractional combination costing 2 × 10/11 ≈ 1.818…
        let types = vec![
            PricedCapacity {
                capacity: vec![10, 1],
                price: 1.0,
            },
            PricedCapacity {
                capacity: vec![1, 10],
                price: 1.0,
            },
        ];
        let v = fluid_bound(&[10, 10], &types).unwrap();
        assert!((v - 20.0 / 11.0).abs() < 1e-9, "{v}");
        // Single type = per-dimension ratio.
        let one = vec![PricedCapacity {
            capacity: vec![4, 8, 2],
            price: 2.0,
        }];
        let v = fluid_bound(&[8, 8, 1], &one).unwrap();
        assert!((v - 4.0).abs() < 1e-9, "{v}");
    }

    #[test]
    fn three_rows_exact() {
        let types = vec![
            PricedCapacity {
                capacity: vec![10, 0, 0],
                price: 1.0,
            },
            PricedCapacity {
                capacity: vec![0, 10, 0],
                price: 1.0,
            },
            PricedCapacity {
                capacity: vec![0, 0, 10],
                price: 1.0,
            },
            PricedCapacity {
                capacity: vec![10, 10, 10],
                price: 5.0,
            },
        ];
        let v = fluid_bound(&[10, 10, 10], &types).unwrap();
        assert!((v - 3.0).abs() < 1e-9, "{v}");
    }
}
