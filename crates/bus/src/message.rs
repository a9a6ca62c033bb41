//! What goes onto and comes off the bus: JSON envelopes with the request id and the W3C
//! trace context (`traceparent`) as headers, so one trace follows a message across services.

use crate::consumer::HandlerError;
use common_proto::bus::{Envelope, HEADER_REQUEST_ID, HEADER_TRACEPARENT};
use kit::trace::Trace;
use lapin::{
    BasicProperties,
    message::Delivery,
    types::{AMQPValue, FieldTable, LongString},
};
use serde::{Serialize, de::DeserializeOwned};

/// A message ready to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub routing_key: String,
    pub payload: Vec<u8>,
    /// The envelope id: AMQP `message_id`, what consumers deduplicate on.
    pub message_id: String,
    /// The envelope kind: AMQP `type`.
    pub kind: String,
    /// The trace this publish belongs to (the request's, or the delivery's being handled).
    pub trace: Option<Trace>,
    /// Integer headers for consumers that decide before parsing the body
    /// (e.g. `x-members-version`).
    pub headers: Vec<(String, i64)>,
}

impl Outgoing {
    /// Serialises an envelope for `routing_key`.
    pub fn envelope<T: Serialize>(
        routing_key: impl Into<String>,
        envelope: &Envelope<T>,
        trace: Option<Trace>,
    ) -> serde_json::Result<Self> {
        Ok(Self {
            routing_key: routing_key.into(),
            payload: serde_json::to_vec(envelope)?,
            message_id: envelope.id.clone(),
            kind: envelope.kind.clone(),
            trace,
            headers: Vec::new(),
        })
    }

    /// Adds an integer header.
    pub fn with_header(mut self, name: &str, value: i64) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    /// Persistent JSON with id, type, timestamp and the trace headers.
    pub(crate) fn properties(&self) -> BasicProperties {
        let mut headers = FieldTable::default();
        if let Some(trace) = &self.trace {
            let text = |v: &str| AMQPValue::LongString(LongString::from(v.as_bytes().to_vec()));
            headers.insert(HEADER_REQUEST_ID.into(), text(&trace.request_id));
            headers.insert(HEADER_TRACEPARENT.into(), text(&trace.traceparent()));
        }
        for (name, value) in &self.headers {
            headers.insert(name.as_str().into(), AMQPValue::LongLongInt(*value));
        }
        BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(self.message_id.as_str().into())
            .with_type(self.kind.as_str().into())
            .with_timestamp(chrono::Utc::now().timestamp().max(0) as u64)
            .with_headers(headers)
    }
}

/// A delivery as a handler sees it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub routing_key: String,
    pub payload: Vec<u8>,
    pub message_id: Option<String>,
    /// The publisher's trace continued (a new span of the same trace id), or a new trace
    /// when the message carried none.
    pub trace: Trace,
    pub redelivered: bool,
    /// Quorum queues count deliveries (`x-delivery-count`); `None` on classic queues.
    pub delivery_count: Option<i64>,
    /// The integer headers, by name.
    pub headers: std::collections::BTreeMap<String, i64>,
}

impl Incoming {
    pub(crate) fn from_delivery(d: &Delivery) -> Self {
        let headers = d.properties.headers().as_ref();
        let header = |name: &str| headers.and_then(|h| h.inner().get(name).cloned());
        let text = |name: &str| {
            header(name).and_then(|v| match v {
                AMQPValue::LongString(s) => {
                    Some(String::from_utf8_lossy(s.as_bytes()).into_owned())
                }
                AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
        };
        let trace = Trace::continue_or_start(
            text(HEADER_REQUEST_ID).as_deref(),
            text(HEADER_TRACEPARENT).as_deref(),
        );
        let delivery_count = header("x-delivery-count").and_then(|v| match v {
            AMQPValue::LongLongInt(n) => Some(n),
            AMQPValue::LongInt(n) => Some(n.into()),
            AMQPValue::LongUInt(n) => Some(n.into()),
            _ => None,
        });
        let mut ints = std::collections::BTreeMap::new();
        if let Some(h) = headers {
            for (name, value) in h.inner() {
                let n = match value {
                    AMQPValue::LongLongInt(n) => Some(*n),
                    AMQPValue::LongInt(n) => Some((*n).into()),
                    AMQPValue::LongUInt(n) => Some((*n).into()),
                    _ => None,
                };
                if let Some(n) = n {
                    ints.insert(name.as_str().to_owned(), n);
                }
            }
        }
        Self {
            routing_key: d.routing_key.as_str().to_owned(),
            payload: d.data.clone(),
            message_id: d
                .properties
                .message_id()
                .as_ref()
                .map(|s| s.as_str().to_owned()),
            trace,
            redelivered: d.redelivered,
            delivery_count,
            headers: ints,
        }
    }

    /// The tracing span of this delivery's work: every log line inside carries the
    /// message's trace id (the one its HTTP request started).
    pub fn span(&self, queue: &str) -> tracing::Span {
        tracing::info_span!(
            "delivery",
            %queue,
            routing_key = %self.routing_key,
            message_id = self.message_id.as_deref().unwrap_or(""),
            request_id = %self.trace.request_id,
            trace_id = %self.trace.trace_id(),
        )
    }

    /// Exports this delivery's handling as a span of its message's trace (when OTLP
    /// export is on): its parent is the span that published it.
    pub fn export(&self, queue: &str, error: Option<&str>) {
        kit::otlp::record(
            &self.trace,
            format!("{queue} process"),
            kit::otlp::SpanKind::Consumer,
            vec![
                kit::otlp::KeyValue::new("messaging.system", "rabbitmq"),
                kit::otlp::KeyValue::new("messaging.operation.type", "process"),
                kit::otlp::KeyValue::new("messaging.destination.name", queue.to_owned()),
                kit::otlp::KeyValue::new(
                    "messaging.rabbitmq.destination.routing_key",
                    self.routing_key.clone(),
                ),
                kit::otlp::KeyValue::new(
                    "messaging.message.id",
                    self.message_id.clone().unwrap_or_default(),
                ),
            ],
            error.map(str::to_owned),
        );
    }

    /// Parses the payload as an envelope; a payload that does not parse is poison.
    pub fn envelope<T: DeserializeOwned>(&self) -> Result<Envelope<T>, HandlerError> {
        serde_json::from_slice(&self.payload)
            .map_err(|e| HandlerError::Poison(format!("bad envelope: {e}")))
    }

    /// The envelope (its data taken out) and its typed event, decoded once; `None` for a
    /// kind this consumer's version does not know. Data that does not fit its kind is poison.
    pub fn event(
        &self,
    ) -> Result<(Envelope<()>, Option<common_proto::bus::BusEvent>), HandlerError> {
        let envelope: Envelope = self.envelope()?;
        let Envelope {
            id,
            kind,
            version,
            occurred_at,
            origin,
            data,
            path,
            hops,
        } = envelope;
        let event = common_proto::bus::BusEvent::decode(&kind, data)
            .map_err(|e| HandlerError::Poison(format!("bad {kind}: {e}")))?;
        let meta = Envelope {
            id,
            kind,
            version,
            occurred_at,
            origin,
            data: (),
            path,
            hops,
        };
        Ok((meta, event))
    }
}
