//! JSON logs through `tracing` (or a readable format for terminals).

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber once; later calls (tests start many services in one
/// process) are no-ops.
pub fn init(filter: &str, format: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let result = if format == "pretty" {
        fmt().with_env_filter(filter).with_target(false).try_init()
    } else {
        fmt()
            .json()
            .with_env_filter(filter)
            .with_current_span(true)
            .flatten_event(true)
            .try_init()
    };
    // Already installed: keep the first one.
    drop(result);
}

/// For tests: logs only when `TEST_LOG=1`.
pub fn init_for_tests() {
    if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
        init("info,lapin=warn", "pretty");
    }
}
