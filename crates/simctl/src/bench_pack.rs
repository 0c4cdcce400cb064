//! `simctl bench-pack`: the public-benchmark scoreboard (issue 3, part D).
//!
//! Reads Vectorpack `.vbp` instances (Mommessin, Erlebach, Shakhlevich, Computers & OR
//! 2025; data from Vectorpack/experiments_vector_paper) from a folder, packs each with
//! the chosen heuristics and prints, per instance class and heuristic, the mean % above
//! the best-known optimum, the mean % above our lower bound and the mean time per
//! instance. `--catalogue` adds a comparison of Karpenter's rule against `portfolio` on
//! realistic pod workloads over the embedded EC2 catalogue.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use packer::vector::{BinType, Heuristic, Problem, pack};

/// Arguments of `simctl bench-pack`.
#[derive(Debug, clap::Args)]
pub struct BenchPackArgs {
    /// Folder of Vectorpack `.vbp` instances (searched recursively).
    #[arg(long)]
    pub suite: PathBuf,
    /// Tab-separated summary with `instance_name`, `OPT` (−1 if unknown) and
    /// `best_overall` columns (e.g. `New_summary_known.csv`).
    #[arg(long)]
    pub known: Option<PathBuf>,
    /// Comma-separated heuristic names (default: all).
    #[arg(long, value_delimiter = ',')]
    pub heuristics: Vec<String>,
    /// One JSON object per class and heuristic instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also compare Karpenter's rule with `portfolio` on generated pod workloads over the
    /// embedded catalogue (cost difference in %).
    #[arg(long)]
    pub catalogue: bool,
}

struct Known {
    opt: Option<u64>,
    best: Option<u64>,
}

fn read_known(path: &Path) -> anyhow::Result<BTreeMap<String, Known>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(name_i), Some(opt_i)) = (col("instance_name"), col("OPT")) else {
        anyhow::bail!(
            "{}: expected tab-separated columns instance_name and OPT",
            path.display()
        );
    };
    let best_i = col("best_overall");
    let mut out = BTreeMap::new();
    for (n, line) in lines.enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| -> anyhow::Result<Option<u64>> {
            let v: i64 = f
                .get(i)
                .and_then(|s| s.trim().parse().ok())
                .with_context(|| {
                    format!(
                        "{}:{}: bad number in column {}",
                        path.display(),
                        n + 2,
                        i + 1
                    )
                })?;
            Ok(u64::try_from(v).ok().filter(|v| *v > 0))
        };
        let Some(name) = f.get(name_i) else { continue };
        out.insert(
            name.trim().to_string(),
            Known {
                opt: get(opt_i)?,
                best: best_i.map(get).transpose()?.flatten(),
            },
        );
    }
    Ok(out)
}

