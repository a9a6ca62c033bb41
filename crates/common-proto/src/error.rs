//! The one error shape (`{"error": {"code", "message"}}`) and the table of codes.
//!
//! Every 4xx/5xx of every service uses [`ErrorBody`]; the HTTP status of a code is fixed
//! here, in one table, so a code never means two statuses in two services.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes with their HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// The body is not valid JSON or has the wrong shape.
    BadRequest,
    /// A field failed validation; the message names the field.
    ValidationFailed,
    /// No or an invalid access token.
    Unauthorized,
    /// Username or password wrong (never says which).
    InvalidCredentials,
    /// The refresh token is unknown, expired, spent or revoked.
    InvalidRefreshToken,
    /// Authenticated, but not allowed.
    Forbidden,
    /// The thing does not exist, or the caller may not know it exists.
    NotFound,
    /// The username is already taken.
    UsernameTaken,
    /// The request conflicts with the current state.
    Conflict,
    /// The body is larger than the limit.
    PayloadTooLarge,
    /// The media type is not accepted.
    UnsupportedMediaType,
    /// The requested byte range lies outside the file (see `Content-Range`).
    RangeNotSatisfiable,
    /// Too many requests; see `Retry-After`.
    RateLimited,
    /// Method not allowed on this path.
    MethodNotAllowed,
    /// An upstream service is down or not answering.
    UpstreamUnavailable,
    /// An upstream service took too long.
    UpstreamTimeout,
    /// A dependency (database, broker, cache) is unavailable; retry later.
    ServiceUnavailable,
    /// A bug. Never caused by input.
    Internal,
}

impl ErrorCode {
    /// The HTTP status for this code.
    pub fn status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::ValidationFailed => 422,
            Self::Unauthorized | Self::InvalidCredentials | Self::InvalidRefreshToken => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::UsernameTaken | Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RangeNotSatisfiable => 416,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::UpstreamUnavailable | Self::ServiceUnavailable => 503,
            Self::UpstreamTimeout => 504,
        }
    }

    /// The snake_case name as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::ValidationFailed => "validation_failed",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::UsernameTaken => "username_taken",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::RateLimited => "rate_limited",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::UpstreamTimeout => "upstream_timeout",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// `{"error": {...}}`: the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The inside of [`ErrorBody`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The offending field, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_contract_shape() {
        let mut body = ErrorBody::new(ErrorCode::ValidationFailed, "password: too short");
        body.error.field = Some("password".into());
        let json = serde_json::to_value(&body).expect("serialise");
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "validation_failed", "message": "password: too short", "field": "password"}})
        );
    }

    #[test]
    fn wire_names_match_serde() {
        for code in [
            ErrorCode::UsernameTaken,
            ErrorCode::UpstreamUnavailable,
            ErrorCode::RateLimited,
        ] {
            let wire = serde_json::to_value(code).expect("serialise");
            assert_eq!(wire, serde_json::Value::String(code.as_str().into()));
        }
    }
}
