//! Mudou's storage layer: the only crate that knows SQL.
//!
//! One [`Store`] speaks to either SQLite (embedded, the default) or PostgreSQL.
//! The SQL is written once in the common dialect (`$1` placeholders work on
//! both) and the [`on_read!`]/[`on_write!`]/[`in_tx!`] macros compile each query
//! body once per backend, so behaviour cannot drift between them. Where the
//! dialects differ, a function matches on the pool and says why.
//!
//! On SQLite, writes go through a single-connection pool (SQLite has one writer
//! at a time anyway; queueing in the pool is cheaper than `SQLITE_BUSY` retries)
//! and reads through a separate pool, which WAL lets run beside the writer.
//!
//! [`Store`]'s methods, one area a file:
//!
//! | area | file |
//! | --- | --- |
//! | connecting, pools, transactions, the one retry of transient failures | `pool.rs` (errors: `error.rs`) |
//! | building statements: parameter lists, `IN` lists, row locks, multi-row inserts | `sql.rs` |
//! | accounts: centres, organisations, users, sessions, API tokens, devices | `accounts.rs` |
//! | login throttling and known browsers | `throttle.rs` |
//! | catalog: datasets, blobs, items | `catalog.rs` |
//! | orders, their items and work units | `orders.rs` |
//! | dispatch: open orders, leases and assignments, an annotator's standing | `dispatch.rs` |
//! | the annotators' writer: group commit of leases, labels, heartbeats, ends of units | `writes.rs` |
//! | labels: the set-based submit path | `submit.rs` |
//! | what labels changed, handed to the followers below | `effects.rs` |
//! | the pay ledger (a follower) | `ledger.rs` |
//! | earnings, adjustments, bonuses, pay runs | `earnings.rs` |
//! | throughput rollups (a follower) and reports | `throughput.rs` |
//! | quality figures and rules (a follower) and reports | `quality.rs` |
//! | review queue, lead decisions, client flags, leaving paused stretches out | `review.rs` |
//! | the expert ladder of medical orders (a follower: escalated items to the experts), decisions | `ladder.rs` |
//! | people: feedback, pauses, qualifications, levels, lead proposals | `people.rs` |
//! | what annotators are told about themselves: their pauses, their pay per day | `own.rs` |
//! | model backends: config, breaker, what was asked and told | `model_backends.rs` |
//! | mistakes returned to learn from, and practice units made of them | `mistakes.rs` |
//! | the fair-wage check: floors, paces, wage alerts | `wage.rs` |
//! | exports and Label Studio imports | `exports.rs` |
//! | in-process caches | `cache.rs` |

#[macro_use]
mod pool;
mod accounts;
mod cache;
mod catalog;
mod dicom;
mod dispatch;
mod earnings;
mod effects;
mod error;
mod exports;
mod instructions;
mod ladder;
mod ledger;
mod mistakes;
mod model_backends;
mod orders;
mod own;
mod people;
mod quality;
mod question_effect;
mod questions;
mod review;
mod skills;
mod sql;
mod submit;
mod suggest_quality;
mod suggest_report;
mod suggestions;
mod throttle;
mod throughput;
mod wage;
mod writes;

pub use accounts::*;
pub use cache::SESSION_TTL;
pub use catalog::*;
pub use dicom::*;
pub use dispatch::*;
pub use earnings::*;
pub use effects::{Exclusion, ItemFact, LabelEffects, LabelFact, Verdict};
pub use error::StoreError;
pub use exports::*;
pub use instructions::*;
pub use ladder::*;
pub use mistakes::*;
pub use model_backends::*;
pub use mudou_domain::dispatch::{OpenOrder, Standing};
pub use mudou_domain::quality::{QualityItem, QualityLabel};
pub use mudou_domain::{ConsensusUpdate, ItemLabels};
pub use orders::*;
pub use own::*;
pub use people::*;
pub use pool::WRITE_THREAD;
pub use pool::{Backend, DatabaseUrl, LogFlush, RETRIES, Store, StoreConfig, now_millis};
pub use quality::*;
pub use question_effect::EffectViewer;
pub use questions::*;
pub use review::*;
pub use suggest_quality::{ModelRecord, WorkerSuggestions};
pub use suggestions::*;
pub use throttle::*;
pub use throughput::*;
pub use wage::*;
pub use writes::{FinishJob, LeaseJob, WriteConn, WriteDone, WriteJob};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
