//! [`DbError`]: database failures classified by what the caller should do about them.

use common_proto::error::{Classified, ErrorCode};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, Clone, thiserror::Error)]
pub enum DbError {
    /// The database cannot be reached: retry later (HTTP 503, a worker pauses).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("row not found")]
    NotFound,
    /// A unique key was violated; the text names the key.
    #[error("unique violation: {0}")]
    Unique(String),
    /// The statement ran past the time limit it was given (and was stopped).
    #[error("statement stopped at its time limit")]
    TimedOut,
    /// Anything else: a bug or a schema mismatch.
    #[error("database error: {0}")]
    Query(String),
}

impl DbError {
    /// True for `Unique` on the named key (e.g. `uq_users_username`).
    pub fn is_unique_on(&self, key: &str) -> bool {
        matches!(self, Self::Unique(text) if text.contains(key))
    }
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::Unique(info.message().to_owned())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => Self::Unavailable(info.message().to_owned()),
            DieselError::BrokenTransactionManager => Self::Unavailable("broken transaction".into()),
            other => {
                let text = other.to_string();
                // mysql_async reports a dropped server as an I/O error inside an "unknown"
                // database error; treat those as outages, not bugs.
                if looks_like_outage(&text) {
                    Self::Unavailable(text)
                } else if text.contains("max_statement_time")
                    || text.contains("maximum statement execution time")
                {
                    // MariaDB's max_statement_time, MySQL's MAX_EXECUTION_TIME.
                    Self::TimedOut
                } else {
                    Self::Query(text)
                }
            }
        }
    }
}

fn looks_like_outage(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "connection refused",
        "broken pipe",
        "connection reset",
        "io error",
        "server has gone away",
        "lost connection",
        "unexpected end of file",
        "timed out",
    ]
    .iter()
    .any(|needle| t.contains(needle))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for DbError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// The HTTP meaning of a database failure (kit turns it into its error response): an
/// outage is 503 with `Retry-After`, a missing row 404, a unique clash 409, else a bug.
impl Classified for DbError {
    fn error_code(&self) -> ErrorCode {
        match self {
            // Only statements given a limit stop; their callers say what it means.
            Self::Unavailable(_) | Self::TimedOut => ErrorCode::ServiceUnavailable,
            Self::NotFound => ErrorCode::NotFound,
            Self::Unique(_) => ErrorCode::Conflict,
            Self::Query(_) => ErrorCode::Internal,
        }
    }
    fn public_message(&self) -> String {
        match self {
            Self::NotFound => "resource not found".into(),
            Self::Unique(_) => "already exists".into(),
            // Logged by kit, never shown.
            Self::Unavailable(_) | Self::TimedOut | Self::Query(_) => String::new(),
        }
    }
}
