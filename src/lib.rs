//! policy-check: enforce a project's AI-usage policy on commits before they land.
//!
//! One road, walked once: a *source* (a commit range, the index, a bare
//! message, a push) turns git state into [`model::Change`]s; the
//! [`engine`] runs the compiled [`policy::Policy`]'s rules over each; a
//! [`report`] renderer shows the findings. Every mode is a different source
//! on the same road.

pub(crate) mod adoption;
pub mod ai;
pub mod app;
pub mod cli;
pub(crate) mod cmd;
pub(crate) mod config;
pub(crate) mod date;
pub(crate) mod diag;
pub mod engine;
pub mod explain;
pub mod git;
pub(crate) mod hooks;
pub(crate) mod identity;
pub(crate) mod insight;
pub(crate) mod inspect;
pub mod message;
pub mod model;
pub(crate) mod moves;
pub(crate) mod oid;
pub mod policy;
pub(crate) mod precheck;
pub mod report;
pub mod rules;
pub mod source;
