//! Quick scoreboard without simctl: mean % above OPT / best known for a heuristic over a
//! folder of `.vbp` files. `cargo run --release -p karpsim-packer --example vbp_score --
//! DIR KNOWN.tsv portfolio` (simctl bench-pack is the real tool).

use std::collections::BTreeMap;

use packer::vector::{BinType, Heuristic, Problem, pack};

fn read(text: &str) -> Problem {
    let mut nums = text.split_whitespace().map(|t| t.parse::<u64>().unwrap());
    let mut next = || nums.next().unwrap();
    let d = next() as usize;
    let capacity: Vec<u64> = (0..d).map(|_| next()).collect();
    let m = next() as usize;
    let mut items = Vec::new();
    for _ in 0..m {
        let sizes: Vec<u64> = (0..d).map(|_| next()).collect();
        for _ in 0..next() {
            items.push(sizes.clone());
        }
    }
    let bin = BinType {
        name: "bin".into(),
        capacity,
        price: 1,
    };
    Problem::new(d, &items, vec![bin]).unwrap()
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "vbp") {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let known: BTreeMap<String, (i64, i64)> = std::fs::read_to_string(&args[1])
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                (f[2].parse().unwrap(), f[3].parse().unwrap()),
            )
        })
        .collect();
    let h = Heuristic::parse(&args[2]).unwrap();
    let mut files = Vec::new();
    walk(std::path::Path::new(&args[0]), &mut files);
    let (mut best_sum, mut opt_sum, mut n_opt, mut n) = (0.0, 0.0, 0, 0);
    let t = std::time::Instant::now();
    for f in &files {
        let name = f.file_stem().unwrap().to_str().unwrap();
        let p = read(&std::fs::read_to_string(f).unwrap());
        let bins = pack(&p, h).bins.len() as f64;
        let (opt, best) = known[name];
        let b = if opt > 0 { opt } else { best } as f64;
        best_sum += (bins - b) / b * 100.0;
        n += 1;
        if opt > 0 {
            opt_sum += (bins - opt as f64) / opt as f64 * 100.0;
            n_opt += 1;
        }
    }
    println!(
        "{h}: {n} instances, {:.2} % above best known, {:.2} % above OPT ({n_opt}), {:.1} ms/instance",
        best_sum / n as f64,
        opt_sum / n_opt as f64,
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}
