//! The commands, one room each. `app.rs` only dispatches to them; what they
//! share is in [`common`].

pub(crate) mod baseline;
pub(crate) mod check;
pub(crate) mod common;
pub(crate) mod explain;
pub(crate) mod manual;
pub(crate) mod policy;
