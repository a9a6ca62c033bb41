//! `persistence-worker`'s settings (environment variables; `persistence-worker --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "persistence-worker", about = "instant persistence-worker")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8091")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
}
