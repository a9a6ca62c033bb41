//! Handler state: the database pool, the send sequencer, the one publisher, and the group
//! size limit.

use crate::domain::Result;
use bus::{Outgoing, PublishError, Publisher};
use serde::Serialize;

/// Shared by every handler and use case.
pub(crate) struct State {
    pub pool: db::Pool,
    /// Where sends take their seqs, several per transaction under load.
    pub sequencer: crate::domain::sequencer::Sequencer,
    /// Envelopes from this platform (`origin` = its code) onto the bus.
    pub publisher: Publisher,
    /// `INSTANT_GROUP_MAX_MEMBERS`.
    pub group_max_members: usize,
    /// Edit and recall windows, reactions per message.
    pub lifecycle: crate::domain::lifecycle::Rules,
    /// `INSTANT_SEARCH_MAX_MS`: how long one search statement may run (0: no limit).
    pub search_max_ms: u64,
    /// For the admin statistics: queue depths, and who is online.
    pub bus: bus::Bus,
    pub presence: kit::presence::Presence,
    /// The last statistics and when they were computed (at most one computation per 30 s).
    pub stats: tokio::sync::Mutex<Option<(std::time::Instant, common_proto::rest::AdminStats)>>,
    /// `INSTANT_WEBHOOK_*`.
    pub webhooks: crate::settings::WebhookSettings,
    /// The enabled webhooks (shared with the consumer and the dispatcher).
    pub webhook_cache: std::sync::Arc<crate::webhooks::Cache>,
    /// Wakes the dispatcher (a redelivery is due now).
    pub webhook_wake: std::sync::Arc<tokio::sync::Notify>,
}

impl State {
    /// How long a delivery is retried.
    pub fn webhook_retry_for(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.webhooks.retry_for_secs.min(30 * 86_400) as i64)
    }

    /// A connection from the pool (an outage is `service_unavailable`).
    pub async fn conn(&self) -> Result<db::Conn> {
        Ok(db::pool::conn(&self.pool).await?)
    }

    /// `data` as an envelope from this platform, carrying the request's trace.
    pub fn outgoing<T: Serialize>(
        &self,
        trace: Option<kit::trace::Trace>,
        routing_key: impl Into<String>,
        kind: &str,
        id: String,
        data: T,
    ) -> std::result::Result<Outgoing, PublishError> {
        self.publisher.outgoing(routing_key, kind, id, data, trace)
    }

    /// For news about state that is durable already (read cursors, notifications, group
    /// changes): logged and counted on failure, never a failed request.
    pub async fn publish_best_effort(
        &self,
        out: std::result::Result<Outgoing, PublishError>,
        what: &str,
    ) {
        self.publisher.send_best_effort(out, what).await
    }
}
