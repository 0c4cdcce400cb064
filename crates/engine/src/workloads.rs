//! Workloads: how many replicas each should have at a time, and the ReplicaSet/Job
//! controllers that create and delete pods to match.

use model::time::MS_PER_DAY;
use model::{PodId, SimTime, WorkloadId};

use crate::config::{ReplicaSchedule, WorkloadKind, WorkloadSpec};
use crate::output::EventKind;
use crate::sim::{Event, Simulation};
use crate::state::PodPhase;

/// The schedule's base replica count at `t` (points override the daily curve, which
/// overrides the initial count).
pub fn base_replicas(s: &ReplicaSchedule, t: SimTime) -> u32 {
    if let Some((_, r)) = s.points.iter().rev().find(|(at, _)| *at <= t) {
        return *r;
    }
    if let Some(d) = &s.daily {
        // replicas(t) = min + (max − min)·(1 + cos(2π(t − peak)/24 h))/2
        let ms_of_day = t.0 % MS_PER_DAY;
        let phase = (ms_of_day as f64 - d.peak_ms_of_day as f64) / MS_PER_DAY as f64;
        let f = (1.0 + (2.0 * std::f64::consts::PI * phase).cos()) / 2.0;
        return d.min + ((d.max - d.min) as f64 * f).round() as u32;
    }
    s.initial
}

/// The product of active spikes at `t`, in basis points, ramping linearly in and out.
pub fn spike_factor_bp(s: &ReplicaSchedule, t: SimTime) -> u64 {
    let mut f: u64 = 10_000;
    for sp in &s.spikes {
        let end = sp.at.saturating_add(sp.duration);
        if t < sp.at || t >= end {
            continue;
        }
        let extra = u64::from(sp.factor_bp).saturating_sub(10_000);
        let less = 10_000u64.saturating_sub(u64::from(sp.factor_bp));
        let ramp = sp.ramp.0.max(1);
        let into = t.since(sp.at).0;
        let left = end.since(t).0;
        // Fraction of the full spike reached, in parts per 10,000.
        let reached = if into < sp.ramp.0 {
            into * 10_000 / ramp
        } else if left < sp.ramp.0 {
            left * 10_000 / ramp
        } else {
            10_000
        };
        let g = (10_000 + extra * reached / 10_000).saturating_sub(less * reached / 10_000);
        // Saturating: overlapping large spikes must not overflow.
        f = f.saturating_mul(g) / 10_000;
    }
    f
}

