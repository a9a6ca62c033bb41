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
    /// Seconds after its send a sender may edit a text message (0: no limit).
    #[arg(long, env = "INSTANT_MESSAGE_EDIT_WINDOW_SECS", default_value_t = 48 * 3600)]
    pub message_edit_window_secs: i64,
    /// Seconds after its send a sender may recall a message (0: no limit); a group's owner
    /// and admins recall at any time.
    #[arg(
        long,
        env = "INSTANT_MESSAGE_RECALL_WINDOW_SECS",
        default_value_t = 120
    )]
    pub message_recall_window_secs: i64,
    /// Different emoji one message may carry.
    #[arg(long, env = "INSTANT_MAX_REACTIONS_PER_MESSAGE", default_value_t = 20)]
    pub max_reactions_per_message: usize,
    /// Milliseconds one search statement may run (0: no limit). A query whose words match
    /// a large share of history (a very common word over millions of messages) costs the
    /// database seconds to rank; past this limit it is stopped and answered 422, asking
    /// for another word or a filter, instead of holding a connection.
    #[arg(long, env = "INSTANT_SEARCH_MAX_MS", default_value_t = 3000)]
    pub search_max_ms: u64,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One-off commands instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Rebuilds the message search index from MySQL (safe while chat-api serves).
    SearchRebuild,
    /// Prints the platform statistics (`GET /admin/stats`) as JSON.
    Stats,
}

/// Outgoing webhooks: how deliveries are sent and retried.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookSettings {
    /// Let webhook URLs point at private, loopback and link-local addresses (the
    /// platform's own network). Off: such a URL is refused when saved and when sent to
    /// (every address the name resolves to is checked, so DNS cannot rebind past it).
    #[arg(
        long = "webhook-allow-private",
        env = "INSTANT_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false
    )]
    pub allow_private: bool,
    /// Milliseconds one delivery attempt may take (connect, send, answer).
    #[arg(
        long = "webhook-timeout-ms",
        env = "INSTANT_WEBHOOK_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub timeout_ms: u64,
    /// Seconds a delivery is retried before it is dead (exponential backoff from 1 s,
    /// at most 5 min apart, with jitter).
    #[arg(
        long = "webhook-retry-for-secs",
        env = "INSTANT_WEBHOOK_RETRY_FOR_SECS",
        default_value_t = 24 * 3600
    )]
    pub retry_for_secs: u64,
    /// Attempts in flight at once to one webhook, per chat-api replica.
    #[arg(
        long = "webhook-concurrency",
        env = "INSTANT_WEBHOOK_CONCURRENCY",
        default_value_t = 4
    )]
    pub concurrency: usize,
    /// Database connections the webhook consumer and dispatcher share (their own pool,
    /// apart from the send path's).
    #[arg(
        long = "webhook-db-pool-size",
        env = "INSTANT_WEBHOOK_DB_POOL_SIZE",
        default_value_t = 4
    )]
    pub db_pool_size: usize,
    /// Most webhooks the platform may have.
    #[arg(
        long = "webhook-max",
        env = "INSTANT_WEBHOOK_MAX",
        default_value_t = 100
    )]
    pub max_webhooks: i64,
}
