//! `simctl catalog`: the embedded EC2 catalogue with Karpenter's allocatable and prices.

use std::fmt::Write as _;
use std::process::ExitCode;

use model::catalog::{Catalog, CatalogOptions, INTERRUPTION_BANDS, REGIONS};
use model::instance::CapacityType;
use model::kubelet::KubeletConfig;
use model::price::UsdPerHour;
use model::quantity::format_bytes;

use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct CatalogArgs {
    /// Region whose prices to show.
    #[arg(long, default_value = "us-east-1", value_parser = clap::builder::PossibleValuesParser::new(REGIONS))]
    pub region: String,
    /// Only these instance families (repeatable, or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub family: Vec<String>,
    /// Only these exact instance types (repeatable, or comma-separated).
    #[arg(long = "type", value_delimiter = ',')]
    pub instance_type: Vec<String>,
    /// Only types with at least this many vCPUs.
    #[arg(long)]
    pub min_cpu: Option<u32>,
    /// Only types with at least this much memory, in GiB.
    #[arg(long)]
    pub min_memory_gib: Option<u64>,
    /// Only types whose on-demand price is at most this many dollars per hour.
    #[arg(long)]
    pub max_price: Option<f64>,
    /// Only this CPU architecture.
    #[arg(long, value_parser = ["amd64", "arm64"])]
    pub arch: Option<String>,
    /// Include types with no on-demand price in the region.
    #[arg(long)]
    pub include_unpriced: bool,
    /// One JSON object per type instead of a table.
    #[arg(long)]
    pub json: bool,
}

struct Row {
    name: String,
    family: String,
    arch: String,
    vcpu: u32,
    memory_mib: u64,
    alloc_cpu_millis: u64,
    alloc_memory_bytes: u64,
    max_pods: u64,
    on_demand: Option<UsdPerHour>,
    spot_min: Option<UsdPerHour>,
    interruption_band: Option<u8>,
}

fn capacity_types(r: &Row) -> Vec<&'static str> {
    let mut v = Vec::new();
    if r.on_demand.is_some() {
        v.push(CapacityType::OnDemand.label_value());
    }
    if r.spot_min.is_some() {
        v.push(CapacityType::Spot.label_value());
    }
    v
}

pub fn run(args: &CatalogArgs) -> Result<ExitCode, Failure> {
    let catalog = Catalog::new(CatalogOptions::new(
        &args.region,
        &["zone-1", "zone-2", "zone-3"],
    ));
    let kubelet = KubeletConfig::default();
    let max_price = match args.max_price {
        Some(p) if !(p.is_finite() && p >= 0.0) => {
            return Err(Failure::Input(Some(format!(
                "--max-price {p} is not a non-negative number of dollars"
            ))));
        }
        Some(p) => Some(UsdPerHour((p * 1e9).round() as u64)),
        None => None,
    };
    for f in &args.family {
        if !catalog.specs().any(|s| &s.family == f) {
            let hint = scenario::diag::did_you_mean(f, catalog.specs().map(|s| s.family.as_str()))
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(Failure::Input(Some(format!(
                "--family: unknown instance family `{f}`{hint}"
            ))));
        }
    }
    for t in &args.instance_type {
        if catalog.spec(t).is_none() {
            let hint = scenario::diag::did_you_mean(t, catalog.specs().map(|s| s.name.as_str()))
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(Failure::Input(Some(format!(
                "--type: unknown instance type `{t}`{hint}"
            ))));
        }
    }
    let mut rows = Vec::new();
    for spec in catalog.specs() {
        let on_demand = catalog.on_demand_price(spec);
        let keep = (args.family.is_empty() || args.family.contains(&spec.family))
            && (args.instance_type.is_empty() || args.instance_type.contains(&spec.name))
            && args.min_cpu.is_none_or(|c| spec.vcpu >= c)
            && args
                .min_memory_gib
                .is_none_or(|m| spec.memory_mib >= m * 1024)
            && args.arch.as_ref().is_none_or(|a| &spec.arch == a)
            && (args.include_unpriced || on_demand.is_some())
            && max_price.is_none_or(|max| on_demand.is_some_and(|p| p <= max));
        if !keep {
            continue;
        }
        let r = kubelet.node_resources(&spec.hardware());
        rows.push(Row {
            name: spec.name.clone(),
            family: spec.family.clone(),
            arch: spec.arch.clone(),
            vcpu: spec.vcpu,
            memory_mib: spec.memory_mib,
            alloc_cpu_millis: r.allocatable.cpu_millis(),
            alloc_memory_bytes: r.allocatable.memory_bytes(),
            max_pods: r.allocatable.pods(),
            on_demand,
            spot_min: (0..3).filter_map(|z| catalog.spot_price(spec, z)).min(),
            interruption_band: catalog.spot_advice(spec).map(|a| a.interruption_band),
        });
    }
    rows.sort_by(|a, b| {
        a.on_demand
            .cmp(&b.on_demand)
            .then_with(|| a.name.cmp(&b.name))
    });
    let mut out = String::new();
    if args.json {
        for r in &rows {
            let v = serde_json::json!({
                "instance_type": r.name,
                "family": r.family,
                "arch": r.arch,
                "vcpu": r.vcpu,
                "memory_mib": r.memory_mib,
                "allocatable_cpu_millis": r.alloc_cpu_millis,
                "allocatable_memory_mib": r.alloc_memory_bytes >> 20,
                "max_pods": r.max_pods,
                "on_demand_usd_per_hour": r.on_demand,
                "spot_min_usd_per_hour": r.spot_min,
                "spot_interruption_band": r.interruption_band.map(|b| INTERRUPTION_BANDS[b as usize]),
                "region": args.region,
                "capacity_types": capacity_types(r),
            });
            writeln!(out, "{v}").ok();
        }
        crate::emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<22} {:>5} {:>9} {:>10} {:>11} {:>5} {:>12} {:>12} {:>8}",
        "TYPE",
        "VCPU",
        "MEMORY",
        "ALLOC CPU",
        "ALLOC MEM",
        "PODS",
        "ON-DEMAND",
        "SPOT (MIN)",
        "INTERR."
    )
    .ok();
    for r in &rows {
        let price = |p: Option<UsdPerHour>| {
            p.map_or("-".to_string(), |p| {
                format!("${}", model::price::trim_decimals(u128::from(p.0)))
            })
        };
        writeln!(
            out,
            "{:<22} {:>5} {:>9} {:>10} {:>11} {:>5} {:>12} {:>12} {:>8}",
            r.name,
            r.vcpu,
            format_bytes(r.memory_mib << 20),
            format!("{}m", r.alloc_cpu_millis),
            format_bytes(r.alloc_memory_bytes),
            r.max_pods,
            price(r.on_demand),
            price(r.spot_min),
            r.interruption_band
                .map_or("-", |b| INTERRUPTION_BANDS[b as usize]),
        )
        .ok();
    }
    crate::emit(&out)?;
    eprintln!(
        "{} types, {} on-demand prices; allocatable assumes AL2023 and default kubelet settings",
        rows.len(),
        args.region
    );
    Ok(ExitCode::SUCCESS)
}
