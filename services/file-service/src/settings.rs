//! `file-service`'s settings (environment variables; `file-service --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "file-service", about = "instant file-service")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8083")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
}
