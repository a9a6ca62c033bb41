//! `broadcast-worker`'s settings (environment variables; `broadcast-worker --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "broadcast-worker", about = "instant broadcast-worker")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8093")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
}
