//! One trace per message across every service: a W3C trace context (`traceparent`) taken
//! from the HTTP request (or started when it has none), carried in the HTTP headers the
//! gateway forwards and in the AMQP headers of every envelope published on its behalf, and
//! put on the tracing span of each request and delivery — so every log line on a message's
//! path (gateway → chat-api → persistence-worker / push-worker → gateway delivery) carries
//! the same `trace_id`, and an operator greps one id to see a slow message's whole path.
//!
//! The header format is opentelemetry's `TraceContextPropagator`, not ours to parse.

use opentelemetry::{
    Context,
    propagation::TextMapPropagator,
    trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState},
};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::{collections::HashMap, time::SystemTime};

/// The W3C header, in HTTP and AMQP alike.
pub const TRACEPARENT: &str = "traceparent";

/// Longest request id kept from a client (longer, or with spaces/controls: a new one).
const MAX_REQUEST_ID: usize = 128;

/// The trace of one unit of work in this process: the caller's trace id with a span id of
/// our own, and the request id that came with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// `x-request-id`: the client's when sane, else a new ULID.
    pub request_id: String,
    context: SpanContext,
    /// The upstream span this one continues (none when the trace started here).
    parent: Option<SpanId>,
    /// When this process took the work up (the exported span's start, [`crate::otlp`]).
    started: SystemTime,
}

impl Trace {
    /// Continues the trace in `traceparent` when it is valid (a new span of the same trace),
    /// else starts a new one; keeps `request_id` when sane, else makes one.
    pub fn continue_or_start(request_id: Option<&str>, traceparent: Option<&str>) -> Self {
        let parent = traceparent.and_then(parse);
        let (trace_id, flags) = match &parent {
            Some(p) => (p.trace_id(), p.trace_flags()),
            None => (
                TraceId::from_bytes(rand::random::<[u8; 16]>()),
                if crate::otlp::sample_new() {
                    TraceFlags::SAMPLED
                } else {
                    TraceFlags::default()
                },
            ),
        };
        let request_id = request_id
            .filter(|v| {
                !v.is_empty()
                    && v.len() <= MAX_REQUEST_ID
                    && v.bytes().all(|b| b.is_ascii_graphic())
            })
            .map(str::to_owned)
            .unwrap_or_else(|| ulid::Ulid::generate().to_string());
        Self {
            request_id,
            context: SpanContext::new(trace_id, new_span_id(), flags, false, TraceState::NONE),
            parent: parent.map(|p| p.span_id()),
            started: SystemTime::now(),
        }
    }

    /// A new trace (work that did not come from a request: presence, a WebSocket frame).
    pub fn start() -> Self {
        Self::continue_or_start(None, None)
    }

    /// The 32 hex digits every log line of this trace carries.
    pub fn trace_id(&self) -> String {
        self.context.trace_id().to_string()
    }

    /// Whether the trace is sampled (exported, when OTLP export is on).
    pub fn sampled(&self) -> bool {
        self.context.is_sampled()
    }

    pub fn span_context(&self) -> &SpanContext {
        &self.context
    }

    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.parent
    }

    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// The `traceparent` to send downstream: this trace, this span as the parent.
    pub fn traceparent(&self) -> String {
        let cx = Context::new().with_remote_span_context(self.context.clone());
        let mut headers = HashMap::new();
        TraceContextPropagator::new().inject_context(&cx, &mut headers);
        headers.remove(TRACEPARENT).unwrap_or_default()
    }
}

fn parse(traceparent: &str) -> Option<SpanContext> {
    let headers = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
    let cx = TraceContextPropagator::new().extract(&headers);
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| sc.clone())
}

fn new_span_id() -> SpanId {
    loop {
        let id = SpanId::from_bytes(rand::random::<[u8; 8]>());
        if id != SpanId::INVALID {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continues_a_valid_parent_with_a_new_span() {
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = Trace::continue_or_start(Some("req-1"), Some(parent));
        assert_eq!(t.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.request_id, "req-1");
        let out = t.traceparent();
        assert!(
            out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{out}"
        );
        assert!(
            !out.contains("00f067aa0ba902b7"),
            "a span of our own: {out}"
        );
        assert!(out.ends_with("-01"), "sampled flag kept: {out}");
        // Downstream continues the same trace.
        let next = Trace::continue_or_start(None, Some(&out));
        assert_eq!(next.trace_id(), t.trace_id());
    }

    #[test]
    fn starts_a_new_trace_for_garbage() {
        for bad in [
            "",
            "nonsense",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            let t = Trace::continue_or_start(Some("has space"), Some(bad));
            assert_ne!(t.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736", "{bad}");
            assert_eq!(t.trace_id().len(), 32);
            assert_ne!(t.request_id, "has space");
        }
        assert_ne!(Trace::start().trace_id(), Trace::start().trace_id());
    }
}
