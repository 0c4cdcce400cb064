//! The embedded EC2 catalogue: all 1,363 instance types Karpenter documents, with
//! us-east-1 on-demand prices, us-west-2/eu-west-1 prices where known, a per-AZ spot
//! price snapshot and the Spot Advisor's savings and interruption bands.
//!
//! The data files under `crates/model/data/` name their sources on their first lines.
//! Nothing is interpolated: a type with no price in a region has no offering there.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::ids::InstanceTypeId;
use crate::instance::{CapacityType, InstanceType, Offering};
use crate::kubelet::{Hardware, KubeletConfig};
use crate::labels::{self, Labels};
use crate::price::UsdPerHour;
use crate::resources::{ResourceKind, Resources};

const INSTANCE_TYPES_CSV: &str = include_str!("../data/instance_types.csv");
const OTHER_REGION_PRICES_CSV: &str = include_str!("../data/other_region_prices.csv");
const SPOT_SNAPSHOT_CSV: &str = include_str!("../data/spot_price_snapshot.csv");
const SPOT_ADVISOR_CSV: &str = include_str!("../data/spot_advisor.csv");

/// Regions with any price data.
pub const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

/// Hardware facts and published figures for one instance type, independent of region
/// and kubelet settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceSpec {
    pub name: String,
    pub category: String,
    pub family: String,
    pub generation: u32,
    pub size: String,
    pub vcpu: u32,
    pub memory_mib: u64,
    pub arch: String,
    pub os: String,
    pub cpu_manufacturer: String,
    pub hypervisor: String,
    pub network_bandwidth_mbps: Option<u64>,
    pub gpu_count: u32,
    pub gpu_name: String,
    /// ENI-limited max pods (`ENIs × (IPv4 per ENI − 1) + 2`), as Karpenter computes it.
    pub eni_max_pods: u32,
    /// Karpenter's published AL2023 allocatable (cpu, memory, pods, ephemeral storage),
    /// kept to check our formula against.
    pub published_allocatable: Resources,
    pub on_demand_us_east_1: Option<UsdPerHour>,
}

impl InstanceSpec {
    pub fn hardware(&self) -> Hardware {
        let nvidia = self.gpu_count > 0 && !self.gpu_name.starts_with("radeon");
        Hardware {
            vcpu: self.vcpu,
            memory_mib: self.memory_mib,
            arm64: self.arch == "arm64",
            eni_max_pods: self.eni_max_pods,
            nvidia_gpus: if nvidia { self.gpu_count } else { 0 },
            amd_gpus: if nvidia { 0 } else { self.gpu_count },
            neuron_devices: 0,
        }
    }

    pub fn gpu_manufacturer(&self) -> Option<&'static str> {
        match (self.gpu_count, self.gpu_name.starts_with("radeon")) {
            (0, _) => None,
            (_, true) => Some("amd"),
            (_, false) => Some("nvidia"),
        }
    }

    /// The labels Karpenter's AWS provider puts on nodes of this type.
    pub fn labels(&self, region: &str) -> Labels {
        let mut l = Labels::new();
        let mut put = |k: &str, v: String| {
            if !v.is_empty() {
                l.insert(k.to_string(), v);
            }
        };
        put(labels::INSTANCE_TYPE, self.name.clone());
        put(labels::ARCH, self.arch.clone());
        put(labels::OS, self.os.clone());
        put(labels::REGION, region.to_string());
        put(labels::INSTANCE_CATEGORY, self.category.clone());
        put(labels::INSTANCE_FAMILY, self.family.clone());
        put(labels::INSTANCE_GENERATION, self.generation.to_string());
        put(labels::INSTANCE_SIZE, self.size.clone());
        put(labels::INSTANCE_CPU, self.vcpu.to_string());
        put(
            labels::INSTANCE_CPU_MANUFACTURER,
            self.cpu_manufacturer.clone(),
        );
        put(labels::INSTANCE_MEMORY, self.memory_mib.to_string());
        put(labels::INSTANCE_HYPERVISOR, self.hypervisor.clone());
        put(
            labels::INSTANCE_NETWORK_BANDWIDTH,
            self.network_bandwidth_mbps
                .map(|b| b.to_string())
                .unwrap_or_default(),
        );
        if self.gpu_count > 0 {
            put(labels::INSTANCE_GPU_COUNT, self.gpu_count.to_string());
            put(labels::INSTANCE_GPU_NAME, self.gpu_name.clone());
            put(
                labels::INSTANCE_GPU_MANUFACTURER,
                self.gpu_manufacturer().unwrap_or_default().to_string(),
            );
        }
        l
    }
}

