//! `persistence-worker`'s settings (environment variables; `--help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "persistence-worker",
    about = "instant persistence-worker: persistence_queue -> MySQL"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8091")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    /// Messages written per transaction at most.
    #[arg(long, env = "INSTANT_PERSIST_BATCH_MAX", default_value_t = 256)]
    pub batch_max: usize,
    /// How long a batch waits to fill after its first message, in milliseconds.
    #[arg(long, env = "INSTANT_PERSIST_BATCH_LINGER_MS", default_value_t = 5)]
    pub batch_linger_ms: u64,
    /// Keep the message search index current: each batch also writes the terms of its new,
    /// edited and recalled messages (off: search finds only what a rebuild indexed).
    #[arg(long, env = "INSTANT_SEARCH_INDEX", default_value_t = true, action = clap::ArgAction::Set)]
    pub search_index: bool,
}
