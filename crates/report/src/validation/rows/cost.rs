//! Section 4's cost impact and the migration results' monthly figures, at the embedded
//! catalogue's us-east-1 on-demand list prices (730 hours a month).

use model::price::{NANOS_PER_USD, Usd, UsdPerHour};

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log;
use crate::validation::numbers::{dollars, hourly, month, pct, per_month};

use super::row;

/// The catalogue's on-demand list price of a type in the scenario's region.
pub fn list_price(f: &Facts, instance_type: &str) -> UsdPerHour {
    f.scenario
        .catalog
        .spec(instance_type)
        .and_then(|s| f.scenario.catalog.on_demand_price(s))
        .unwrap_or_default()
}

fn times(n: u64, p: UsdPerHour) -> UsdPerHour {
    UsdPerHour(p.0 * n)
}

pub fn rows(f: &Facts) -> Vec<ValidationRow> {
    let mut rows = Vec::new();
    let at_start = f
        .sample_at(f.scenario.start)
        .map_or(UsdPerHour(0), |s| s.cost_per_hour);
    let t1100 = f.clock(11, 0, 0);
    let at_1100 = f
        .sample_at(t1100)
        .map_or(UsdPerHour(0), |s| s.cost_per_hour);
    let at_end = f.run.summary.cost_per_hour_end;
    let start_month = per_month(at_start);

    let before = log::MONTHLY_BEFORE;
    rows.push(
        row("EC2 cost before consolidation", [before.at])
            .log(format!("{}/month", month(before.value)))
            .model(format!(
                "{}/month ({} for the 36 listed nodes × 730 h)",
                month(start_month),
                hourly(at_start)
            ))
            .differs(&format!(
                "karpsim prices at the us-east-1 on-demand list price and the log names no \
                 discount: the log's figure is {} of the listed nodes' list price, as if they \
                 had {} off (a savings plan or reserved instances would do that) or were \
                 other nodes",
                pct(cents(before.value), cents(start_month)),
                pct(cents(start_month) - cents(before.value), cents(start_month))
            )),
    );

    let after = log::MONTHLY_AFTER;
    rows.push(
        row("EC2 cost after consolidation", [after.at])
            .log(format!("{}/month", month(after.value)))
            .model(format!(
                "{}/month at 11:00, {}/month at the end of the day",
                month(per_month(at_1100)),
                month(per_month(at_end))
            ))
            .differs(
                "the model prices at list, as above, and keeps every listed node (see \
                 Consolidation)",
            ),
    );

    let m6i = list_price(f, "m6i.4xlarge");
    let m7i = list_price(f, "m7i.4xlarge");
    let action1 = UsdPerHour(times(3, m6i).0.saturating_sub(times(2, m7i).0));
    let removed = times(4, m6i);
    let added = times(2, m7i);
    let net = UsdPerHour(removed.0.saturating_sub(added.0));
    let stated_gap = Usd(before.value.0 - after.value.0);
    let model_saving = Usd(start_month.0.saturating_sub(per_month(at_1100).0));
    let hourly_400 = format!("{}/h", dollars(log::SAVINGS_400.value.0 / 730, 4));
    rows.push(
        row(
            "Monthly savings: $400 against $1,065",
            [
                log::SAVINGS_400.at,
                log::SAVINGS_400_SLACK,
                log::SAVINGS_1065.at,
                log::SAVINGS_1065_CHECKLIST,
            ],
        )
        .log(format!(
            "{}/month and {}/month for the same two actions",
            month(log::SAVINGS_400.value),
            dollars(log::SAVINGS_1065.value.0, 0)
        ))
        .model(format!("{}/month by 11:00", month(model_saving)))
        .inconsistent(&format!(
            "{} − {} = {}, but the log's cost impact prices the same actions at 4 × {} − 2 × \
             {} = {} = {}/month, and action 1 alone at {} = {}/month; {} a month would be {} \
             (the model saves nothing: it removes no node)",
            month(before.value),
            month(after.value),
            month(stated_gap),
            hourly(m6i),
            hourly(m7i),
            hourly(net),
            month(per_month(net)),
            hourly(log::ACTION1_SAVINGS_PER_HOUR.value),
            month(per_month(log::ACTION1_SAVINGS_PER_HOUR.value)),
            month(log::SAVINGS_400.value),
            hourly_400
        )),
    );

    rows.push(
        row(
            "Action 1 saves one instance",
            [
                log::ACTION1_SAVINGS_PER_HOUR.at,
                log::ACTION1_SAVINGS_CONTROLLER,
                log::ACTION1_SAVINGS_RESULTS,
            ],
        )
        .log(format!(
            "{} = ~{}/month",
            hourly(log::ACTION1_SAVINGS_PER_HOUR.value),
            dollars(log::ACTION1_SAVINGS_PER_MONTH.value.0, 0)
        ))
        .model(format!(
            "3 × {} − 2 × {} = {} = {}/month",
            hourly(m6i),
            hourly(m7i),
            hourly(action1),
            month(per_month(action1))
        ))
        .inconsistent(&format!(
            "replacing 3 m6i.4xlarge by 2 m7i.4xlarge removes one node but not one node's \
             price: an m7i.4xlarge ({}) costs more than an m6i.4xlarge ({}), so it saves {} \
             = {}/month; and {} × 730 h is {}, not ~{}",
            hourly(m7i),
            hourly(m6i),
            hourly(action1),
            month(per_month(action1)),
            hourly(log::ACTION1_SAVINGS_PER_HOUR.value),
            month(per_month(log::ACTION1_SAVINGS_PER_HOUR.value)),
            dollars(log::ACTION1_SAVINGS_PER_MONTH.value.0, 0)
        )),
    );

    let arithmetic_holds = removed == log::REMOVED_PER_HOUR.value
        && added == log::ADDED_PER_HOUR.value
        && net == log::NET_PER_HOUR.value
        && cents(per_month(net)) == log::NET_PER_MONTH_CENTS.value
        && m6i == log::M6I_4XL_PRICE.value
        && m7i == log::M7I_4XL_PRICE.value;
    let r = row(
        "Cost impact of the four removals and two additions",
        [
            log::REMOVED_PER_HOUR.at,
            log::ADDED_PER_HOUR.at,
            log::NET_PER_HOUR.at,
        ],
    )
    .log(format!(
        "−{} + {} = {}/h saved = {}/month",
        hourly(log::REMOVED_PER_HOUR.value),
        hourly(log::ADDED_PER_HOUR.value),
        hourly(log::NET_PER_HOUR.value).trim_end_matches("/h"),
        dollars(
            u128::from(log::NET_PER_MONTH_CENTS.value) * u128::from(NANOS_PER_USD / 100),
            2
        )
    ))
    .model(format!(
        "list prices {} and {}: 4 × = {}, 2 × = {}, net {} = {}/month; the run makes none of \
         these changes",
        hourly(m6i),
        hourly(m7i),
        hourly(removed),
        hourly(added),
        hourly(net),
        month(per_month(net))
    ));
    rows.push(if arithmetic_holds {
        r.differs(
            "the prices and the arithmetic are right, but the model removes none of the four \
             nodes and adds neither m7i.4xlarge (see Consolidation)",
        )
    } else {
        r.inconsistent("the log's products do not match the catalogue's list prices")
    });

    rows.push(
        row("\"$400 counted only 1 instance\"", [log::CONSERVATIVE_NOTE])
            .log(format!(
                "1 instance = {}/month",
                month(log::SAVINGS_400.value)
            ))
            .model(format!(
                "1 × {} = {}/month",
                hourly(m6i),
                month(per_month(m6i))
            ))
            .inconsistent(&format!(
                "one m6i.4xlarge is {} × 730 h = {} a month, not {}",
                hourly(m6i),
                month(per_month(m6i)),
                month(log::SAVINGS_400.value)
            )),
    );

    let (oct, sep) = (log::OCTOBER_TOTAL.value, log::SEPTEMBER_TOTAL.value);
    let reduction = whole_permille(cents(Usd(sep.0 - oct.0)), cents(sep));
    let r = row(
        "October against September (all AWS costs)",
        [log::OCTOBER_TOTAL.at],
    )
    .log(format!(
        "{} against {}: 2.5 % less",
        dollars(oct.0, 0),
        dollars(sep.0, 0)
    ))
    .model("—");
    rows.push(if reduction == log::OCTOBER_REDUCTION_PERMILLE.value {
        r.not_modelled(&format!(
            "({} − {}) / {} = {}; RDS, ElastiCache and data transfer are outside the model",
            dollars(sep.0, 0),
            dollars(oct.0, 0),
            dollars(sep.0, 0),
            pct(cents(Usd(sep.0 - oct.0)), cents(sep))
        ))
    } else {
        r.inconsistent(&format!(
            "({} − {}) / {} = {}",
            dollars(sep.0, 0),
            dollars(oct.0, 0),
            dollars(sep.0, 0),
            pct(cents(Usd(sep.0 - oct.0)), cents(sep))
        ))
    });
    rows
}

/// Nano-dollars to whole cents, half up.
pub fn cents(usd: Usd) -> u64 {
    ((usd.0 + 5_000_000) / 10_000_000) as u64
}

/// `part / whole` in tenths of a percent, half up.
fn whole_permille(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    ((u128::from(part) * 2_000 + u128::from(whole)) / (2 * u128::from(whole))) as u64
}
