//! Sources: what turns git state into the `Change`s the engine checks.

pub(crate) mod pending;
