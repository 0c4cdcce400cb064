//! Engine errors. Bad input is caught by the scenario crate; these are the few things
//! only a run can discover, and broken invariants.

/// Why a run could not go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The configuration cannot be simulated (a validated scenario should never get here).
    #[error("configuration: {0}")]
    Config(String),
    /// An invariant broke: a bug in karpsim, reported with what was seen.
    #[error("invariant violated at {at}: {what}")]
    Invariant { at: model::SimTime, what: String },
}