/// Spot Advisor figures for one type in one region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SpotAdvice {
    pub savings_pct: u32,
    /// 0 `<5%`, 1 `5-10%`, 2 `10-15%`, 3 `15-20%`, 4 `>20%` reclaimed per month.
    pub interruption_band: u8,
}

pub const INTERRUPTION_BANDS: [&str; 5] = ["<5%", "5-10%", "10-15%", "15-20%", ">20%"];

/// All embedded data, parsed once.
#[derive(Debug)]
pub struct EmbeddedData {
    pub specs: Vec<InstanceSpec>,
    /// (region, type) → on-demand price outside us-east-1.
    pub other_region_on_demand: BTreeMap<(String, String), UsdPerHour>,
    /// (region, type) → spot price per AZ, in the snapshot's AZ order.
    pub spot_snapshot: BTreeMap<(String, String), Vec<UsdPerHour>>,
    pub spot_advice: BTreeMap<(String, String), SpotAdvice>,
}

/// A malformed embedded data row (only reachable if the shipped files are edited).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct DataError {
    pub file: &'static str,
    pub line: usize,
    pub message: String,
}

/// The parsed embedded data. The files are part of the binary and a test parses them,
/// so failure here means the build itself is broken.
pub fn embedded() -> &'static EmbeddedData {
    static DATA: OnceLock<EmbeddedData> = OnceLock::new();
    DATA.get_or_init(|| {
        parse_embedded()
            .expect("embedded catalogue data is checked by the test `embedded_data_parses`")
    })
}

pub fn parse_embedded() -> Result<EmbeddedData, DataError> {
    let mut specs = Vec::new();
    for (line, cols) in rows("instance_types.csv", INSTANCE_TYPES_CSV, 19)? {
        specs.push(parse_spec(&cols).map_err(|message| DataError {
            file: "instance_types.csv",
            line,
            message,
        })?);
    }
    let mut other_region_on_demand = BTreeMap::new();
    for (line, c) in rows("other_region_prices.csv", OTHER_REGION_PRICES_CSV, 3)? {
        let price = UsdPerHour::parse(c[2]).map_err(|e| DataError {
            file: "other_region_prices.csv",
            line,
            message: e.to_string(),
        })?;
        other_region_on_demand.insert((c[0].to_string(), c[1].to_string()), price);
    }
    let mut spot_snapshot = BTreeMap::new();
    for (line, c) in rows("spot_price_snapshot.csv", SPOT_SNAPSHOT_CSV, 3)? {
        let prices = c[2]
            .split(';')
            .map(UsdPerHour::parse)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DataError {
                file: "spot_price_snapshot.csv",
                line,
                message: e.to_string(),
            })?;
        spot_snapshot.insert((c[0].to_string(), c[1].to_string()), prices);
    }
    let mut spot_advice = BTreeMap::new();
    for (line, c) in rows("spot_advisor.csv", SPOT_ADVISOR_CSV, 4)? {
        let err = |m: &str| DataError {
            file: "spot_advisor.csv",
            line,
            message: m.to_string(),
        };
        let savings_pct = c[2].parse().map_err(|_| err("bad savings"))?;
        let interruption_band: u8 = c[3].parse().map_err(|_| err("bad band"))?;
        if interruption_band > 4 || savings_pct > 100 {
            return Err(err("value out of range"));
        }
        spot_advice.insert(
            (c[0].to_string(), c[1].to_string()),
            SpotAdvice {
                savings_pct,
                interruption_band,
            },
        );
    }
    Ok(EmbeddedData {
        specs,
        other_region_on_demand,
        spot_snapshot,
        spot_advice,
    })
}

