//! [`ApiError`]: the one error type of every HTTP handler, rendered as the contract's
//! `{"error": {"code", "message"}}` with the status fixed by [`ErrorCode::status`].

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use common_proto::error::{Classified, ErrorBody, ErrorCode, ErrorDetail};
use std::fmt;

/// A handler error that becomes a JSON error response.
///
/// Internal details never reach the client: [`ApiError::internal`] and
/// [`ApiError::unavailable`] log the cause and answer with a generic message.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    /// Seconds for `Retry-After` (429 and 503).
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 422 naming the offending field: the message starts with the field name.
    pub fn validation(field: &str, problem: impl fmt::Display) -> Self {
        Self {
            code: ErrorCode::ValidationFailed,
            message: format!("{field}: {problem}"),
            field: Some(field.to_owned()),
            retry_after: None,
        }
    }

    /// Names the field a (non-validation) error is about.
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(ErrorCode::RateLimited, "too many requests")
        }
    }

    /// A dependency is down: logged here, 503 with a generic message to the client.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        tracing::warn!(error = %cause, "dependency unavailable");
        Self {
            retry_after: Some(1),
            ..Self::new(
                ErrorCode::ServiceUnavailable,
                "a dependency is unavailable, retry later",
            )
        }
    }

    /// A bug: logged here, 500 with a generic message to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
                field: self.field.clone(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// Every lower-crate error that knows its row in the table (database, ...) converts with
/// `?`; the cause of an internal or unavailable one is logged, never sent.
impl<E: Classified> From<E> for ApiError {
    fn from(e: E) -> Self {
        match e.error_code() {
            ErrorCode::Internal => Self::internal(&e),
            ErrorCode::ServiceUnavailable => Self::unavailable(&e),
            code => {
                let mut err = Self::new(code, e.public_message());
                err.field = e.field().map(str::to_owned);
                err
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after {
            res.insert_header(("Retry-After", secs.to_string()));
        }
        res.json(self.body())
    }
}
