//! `cascade-service`'s settings (environment variables; `cascade-service --help` lists them).

use clap::Parser;
use kit::settings::{CommonSettings, JwtVerifySettings, RedisSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "cascade-service",
    about = "instant cascade-service: links to the upper and lower platforms"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8084")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    #[command(flatten)]
    pub jwt: JwtVerifySettings,
    /// For the revoked sessions only (`kit::revocation`); not a readiness dependency.
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub identity: Identity,
    /// The pre-shared token a NEW child presents to `POST /cascade/register` (empty: only
    /// children an admin added with their own token may register).
    #[arg(
        long,
        env = "INSTANT_CASCADE_REGISTRATION_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub cascade_registration_token: String,
    #[command(flatten)]
    pub parent: ParentSettings,
}

/// The upper platform this one links to (all empty at the top of the tree).
#[derive(Debug, Clone, clap::Args)]
pub struct ParentSettings {
    /// The parent's API base URL (its gateway), e.g. `https://province.example`.
    #[arg(
        long = "cascade-parent-url",
        env = "INSTANT_CASCADE_PARENT_URL",
        default_value = ""
    )]
    pub parent_url: String,
    /// The token this platform registers with on the parent.
    #[arg(
        long = "cascade-parent-token",
        env = "INSTANT_CASCADE_PARENT_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub parent_token: String,
    /// The parent's broker with this platform's account there. Its queue type must match
    /// this platform's `INSTANT_QUEUE_TYPE`.
    #[arg(
        long = "cascade-parent-amqp-url",
        env = "INSTANT_CASCADE_PARENT_AMQP_URL",
        default_value = "",
        hide_env_values = true
    )]
    pub parent_amqp_url: String,
    /// Seconds between registrations (heartbeats) with the parent; the parent marks a
    /// child offline after three missed.
    #[arg(
        long = "cascade-heartbeat-secs",
        env = "INSTANT_CASCADE_HEARTBEAT_SECS",
        default_value_t = 60
    )]
    pub heartbeat_secs: u64,
    /// Links an envelope may cross before it is dropped (loop safety net).
    #[arg(
        long = "cascade-max-hops",
        env = "INSTANT_CASCADE_MAX_HOPS",
        default_value_t = 8
    )]
    pub max_hops: u32,
}

/// This platform as its peers see it (`GET /cascade/info`; no secret here).
#[derive(Debug, Clone, clap::Args)]
pub struct Identity {
    #[arg(long, env = "INSTANT_PLATFORM_NAME", default_value = "instant")]
    pub platform_name: String,
    /// Depth in the tree: 0 at the top (e.g. province 0, city 1, district 2).
    #[arg(long, env = "INSTANT_PLATFORM_LEVEL", default_value_t = 0)]
    pub platform_level: i32,
    /// Broker host, port and vhost that peers connect to.
    #[arg(long, env = "INSTANT_CASCADE_MQ_HOST", default_value = "127.0.0.1")]
    pub mq_host: String,
    #[arg(long, env = "INSTANT_CASCADE_MQ_PORT", default_value_t = 5672)]
    pub mq_port: u16,
    #[arg(long, env = "INSTANT_CASCADE_MQ_VHOST", default_value = "/")]
    pub mq_vhost: String,
    /// SIP server id (GB/T 28181: 20 digits), domain, host, port, transport.
    #[arg(long, env = "INSTANT_SIP_SERVER_ID", default_value = "")]
    pub sip_server_id: String,
    #[arg(long, env = "INSTANT_SIP_DOMAIN", default_value = "")]
    pub sip_domain: String,
    #[arg(long, env = "INSTANT_SIP_HOST", default_value = "127.0.0.1")]
    pub sip_host: String,
    #[arg(long, env = "INSTANT_SIP_PORT", default_value_t = 5060)]
    pub sip_port: u16,
    #[arg(long, env = "INSTANT_SIP_TRANSPORT", default_value = "udp")]
    pub sip_transport: String,
}
