//! Typed errors of the packer.

/// Something the caller passed cannot be packed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackerError {
    #[error("unknown heuristic `{name}`; known: {known}")]
    UnknownHeuristic { name: String, known: String },
    #[error("item {item} has {found} dimensions, the bins have {expected}")]
    DimensionMismatch {
        item: usize,
        expected: usize,
        found: usize,
    },
    #[error("the problem has no bin type to open")]
    NoBinTypes,
    #[error("the problem has no dimensions")]
    NoDimensions,
}
