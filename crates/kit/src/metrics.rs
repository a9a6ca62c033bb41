//! The Prometheus recorder, installed once per process and rendered by `/metrics`.
//!
//! Naming: counters end in `_total`, durations in `_seconds`; labels never carry user ids.
//! Every series carries `service="<binary>"` (a global label), so dashboards and alerts
//! select a service whatever the scrape configuration calls its targets; the process
//! metrics (`process_resident_memory_bytes`, `process_open_fds`, CPU) come from the
//! `metrics-process` collector at each scrape.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets (seconds) for every `_seconds` histogram: sub-millisecond to 10 s.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();

/// Installs the recorder with `service` as a global label (the first call wins: tests run
/// many services in one process).
pub fn install(service: &'static str) -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .add_global_label("service", service)
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

/// The process-wide handle (installed without a service label if nothing installed it).
pub fn handle() -> &'static PrometheusHandle {
    install("unknown")
}

/// The text exposition, after sampling the process and draining histogram buffers.
pub fn render() -> String {
    let handle = handle();
    PROCESS
        .get_or_init(|| {
            let c = metrics_process::Collector::default();
            c.describe();
            c
        })
        .collect();
    handle.run_upkeep();
    handle.render()
}
