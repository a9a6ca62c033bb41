//! `event-worker`'s settings (environment variables; `event-worker --help` lists them).

use clap::Parser;
use kit::settings::CommonSettings;

#[derive(Debug, Clone, Parser)]
#[command(name = "event-worker", about = "instant event-worker")]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8094")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    /// The rules, as JSON: `[{"type_prefix"?, "min_severity"?, "action": "notify_admins"}]`.
    #[arg(
        long = "event-rules",
        env = "INSTANT_EVENT_RULES",
        default_value = r#"[{"min_severity":"critical","action":"notify_admins"}]"#
    )]
    pub event_rules: String,
}