/// Data rows (after the `#` comment lines and the header) split on commas.
fn rows(
    file: &'static str,
    text: &'static str,
    columns: usize,
) -> Result<Vec<(usize, Vec<&'static str>)>, DataError> {
    let mut out = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = line.split(',').collect();
        if cols.len() != columns {
            return Err(DataError {
                file,
                line: i + 1,
                message: format!("expected {columns} columns, found {}", cols.len()),
            });
        }
        out.push((i + 1, cols));
    }
    Ok(out)
}

fn parse_spec(c: &[&str]) -> Result<InstanceSpec, String> {
    let num = |i: usize| {
        c[i].parse::<u64>()
            .map_err(|_| format!("column {} `{}` is not a number", i + 1, c[i]))
    };
    let opt = |i: usize| {
        if c[i].is_empty() {
            Ok(None)
        } else {
            num(i).map(Some)
        }
    };
    let to_u32 = |v: u64| u32::try_from(v).map_err(|_| "value too large".to_string());
    let storage = crate::quantity::parse_bytes(c[17]).map_err(|e| e.to_string())?;
    Ok(InstanceSpec {
        name: c[0].to_string(),
        category: c[1].to_string(),
        family: c[2].to_string(),
        generation: to_u32(num(3)?)?,
        size: c[4].to_string(),
        vcpu: to_u32(num(5)?)?,
        memory_mib: num(6)?,
        arch: c[7].to_string(),
        os: c[8].to_string(),
        cpu_manufacturer: c[9].to_string(),
        hypervisor: c[10].to_string(),
        network_bandwidth_mbps: opt(11)?,
        gpu_count: to_u32(opt(12)?.unwrap_or(0))?,
        gpu_name: c[13].to_string(),
        eni_max_pods: to_u32(num(16)?)?,
        published_allocatable: Resources::new(num(14)?, num(15)? << 20)
            .with(ResourceKind::Pods, num(16)?)
            .with(ResourceKind::EphemeralStorageBytes, storage),
        on_demand_us_east_1: if c[18].is_empty() {
            None
        } else {
            Some(UsdPerHour::parse(c[18]).map_err(|e| e.to_string())?)
        },
    })
}

/// How spot offerings are priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum SpotPricing {
    /// The per-AZ snapshot where it has the type, else on-demand × (1 − Advisor savings),
    /// else no spot offering.
    #[default]
    SnapshotThenAdvisor,
    /// On-demand × (1 − Advisor savings) only.
    Advisor,
    /// No spot offerings at all.
    Off,
}

/// Everything that turns the raw data into one cluster's offerings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogOptions {
    pub region: String,
    pub zones: Vec<String>,
    /// An enterprise discount (EDP) on on-demand prices, in basis points.
    pub on_demand_discount_bp: u32,
    pub spot_pricing: SpotPricing,
}

impl CatalogOptions {
    pub fn new(region: &str, zones: &[&str]) -> CatalogOptions {
        CatalogOptions {
            region: region.to_string(),
            zones: zones.iter().map(|z| z.to_string()).collect(),
            on_demand_discount_bp: 0,
            spot_pricing: SpotPricing::default(),
        }
    }
}

/// The instance catalogue of one cluster: specs with prices in its region and zones.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub options: CatalogOptions,
    /// Indices into `embedded().specs` of the types this catalogue includes.
    members: Vec<usize>,
}

impl Catalog {
    /// All embedded types, priced for `options`.
    pub fn new(options: CatalogOptions) -> Catalog {
        Catalog {
            options,
            members: (0..embedded().specs.len()).collect(),
        }
    }

