//! The one error shape (`{"error": {"code", "message"}}`) and the table of codes.
//!
//! Every 4xx/5xx of every service uses [`ErrorBody`]; the HTTP status of a code is fixed
//! here, in one table, so a code never means two statuses in two services.

use serde::{Deserialize, Serialize};

/// Declares [`ErrorCode`] from one table — variant, wire name, HTTP status — so the serde
/// name, [`ErrorCode::as_str`] and [`ErrorCode::status`] cannot drift apart.
macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $wire:literal => $status:literal, )+) => {
        /// Machine-readable error codes with their HTTP status.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* #[serde(rename = $wire)] $variant, )+
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant),+];

            /// The HTTP status for this code.
            pub fn status(self) -> u16 {
                match self { $(Self::$variant => $status,)+ }
            }

            /// The snake_case name as it appears on the wire (the serde name).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }
        }
    };
}

error_codes! {
    /// The body is not valid JSON or has the wrong shape.
    BadRequest = "bad_request" => 400,
    /// A field failed validation; the message names the field.
    ValidationFailed = "validation_failed" => 422,
    /// No or an invalid access token.
    Unauthorized = "unauthorized" => 401,
    /// Username or password wrong (never says which).
    InvalidCredentials = "invalid_credentials" => 401,
    /// The refresh token is unknown, expired, spent or revoked.
    InvalidRefreshToken = "invalid_refresh_token" => 401,
    /// Authenticated, but not allowed.
    Forbidden = "forbidden" => 403,
    /// The account was disabled by an admin: no login, no refresh.
    AccountDisabled = "account_disabled" => 403,
    /// The other user blocked the caller: no direct chat, no direct messages.
    Blocked = "blocked" => 403,
    /// The thing does not exist, or the caller may not know it exists.
    NotFound = "not_found" => 404,
    /// The username is already taken.
    UsernameTaken = "username_taken" => 409,
    /// The request conflicts with the current state.
    Conflict = "conflict" => 409,
    /// The body is larger than the limit.
    PayloadTooLarge = "payload_too_large" => 413,
    /// The media type is not accepted.
    UnsupportedMediaType = "unsupported_media_type" => 415,
    /// The request line is longer than the platform reads (`MAX_URI_BYTES`).
    UriTooLong = "uri_too_long" => 414,
    /// The requested byte range lies outside the file (see `Content-Range`).
    RangeNotSatisfiable = "range_not_satisfiable" => 416,
    /// Too many requests; see `Retry-After`.
    RateLimited = "rate_limited" => 429,
    /// Method not allowed on this path.
    MethodNotAllowed = "method_not_allowed" => 405,
    /// An upstream service is down or not answering.
    UpstreamUnavailable = "upstream_unavailable" => 503,
    /// An upstream service took too long.
    UpstreamTimeout = "upstream_timeout" => 504,
    /// A dependency (database, broker, cache) is unavailable; retry later.
    ServiceUnavailable = "service_unavailable" => 503,
    /// A bug. Never caused by input.
    Internal = "internal" => 500,
}

/// An error of a lower crate (db, bus) that knows its row in the table, so `kit` turns it
/// into the HTTP error without that crate depending on `kit` (and its HTTP stack).
/// `Internal` and `ServiceUnavailable` keep their cause out of the response (it is logged).
pub trait Classified: std::fmt::Display {
    fn error_code(&self) -> ErrorCode;
    /// What the client may read.
    fn public_message(&self) -> String;
    /// The field a `validation_failed` names.
    fn field(&self) -> Option<&str> {
        None
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
    fn every_code_has_one_name_and_an_error_status() {
        assert_eq!(ErrorCode::ALL.len(), 21);
        let mut names = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            let wire = serde_json::to_value(code).expect("serialise");
            assert_eq!(wire, serde_json::Value::String(code.as_str().into()));
            let back: ErrorCode = serde_json::from_value(wire).expect("parse");
            assert_eq!(back, code);
            assert!((400..=599).contains(&code.status()), "{code:?}");
            assert!(names.insert(code.as_str()), "{} twice", code.as_str());
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }
}
