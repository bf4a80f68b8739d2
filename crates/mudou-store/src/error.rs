use sqlx::error::ErrorKind;

/// What can go wrong in the store, in terms the server maps to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist, or not within the caller's scope.
    #[error("not found")]
    NotFound,
    /// A unique key is already taken (e.g. a username).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A referenced row (centre, organisation, …) does not exist.
    #[error("refers to something that does not exist: {0}")]
    InvalidReference(String),
    /// A CHECK constraint refused the row: the caller sent a combination that makes no sense.
    #[error("not allowed by the data rules: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The transaction was rolled back to break a deadlock or a serialization conflict;
    /// running it again may succeed.
    #[error("rolled back to break a deadlock; try again")]
    Transient,
}

impl StoreError {
    /// A failure that trying the same transaction again may not meet: PostgreSQL broke a
    /// deadlock (`40P01`) or a serialization conflict (`40001`) by rolling it back.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Transient => true,
            StoreError::Db(e) => e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "40P01" || c == "40001"),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if matches!(e, sqlx::Error::RowNotFound) {
            return StoreError::NotFound;
        }
        if let Some(db) = e.as_database_error() {
            let what = db
                .constraint()
                .map(str::to_owned)
                .unwrap_or_else(|| db.message().to_owned());
            match db.kind() {
                ErrorKind::UniqueViolation => return StoreError::Conflict(what),
                ErrorKind::ForeignKeyViolation => return StoreError::InvalidReference(what),
                ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                    return StoreError::Invalid(what);
                }
                _ => {}
            }
        }
        StoreError::Db(e)
    }
}