impl Simulation<'_> {
    /// False once the run has created `limits.max_pods` pods: the run then stops with a
    /// clear message instead of exhausting memory.
    pub fn room_for_pods(&mut self) -> bool {
        let room = (self.state.pods.len() as u64) < self.cfg.limits.max_pods;
        if !room {
            self.pods_capped = true;
        }
        room
    }

    /// Desired replicas of a workload at `t`.
    pub fn desired_replicas(&self, w: usize, t: SimTime) -> u32 {
        let spec: &WorkloadSpec = &self.cfg.workloads[w];
        if spec.created_at.is_some_and(|c| t < c) {
            return 0;
        }
        if spec.kind == WorkloadKind::Job {
            return spec.replicas.initial;
        }
        let base =
            u64::from(self.replica_override[w].unwrap_or_else(|| base_replicas(&spec.replicas, t)));
        let traffic = if spec.replicas.follows_traffic {
            u64::from(self.traffic_bp)
        } else {
            10_000
        };
        let scaled = base.saturating_mul(spike_factor_bp(&spec.replicas, t)) / 10_000;
        let scaled = scaled.saturating_mul(traffic);
        // Round to nearest.
        u32::try_from(scaled.saturating_add(5_000) / 10_000).unwrap_or(u32::MAX)
    }

    /// Pods present at the start: inventory placements first, the rest through the
    /// kube-scheduler like any pending pod.
    pub fn place_initial_pods(&mut self) {
        let now = self.cfg.start;
        let cfg = self.cfg;
        self.steady_workloads = (0..cfg.workloads.len())
            .filter(|w| cfg.workloads[*w].kind != WorkloadKind::Job)
            .collect();
        for w in 0..self.cfg.workloads.len() {
            let desired = self.desired_replicas(w, now);
            let placement = self.cfg.workloads[w].initial_placement.clone();
            for i in 0..desired {
                if !self.room_for_pods() {
                    break;
                }
                let pod = self.create_pod(now, WorkloadId(w as u32));
                if let Some(name) = placement.get(i as usize)
                    && let Some(node) = self
                        .state
                        .nodes
                        .iter()
                        .find(|n| &n.name == name)
                        .map(|n| n.id)
                    && self.fits_node(pod, node)
                {
                    self.state.bind(pod, node, now);
                    self.state.pods[pod.index()].pending_since = None;
                    self.after_bind(now, pod);
                }
            }
            // A Job that did not start now starts at its creation, if it has one.
            let spec = &self.cfg.workloads[w];
            if let (WorkloadKind::Job, 0, Some(c)) = (spec.kind, desired, spec.created_at) {
                self.job_starts.push((c, w));
            }
        }
        self.job_starts.sort_unstable();
        // Pods running at the start were not waiting on anyone.
        self.kube_scheduler_pass(now);
        for p in &mut self.state.pods {
            if p.phase != PodPhase::Pending {
                p.pending_since = None;
            }
        }
    }

    /// Creates and deletes pods to match every workload's desired count.
    pub fn reconcile_workloads(&mut self, now: SimTime) {
        // Jobs due now and every other workload, in workload order (pods are numbered in
        // the order they are created).
        let waiting = &self.job_starts[self.job_starts_next..];
        let due = waiting.partition_point(|(c, _)| *c <= now);
        let mut visit: Vec<usize> = waiting[..due].iter().map(|(_, w)| *w).collect();
        self.job_starts_next += due;
        visit.extend_from_slice(&self.steady_workloads);
        visit.sort_unstable();
        for w in visit {
            self.reconcile_workload(now, w);
        }
    }

    /// A due Job starts its pods; any other workload gets pods created or deleted to
    /// match its desired count.
    fn reconcile_workload(&mut self, now: SimTime, w: usize) {
        let spec = &self.cfg.workloads[w];
        if spec.kind == WorkloadKind::Job {
            for _ in 0..spec.replicas.initial {
                if !self.room_for_pods() {
                    break;
                }
                self.create_pod(now, WorkloadId(w as u32));
            }
            let name = spec.name.clone();
            self.log(
                now,
                EventKind::PodCreated,
                None,
                None,
                None,
                None,
                format!("Job {name} started {} pods", spec.replicas.initial),
            );
            return;
        }
        let desired = self.desired_replicas(w, now) as usize;
        let live = self.state.workload_pods[w].len();
        if desired > live {
            for _ in live..desired {
                if !self.room_for_pods() {
                    break;
                }
                self.create_pod(now, WorkloadId(w as u32));
            }
        } else if desired < live {
            // The ReplicaSet controller deletes unscheduled pods first, then the newest
            // (ids grow with creation). Only the victims are visited: sorting all of a
            // large Deployment's pods per scale-down step was most of this function.
            let excess = live - desired;
            let state = &self.state;
            let mut victims: Vec<PodId> = state
                .pending
                .iter()
                .rev()
                .copied()
                .filter(|p| state.pod(*p).pod.workload.index() == w)
                .take(excess)
                .collect();
            let bound = excess - victims.len();
            victims.extend(
                state.workload_pods[w]
                    .iter()
                    .rev()
                    .copied()
                    .filter(|p| state.pod(*p).phase != PodPhase::Pending)
                    .take(bound),
            );
            for p in victims {
                self.state.remove_pod(p);
            }
            self.arm_ca_scan();
        }
    }

    /// A Job pod started: it completes after the Job's duration.
    pub fn after_bind(&mut self, now: SimTime, pod: PodId) {
        let w = self.state.pod(pod).pod.workload.index();
        if let Some(d) = self.cfg.workloads[w].run_duration {
            self.queue
                .schedule(now.saturating_add(d), Event::PodComplete(pod));
        }
    }

    pub fn complete_pod(&mut self, now: SimTime, pod: PodId) {
        if matches!(self.state.pod(pod).phase, PodPhase::Bound(_)) {
            let name = self.state.pod(pod).pod.name.clone();
            self.state.remove_pod(pod);
            self.log(
                now,
                EventKind::PodCompleted,
                None,
                None,
                Some(name.to_string()),
                None,
                "Job pod finished".into(),
            );
            self.arm_ca_scan();
            self.queue_scheduler_pass();
        }
    }

    /// Replaces an evicted pod (its controller creates a new one, which is pending).
    pub fn evict_and_replace(&mut self, now: SimTime, pod: PodId, why: &str) {
        let p = self.state.pod(pod);
        if p.phase == PodPhase::Gone {
            return;
        }
        let w = p.pod.workload;
        let name = p.pod.name.clone();
        let node = match p.phase {
            PodPhase::Bound(n) => Some(self.state.node(n).name.clone()),
            _ => None,
        };
        self.state.remove_pod(pod);
        self.log(
            now,
            EventKind::PodEvicted,
            None,
            node,
            Some(name.to_string()),
            None,
            why.to_string(),
        );
        // The owner recreates it; an evicted Job pod reruns from the start elsewhere.
        self.create_pod(now, w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DailyCurve, Spike};

    fn schedule() -> ReplicaSchedule {
        ReplicaSchedule {
            initial: 10,
            points: vec![],
            daily: None,
            spikes: vec![],
            follows_traffic: true,
        }
    }

    #[test]
    fn daily_cosine_peaks_at_peak() {
        let mut s = schedule();
        s.daily = Some(DailyCurve {
            min: 1000,
            max: 7000,
            peak_ms_of_day: 14 * 3_600_000,
        });
        let day = 20_000 * MS_PER_DAY;
        assert_eq!(base_replicas(&s, SimTime(day + 14 * 3_600_000)), 7000);
        assert_eq!(base_replicas(&s, SimTime(day + 2 * 3_600_000)), 1000);
        assert_eq!(base_replicas(&s, SimTime(day + 8 * 3_600_000)), 4000);
    }

    #[test]
    fn points_override() {
        let mut s = schedule();
        s.points = vec![(SimTime(100), 3), (SimTime(200), 5)];
        assert_eq!(base_replicas(&s, SimTime(50)), 10);
        assert_eq!(base_replicas(&s, SimTime(150)), 3);
        assert_eq!(base_replicas(&s, SimTime(250)), 5);
    }

    #[test]
    fn spikes_ramp_in_and_out() {
        use model::SimDuration;
        let mut s = schedule();
        s.spikes = vec![Spike {
            at: SimTime(1_000),
            duration: SimDuration(10_000),
            ramp: SimDuration(2_000),
            factor_bp: 15_000,
        }];
        assert_eq!(spike_factor_bp(&s, SimTime(500)), 10_000);
        assert_eq!(spike_factor_bp(&s, SimTime(2_000)), 12_500);
        assert_eq!(spike_factor_bp(&s, SimTime(5_000)), 15_000);
        assert_eq!(spike_factor_bp(&s, SimTime(10_000)), 12_500);
        assert_eq!(spike_factor_bp(&s, SimTime(11_000)), 10_000);
    }
}
