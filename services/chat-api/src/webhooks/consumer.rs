//! `webhook_queue` → delivery rows. Each envelope is matched against the enabled
//! webhooks (cached, [`super::Cache`]); the matches get one pending row each, in one
//! insert that skips rows already there (a redelivered envelope adds nothing), and only
//! then is the envelope acked: an envelope acked is an envelope that will be delivered.

use super::Cache;
use bus::{Handler, HandlerError, Incoming};
use common_proto::bus::BusEvent;
use std::sync::Arc;
use tokio::sync::Notify;

pub struct Enqueue {
    pub pool: db::Pool,
    pub cache: Arc<Cache>,
    /// Wakes the dispatcher when rows were added.
    pub wake: Arc<Notify>,
    pub retry_for: chrono::Duration,
}

/// The event class of an envelope and the conversation it is about.
fn class_of(event: &BusEvent) -> Option<(&'static str, Option<i64>)> {
    Some(match event {
        BusEvent::MessageSent(m) => ("message", Some(m.conversation_id)),
        // A change only one user is to hear of (they hid it) is nobody else's business.
        BusEvent::MessageChanged(c) if c.only.is_none() => {
            ("message", Some(c.message.conversation_id))
        }
        BusEvent::ConversationUpdated(u) => ("group", Some(u.conversation_id)),
        BusEvent::EventReported(_) => ("event", None),
        BusEvent::BroadcastSent(_) => ("broadcast", None),
        _ => return None,
    })
}

impl Enqueue {
    /// Whether a sent message mentions a bot that is a member (read from MySQL only for
    /// messages that mention someone).
    async fn mentions_a_bot(&self, event: &BusEvent) -> Result<bool, HandlerError> {
        let BusEvent::MessageSent(m) = event else {
            return Ok(false);
        };
        let names = crate::domain::messaging::mentions(&m.content);
        if names.is_empty() {
            return Ok(false);
        }
        let mut conn = db::pool::conn(&self.pool)
            .await
            .map_err(|e| HandlerError::Retry(e.to_string()))?;
        let bots = db::messages::mentioned_bots(&mut conn, m.conversation_id, m.sender_id, &names)
            .await
            .map_err(|e| HandlerError::Retry(e.to_string()))?;
        Ok(!bots.is_empty())
    }
}

impl Handler for Enqueue {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let (envelope, event) = msg.event()?;
        let Some((class, conversation)) = event.as_ref().and_then(class_of) else {
            return Ok(());
        };
        let hooks = self
            .cache
            .enabled(&self.pool)
            .await
            .map_err(|e| HandlerError::Retry(e.to_string()))?;
        let wants_mentions = hooks
            .iter()
            .any(|h| super::events_of(h).iter().any(|e| e == "mention"));
        let mention = wants_mentions
            && match event.as_ref() {
                Some(e) => self.mentions_a_bot(e).await?,
                None => false,
            };
        // A webhook gets the envelope once, for its class or (a message) a bot's mention;
        // the conversation filter applies to `message`.
        let ids: Vec<i64> = hooks
            .iter()
            .filter(|h| {
                let events = super::events_of(h);
                let by_class = events.iter().any(|e| e == class)
                    && (class != "message"
                        || super::conversations_of(h)
                            .is_none_or(|ids| conversation.is_some_and(|c| ids.contains(&c))));
                by_class || (mention && events.iter().any(|e| e == "mention"))
            })
            .map(|h| h.id)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let body = String::from_utf8_lossy(&msg.payload);
        let traceparent = msg.trace.traceparent();
        let now = chrono::Utc::now().naive_utc();
        let mut conn = db::pool::conn(&self.pool)
            .await
            .map_err(|e| HandlerError::Retry(e.to_string()))?;
        let added = db::webhooks::enqueue(
            &mut conn,
            &ids,
            &db::webhooks::NewDelivery {
                envelope_id: &envelope.id,
                kind: &envelope.kind,
                body: &body,
                traceparent: Some(&traceparent),
            },
            now,
            now + self.retry_for,
        )
        .await
        .map_err(|e| HandlerError::Retry(e.to_string()))?;
        metrics::counter!("webhook_deliveries_enqueued_total").increment(added as u64);
        tracing::debug!(kind = %envelope.kind, webhooks = ids.len(), added, "webhook deliveries queued");
        self.wake.notify_one();
        Ok(())
    }
}
