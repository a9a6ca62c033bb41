//! Handler state, and the one way chat-api puts envelopes on the bus.

use crate::domain::{Error, Result};
use common_proto::bus::Envelope;
use serde::Serialize;

/// Shared by every handler and use case.
pub(crate) struct State {
    pub pool: db::Pool,
    pub bus: bus::Bus,
    /// This platform's code: the `origin` of the envelopes chat-api publishes.
    pub origin: String,
    /// `INSTANT_GROUP_MAX_MEMBERS`.
    pub group_max_members: usize,
}

impl State {
    /// A connection from the pool (an outage is `service_unavailable`).
    pub async fn conn(&self) -> Result<db::Conn> {
        Ok(db::pool::conn(&self.pool).await?)
    }

    /// `data` as an envelope from this platform (`id` is the envelope id consumers
    /// deduplicate on), carrying the request's id for tracing across the bus.
    pub fn outgoing<T: Serialize>(
        &self,
        request_id: Option<String>,
        routing_key: impl Into<String>,
        kind: &str,
        id: String,
        data: T,
    ) -> Result<bus::Outgoing> {
        let envelope = Envelope::new(id, kind, self.origin.clone(), data);
        bus::Outgoing::envelope(routing_key, &envelope, request_id)
            .map_err(|e| Error::Envelope(e.to_string()))
    }

    /// For news about state that is durable already (read cursors, notifications, group
    /// changes): a failed publish is logged and counted, never reported as a failed request
    /// (clients catch up on reconnect).
    pub async fn publish_best_effort(&self, out: Result<bus::Outgoing>, what: &str) {
        let result = match out {
            Ok(out) => self.bus.publish(&out).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = result {
            metrics::counter!("chat_best_effort_publish_failures_total").increment(1);
            tracing::warn!(error = %e, what, "stored, but not published");
        }
    }
}
