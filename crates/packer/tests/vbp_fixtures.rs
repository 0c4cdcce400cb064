//! The heuristic portfolio on a few committed Vectorpack instances (see
//! `fixtures/vbp/README.md`): every packing is valid, never below the optimum, and the
//! portfolio stays close to the best known result.

use packer::vector::{BinType, Heuristic, Problem, pack};

/// A minimal `.vbp` reader for the test (the real parser lives in `scenario::vbp`).
fn read(text: &str) -> Problem {
    let mut nums = text
        .split_whitespace()
        .map(|t| t.parse::<u64>().expect("number"));
    let mut next = || nums.next().expect("enough numbers");
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
    Problem::new(d, &items, vec![bin]).expect("valid")
}

#[test]
fn portfolio_is_valid_and_near_best_known_on_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vbp");
    let known = std::fs::read_to_string(dir.join("known.tsv")).unwrap();
    let mut checked = 0;
    for line in known.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (name, lb, opt, best): (&str, u64, i64, u64) = (
            f[0],
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
        );
        let problem = read(&std::fs::read_to_string(dir.join(format!("{name}.vbp"))).unwrap());
        let our_lb = problem.lower_bound().unwrap();
        assert!(
            our_lb <= lb as f64,
            "{name}: our ceiling bound exceeds theirs"
        );
        for h in Heuristic::ALL {
            let p = pack(&problem, h);
            assert!(p.is_valid(&problem), "{name}: {h} invalid");
            assert!(p.unpacked.is_empty());
            if opt > 0 {
                assert!(p.bins.len() as i64 >= opt, "{name}: {h} beats the optimum?");
            }
        }
        let portfolio = pack(&problem, Heuristic::Portfolio).bins.len() as u64;
        assert!(
            portfolio <= best + 1,
            "{name}: portfolio {portfolio} vs best known {best}"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}
