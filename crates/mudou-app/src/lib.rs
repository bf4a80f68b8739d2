//! Mudou's use-cases, without HTTP: what the server's handlers, the command line (`mudou
//! import`, `create-admin`, the demo) and the tests do to the store and the media, each in
//! one place. Every use-case takes the application's [`Services`] and answers with an
//! [`AppError`] (a stable `ErrorCode` and a message) when it refuses.
//!
//! - [`ingest`]: files and text items into a dataset (decode with limits, store by SHA-256,
//!   add the items in one transaction).
//! - [`writer`]: the annotators' group commit (leases, labels, heartbeats, ends of units),
//!   and [`affinity`], the CPU it may keep for itself on SQLite.
//! - [`orders`]: drafts, gold answers, publishing an order into work units, syncs.
//! - [`users`]: creating accounts; [`secrets`]: tokens, codes, their hashes, Argon2.
//! - [`review`]: a lead's decisions checked against the order, and the sweep that leaves
//!   quality-paused stretches out of consensus.
//! - [`specs`]: the parsed specs of published orders, kept in memory.
//! - [`wage`]: the fair-wage check (an order's expected hourly earning against the centres'
//!   floors, refusing a publish when a centre says so) and the sweep that alerts on open
//!   orders paying under a floor.

pub mod affinity;
pub mod error;
pub mod ingest;
pub mod orders;
pub mod review;
pub mod secrets;
pub mod services;
pub mod specs;
pub mod users;
pub mod wage;
pub mod writer;

pub use error::{AppError, AppResult};
pub use services::Services;
