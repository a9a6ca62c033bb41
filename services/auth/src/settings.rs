//! `auth`'s settings (environment variables; `auth --help` lists them).

use clap::{Parser, Subcommand};
use kit::settings::{CommonSettings, JwtVerifySettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "auth",
    about = "instant auth service: accounts, logins, tokens"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub jwt: JwtVerifySettings,
    /// Redis, for reading presence (online status).
    #[command(flatten)]
    pub redis: kit::settings::RedisSettings,
    /// RabbitMQ, for the audit log's copy on the bus (`system.audit`).
    #[command(flatten)]
    pub bus: bus::BusSettings,
    /// How often the audit relay looks for rows to publish, in milliseconds.
    #[arg(long, env = "INSTANT_AUDIT_RELAY_MS", default_value_t = 1000)]
    pub audit_relay_ms: u64,
    /// PEM file of the Ed25519 private key that signs access tokens (auth only).
    #[arg(
        long,
        env = "INSTANT_JWT_PRIVATE_KEY_FILE",
        default_value = ".run/keys/jwt_private.pem"
    )]
    pub jwt_private_key_file: String,
    /// Access-token lifetime in seconds.
    #[arg(long, env = "INSTANT_ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: i64,
    /// Refresh-token lifetime in days.
    #[arg(long, env = "INSTANT_REFRESH_TOKEN_TTL_DAYS", default_value_t = 30)]
    pub refresh_token_ttl_days: i64,
    /// Password hashes computed at once: the hashing threads, each holding one 19 MiB
    /// block for good (one core for ~60 ms per hash).
    #[arg(long, env = "INSTANT_PASSWORD_HASH_CONCURRENCY", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub password_hash_concurrency: u64,
    /// Logins and registrations per minute per client IP, enforced by auth itself (the
    /// gateway's own limit reads the same setting).
    #[arg(long, env = "INSTANT_RATE_LIMIT_AUTH_PER_MINUTE", default_value_t = 30)]
    pub rate_limit_auth_per_minute: u64,
    /// Failed logins to one username before its logins are refused (429) for the rest of
    /// the window.
    #[arg(long, env = "INSTANT_LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 10)]
    pub login_failures_per_account: u64,
    /// The window of that count, in seconds (it starts with the first failure).
    #[arg(long, env = "INSTANT_LOGIN_FAILURE_WINDOW_SECS", default_value_t = 900)]
    pub login_failure_window_secs: u64,
    /// Largest JSON body accepted.
    #[arg(long, env = "INSTANT_MAX_JSON_BYTES", default_value_t = 16 * 1024)]
    pub max_json_bytes: usize,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Creates USERNAME as an admin, or promotes it; the password is read from stdin.
    CreateAdmin { username: String },
    /// Walks the audit log's hash chain; fails naming the first edited, inserted or
    /// deleted row.
    AuditVerify,
    /// Disables USERNAME (sessions end at once, no login until enabled), as an operator.
    Disable {
        username: String,
        #[arg(long, default_value = "disabled by an operator")]
        reason: String,
    },
    /// Enables USERNAME again.
    Enable { username: String },
    /// Ends every session of USERNAME.
    Logout { username: String },
}
