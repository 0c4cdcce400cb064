//! karpsim's packer: Karpenter's provisioning solve and a portfolio of bin-packing
//! heuristics with lower bounds. Pure functions over `model` types; no I/O, no clock.

#![warn(clippy::disallowed_types)]
