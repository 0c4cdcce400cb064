//! Rows of the log-versus-model validation table (issue 6, item 2). The caller builds
//! them (it knows the log's claims); the report only shows them.

use serde::Serialize;

/// One claim of the replayed log beside the model's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationRow {
    /// What the log claims, e.g. `Karpenter-managed nodes at 10:30`.
    pub claim: String,
    /// The log's figure as the log states it.
    pub log_value: String,
    /// The model's figure from this run.
    pub model_value: String,
    /// `reproduced`, `differs because …`, or `log inconsistent: …`.
    pub verdict: String,
}
