//! policy-check: enforce a project's AI-usage policy on commits before they land.
//!
//! One road, walked once: a *source* (a commit range, the index, a bare
//! message, a push) turns git state into [`model::Change`]s; the
//! [`engine`] runs the compiled [`policy::Policy`]'s rules over each; a
//! [`report`] renderer shows the findings. Every mode is a different source
//! on the same road.

mod adoption;
pub mod ai;
pub mod app;
pub mod cli;
mod cmd;
pub(crate) mod config;
mod date;
mod diag;
pub mod engine;
pub mod explain;
pub mod git;
mod hooks;
pub(crate) mod identity;
mod insight;
mod inspect;
pub mod large;
pub mod message;
pub mod model;
pub(crate) mod moves;
pub(crate) mod oid;
pub mod policy;
mod precheck;
pub mod report;
pub mod rules;
pub(crate) mod scan;
mod source;