fn find_vbp(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_vbp(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "vbp") {
            out.push(p);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Acc {
    n: usize,
    above_best: f64,
    n_best: usize,
    above_opt: f64,
    n_opt: usize,
    above_lb: f64,
    seconds: f64,
}

#[derive(serde::Serialize)]
struct Row<'a> {
    class: &'a str,
    heuristic: &'a str,
    instances: usize,
    mean_pct_above_best_known: Option<f64>,
    mean_pct_above_opt: Option<f64>,
    opt_known: usize,
    mean_pct_above_lower_bound: f64,
    mean_ms_per_instance: f64,
}

pub fn run(args: &BenchPackArgs) -> anyhow::Result<ExitCode> {
    let heuristics: Vec<Heuristic> = if args.heuristics.is_empty() {
        Heuristic::ALL.to_vec()
    } else {
        args.heuristics
            .iter()
            .map(|h| Heuristic::parse(h.trim()))
            .collect::<Result<_, _>>()?
    };
    let known = match &args.known {
        Some(p) => read_known(p)?,
        None => BTreeMap::new(),
    };
    let mut files = Vec::new();
    find_vbp(&args.suite, &mut files)?;
    if files.is_empty() {
        anyhow::bail!("{}: no .vbp files found", args.suite.display());
    }
    // (class, heuristic) → accumulated figures; "all" aggregates every class.
    let mut acc: BTreeMap<(String, Heuristic), Acc> = BTreeMap::new();
    for file in &files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("{}: cannot read", file.display()))?;
        let inst = scenario::vbp::parse_vbp(&name, &text)?;
        let items: Vec<Vec<u64>> = inst
            .item_types
            .iter()
            .flat_map(|(sizes, k)| std::iter::repeat_n(sizes.clone(), *k as usize))
            .collect();
        let problem = Problem::new(
            inst.dimensions(),
            &items,
            vec![BinType {
                name: "bin".to_string(),
                capacity: inst.bin_capacity.clone(),
                price: 1,
            }],
        )?;
        let lb = problem.lower_bound().unwrap_or(0.0);
        let k = known.get(&name);
        let opt = k.and_then(|k| k.opt);
        let best = opt.or(k.and_then(|k| k.best));
        let class = name.split('_').next().unwrap_or("?").to_string();
        for &h in &heuristics {
            let start = Instant::now();
            let packing = pack(&problem, h);
            let seconds = start.elapsed().as_secs_f64();
            if !packing.unpacked.is_empty() {
                anyhow::bail!("{name}: {h} left {} items unpacked", packing.unpacked.len());
            }
            let bins = packing.bins.len() as f64;
            for c in [class.clone(), "all".to_string()] {
                let a = acc.entry((c, h)).or_default();
                a.n += 1;
                a.seconds += seconds;
                if lb > 0.0 {
                    a.above_lb += (bins - lb) / lb * 100.0;
                }
                if let Some(b) = best {
                    a.above_best += (bins - b as f64) / b as f64 * 100.0;
                    a.n_best += 1;
                }
                if let Some(o) = opt {
                    a.above_opt += (bins - o as f64) / o as f64 * 100.0;
                    a.n_opt += 1;
                }
            }
        }
    }
    let rows: Vec<Row<'_>> = acc
        .iter()
        .map(|((class, h), a)| Row {
            class,
            heuristic: h.name(),
            instances: a.n,
            mean_pct_above_best_known: (a.n_best > 0).then(|| a.above_best / a.n_best as f64),
            mean_pct_above_opt: (a.n_opt > 0).then(|| a.above_opt / a.n_opt as f64),
            opt_known: a.n_opt,
            mean_pct_above_lower_bound: a.above_lb / a.n.max(1) as f64,
            mean_ms_per_instance: a.seconds * 1000.0 / a.n.max(1) as f64,
        })
        .collect();
    if args.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        println!(
            "{:<8} {:<12} {:>5} {:>12} {:>10} {:>9} {:>9}",
            "class", "heuristic", "inst", "%>best-known", "%>OPT", "%>LB", "ms/inst"
        );
        let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        for r in &rows {
            println!(
                "{:<8} {:<12} {:>5} {:>12} {:>10} {:>9.2} {:>9.3}",
                r.class,
                r.heuristic,
                r.instances,
                pct(r.mean_pct_above_best_known),
                pct(r.mean_pct_above_opt),
                r.mean_pct_above_lower_bound,
                r.mean_ms_per_instance
            );
        }
    }
    if args.catalogue {
        crate::bench_pack::catalogue_comparison(args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Karpenter's solve versus the portfolio on generated workloads over the embedded
/// catalogue (one on-demand NodePool, three zones, no constraints), once with every type
/// allowed and once restricted like the NodePool in Karpenter's getting-started guide
/// (`instance-category In [c, m, r]`, `instance-generation Gt 2`).
fn catalogue_comparison(json: bool) -> anyhow::Result<()> {
    use model::catalog::{Catalog, CatalogOptions};
    use model::instance::CapacityType;
    use model::kubelet::KubeletConfig;
    use model::labels;
    use model::requirements::{Operator, Requirement};
    use packer::testing::{ConstraintMix, WorkloadSpec, nodepool, workload};
    use packer::{PoolInput, ScheduleInput, Scheduler, VersionProfile};

    let zones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    let all_types = Catalog::new(CatalogOptions::new("us-east-1", &zones))
        .instance_types(&KubeletConfig::default());
    if !json {
        println!();
        println!(
            "{:<10} {:<26} {:>13} {:>13} {:>12} {:>10}",
            "pool", "workload", "karpenter $/h", "portfolio $/h", "fluid LB $/h", "karp vs pf"
        );
    }
    for restricted in [false, true] {
        let mut np = nodepool("default");
        np.requirements.add(Requirement::new(
            labels::CAPACITY_TYPE,
            Operator::In,
            [CapacityType::OnDemand.label_value()],
        ));
        let mut shape_reqs = model::requirements::Requirements::default();
        if restricted {
            shape_reqs.add(Requirement::new(
                labels::INSTANCE_CATEGORY,
                Operator::In,
                ["c", "m", "r"],
            ));
            shape_reqs.add(Requirement::new(
                labels::INSTANCE_GENERATION,
                Operator::Gt,
                ["2"],
            ));
            np.requirements.add_all(&shape_reqs);
        }
        let pool_label = if restricted { "c/m/r" } else { "all types" };
        let allowed: Vec<&model::instance::InstanceType> = all_types
            .iter()
            .filter(|t| shape_reqs.matches_labels(&t.labels))
            .collect();
        let bin_types: Vec<BinType> = allowed
            .iter()
            .filter_map(|t| {
                let price = t
                    .offerings
                    .iter()
                    .filter(|o| o.capacity_type == CapacityType::OnDemand)
                    .map(|o| o.price.0)
                    .min()?;
                let a = &t.allocatable;
                Some(BinType {
                    name: t.name.clone(),
                    capacity: vec![a.cpu_millis(), a.memory_bytes(), a.pods()],
                    price,
                })
            })
            .collect();
        let mut scheduler = Scheduler::new(
            vec![PoolInput {
                id: model::NodePoolId(0),
                nodepool: np.clone(),
                instance_types: all_types.clone(),
            }],
            &[],
            VersionProfile::V1,
        );
        for (pods, shapes, seed) in [
            (200, 10, 1u64),
            (1_000, 20, 2),
            (1_000, 100, 3),
            (5_000, 50, 4),
        ] {
            let w = workload(&WorkloadSpec {
                pods,
                shapes,
                constraints: ConstraintMix::None,
                seed,
            });
            let out = scheduler.schedule(&ScheduleInput {
                pods: &w,
                existing: &[],
                pool_usage: &[],
            });
            let karpenter = out.new_cost().0 as f64 / 1e9;
            let items: Vec<Vec<u64>> = w
                .iter()
                .map(|p| {
                    let d = packer::pod_demand(p.requests());
                    vec![d.cpu_millis(), d.memory_bytes(), d.pods()]
                })
                .collect();
            let problem = Problem::new(3, &items, bin_types.clone())?;
            let pf = pack(&problem, Heuristic::Portfolio);
            let portfolio = pf.cost(&problem) as f64 / 1e9;
            let lb = problem.lower_bound().unwrap_or(0.0) / 1e9;
            let diff = (karpenter - portfolio) / portfolio * 100.0;
            let label = format!("{pods} pods / {shapes} shapes");
            if json {
                println!(
                    "{}",
                    serde_json::json!({"pool": pool_label, "workload": label, "karpenter_usd_per_hour": karpenter, "portfolio_usd_per_hour": portfolio, "fluid_bound_usd_per_hour": lb, "karpenter_above_portfolio_pct": diff})
                );
            } else {
                println!(
                    "{pool_label:<10} {label:<26} {karpenter:>13.3} {portfolio:>13.3} {lb:>12.3} {diff:>9.1}%"
                );
            }
        }
    }
    Ok(())
}
