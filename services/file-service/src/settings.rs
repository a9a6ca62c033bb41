//! `file-service`'s settings (environment variables; `file-service --help` lists them).

use clap::Parser;
use kit::settings::{CommonSettings, JwtVerifySettings, RedisSettings};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "file-service",
    about = "instant file-service: uploads and downloads"
)]
pub struct Settings {
    #[arg(long, env = "INSTANT_LISTEN", default_value = "127.0.0.1:8083")]
    pub listen: String,
    #[command(flatten)]
    pub common: CommonSettings,
    #[command(flatten)]
    pub db: db::DbSettings,
    #[command(flatten)]
    pub jwt: JwtVerifySettings,
    /// For the revoked sessions only (`kit::revocation`); not a readiness dependency.
    #[command(flatten)]
    pub redis: RedisSettings,
    #[command(flatten)]
    pub storage: StorageSettings,
    /// Largest file accepted, in bytes (413 past it, enforced while streaming).
    #[arg(long, env = "INSTANT_MAX_FILE_BYTES", default_value_t = 25 * 1024 * 1024)]
    pub max_file_bytes: u64,
    /// Uploads never sent in a message nor used as an avatar are deleted after this long.
    #[arg(
        long,
        env = "INSTANT_UNREFERENCED_FILE_TTL_SECS",
        default_value_t = 86_400
    )]
    pub unreferenced_file_ttl_secs: u64,
    /// How often the cleanup of unreferenced uploads runs.
    #[arg(
        long,
        env = "INSTANT_FILE_CLEANUP_INTERVAL_SECS",
        default_value_t = 3600
    )]
    pub file_cleanup_interval_secs: u64,
}

/// Where the bytes go: a local directory, or any S3-compatible store (MinIO, S3, ...).
#[derive(Debug, Clone, clap::Args)]
pub struct StorageSettings {
    /// A directory (created if missing), or `s3://BUCKET[/PREFIX]`.
    #[arg(long = "storage", env = "INSTANT_STORAGE", default_value = "uploads")]
    pub location: String,
    /// S3 endpoint for non-AWS stores, e.g. `http://minio:9000` (empty: AWS).
    #[arg(long = "s3-endpoint", env = "INSTANT_S3_ENDPOINT", default_value = "")]
    pub s3_endpoint: String,
    #[arg(
        long = "s3-region",
        env = "INSTANT_S3_REGION",
        default_value = "us-east-1"
    )]
    pub s3_region: String,
    #[arg(
        long = "s3-access-key-id",
        env = "INSTANT_S3_ACCESS_KEY_ID",
        default_value = ""
    )]
    pub s3_access_key_id: String,
    #[arg(
        long = "s3-secret-access-key",
        env = "INSTANT_S3_SECRET_ACCESS_KEY",
        default_value = "",
        hide_env_values = true
    )]
    pub s3_secret_access_key: String,
}