    /// Keeps only the types `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&InstanceSpec) -> bool) {
        let specs = &embedded().specs;
        self.members.retain(|i| keep(&specs[*i]));
    }

    pub fn specs(&self) -> impl Iterator<Item = &'static InstanceSpec> + '_ {
        let specs = &embedded().specs;
        self.members.iter().map(move |i| &specs[*i])
    }

    pub fn spec(&self, name: &str) -> Option<&'static InstanceSpec> {
        self.specs().find(|s| s.name == name)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The on-demand price of `spec` in this region, after any discount. `None` if no
    /// source has a price for it there.
    pub fn on_demand_price(&self, spec: &InstanceSpec) -> Option<UsdPerHour> {
        let list = if self.options.region == "us-east-1" {
            spec.on_demand_us_east_1
        } else {
            embedded()
                .other_region_on_demand
                .get(&(self.options.region.clone(), spec.name.clone()))
                .copied()
        };
        list.map(|p| p.discounted_bp(self.options.on_demand_discount_bp))
    }

    pub fn spot_advice(&self, spec: &InstanceSpec) -> Option<SpotAdvice> {
        embedded()
            .spot_advice
            .get(&(self.options.region.clone(), spec.name.clone()))
            .copied()
    }

    /// The spot price of `spec` in the zone at `zone_index`, if any source has one.
    /// The snapshot lists prices by unnamed AZ ID; zone *i* of the scenario takes the
    /// *i*-th price, wrapping when the scenario has more zones than the snapshot.
    pub fn spot_price(&self, spec: &InstanceSpec, zone_index: usize) -> Option<UsdPerHour> {
        let key = (self.options.region.clone(), spec.name.clone());
        let from_snapshot = || {
            embedded()
                .spot_snapshot
                .get(&key)
                .filter(|p| !p.is_empty())
                .map(|p| p[zone_index % p.len()])
        };
        let from_advisor = || {
            let advice = self.spot_advice(spec)?;
            let list = if self.options.region == "us-east-1" {
                spec.on_demand_us_east_1
            } else {
                embedded().other_region_on_demand.get(&key).copied()
            }?;
            Some(list.discounted_bp(advice.savings_pct * 100))
        };
        match self.options.spot_pricing {
            SpotPricing::Off => None,
            SpotPricing::Advisor => from_advisor(),
            SpotPricing::SnapshotThenAdvisor => from_snapshot().or_else(from_advisor),
        }
    }

    /// One instance type by name, as [`Catalog::instance_types`] would give it (its `id`
    /// is its position among the catalogue's priced types).
    pub fn instance_type(&self, name: &str, kubelet: &KubeletConfig) -> Option<InstanceType> {
        let id = self
            .specs()
            .filter(|s| self.has_any_price(s))
            .position(|s| s.name == name)?;
        let spec = self.spec(name)?;
        self.priced_type(spec, kubelet, InstanceTypeId(id as u32))
    }

    fn has_any_price(&self, spec: &InstanceSpec) -> bool {
        self.on_demand_price(spec).is_some()
            || (0..self.options.zones.len()).any(|z| self.spot_price(spec, z).is_some())
    }

    /// Instance types as the scheduler sees them under `kubelet`, with offerings in every
    /// zone. Types with no price at all in this region are left out.
    pub fn instance_types(&self, kubelet: &KubeletConfig) -> Vec<InstanceType> {
        let mut out = Vec::with_capacity(self.members.len());
        for spec in self.specs() {
            if let Some(t) = self.priced_type(spec, kubelet, InstanceTypeId(out.len() as u32)) {
                out.push(t);
            }
        }
        out
    }

    fn priced_type(
        &self,
        spec: &InstanceSpec,
        kubelet: &KubeletConfig,
        id: InstanceTypeId,
    ) -> Option<InstanceType> {
        let mut offerings = Vec::new();
        let on_demand = self.on_demand_price(spec);
        let band = self.spot_advice(spec).map(|a| a.interruption_band);
        for (zi, zone) in self.options.zones.iter().enumerate() {
            if let Some(spot) = self.spot_price(spec, zi) {
                offerings.push(Offering {
                    zone: zone.clone(),
                    capacity_type: CapacityType::Spot,
                    price: spot,
                    available: true,
                    interruption_band: band,
                });
            }
            if let Some(price) = on_demand {
                offerings.push(Offering {
                    zone: zone.clone(),
                    capacity_type: CapacityType::OnDemand,
                    price,
                    available: true,
                    interruption_band: None,
                });
            }
        }
        if offerings.is_empty() {
            return None;
        }
        let resources = kubelet.node_resources(&spec.hardware());
        Some(InstanceType {
            id,
            name: spec.name.clone(),
            labels: spec.labels(&self.options.region),
            capacity: resources.capacity,
            allocatable: resources.allocatable,
            offerings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_parses() {
        let data = parse_embedded().unwrap();
        assert_eq!(data.specs.len(), 1363);
        assert_eq!(data.other_region_on_demand.len(), 66);
        assert_eq!(data.spot_snapshot.len(), 102);
        assert_eq!(data.spot_advice.len(), 360);
        assert_eq!(
            data.specs
                .iter()
                .filter(|s| s.on_demand_us_east_1.is_none())
                .count(),
            18
        );
    }

    #[test]
    fn seed_prices() {
        let c = Catalog::new(CatalogOptions::new("us-east-1", &["us-east-1a"]));
        let price = |n: &str| c.on_demand_price(c.spec(n).unwrap()).unwrap();
        assert_eq!(price("m6i.4xlarge"), UsdPerHour::parse("0.768").unwrap());
        assert_eq!(price("m7i.4xlarge"), UsdPerHour::parse("0.8064").unwrap());
    }

    #[test]
    fn single_type_lookup_matches_the_full_list() {
        let c = Catalog::new(CatalogOptions::new(
            "us-east-1",
            &["us-east-1a", "us-east-1b"],
        ));
        let k = KubeletConfig::default();
        let all = c.instance_types(&k);
        for name in ["a1.medium", "m6i.4xlarge", "x2iedn.32xlarge"] {
            let one = c.instance_type(name, &k).unwrap();
            assert_eq!(Some(&one), all.iter().find(|t| t.name == name));
        }
        assert!(
            c.instance_type("x8aedz.large", &k).is_none(),
            "no us-east-1 price, so no offering"
        );
    }

    #[test]
    fn fast_intersects_agrees_with_the_requirements_algebra() {
        use crate::requirements::{Operator, Requirement, Requirements};
        let c = Catalog::new(CatalogOptions::new(
            "us-east-1",
            &["us-east-1a", "us-east-1b"],
        ));
        let types = c.instance_types(&KubeletConfig::default());
        let sets: Vec<Requirements> = vec![
            Requirements::default(),
            [Requirement::new(
                labels::INSTANCE_FAMILY,
                Operator::In,
                ["m5", "c6i"],
            )]
            .into_iter()
            .fold(Requirements::default(), |mut r, x| {
                r.add(x);
                r
            }),
            [
                Requirement::new(labels::INSTANCE_CPU, Operator::Gt, ["8"]),
                Requirement::new(labels::ZONE, Operator::In, ["us-east-1b"]),
            ]
            .into_iter()
            .fold(Requirements::default(), |mut r, x| {
                r.add(x);
                r
            }),
            [
                Requirement::new(labels::CAPACITY_TYPE, Operator::NotIn, ["spot"]),
                Requirement::new("team", Operator::In, ["a"]),
            ]
            .into_iter()
            .fold(Requirements::default(), |mut r, x| {
                r.add(x);
                r
            }),
            [
                Requirement::new(labels::ARCH, Operator::DoesNotExist, []),
                Requirement::new(labels::ZONE, Operator::NotIn, ["us-east-1a", "us-east-1b"]),
            ]
            .into_iter()
            .fold(Requirements::default(), |mut r, x| {
                r.add(x);
                r
            }),
        ];
        for reqs in &sets {
            for t in &types {
                assert_eq!(
                    t.intersects(reqs),
                    t.requirements().intersects(reqs).is_ok(),
                    "{} vs {reqs:?}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn unpriced_types_have_no_offerings() {
        let c = Catalog::new(CatalogOptions::new("eu-west-1", &["eu-west-1a"]));
        let types = c.instance_types(&KubeletConfig::default());
        // eu-west-1 has on-demand prices for 33 types only; spot may add a few more.
        assert!(types.iter().all(|t| !t.offerings.is_empty()));
        assert!(types.len() < 120, "{}", types.len());
        assert!(types.iter().any(|t| t.name == "m6i.4xlarge"));
    }

    #[test]
    fn spot_snapshot_wraps_over_zones_and_discount_applies() {
        let mut opts = CatalogOptions::new("us-east-1", &["a", "b", "c", "d", "e", "f"]);
        opts.on_demand_discount_bp = 1_000;
        let c = Catalog::new(opts);
        let spec = c.spec("m6i.4xlarge").unwrap();
        assert_eq!(c.spot_price(spec, 0), UsdPerHour::parse("0.2721").ok());
        assert_eq!(c.spot_price(spec, 5), UsdPerHour::parse("0.2721").ok());
        assert_eq!(c.on_demand_price(spec), UsdPerHour::parse("0.6912").ok());
    }
}
