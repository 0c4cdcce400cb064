//! karpsim: a discrete-event simulator of Karpenter-style node provisioning and
//! consolidation on AWS EC2.
//!
//! This facade only re-exports the workspace crates so that `benches/` and
//! `examples/` can use them under one name. The architecture is described in
//! `docs/architecture.md`.

pub use engine;
pub use model;
pub use packer;
pub use scenario;
