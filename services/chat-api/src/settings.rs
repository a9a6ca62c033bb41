//! `chat-api`'s settings (environment variables; `chat-api --help` lists them).

use clap::Parser;
use kit::settings::{CommonSettings, JwtVerifySettings, RedisSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "chat-api",
    about = "instant chat-api: conversations, messages, groups, notifications"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8082")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    #[command(flatten)]
    pub jwt: JwtVerifySettings,
    /// Largest JSON body accepted (a message of 8 000 four-byte characters fits).
    #[arg(long, env = "INSTANT_MAX_JSON_BYTES", default_value_t = 64 * 1024)]
    pub max_json_bytes: usize,
    /// Most sends committed in one transaction (group commit: concurrent sends share a
    /// transaction; a lone send is committed at once, alone).
    #[arg(long, env = "INSTANT_SEND_BATCH_MAX", default_value_t = 256)]
    pub send_batch_max: usize,
    /// Most members a group may have (adding beyond it is a 422).
    #[arg(long, env = "INSTANT_GROUP_MAX_MEMBERS", default_value_t = 2000)]
    pub group_max_members: usize,
}
