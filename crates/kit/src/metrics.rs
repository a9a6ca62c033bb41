//! The Prometheus recorder, installed once per process and rendered by `/metrics`.
//!
//! Naming: counters end in `_total`, durations in `_seconds`; labels never carry user ids.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets (seconds) for every `_seconds` histogram: sub-millisecond to 10 s.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide handle; installs the recorder on first use.
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (cannot happen in our binaries): render an
            // unattached one rather than crash.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        }
    })
}

/// The text exposition, after draining histogram buffers.
pub fn render() -> String {
    let handle = handle();
    handle.run_upkeep();
    handle.render()
}
