//! # mudou-consensus
//!
//! The consensus and quality engine of Mudou: turns many annotators' labels into one answer per
//! item with a confidence, and scores every worker. Pure Rust: no IO, no async, deterministic
//! (seeded where random), never panics on valid input; invalid input is an [`Error`].
//!
//! Data layout: tasks (items), workers (annotators) and classes are dense `u32` indices; labels
//! are a flat slice of [`Label`] `(task, worker, class)` triples validated once into [`Labels`].
//! [`Interner`] and [`LabelsBuilder`] map string ids to indices.
//!
//! - [`aggregate`]: batch majority vote, weighted MV, Wawa, Dawid–Skene, one-coin DS, GLAD, MACE.
//! - [`multilabel`]: each label of a multi-label task as its own yes/no question.
//! - [`bbox`]: bounding-box consensus.
//! - [`shapes`]: polygons, rotated boxes, RLE masks, lines and keypoints: IoU, line
//!   similarity, OKS, matching several annotators' objects, merging.
//! - [`agreement`]: Cohen's kappa, Fleiss' kappa, Krippendorff's alpha.
//! - [`quality`]: per-worker quality report.
//! - [`incremental`]: the per-submit update and the dynamic-overlap decision.
//! - [`pairwise`]: pairwise comparisons and rankings (Bradley–Terry, noisy Bradley–Terry,
//!   Plackett–Luce, Borda), with intervals, components and a per-model leaderboard.
//! - [`synth`]: a seeded synthetic crowd for tests and benchmarks.

pub mod aggregate;
pub mod agreement;
pub mod bbox;
mod data;
mod error;
pub mod incremental;
pub mod multilabel;
pub mod pairwise;
pub mod quality;
pub mod shapes;
pub mod synth;

pub use aggregate::{
    Aggregation, EmOptions, GladOptions, MaceOptions, Method, WorkerModel, dawid_skene, glad, mace,
    majority_vote, one_coin_dawid_skene, wawa, weighted_majority_vote,
};
pub use data::{Interner, Label, Labels, LabelsBuilder, StringLabels, sort_class_names};
pub use error::{Error, Result};
pub use incremental::{
    Decision, FUTILITY_HORIZON, ItemState, OverlapPolicy, SkillModel, item_posterior,
};
