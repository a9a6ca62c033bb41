//! Outgoing webhooks, delivered from the bus and never from a request: [`consumer`] turns
//! each envelope of `webhook_queue` that some enabled webhook subscribes to into one
//! durable delivery row per webhook and acks; [`dispatcher`] sends due rows, signed
//! (`kit::signing`), with a timeout and a per-webhook concurrency limit, retries failures with
//! exponential backoff and jitter until the delivery's deadline, then marks it dead (the
//! per-webhook dead letter an admin lists and redelivers). [`target`] keeps webhook URLs
//! off the platform's own network (SSRF) when saved and when sent to.

pub mod consumer;
pub mod dispatcher;
pub mod target;

use std::{sync::Arc, time::Duration};
use tokio::sync::Mutex;

/// The enabled webhooks, re-read at most every [`CACHE_TTL`]: a change an admin makes
/// reaches deliveries within that (each replica keeps its own copy).
#[derive(Default)]
pub struct Cache {
    inner: Mutex<Option<(std::time::Instant, Arc<Vec<db::webhooks::WebhookRow>>)>>,
}

/// How long the enabled webhooks are remembered.
pub const CACHE_TTL: Duration = Duration::from_secs(2);

impl Cache {
    pub async fn enabled(
        &self,
        pool: &db::Pool,
    ) -> Result<Arc<Vec<db::webhooks::WebhookRow>>, db::DbError> {
        let mut guard = self.inner.lock().await;
        if let Some((at, rows)) = guard.as_ref()
            && at.elapsed() < CACHE_TTL
        {
            return Ok(rows.clone());
        }
        let mut conn = db::pool::conn(pool).await?;
        let rows = Arc::new(db::webhooks::enabled(&mut conn).await?);
        *guard = Some((std::time::Instant::now(), rows.clone()));
        Ok(rows)
    }

    /// Forgets the copy (this replica's admin change applies at once here).
    pub async fn clear(&self) {
        *self.inner.lock().await = None;
    }
}

/// A webhook's event classes, from its stored JSON.
pub fn events_of(row: &db::webhooks::WebhookRow) -> Vec<String> {
    serde_json::from_str(&row.events).unwrap_or_default()
}

/// A webhook's conversations (`None`: every conversation), from its stored JSON.
pub fn conversations_of(row: &db::webhooks::WebhookRow) -> Option<Vec<i64>> {
    row.conversation_ids
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
}
