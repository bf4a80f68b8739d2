//! The one error type of the crate: invalid input, never an internal failure.

/// Why an input was rejected. Every public function that can see invalid input returns this;
/// valid input never fails and never panics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A label names a class index `>= n_classes`.
    #[error("label {index}: class {class} is out of range (the order has {n_classes} classes)")]
    ClassOutOfRange {
        /// Position of the label in the input slice.
        index: usize,
        /// The offending class index.
        class: u32,
        /// Number of classes declared.
        n_classes: u32,
    },
    /// A label names a task index `>= n_tasks`.
    #[error("label {index}: task {task} is out of range (there are {n_tasks} tasks)")]
    TaskOutOfRange {
        /// Position of the label in the input slice.
        index: usize,
        /// The offending task index.
        task: u32,
        /// Number of tasks declared.
        n_tasks: u32,
    },
    /// A label names a worker index `>= n_workers`.
    #[error("label {index}: worker {worker} is out of range (there are {n_workers} workers)")]
    WorkerOutOfRange {
        /// Position of the label in the input slice.
        index: usize,
        /// The offending worker index.
        worker: u32,
        /// Number of workers declared.
        n_workers: u32,
    },
    /// A task has no labels at all; batch aggregation needs at least one per task.
    #[error("task {task} has no labels")]
    EmptyTask {
        /// The empty task.
        task: u32,
    },
    /// There are no classes (`n_classes == 0`).
    #[error("there must be at least one class")]
    NoClasses,
    /// A parameter is outside its valid range (the message says which and why).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Two slices that must have the same length do not.
    #[error("length mismatch: `{what}` has {got} entries, expected {expected}")]
    LengthMismatch {
        /// What was measured.
        what: &'static str,
        /// Length found.
        got: usize,
        /// Length expected.
        expected: usize,
    },
    /// A comparison or ranking names an object index `>= n_objects`.
    #[error("comparison {index}: object {object} is out of range (there are {n_objects} objects)")]
    ObjectOutOfRange {
        /// Position of the comparison (or ranking) in the input.
        index: usize,
        /// The offending object index.
        object: u32,
        /// Number of objects declared.
        n_objects: u32,
    },
    /// A comparison sets an object against itself, or a ranking lists an object twice.
    #[error("comparison {index}: object {object} is compared with itself")]
    SelfComparison {
        /// Position of the comparison (or ranking) in the input.
        index: usize,
        /// The repeated object.
        object: u32,
    },
    /// A bounding box has non-finite coordinates or `x1 < x0` / `y1 < y0`.
    #[error("box {index} is invalid (coordinates must be finite with x0 <= x1 and y0 <= y1)")]
    InvalidBox {
        /// Position of the box in the input slice.
        index: usize,
    },
}

/// Shorthand for `Result<T, mudou_consensus::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
