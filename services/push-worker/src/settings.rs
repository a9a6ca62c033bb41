//! `push-worker`'s settings (environment variables; `--help` lists them).

use clap::Parser;
use kit::settings::{CommonSettings, PresenceSettings, RedisSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "push-worker",
    about = "instant push-worker: realtime_push_queue -> gateway nodes"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8092")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub presence: PresenceSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    /// Seconds a conversation's member list is cached (membership events invalidate it).
    #[arg(long, env = "INSTANT_MEMBER_CACHE_SECS", default_value_t = 30)]
    pub member_cache_secs: u64,
    /// Events handled at once (each waits for its publish confirms).
    #[arg(long, env = "INSTANT_PUSH_CONCURRENCY", default_value_t = 32)]
    pub concurrency: usize,
    /// Offline push: the push gateway each device's payload is POSTed to. Empty (the
    /// default): no push jobs are made.
    #[arg(long, env = "INSTANT_PUSH_WEBHOOK_URL", default_value = "")]
    pub push_webhook_url: String,
    /// Signs offline pushes (`X-Instant-Signature`, as outgoing webhooks); empty: unsigned.
    #[arg(
        long,
        env = "INSTANT_PUSH_WEBHOOK_SECRET",
        default_value = "",
        hide_env_values = true,
        hide_default_value = true
    )]
    pub push_webhook_secret: String,
    /// Offline pushes say "New message" instead of a preview of it.
    #[arg(long, env = "INSTANT_PUSH_HIDE_CONTENT", default_value_t = false, action = clap::ArgAction::Set)]
    pub push_hide_content: bool,
    /// At most one push per member and conversation per this many seconds.
    #[arg(long, env = "INSTANT_PUSH_COALESCE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub push_coalesce_secs: u64,
    /// Milliseconds one POST to the push gateway may take.
    #[arg(long, env = "INSTANT_PUSH_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(100..=60000))]
    pub push_timeout_ms: u64,
    /// Push jobs handled at once.
    #[arg(long, env = "INSTANT_PUSH_SENDER_CONCURRENCY", default_value_t = 8)]
    pub push_sender_concurrency: usize,
}
