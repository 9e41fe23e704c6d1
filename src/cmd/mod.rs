//! The commands, one room each. `app.rs` only dispatches to them; what they
//! share is in [`common`].

pub mod check;
pub mod common;
pub mod policy;
