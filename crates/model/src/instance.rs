//! Instance types and their offerings (zone × capacity type × price).

use std::fmt;

use serde::Serialize;

use crate::ids::InstanceTypeId;
use crate::labels::{self, Labels};
use crate::price::UsdPerHour;
use crate::requirements::{Operator, Requirement, Requirements};
use crate::resources::Resources;

/// `karpenter.sh/capacity-type`. Ordered as Karpenter prefers them at launch
/// (`getCapacityType`: reserved > spot > on-demand).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapacityType {
    Reserved,
    Spot,
    OnDemand,
}

impl CapacityType {
    pub fn label_value(self) -> &'static str {
        match self {
            CapacityType::Reserved => "reserved",
            CapacityType::Spot => "spot",
            CapacityType::OnDemand => "on-demand",
        }
    }

    pub fn parse(s: &str) -> Option<CapacityType> {
        match s {
            "reserved" => Some(CapacityType::Reserved),
            "spot" => Some(CapacityType::Spot),
            "on-demand" => Some(CapacityType::OnDemand),
            _ => None,
        }
    }
}

impl fmt::Display for CapacityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_value())
    }
}

/// Where a type can be launched, at what price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offering {
    pub zone: String,
    pub capacity_type: CapacityType,
    pub price: UsdPerHour,
    /// False after an insufficient-capacity error, until the offering recovers.
    pub available: bool,
    /// Spot Advisor interruption band (0 `<5%` … 4 `>20%` per month), spot only.
    pub interruption_band: Option<u8>,
}

/// An instance type as the scheduler sees it: labels, capacity and allocatable under
/// one kubelet configuration, and its offerings in the cluster's region and zones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceType {
    pub id: InstanceTypeId,
    pub name: String,
    pub labels: Labels,
    pub capacity: Resources,
    pub allocatable: Resources,
    pub offerings: Vec<Offering>,
}

impl InstanceType {
    /// Requirements describing this type (its labels, plus zone and capacity type of its
    /// available offerings), as Karpenter's `InstanceType.Requirements`.
    pub fn requirements(&self) -> Requirements {
        let mut r = Requirements::from_labels(&self.labels);
        let zones: Vec<&str> = dedup(
            self.offerings
                .iter()
                .filter(|o| o.available)
                .map(|o| o.zone.as_str()),
        );
        let capacity_types: Vec<&str> = dedup(
            self.offerings
                .iter()
                .filter(|o| o.available)
                .map(|o| o.capacity_type.label_value()),
        );
        r.add(Requirement::new(labels::ZONE, Operator::In, zones));
        r.add(Requirement::new(
            labels::CAPACITY_TYPE,
            Operator::In,
            capacity_types,
        ));
        r
    }

    /// `self.requirements().intersects(requirements).is_ok()` without building the
    /// requirements: a type's labels are single values and its zones and capacity types
    /// come from its available offerings, so each shared key is one lookup.
    pub fn intersects(&self, requirements: &Requirements) -> bool {
        // With no available offering the type's zone and capacity-type requirements read as
        // DoesNotExist, which an excluding requirement (NotIn, DoesNotExist) intersects.
        let excludes =
            |r: &Requirement| matches!(r.operator(), Operator::NotIn | Operator::DoesNotExist);
        let none_available = !self.offerings.iter().any(|o| o.available);
        requirements.iter().all(|r| match r.key.as_str() {
            labels::ZONE if none_available => excludes(r),
            labels::CAPACITY_TYPE if none_available => excludes(r),
            labels::ZONE => self.offerings.iter().any(|o| o.available && r.has(&o.zone)),
            labels::CAPACITY_TYPE => self
                .offerings
                .iter()
                .any(|o| o.available && r.has(o.capacity_type.label_value())),
            key => self.labels.get(key).is_none_or(|v| r.has(v)),
        })
    }

    /// The cheapest available offering that `requirements` allow (zone and capacity type).
    pub fn cheapest_offering(&self, requirements: &Requirements) -> Option<&Offering> {
        let filter = OfferingFilter::new(requirements);
        self.offerings
            .iter()
            .filter(|o| o.available && filter.allows(o))
            .min_by(|a, b| a.price.cmp(&b.price).then_with(|| a.zone.cmp(&b.zone)))
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }
}

/// True if the offering's zone and capacity type satisfy the requirements.
pub fn offering_allowed(o: &Offering, requirements: &Requirements) -> bool {
    OfferingFilter::new(requirements).allows(o)
}

/// [`offering_allowed`] with the zone and capacity-type requirements looked up once, for
/// loops over many offerings against the same requirements.
#[derive(Debug, Clone, Copy)]
pub struct OfferingFilter<'r> {
    zone: Option<&'r crate::requirements::Requirement>,
    capacity_type: Option<&'r crate::requirements::Requirement>,
}

impl<'r> OfferingFilter<'r> {
    pub fn new(requirements: &'r Requirements) -> OfferingFilter<'r> {
        OfferingFilter {
            zone: requirements.get(labels::ZONE),
            capacity_type: requirements.get(labels::CAPACITY_TYPE),
        }
    }

    /// True if the offering's zone and capacity type satisfy the requirements (available
    /// or not).
    pub fn allows(&self, o: &Offering) -> bool {
        self.zone.is_none_or(|r| r.has(&o.zone))
            && self
                .capacity_type
                .is_none_or(|r| r.has(o.capacity_type.label_value()))
    }
}

fn dedup<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = it.collect();
    v.sort_unstable();
    v.dedup();
    v
}
