//! chat-api's use cases, one function each, with no HTTP in them: a handler (in
//! `routes/`) parses the request, calls one of these and maps the result to a response.
//! Each function owns its connection, its transaction and its ordering (validate → write
//! durably → publish), and fails with [`Error`], which names the outcome in the error
//! table's terms; kit turns it into the HTTP error through [`Classified`].

pub mod blocks;
pub mod conversations;
pub mod group_policy;
pub mod groups;
pub mod lifecycle;
pub mod messaging;
pub mod notifications;
pub mod push;
pub mod reports;
pub mod search;
pub mod sequencer;
pub mod stats;
mod view;
pub mod webhooks;

use common_proto::error::{Classified, ErrorCode};

/// How a use case can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Does not exist for the caller (existence is private).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// The other member of a direct chat blocked the caller.
    #[error("this user has blocked you")]
    Blocked,
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("{field}: {problem}")]
    TooLarge {
        field: &'static str,
        problem: String,
    },
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Publish(#[from] bus::PublishError),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A failed statement inside a use case's own transaction.
impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl Error {
    pub fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }

    pub fn forbidden(why: impl Into<String>) -> Self {
        Self::Forbidden(why.into())
    }

    /// The field an `Invalid` or `TooLarge` names.
    pub fn field_name(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. } | Self::TooLarge { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl Classified for Error {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Blocked => ErrorCode::Blocked,
            Self::Invalid { .. } => ErrorCode::ValidationFailed,
            Self::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::Db(e) => e.error_code(),
            Self::Publish(bus::PublishError::Unavailable(_)) => ErrorCode::ServiceUnavailable,
            Self::Publish(_) => ErrorCode::Internal,
        }
    }

    fn public_message(&self) -> String {
        match self {
            Self::Db(e) => e.public_message(),
            other => other.to_string(),
        }
    }

    fn field(&self) -> Option<&str> {
        self.field_name()
    }
}

/// Why a use case's transaction ended without a change (groups, message changes): nothing
/// to change rolls back, the seq or rev it took included; a failure rolls back too.
pub(crate) enum Undone {
    Unchanged,
    Failed(Error),
}

impl<E: Into<Error>> From<E> for Undone {
    fn from(e: E) -> Self {
        Self::Failed(e.into())
    }
}

/// Who asks, and the request's trace (it travels on the bus).
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: common_proto::UserId,
    pub admin: bool,
    pub trace: Option<kit::trace::Trace>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_the_table() {
        let e = Error::invalid("content", "too long");
        assert_eq!(e.error_code(), ErrorCode::ValidationFailed);
        assert_eq!(e.public_message(), "content: too long");
        assert_eq!(Classified::field(&e), Some("content"));
        assert_eq!(Error::NotFound("group").public_message(), "group not found");
        assert_eq!(
            Error::Publish(bus::PublishError::Unavailable("x".into())).error_code(),
            ErrorCode::ServiceUnavailable
        );
        let internal = Error::Db(db::DbError::Query("secret detail".into()));
        assert_eq!(internal.error_code(), ErrorCode::Internal);
        let api: kit::ApiError = internal.into();
        assert!(!api.message.contains("secret"), "{}", api.message);
    }
}
