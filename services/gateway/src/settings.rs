//! The gateway's settings (environment variables; `gateway --help` lists them).

use clap::Parser;
use kit::settings::{CommonSettings, JwtVerifySettings, PresenceSettings, RedisSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "gateway",
    about = "instant gateway: the public REST and WebSocket entry"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub presence: PresenceSettings,
    #[command(flatten)]
    pub jwt: JwtVerifySettings,
    #[command(flatten)]
    pub bus: bus::BusSettings,
    /// This node's id (its delivery queue and presence entries); generated when empty.
    #[arg(long, env = "INSTANT_GATEWAY_NODE_ID", default_value = "")]
    pub node_id: String,
    /// WebSocket connections one user may hold on one gateway node.
    #[arg(
        long,
        env = "INSTANT_WS_MAX_CONNECTIONS_PER_USER",
        default_value_t = 10
    )]
    pub ws_max_connections_per_user: usize,
    /// Frames a client may send per second (bursts of twice that).
    #[arg(long, env = "INSTANT_WS_FRAMES_PER_SECOND", default_value_t = 20.0)]
    pub ws_frames_per_second: f64,
    /// Frames queued for one client before it is told to resync and closed.
    #[arg(long, env = "INSTANT_WS_OUTBOUND_QUEUE", default_value_t = 256)]
    pub ws_outbound_queue: usize,
    /// Seconds without any frame from a client before it is closed.
    #[arg(long, env = "INSTANT_WS_IDLE_SECS", default_value_t = 60)]
    pub ws_idle_secs: u64,
    /// Seconds one frame may wait for a client that stopped reading before the connection
    /// is dropped (it reconnects and syncs).
    #[arg(long, env = "INSTANT_WS_WRITE_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_write_timeout_secs: u64,
    /// Seconds between server pings and presence-lease refreshes.
    #[arg(long, env = "INSTANT_WS_HEARTBEAT_SECS", default_value_t = 5)]
    pub ws_heartbeat_secs: u64,
    #[arg(
        long,
        env = "INSTANT_AUTH_URL",
        default_value = "http://127.0.0.1:8081"
    )]
    pub auth_url: String,
    #[arg(
        long,
        env = "INSTANT_CHAT_API_URL",
        default_value = "http://127.0.0.1:8082"
    )]
    pub chat_api_url: String,
    #[arg(
        long,
        env = "INSTANT_FILE_SERVICE_URL",
        default_value = "http://127.0.0.1:8083"
    )]
    pub file_service_url: String,
    #[arg(
        long,
        env = "INSTANT_CASCADE_SERVICE_URL",
        default_value = "http://127.0.0.1:8084"
    )]
    pub cascade_service_url: String,
    /// Seconds an upstream may take to answer before the client gets 504.
    #[arg(long, env = "INSTANT_UPSTREAM_TIMEOUT_SECS", default_value_t = 30)]
    pub upstream_timeout_secs: u64,
    /// Largest request body outside `/files` (413 beyond).
    #[arg(long, env = "INSTANT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: u64,
    /// Largest upload body to `/files`: the file limit plus multipart overhead.
    #[arg(long, env = "INSTANT_MAX_UPLOAD_BYTES", default_value_t = 25 * 1024 * 1024 + 64 * 1024)]
    pub max_upload_bytes: u64,
    /// Requests per minute per client IP to register, login and refresh.
    #[arg(long, env = "INSTANT_RATE_LIMIT_AUTH_PER_MINUTE", default_value_t = 30)]
    pub rate_limit_auth_per_minute: u64,
    /// Requests per minute per user everywhere else.
    #[arg(
        long,
        env = "INSTANT_RATE_LIMIT_USER_PER_MINUTE",
        default_value_t = 1200
    )]
    pub rate_limit_user_per_minute: u64,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted load balancer).
    #[arg(long, env = "INSTANT_TRUST_FORWARDED_FOR", default_value_t = false)]
    pub trust_forwarded_for: bool,
    /// Comma-separated origins allowed by CORS and for the WebSocket, besides the gateway's
    /// own origin (the web client it serves), which is always allowed.
    #[arg(
        long,
        env = "INSTANT_CORS_ORIGINS",
        default_value = "http://127.0.0.1:8080,http://localhost:8080"
    )]
    pub cors_origins: String,
    /// The built web client (`services/gateway/web/dist`), served at `/`; when it has no
    /// `index.html`, `/` says how to build it.
    #[arg(
        long,
        env = "INSTANT_WEB_DIR",
        default_value = "services/gateway/web/dist"
    )]
    pub web_dir: String,
}

impl Settings {
    pub fn cors_origin_list(&self) -> Vec<String> {
        self.cors_origins
            .split(',')
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }
}
