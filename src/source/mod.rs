//! Sources: what turns git state into the `Change`s the engine checks.

pub mod large;
pub(crate) mod pending;
pub mod range;
