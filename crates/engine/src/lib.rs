//! karpsim's engine: an event queue over cluster state, with the controllers that act on
//! it (Karpenter's provisioner, cluster-autoscaler, node lifecycle, workloads).
//!
//! Time is integer milliseconds; events at equal times run in the order they were
//! scheduled; every random draw comes from a seeded stream per purpose. The same
//! [`config::Scenario`] and seed give the same [`output::RunOutput`], byte for byte.

#![warn(clippy::disallowed_types)]

pub mod config;
pub mod output;
