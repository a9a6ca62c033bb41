//! RabbitMQ settings.

use clap::{Args, ValueEnum};

/// Queue type of the work queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueueType {
    /// Replicated, with a delivery limit: the production choice.
    Quorum,
    /// Single-node; no delivery limit (a crash-looping message is redelivered forever).
    Classic,
}

impl QueueType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quorum => "quorum",
            Self::Classic => "classic",
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BusSettings {
    #[arg(
        id = "amqp_url",
        long = "amqp-url",
        env = "INSTANT_AMQP_URL",
        default_value = "amqp://guest:guest@127.0.0.1:5672/%2f"
    )]
    pub url: String,
    #[arg(
        long = "queue-type",
        env = "INSTANT_QUEUE_TYPE",
        value_enum,
        default_value = "quorum"
    )]
    pub queue_type: QueueType,
    /// Type of `realtime_push_queue` alone. Classic by default: what it carries (live
    /// copies of messages, cursors, typing, presence, notifications) is all recoverable —
    /// history by `sync`, the inbox by reading it — so replication buys nothing there,
    /// while a classic queue hands a message to push-worker at once instead of after the
    /// quorum's commit. An existing queue of the other type is kept (delete it to switch).
    #[arg(
        long = "realtime-queue-type",
        env = "INSTANT_REALTIME_QUEUE_TYPE",
        value_enum,
        default_value = "classic"
    )]
    pub realtime_queue_type: QueueType,
    /// Quorum queues: deliveries of one message before it is dead-lettered.
    #[arg(
        long = "delivery-limit",
        env = "INSTANT_DELIVERY_LIMIT",
        default_value_t = 10
    )]
    pub delivery_limit: u32,
    /// Unacknowledged deliveries a consumer holds at once.
    #[arg(long = "prefetch", env = "INSTANT_PREFETCH", default_value_t = 64)]
    pub prefetch: u16,
    /// Prefix of every exchange and queue name (empty in production; tests isolate with it).
    #[arg(
        id = "amqp_prefix",
        long = "amqp-prefix",
        env = "INSTANT_AMQP_PREFIX",
        default_value = ""
    )]
    pub prefix: String,
    /// How long a publish may keep retrying through a broker outage before it fails.
    #[arg(
        long = "publish-timeout-ms",
        env = "INSTANT_PUBLISH_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub publish_timeout_ms: u64,
}

impl Default for BusSettings {
    fn default() -> Self {
        Self {
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            queue_type: QueueType::Quorum,
            realtime_queue_type: QueueType::Classic,
            delivery_limit: 10,
            prefetch: 64,
            prefix: String::new(),
            publish_timeout_ms: 5000,
        }
    }
}
