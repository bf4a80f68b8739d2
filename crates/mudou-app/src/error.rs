//! The use-cases' one error: a stable [`ErrorCode`] (which carries its HTTP status), a
//! message for people, and extra fields (e.g. `field`). Whoever calls a use-case decides how
//! to show it: the server answers it as its JSON error, the binary prints `code: message`.
//! Causes the caller must not see (`internal`) are logged here and hidden.

use mudou_domain::ErrorCode;
use mudou_store::StoreError;
use serde_json::{Map, Value};

#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Extra fields beside `code` and `message` (e.g. `field`, `item_id`).
    pub extra: Map<String, Value>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            extra: Map::new(),
        }
    }
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.to_owned(), value.into());
        self
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Validation, message)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    /// Maps a store error, naming `what` when it is "not found".
    pub fn not_found_as(what: &'static str) -> impl Fn(StoreError) -> AppError {
        move |e| match e {
            StoreError::NotFound => AppError::not_found(what),
            e => e.into(),
        }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    /// Logs the cause and hides it from the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "something went wrong on our side")
    }
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

/// `code: message`, as the command line prints it.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found("resource"),
            // A unique key: the constraint (PostgreSQL) or message (SQLite) names the column.
            StoreError::Conflict(what) if what.contains("username") => {
                AppError::new(ErrorCode::UsernameTaken, "that username is taken")
                    .with("field", "username")
            }
            StoreError::Conflict(what) => AppError::conflict(format!("already exists ({what})")),
            StoreError::InvalidReference(what) => {
                AppError::validation(format!("refers to something that does not exist ({what})"))
            }
            StoreError::Invalid(what) => {
                AppError::validation(format!("not a valid combination ({what})"))
            }
            // PostgreSQL broke a deadlock and the retries met it again: nothing was written.
            e if e.is_transient() => AppError::new(
                ErrorCode::Busy,
                "too busy to store this just now; nothing was changed, please send it again",
            ),
            other => AppError::internal(other),
        }
    }
}

impl From<mudou_domain::ValidationError> for AppError {
    fn from(e: mudou_domain::ValidationError) -> Self {
        AppError::new(e.code, e.to_string()).with("field", e.field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_codes_and_statuses() {
        let e = AppError::from(StoreError::NotFound);
        assert_eq!((e.code, e.status()), (ErrorCode::NotFound, 404));
        assert_eq!(e.to_string(), "not_found: resource not found");
        let e = AppError::not_found_as("order")(StoreError::NotFound);
        assert_eq!(e.message, "order not found");
        let e = AppError::from(StoreError::Conflict("username".into()));
        assert_eq!((e.code, e.status()), (ErrorCode::UsernameTaken, 409));
        assert_eq!(e.extra["field"], "username");
        let e = AppError::from(StoreError::Conflict("centres_name".into()));
        assert_eq!((e.code, e.status()), (ErrorCode::Conflict, 409));
        assert_eq!(e.message, "already exists (centres_name)");
        let e = AppError::from(StoreError::Invalid("x".into()));
        assert_eq!((e.code, e.status()), (ErrorCode::Validation, 422));
        let e = AppError::internal("a secret cause");
        assert_eq!((e.code, e.status()), (ErrorCode::Internal, 500));
        assert!(!e.message.contains("secret"));
    }
}
