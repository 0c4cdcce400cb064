//! Claims about Redis and money outside the node model: only their arithmetic (and, where
//! an instance type is named, its list price) is checked.

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log;
use crate::validation::numbers::{count, hourly, month, per_month};

use super::cost::list_price;
use super::row;

pub fn rows(f: &Facts) -> Vec<ValidationRow> {
    let mut rows = Vec::new();

    let (from, to) = (list_price(f, "r6i.2xlarge"), list_price(f, "r6g.4xlarge"));
    let step = model::price::UsdPerHour(to.0.saturating_sub(from.0));
    let nodes = u128::from(log::REDIS_UPSIZE_NODES);
    let redis_hosts = f.owned_by("memory-r6i-2xlarge").len();
    rows.push(
        row(
            "Redis upsizing to r6g.4xlarge",
            [
                log::REDIS_UPSIZE,
                log::REDIS_UPSIZE_COST.at,
                log::REDIS_NODES_TYPE,
            ],
        )
        .log(format!(
            "~${}/month per node, {} nodes = ${}/month",
            log::REDIS_UPSIZE_COST.value,
            log::REDIS_UPSIZE_NODES,
            count(log::REDIS_UPSIZE_COST.value * u64::from(log::REDIS_UPSIZE_NODES))
        ))
        .model(format!(
            "{} − {} = {} = {}/month per node; × {} = {}",
            hourly(to),
            hourly(from),
            hourly(step),
            month(per_month(step)),
            log::REDIS_UPSIZE_NODES,
            month(model::price::Usd(per_month(step).0 * nodes))
        ))
        .differs(&format!(
            "at list price the step from r6i.2xlarge to r6g.4xlarge costs {} a month per node, \
             not ~${}; and the inventory has {redis_hosts} r6i.2xlarge nodes for the six Redis \
             pods, not six",
            month(per_month(step)),
            log::REDIS_UPSIZE_COST.value
        )),
    );

    // 4.8M sessions × 4.8 KB / 3 primaries, in bytes (KB = 1,000 bytes, as the log's 7.68).
    let projected = log::BF_SESSIONS_THOUSANDS.value * 1_000 * 4_800 / 3;
    let used: u64 = log::FLASH_USED_DECI_GB.iter().map(|(g, _)| g).sum();
    let per_primary_deci = used / 3;
    let mut refs = vec![log::BF_SESSIONS_THOUSANDS.at, log::FLASH_SESSIONS];
    refs.extend(log::FLASH_USED_DECI_GB.iter().map(|(_, r)| *r));
    rows.push(
        row(
            "Black Friday memory per Redis primary (4.8M sessions)",
            refs,
        )
        .log("4.8M × 4.8 KB / 3 = 7.68 GB")
        .model("—")
        .inconsistent(&format!(
            "the product is right ({}.{:02} GB), but at 2.4M sessions the primaries used \
                 {} GB each on average (L300-L302), so twice the sessions need about {}.{} GB, \
                 more than the 36 GB maxmemory: the projection ignores the log's own \
                 measurement",
            projected / 1_000_000_000,
            projected / 10_000_000 % 100,
            format_args!("{}.{}", per_primary_deci / 10, per_primary_deci % 10),
            per_primary_deci * 2 / 10,
            per_primary_deci * 2 % 10
        )),
    );

    rows.push(
        row("Revenue impact", [log::REVENUE])
            .log("$4,800 = 1,200 × 0.5 × $42 × 0.19")
            .model("—")
            .not_modelled(&format!(
                "1,200 × 0.5 × 42 × 0.19 = {}, which the log rounds to $4,800",
                format_args!("${}", count(1_200 * 5 * 42 * 19 / 1_000))
            )),
    );

    let by_minute: u64 = log::EVICTIONS_BY_MINUTE.iter().map(|(n, _)| n).sum();
    let keys: u64 = log::EVICTED_KEYS.iter().map(|(n, _)| n).sum();
    let mut refs: Vec<_> = log::EVICTIONS_BY_MINUTE.iter().map(|(_, r)| *r).collect();
    refs.push(log::EVICTION_RATE_1208.at);
    refs.extend(log::EVICTED_KEYS.iter().map(|(_, r)| *r));
    rows.push(
        row("Sessions evicted", refs)
            .log("120 + 240 + 360 + 480 = 1,200; 840 evictions/s at 12:08")
            .model("—")
            .inconsistent(&format!(
                "the minutes sum to {} and the evicted_keys counters to {}, but 840 evictions \
                 a second for the 12:08 minute alone would be {}, not 480",
                count(by_minute),
                count(keys),
                count(log::EVICTION_RATE_1208.value * 60)
            )),
    );
    rows
}
