//! Launch-latency distributions. Defaults reproduce the seed log's medians:
//! Karpenter 4 + 12 + 12 + 15 = 43 s, cluster-autoscaler 8 + 45 + 30 + 35 = 118 s.

use model::SimDuration;

use super::common::Ctx;
use crate::diag::{PathLike, Root};
use crate::raw::{RawDistribution, RawLatency, RawLaunchLatency};
use crate::spec::{Distribution, LatencyModel, LaunchLatency};

fn constant(secs: u64) -> Distribution {
    Distribution::Constant(SimDuration::from_secs(secs))
}

/// The seed log's phase breakdown ("EC2 Fleet API call 4s + instance launch 12s + AMI boot
/// 12s + kubelet registration 15s"; "ASG API call 8s + instance launch 45s + AMI boot 30s
/// + kubelet registration 35s").
pub fn default_latency() -> LatencyModel {
    LatencyModel {
        karpenter: LaunchLatency {
            api_call: constant(4),
            instance_launch: constant(12),
            boot: constant(12),
            registration: constant(15),
            pod_start: constant(0),
        },
        cluster_autoscaler: LaunchLatency {
            api_call: constant(8),
            instance_launch: constant(45),
            boot: constant(30),
            registration: constant(35),
            pod_start: constant(0),
        },
    }
}

pub fn latency(ctx: &mut Ctx, raw: Option<&RawLatency>) -> LatencyModel {
    let mut m = default_latency();
    let Some(raw) = raw else { return m };
    let path = Root.key("latency");
    if let Some(k) = &raw.karpenter {
        launch(ctx, path.key("karpenter"), k, &mut m.karpenter);
    }
    if let Some(c) = &raw.cluster_autoscaler {
        launch(
            ctx,
            path.key("cluster_autoscaler"),
            c,
            &mut m.cluster_autoscaler,
        );
    }
    m
}

fn launch(ctx: &mut Ctx, path: impl PathLike, raw: &RawLaunchLatency, out: &mut LaunchLatency) {
    let phases: [(&str, &Option<RawDistribution>, &mut Distribution); 5] = [
        ("api_call", &raw.api_call, &mut out.api_call),
        (
            "instance_launch",
            &raw.instance_launch,
            &mut out.instance_launch,
        ),
        ("boot", &raw.boot, &mut out.boot),
        ("registration", &raw.registration, &mut out.registration),
        ("pod_start", &raw.pod_start, &mut out.pod_start),
    ];
    for (name, raw, slot) in phases {
        if let Some(r) = raw
            && let Some(d) = distribution(ctx, path.key(name), r)
        {
            *slot = d;
        }
    }
}

pub fn distribution(
    ctx: &mut Ctx,
    p: impl PathLike,
    raw: &RawDistribution,
) -> Option<Distribution> {
    let t = match raw {
        RawDistribution::Constant(s) => return ctx.duration(p, s).map(Distribution::Constant),
        RawDistribution::Table(t) => t,
    };
    let dist = ctx.one_of(
        p.key("dist"),
        &t.dist,
        &["constant", "uniform", "normal", "lognormal", "empirical"],
        "distribution",
    )?;
    let need = |ctx: &mut Ctx, key: &'static str, v: &Option<String>| -> Option<SimDuration> {
        match v {
            Some(s) => ctx.duration(p.key(key), s),
            None => {
                ctx.issues
                    .error(p, format!("distribution `{dist}` needs `{key}`"));
                None
            }
        }
    };
    Some(match dist {
        "constant" => Distribution::Constant(need(ctx, "value", &t.value)?),
        "uniform" => {
            let (min, max) = (need(ctx, "min", &t.min)?, need(ctx, "max", &t.max)?);
            if min > max {
                ctx.issues.error(p.key("min"), "min is greater than max");
                return None;
            }
            Distribution::Uniform { min, max }
        }
        "normal" => Distribution::Normal {
            mean: need(ctx, "mean", &t.mean)?,
            stddev: need(ctx, "stddev", &t.stddev)?,
        },
        "lognormal" => {
            let median = need(ctx, "median", &t.median)?;
            let sigma = t.sigma.unwrap_or(0.25);
            if !(sigma.is_finite() && sigma > 0.0 && sigma <= 5.0) {
                ctx.issues
                    .error(p.key("sigma"), format!("sigma {sigma} is outside (0, 5]"));
                return None;
            }
            Distribution::LogNormal { median, sigma }
        }
        _ => {
            let Some(samples) = &t.samples else {
                ctx.issues
                    .error(p, "distribution `empirical` needs `samples`");
                return None;
            };
            if samples.is_empty() {
                ctx.issues.error(p.key("samples"), "samples is empty");
                return None;
            }
            let parsed: Vec<SimDuration> = samples
                .iter()
                .enumerate()
                .filter_map(|(i, s)| ctx.duration(p.key("samples").index(i), s))
                .collect();
            if parsed.len() != samples.len() {
                return None;
            }
            Distribution::Empirical(parsed)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_sum_to_the_log_medians() {
        let m = default_latency();
        let sum = |l: &LaunchLatency| {
            [
                &l.api_call,
                &l.instance_launch,
                &l.boot,
                &l.registration,
                &l.pod_start,
            ]
            .iter()
            .map(|d| d.median().0)
            .sum::<u64>()
        };
        assert_eq!(sum(&m.karpenter), 43_000);
        assert_eq!(sum(&m.cluster_autoscaler), 118_000);
    }
}
