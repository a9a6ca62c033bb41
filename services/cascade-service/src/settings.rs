//! `cascade-service`'s settings (environment variables; `cascade-service --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "cascade-service", about = "instant cascade-service")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8084")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
}
