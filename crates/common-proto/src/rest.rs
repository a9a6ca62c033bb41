//! REST bodies of the contract (`/api/v1/...`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::UserId;

/// `POST /auth/register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// 3..=32 characters of `A-Z a-z 0-9 _ . -`; unique regardless of case.
    pub username: String,
    /// 8..=128 bytes.
    pub password: String,
    /// 1..=64 characters; defaults to the username.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The answer of login and refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A user as everyone may see it (never the password hash).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_file_id: Option<String>,
    pub bio: Option<String>,
    /// `user` or `admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// `PATCH /users/me`: absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    #[serde(default)]
    pub display_name: Option<String>,
    /// A file id; `""` clears the avatar.
    #[serde(default)]
    pub avatar_file_id: Option<String>,
    /// Up to 500 characters; `""` clears it.
    #[serde(default)]
    pub bio: Option<String>,
}

/// `{items: [...]}`: every list answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The body of `/ready`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Each dependency the service uses, `up` or the reason it is not.
    pub checks: std::collections::BTreeMap<String, String>,
}
