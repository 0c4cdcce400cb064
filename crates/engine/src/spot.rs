//! Spot interruptions. AWS publishes, per instance type, the share of spot instances it
//! reclaimed in the trailing month (the Spot Advisor's bands). karpsim turns a band into a
//! constant hazard and draws each spot node's time to interruption from a seeded stream.
//! On the notice, Karpenter's interruption controller cordons and drains the node at once
//! so its pods are rescheduled while the instance still runs; nodes nobody handles simply
//! disappear when AWS reclaims them.

use model::SimTime;
use model::instance::CapacityType;
use model::time::MS_PER_HOUR;
use rand_distr::{Distribution as _, Exp};

use crate::output::EventKind;
use crate::sim::{Event, Simulation};
use crate::state::NodePhase;

/// Reclaimed share per month at the middle of each Spot Advisor band (`<5%`, `5-10%`,
/// `10-15%`, `15-20%`, and 25 % for `>20%`).
const BAND_MONTHLY_SHARE: [f64; 5] = [0.025, 0.075, 0.125, 0.175, 0.25];
const MS_PER_MONTH: f64 = 730.0 * MS_PER_HOUR as f64;

impl Simulation<'_> {
    /// Draws when a spot node will get its interruption notice, if within the run.
    pub fn schedule_interruption(&mut self, node: model::NodeId) {
        if !self.cfg.spot_interruptions.enabled {
            return;
        }
        let n = self.state.node(node);
        if n.capacity_type != CapacityType::Spot {
            return;
        }
        let Some(band) = self
            .cfg
            .catalog
            .spec(&n.instance_type)
            .and_then(|s| self.cfg.catalog.spot_advice(s))
            .map(|a| a.interruption_band)
        else {
            return;
        };
        let share = BAND_MONTHLY_SHARE[usize::from(band.min(4))];
        // A constant hazard that reclaims `share` of instances within a month.
        let multiplier = f64::from(self.cfg.spot_interruptions.rate_multiplier_bp) / 10_000.0;
        let rate_per_ms = -(1.0 - share).ln() / MS_PER_MONTH * multiplier;
        let Ok(exp) = Exp::new(rate_per_ms) else {
            return;
        };
        let after_ms = exp.sample(&mut self.rng_interruptions);
        let from = n.ready_at.unwrap_or(n.launched_at).max(self.cfg.start);
        let at = SimTime(
            from.0
                .saturating_add(after_ms.min(u64::MAX as f64 / 2.0) as u64),
        );
        if at <= self.end {
            self.queue.schedule(at, Event::SpotNotice(node));
        }
    }

    pub fn spot_notice(&mut self, now: SimTime, node: model::NodeId) {
        let n = self.state.node(node);
        if matches!(n.phase, NodePhase::Terminated) {
            return;
        }
        let (name, prov, karpenter_node, deleting) = (
            n.name.clone(),
            n.provisioner,
            n.nodepool.is_some(),
            n.phase == NodePhase::Deleting,
        );
        let notice = self.cfg.spot_interruptions.notice;
        self.log(
            now,
            EventKind::SpotInterruption,
            Some(prov),
            Some(name),
            None,
            None,
            format!("spot interruption notice: AWS reclaims the instance in {notice}"),
        );
        if karpenter_node
            && self.karpenter_enabled
            && self.cfg.karpenter.interruption_handling
            && !deleting
        {
            self.drain_and_terminate(
                now,
                node,
                "Interrupted: spot interruption notice, drained by Karpenter",
            );
        }
        self.queue
            .schedule(now.saturating_add(notice), Event::SpotReclaim(node));
    }

    pub fn spot_reclaim(&mut self, now: SimTime, node: model::NodeId) {
        if self.state.node(node).phase == NodePhase::Terminated {
            return;
        }
        if self.state.node(node).phase != NodePhase::Deleting {
            self.drain_and_terminate(now, node, "Interrupted: spot instance reclaimed by AWS");
        }
        // Whatever is still running goes with the instance.
        self.terminate_node(now, node);
    }
}
