//! Service plumbing shared by every binary: settings, telemetry, the error type, the HTTP
//! server with health/ready/metrics, JWT verification and graceful shutdown.
//!
//! A service's `main.rs` reads its settings, builds its state and hands an HTTP
//! configuration plus its background tasks to [`lifecycle::run`]; everything a platform
//! team expects of every process (JSON logs, `/health`, `/ready`, `/metrics`, SIGTERM
//! draining, one error shape) comes from here so no service can forget it.

pub mod auth;
pub mod error;
pub mod extract;
pub mod http;
pub mod lifecycle;
pub mod metrics;
pub mod otlp;
pub mod presence;
pub mod rate_limit;
pub mod readiness;
pub mod redis;
pub mod revocation;
pub mod settings;
pub mod signing;
pub mod telemetry;
pub mod trace;
pub mod worker;

pub use error::{ApiError, ApiResult};
pub use extract::{Json, Query};
