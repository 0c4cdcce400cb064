//! Rough split of `ffd-sum` time on 100k grouped items:
//! `cargo run --release -p karpsim-packer --example ffd_timing`.

use std::time::Instant;

use packer::testing::SplitMix64;
use packer::vector::{BinType, Heuristic, Problem, pack};

fn main() {
    let mut rng = SplitMix64(11);
    let pool: Vec<Vec<u64>> = (0..100)
        .map(|_| (0..3).map(|_| 1 + rng.below(400)).collect())
        .collect();
    let rows: Vec<Vec<u64>> = (0..100_000).map(|i| pool[i % 100].clone()).collect();
    let bin = BinType {
        name: "bin".into(),
        capacity: vec![1_000; 3],
        price: 1,
    };
    let p = Problem::new(3, &rows, vec![bin]).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let mut order: Vec<usize> = (0..p.len()).collect();
        let keys: Vec<f64> = (0..p.len())
            .map(|i| p.item(i).iter().map(|x| *x as f64 / 1000.0).sum())
            .collect();
        order.sort_unstable_by(|&a, &b| {
            keys[b]
                .total_cmp(&keys[a])
                .then_with(|| p.item(b).cmp(p.item(a)))
                .then(a.cmp(&b))
        });
        let sort = t.elapsed();
        let t = Instant::now();
        let packing = pack(&p, Heuristic::FfdSum);
        let total = t.elapsed();
        let t = Instant::now();
        drop(packing);
        println!(
            "sort {sort:?}, pack total {total:?}, drop {:?}",
            t.elapsed()
        );
    }
}
