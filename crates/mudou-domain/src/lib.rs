//! Mudou's vocabulary, shared by the store, the server and the command line.
//!
//! The policy lives here too, as pure functions: what each kind of work means
//! ([`kinds`]), the live consensus ([`live`]), who may get which order ([`dispatch`]) and
//! the quality engine's rules ([`quality`]).
//!
//! Nothing here does IO. Types are small, `Copy` where possible, and validate
//! themselves on construction so that an invalid value cannot travel further.

mod calendar;
pub mod career;
pub mod dispatch;
mod error_code;
pub mod formats;
mod ids;
pub mod kinds;
pub mod labelstudio;
pub mod live;
pub mod llm_results;
pub mod medical;
mod money;
mod order;
mod people;
mod plan;
pub mod quality;
pub mod question_effect;
pub mod reading;
pub mod similar;
pub mod skill;
mod states;
pub mod suggest;
pub mod suggest_report;
pub mod template;
mod validate;
pub mod volume;
pub mod wage;

pub use calendar::{Calendar, UnknownZone};
pub use error_code::ErrorCode;
pub use ids::{AssignmentId, CentreId, DatasetId, ItemId, OrderId, OrgId, UnitId, UserId};
pub use live::{ConsensusUpdate, ItemLabels, ModelVote};
pub use money::Fen;
pub use order::{
    Answer, BoxAnswer, LabelDef, MAX_OVERLAP, MAX_UNIT_SIZE, OrderSpec, Overlap, PayOn, TaskType,
    Training,
};
pub use people::{Role, Scope, SkillLevel, UnknownVariant};
pub use plan::{TRAINING_SLOTS, plan_training_units, plan_units};
pub use states::{Finish, ItemState};
pub use template::{FieldKind, Template};
pub use validate::{
    ValidationError, validate_display_name, validate_password, validate_pin, validate_username,
};

/// Milliseconds since the Unix epoch, the only time representation stored.
pub type Millis = i64;
