//! Settings shared by every service, read from `INSTANT_*` environment variables.
//!
//! Each service has one typed settings struct (a `clap::Parser`) that flattens the groups it
//! needs from here, from `db` and from `bus`; `--help` on any binary lists every variable.

use clap::Args;

/// Logging and process behaviour; every service has these.
#[derive(Debug, Clone, Args)]
pub struct CommonSettings {
    /// `tracing` filter, e.g. `info` or `info,lapin=warn`.
    #[arg(
        long,
        env = "INSTANT_LOG",
        default_value = "info,lapin=warn,actix_server=warn"
    )]
    pub log: String,
    /// `json` (production) or `pretty` (a terminal).
    #[arg(long, env = "INSTANT_LOG_FORMAT", default_value = "json")]
    pub log_format: String,
    /// HTTP worker threads (actix workers). Small by default: these services are I/O bound.
    #[arg(long, env = "INSTANT_HTTP_WORKERS", default_value_t = 2)]
    pub http_workers: usize,
    /// Seconds SIGTERM may take to drain before the process gives up (must stay under 10).
    #[arg(long, env = "INSTANT_SHUTDOWN_TIMEOUT_SECS", default_value_t = 8)]
    pub shutdown_timeout_secs: u64,
    /// This platform's code: the `origin` of every envelope it publishes.
    #[arg(long, env = "INSTANT_PLATFORM_CODE", default_value = "local")]
    pub platform_code: String,
    /// An OTLP/HTTP collector (e.g. `http://otel-collector:4318`): every request and bus
    /// delivery is exported as a span of its message's trace. Empty (the default): off.
    #[arg(long, env = "INSTANT_OTLP_ENDPOINT", default_value = "")]
    pub otlp_endpoint: String,
    /// Share of traces started here that are exported (0.0 to 1.0); a trace that came
    /// with a `traceparent` follows its sampled flag.
    #[arg(long, env = "INSTANT_OTLP_SAMPLE_RATIO", default_value_t = 1.0)]
    pub otlp_sample_ratio: f64,
}

/// Redis, for services that use it.
#[derive(Debug, Clone, Args)]
pub struct RedisSettings {
    #[arg(
        id = "redis_url",
        long = "redis-url",
        env = "INSTANT_REDIS_URL",
        default_value = "redis://127.0.0.1:6379"
    )]
    pub url: String,
    /// Prefix of every key this process writes (lets tests and several deployments share one Redis).
    #[arg(
        id = "redis_prefix",
        long = "redis-prefix",
        env = "INSTANT_REDIS_PREFIX",
        default_value = "instant:"
    )]
    pub prefix: String,
    #[arg(
        id = "redis_pool_size",
        long = "redis-pool-size",
        env = "INSTANT_REDIS_POOL_SIZE",
        default_value_t = 8
    )]
    pub pool_size: usize,
}

/// Presence leases in Redis: the gateways write them, push-worker reads them, so both
/// must agree on the lifetime.
#[derive(Debug, Clone, Args)]
pub struct PresenceSettings {
    /// Lifetime of a presence lease: a dead gateway's users go offline within this plus
    /// one heartbeat.
    #[arg(
        id = "presence_lease_secs",
        long = "presence-lease-secs",
        env = "INSTANT_PRESENCE_LEASE_SECS",
        default_value_t = 20
    )]
    pub lease_secs: u64,
}

/// Access-token verification, for every service that takes authenticated requests.
#[derive(Debug, Clone, Args)]
pub struct JwtVerifySettings {
    /// PEM file of auth's Ed25519 public key.
    #[arg(
        long,
        env = "INSTANT_JWT_PUBLIC_KEY_FILE",
        default_value = ".run/keys/jwt_public.pem"
    )]
    pub jwt_public_key_file: String,
    #[arg(long, env = "INSTANT_JWT_ISSUER", default_value = "instant-auth")]
    pub jwt_issuer: String,
    #[arg(long, env = "INSTANT_JWT_AUDIENCE", default_value = "instant")]
    pub jwt_audience: String,
    /// Tokens whose verification is remembered until they expire (0: verify every time).
    #[arg(long, env = "INSTANT_JWT_CACHE_ENTRIES", default_value_t = 10_000)]
    pub jwt_cache_entries: usize,
    /// How often the revoked users are re-read from Redis (`kit::revocation`): a disable
    /// or "sign out everywhere" takes effect within this plus a round trip.
    #[arg(long, env = "INSTANT_REVOCATION_POLL_MS", default_value_t = 1000)]
    pub revocation_poll_ms: u64,
}
