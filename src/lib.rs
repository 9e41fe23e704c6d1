//! policy-check: enforce a project's AI-usage policy on commits before they land.
//!
//! One road, walked once: a *source* (a commit range, the index, a bare
//! message, a push) turns git state into [`model::Change`]s; the
//! [`engine`] runs the compiled [`policy::Policy`]'s rules over each; a
//! [`report`] renderer shows the findings. Every mode is a different source
//! on the same road.

pub mod adoption;
pub mod ai;
pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod date;
pub mod diag;
pub mod engine;
pub mod explain;
pub mod git;
pub mod hooks;
pub mod identity;
pub mod insight;
pub mod inspect;
pub mod large;
pub mod message;
pub mod model;
pub mod moves;
pub mod oid;
pub mod policy;
pub mod precheck;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
