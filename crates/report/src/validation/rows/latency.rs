//! Provisioning latency per phase and per launch.

use engine::config::LaunchLatency;

use crate::validation::ValidationRow;
use crate::validation::facts::Facts;
use crate::validation::log::{self, Stated};
use crate::validation::numbers::seconds;
use crate::validation::probes::{Launch, Probes};

use super::row;

/// Medians of the four launch phases, in ms (pod start is 0 in the seed scenario).
fn phases_ms(l: &LaunchLatency) -> [u64; 4] {
    [
        l.api_call.median().0,
        l.instance_launch.median().0,
        l.boot.median().0,
        l.registration.median().0,
    ]
}

fn phases_label(ms: &[u64; 4]) -> String {
    let s: Vec<String> = ms.iter().map(|m| seconds(*m)).collect();
    format!("{} = {}", s.join(" + "), seconds(ms.iter().sum()))
}

/// Pending to ready of a probe's first node, in ms.
fn pending_to_ready(l: &Launch) -> Option<u64> {
    l.provisioning.as_ref().map(|p| p.latency.0)
}

fn phase_row(
    who: &str,
    avg: Stated<u64>,
    phases: Stated<[u64; 4]>,
    model: &LaunchLatency,
    launched_in_day: u32,
    probe: Option<u64>,
) -> ValidationRow {
    let stated_sum: u64 = phases.value.iter().sum();
    let model_ms = phases_ms(model);
    let r = row(format!("{who}: latency by phase"), [avg.at, phases.at])
        .log(format!(
            "{} s = {}",
            avg.value,
            phases
                .value
                .iter()
                .map(|s| format!("{s} s"))
                .collect::<Vec<_>>()
                .join(" + ")
        ))
        .model(format!(
            "phases {}; launches in the day: {launched_in_day}{}",
            phases_label(&model_ms),
            probe.map_or(String::new(), |ms| format!(
                "; probe launch, pending to ready: {}",
                seconds(ms)
            ))
        ));
    if stated_sum != avg.value {
        return r.inconsistent(&format!(
            "the phases sum to {stated_sum} s, not {} s",
            avg.value
        ));
    }
    let same = model_ms
        .iter()
        .zip(phases.value)
        .all(|(m, s)| *m == s * 1_000);
    r.input_or_differs(
        same,
        "the log's phases are cutover.toml's latency model (karpsim's defaults); the day \
         itself launches nothing (no pod waits for a node), so the measured figure is the \
         probe's, which adds the batching window or scan to the phases",
    )
}

pub fn rows(f: &Facts, probes: &Probes) -> Vec<ValidationRow> {
    let latency = &f.scenario.latency;
    let launched = f.run.summary.nodes_launched;
    let mut rows = vec![
        phase_row(
            "cluster-autoscaler",
            log::CA_AVG_S,
            log::CA_PHASES_S,
            &latency.cluster_autoscaler,
            launched[1],
            pending_to_ready(&probes.second_by_ca),
        ),
        phase_row(
            "Karpenter",
            log::KARPENTER_AVG_S,
            log::KARPENTER_PHASES_S,
            &latency.karpenter,
            launched[0],
            pending_to_ready(&probes.first),
        ),
    ];

    let ca: u64 = phases_ms(&latency.cluster_autoscaler).iter().sum();
    let k: u64 = phases_ms(&latency.karpenter).iter().sum();
    let log_hundredths = log::CA_AVG_S.value * 100 / log::KARPENTER_AVG_S.value.max(1);
    let model_hundredths = ca * 100 / k.max(1);
    rows.push(
        row(
            "Speed-up of Karpenter over cluster-autoscaler",
            [log::SPEEDUP_TENTHS.at],
        )
        .log(format!(
            "{}.{}×",
            log::SPEEDUP_TENTHS.value / 10,
            log::SPEEDUP_TENTHS.value % 10
        ))
        .model(format!(
            "{} / {} = {}.{:02}×",
            seconds(ca),
            seconds(k),
            model_hundredths / 100,
            model_hundredths % 100
        ))
        .input_or_differs(
            (log_hundredths + 5) / 10 == log::SPEEDUP_TENTHS.value
                && model_hundredths == log_hundredths,
            "118 / 43 = 2.74, from the phases above",
        ),
    );

    rows.push(launch_row(
        f,
        "07:15 launch: pending to ready",
        log::FIRST_LAUNCH_S,
        (log::FIRST_FOUND, log::FIRST_READY),
        &probes.first,
    ));
    rows.push(launch_row(
        f,
        "08:05 launch: pending to running",
        log::SECOND_LAUNCH_S,
        (log::SECOND_FOUND, log::SECOND_PACKED),
        &probes.second,
    ));

    rows.push(
        row(
            "11:00 test launch",
            [log::TEST_LAUNCH_SLACK_S.at, log::TEST_LAUNCH_CHECKLIST_S.at],
        )
        .log(format!(
            "{} s (Slack) and {} s (checklist) for one m7i.2xlarge",
            log::TEST_LAUNCH_SLACK_S.value,
            log::TEST_LAUNCH_CHECKLIST_S.value
        ))
        .model("—")
        .not_modelled(
            "the test deployment's requests are not logged, so cutover.toml does not replay it; \
             the two lines give two durations for one test",
        ),
    );
    rows
}

fn launch_row(
    f: &Facts,
    claim: &str,
    stated: Stated<u64>,
    (found, ready): (Stated<&str>, Stated<&str>),
    probe: &Launch,
) -> ValidationRow {
    let from = f.clock_str(found.value);
    let day_launches = f
        .launched(
            engine::output::Provisioner::Karpenter,
            model::SimTime(from.0.saturating_sub(60_000)),
            model::SimTime(from.0 + 600_000),
        )
        .len()
        + f.launched(
            engine::output::Provisioner::ClusterAutoscaler,
            model::SimTime(from.0.saturating_sub(60_000)),
            model::SimTime(from.0 + 600_000),
        )
        .len();
    let by_timestamps = f.clock_str(ready.value).since(f.clock_str(found.value)).0;
    let model = pending_to_ready(probe);
    let r = row(claim, [stated.at, found.at, ready.at])
        .log(format!(
            "{} s ({} → {} in the controller log: {})",
            stated.value,
            found.value,
            ready.value,
            seconds(by_timestamps)
        ))
        .model(match model {
            Some(ms) => format!(
                "{} in the launch probe; {}",
                seconds(ms),
                if day_launches == 0 {
                    "no launch in the day itself (see Launches)".to_string()
                } else {
                    format!("{day_launches} launches in the day itself")
                }
            ),
            None => "no launch".into(),
        });
    let model_s = model.map(|ms| (ms + 500) / 1_000);
    // The log's clock has whole seconds; a second either way is rounding.
    if (by_timestamps / 1_000).abs_diff(stated.value) > 1 {
        let note = if model_s == Some(by_timestamps / 1_000) {
            "; the model's figure matches the timestamps"
        } else {
            ""
        };
        r.inconsistent(&format!(
            "the log's own timestamps give {}, not {} s{note}",
            seconds(by_timestamps),
            stated.value
        ))
    } else {
        r.reproduced_or_differs(
            model_s == Some(stated.value),
            "in the launch probe (batching window + phases)",
            "the probe's launch takes another time",
        )
    }
}
