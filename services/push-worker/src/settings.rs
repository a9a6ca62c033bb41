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
}
