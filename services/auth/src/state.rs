//! The state every auth handler and use case shares.

use crate::{passwords::Hasher, tokens::Signer};
use views::ToPublic;

/// Shared state of the handlers.
pub(crate) struct State {
    pub pool: db::Pool,
    pub hasher: Hasher,
    pub signer: Signer,
    pub refresh_ttl_days: i64,
    /// Read-only use: whether a user is online.
    pub presence: kit::presence::Presence,
    /// Revocations are written here (`kit::revocation`).
    pub redis: deadpool_redis::Pool,
    pub redis_prefix: String,
    /// Login and registration throttles (per IP, failures per username), in Redis.
    pub limiter: kit::rate_limit::RateLimiter,
    pub throttle: Throttle,
}

/// What auth enforces itself, so a client that reaches it without the gateway meets the
/// same limits.
pub(crate) struct Throttle {
    pub per_ip_per_minute: u64,
    pub failures_per_account: u64,
    pub failure_window: std::time::Duration,
}

impl State {
    /// The public view with the live online flag (left out if Redis cannot say).
    pub async fn user_view(&self, row: &db::users::UserRow) -> common_proto::rest::User {
        let mut user = row.to_public();
        user.online = self.presence.is_online(row.id).await.ok();
        user
    }
}
