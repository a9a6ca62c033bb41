//! `chat-api`'s settings (environment variables; `chat-api --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "chat-api", about = "instant chat-api")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8082")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub redis: kit::settings::RedisSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
}
