//! `[[capacity_shortages]]`: windows in which EC2 answers launches of an offering with
//! `InsufficientInstanceCapacity`, so a what-if can ask how Karpenter falls back.

use model::SimTime;
use model::catalog::Catalog;
use model::instance::CapacityType;

use super::common::Ctx;
use super::groups::{check_zone, instance_type_with_price};
use crate::diag::{PathLike, Root};
use crate::raw::RawScenario;
use crate::spec::CapacityShortage;

pub fn shortages(
    ctx: &mut Ctx,
    raw: &RawScenario,
    catalog: &Catalog,
    zones: &[String],
    start: SimTime,
    end: SimTime,
) -> Vec<CapacityShortage> {
    let mut out = Vec::new();
    for (i, r) in raw.capacity_shortages.iter().enumerate() {
        let p = Root.key("capacity_shortages").index(i);
        let type_ok =
            instance_type_with_price(ctx, p.key("instance_type"), &r.instance_type, catalog);
        if let Some(z) = &r.zone {
            check_zone(ctx, p.key("zone"), z, zones);
        }
        let capacity_type = r.capacity_type.as_deref().and_then(|v| {
            ctx.one_of(
                p.key("capacity_type"),
                v,
                &["on-demand", "spot", "reserved"],
                "capacity type",
            )
            .and_then(CapacityType::parse)
        });
        let from = match &r.from {
            Some(s) => ctx.timestamp(p.key("from"), s),
            None => Some(start),
        };
        let until = match &r.until {
            Some(s) => ctx.timestamp(p.key("until"), s),
            None => Some(end),
        };
        let (Some(from), Some(until)) = (from, until) else {
            continue;
        };
        if until <= from {
            ctx.issues
                .error(p.key("until"), "the shortage must end after it starts");
            continue;
        }
        if type_ok {
            out.push(CapacityShortage {
                instance_type: r.instance_type.clone(),
                zone: r.zone.clone(),
                capacity_type,
                from,
                until,
            });
        }
    }
    out
}
