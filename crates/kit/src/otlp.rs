//! Optional OTLP export of the traces [`crate::trace`] already carries: with
//! `INSTANT_OTLP_ENDPOINT` set, each unit of work — an HTTP request ([`crate::http`]), a
//! delivery handled off the bus (`bus`) — becomes one span with the trace's ids, its
//! parent the upstream span that sent it, exported over OTLP/HTTP (JSON) by
//! opentelemetry's own exporter and batch processor. The span ids are the ones already
//! in the `traceparent` headers, so the exported tree is exactly the path the logs show.
//!
//! Off (the default), nothing here runs and nothing is allocated. The batch processor's
//! queue is bounded (spans past it are dropped and counted by the SDK), so a slow
//! collector costs spans, never memory or request latency.

use crate::trace::Trace;
use opentelemetry::{InstrumentationScope, trace::Status};
pub use opentelemetry::{KeyValue, trace::SpanKind};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{
    Resource,
    trace::{BatchConfigBuilder, BatchSpanProcessor, SpanData, SpanProcessor},
};
use std::{borrow::Cow, sync::OnceLock, time::Duration};

struct Export {
    processor: BatchSpanProcessor,
    scope: InstrumentationScope,
    /// Share of new traces (no sampled parent) that are exported, 0.0..=1.0.
    sample_ratio: f64,
}

static EXPORT: OnceLock<Export> = OnceLock::new();

/// Starts exporting to `endpoint` (the collector's base URL, e.g. `http://otel:4318`, or
/// its full `/v1/traces` URL) as `service`. Call once, outside the async runtime (the
/// exporter's HTTP client and the batch thread are blocking).
pub fn install(endpoint: &str, service: &'static str, sample_ratio: f64) -> anyhow::Result<()> {
    anyhow::ensure!(
        (0.0..=1.0).contains(&sample_ratio),
        "INSTANT_OTLP_SAMPLE_RATIO must be 0.0 to 1.0"
    );
    let url = if endpoint.ends_with("/v1/traces") {
        endpoint.to_owned()
    } else {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(url)
        .with_timeout(Duration::from_secs(5))
        .build()?;
    let mut processor = BatchSpanProcessor::builder(exporter)
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_scheduled_delay(Duration::from_secs(1))
                .with_max_queue_size(8192)
                .build(),
        )
        .build();
    processor.set_resource(&Resource::builder_empty().with_service_name(service).build());
    let scope = InstrumentationScope::builder("instant")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    EXPORT
        .set(Export {
            processor,
            scope,
            sample_ratio,
        })
        .map_err(|_| anyhow::anyhow!("OTLP export is installed already"))
}

/// Whether a trace started here (no upstream decision) is sampled.
pub(crate) fn sample_new() -> bool {
    match EXPORT.get() {
        Some(e) => e.sample_ratio >= 1.0 || rand::random::<f64>() < e.sample_ratio,
        None => true,
    }
}

/// Exports `trace`'s unit of work (from when the trace was taken up until now) as one
/// span, when export is on and the trace is sampled.
pub fn record(
    trace: &Trace,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    error: Option<String>,
) {
    let Some(export) = EXPORT.get() else {
        return;
    };
    if !trace.sampled() {
        return;
    }
    export
        .processor
        .on_end(span(trace, name, kind, attributes, error, &export.scope));
}

/// The span of `trace` ending now.
fn span(
    trace: &Trace,
    name: impl Into<Cow<'static, str>>,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    error: Option<String>,
    scope: &InstrumentationScope,
) -> SpanData {
    let (parent_span_id, parent_span_is_remote) = match trace.parent_span_id() {
        Some(p) => (p, true),
        None => (opentelemetry::trace::SpanId::INVALID, false),
    };
    SpanData {
        span_context: trace.span_context().clone(),
        parent_span_id,
        parent_span_is_remote,
        span_kind: kind,
        name: name.into(),
        start_time: trace.started(),
        end_time: std::time::SystemTime::now(),
        attributes,
        dropped_attributes_count: 0,
        events: Default::default(),
        links: Default::default(),
        status: match error {
            Some(e) => Status::error(e),
            None => Status::Unset,
        },
        instrumentation_scope: scope.clone(),
    }
}

/// Exports what is queued (at shutdown; blocks up to the exporter's timeout).
pub fn shutdown() {
    if let Some(e) = EXPORT.get()
        && let Err(err) = e.processor.shutdown()
    {
        tracing::warn!(error = %err, "OTLP export did not flush");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_continues_its_upstream_parent() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = Trace::continue_or_start(None, Some(parent));
        let scope = InstrumentationScope::builder("test").build();
        let s = span(
            &t,
            "POST /api/v1/messages",
            SpanKind::Server,
            vec![],
            None,
            &scope,
        );
        assert_eq!(
            s.span_context.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(s.parent_span_id.to_string(), "00f067aa0ba902b7");
        assert!(s.parent_span_is_remote);
        // The span's id is the one sent downstream in `traceparent`.
        assert!(
            t.traceparent()
                .contains(&s.span_context.span_id().to_string())
        );
        assert!(s.end_time >= s.start_time);
        let root = span(
            &Trace::start(),
            "x",
            SpanKind::Internal,
            vec![],
            Some("boom".into()),
            &scope,
        );
        assert_eq!(root.parent_span_id, opentelemetry::trace::SpanId::INVALID);
        assert!(matches!(root.status, Status::Error { .. }));
    }
}
