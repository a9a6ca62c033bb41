//! Sends due deliveries. Rows are claimed in small batches with a lease (so a replica
//! that dies mid-send leaves them to another after the lease, never lost), each sent by
//! its own task under two limits — all in flight on this replica, and
//! `INSTANT_WEBHOOK_CONCURRENCY` per webhook, so one slow receiver cannot take every
//! slot — with a timeout. A 2xx is delivered; anything else is retried after
//! `min(2^attempts s, 5 min)` with jitter (between half and all of it, so receivers that
//! failed together are not hit together again) until the deadline, then dead.

use super::{Cache, target};
use chrono::{NaiveDateTime, Utc};
use kit::lifecycle::ShutdownSignal;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::{Notify, Semaphore};
use tracing::Instrument;

/// Deliveries in flight on one replica, whatever the webhook.
const MAX_IN_FLIGHT: usize = 256;
/// Rows claimed per round.
const CLAIM: i64 = 64;
/// The longest wait between retries.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Rounds happen at least this often (a retry comes due without a wake-up).
const POLL: Duration = Duration::from_millis(500);

pub struct Dispatcher {
    pub pool: db::Pool,
    pub cache: Arc<Cache>,
    pub client: reqwest::Client,
    pub wake: Arc<Notify>,
    pub timeout: Duration,
    pub per_webhook: usize,
    pub allow_private: bool,
    pub in_flight: Arc<Semaphore>,
    pub limits: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

impl Dispatcher {
    pub fn new(
        pool: db::Pool,
        cache: Arc<Cache>,
        wake: Arc<Notify>,
        settings: &crate::settings::WebhookSettings,
    ) -> reqwest::Result<Self> {
        Ok(Self {
            pool,
            cache,
            client: target::client(settings.allow_private)?,
            wake,
            timeout: Duration::from_millis(settings.timeout_ms.max(1)),
            per_webhook: settings.concurrency.max(1),
            allow_private: settings.allow_private,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            limits: Mutex::new(HashMap::new()),
        })
    }

    fn limit_for(&self, webhook: i64) -> Arc<Semaphore> {
        let mut limits = self.limits.lock().unwrap_or_else(|p| p.into_inner());
        limits
            .entry(webhook)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_webhook)))
            .clone()
    }

    /// Claims and sends until shutdown; what is in flight then finishes on its own (or
    /// its lease runs out and another replica retries it).
    pub async fn run(self: Arc<Self>, mut shutdown: ShutdownSignal) {
        loop {
            let free = self.in_flight.available_permits() as i64;
            let claimed = if free == 0 {
                Vec::new()
            } else {
                self.claim(free.min(CLAIM)).await
            };
            let full = claimed.len() as i64 == free.min(CLAIM) && free > 0;
            for delivery in claimed {
                let Ok(permit) = self.in_flight.clone().acquire_owned().await else {
                    return;
                };
                let me = self.clone();
                tokio::spawn(async move {
                    me.send(delivery).await;
                    drop(permit);
                });
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = shutdown.wait() => return,
            }
        }
    }

    async fn claim(&self, n: i64) -> Vec<db::webhooks::Claimed> {
        let now = Utc::now().naive_utc();
        // The lease: long enough for a queue behind the per-webhook limit and the send.
        let lease = now
            + chrono::Duration::from_std(self.timeout * 4).unwrap_or_default()
            + chrono::Duration::seconds(30);
        let result = async {
            let mut conn = db::pool::conn(&self.pool).await?;
            db::webhooks::claim_due(&mut conn, now, lease, n).await
        }
        .await;
        result.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "webhook deliveries not claimed");
            Vec::new()
        })
    }

    async fn send(&self, d: db::webhooks::Claimed) {
        let trace = kit::trace::Trace::continue_or_start(None, d.traceparent.as_deref());
        let span = tracing::info_span!("webhook", delivery = d.id, webhook = d.webhook_id, trace_id = %trace.trace_id());
        self.attempt(d, trace).instrument(span).await
    }

    async fn attempt(&self, d: db::webhooks::Claimed, trace: kit::trace::Trace) {
        let hooks = match self.cache.enabled(&self.pool).await {
            Ok(h) => h,
            Err(e) => {
                return self
                    .failed(&d, None, &format!("webhooks not read: {e}"))
                    .await;
            }
        };
        let Some(hook) = hooks.iter().find(|h| h.id == d.webhook_id) else {
            return self.failed(&d, None, "the webhook is disabled").await;
        };
        let limit = self.limit_for(d.webhook_id);
        let Ok(_slot) = limit.acquire().await else {
            return;
        };
        let url = match target::parse(&hook.url) {
            Ok(u) => u,
            Err(why) => return self.failed(&d, None, why).await,
        };
        if let Some(ip) = url
            .host_str()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
            && !self.allow_private
            && target::is_private(ip)
        {
            return self
                .failed(&d, None, "a private address (the platform's own network)")
                .await;
        }
        let timestamp = Utc::now().timestamp();
        let started = std::time::Instant::now();
        let sent = self
            .client
            .post(url)
            .timeout(self.timeout)
            .header("content-type", "application/json")
            .header(
                kit::signing::HEADER_SIGNATURE,
                kit::signing::signature(&hook.secret, timestamp, d.body.as_bytes()),
            )
            .header(kit::signing::HEADER_TIMESTAMP, timestamp.to_string())
            .header(kit::signing::HEADER_EVENT, d.kind.as_str())
            .header(kit::signing::HEADER_WEBHOOK, d.webhook_id.to_string())
            .header(kit::signing::HEADER_DELIVERY, d.id.to_string())
            .header(kit::trace::TRACEPARENT, trace.traceparent())
            .body(d.body.clone())
            .send()
            .await;
        metrics::histogram!("webhook_attempt_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        match sent {
            Ok(res) if res.status().is_success() => {
                let now = Utc::now().naive_utc();
                let status = i32::from(res.status().as_u16());
                let saved = async {
                    let mut conn = db::pool::conn(&self.pool).await?;
                    db::webhooks::mark_delivered(&mut conn, d.id, status, now).await
                }
                .await;
                if let Err(e) = saved {
                    // Sent but not recorded: the lease runs out and it is sent again (at
                    // least once; the delivery id header lets a receiver drop the repeat).
                    tracing::warn!(error = %e, "webhook delivered but not recorded");
                    return;
                }
                metrics::counter!("webhook_deliveries_total", "outcome" => "delivered")
                    .increment(1);
                tracing::debug!(status, "webhook delivered");
            }
            Ok(res) => {
                let status = res.status();
                self.failed(
                    &d,
                    Some(i32::from(status.as_u16())),
                    &format!("HTTP {status}"),
                )
                .await
            }
            Err(e) if e.is_timeout() => {
                let ms = self.timeout.as_millis();
                self.failed(&d, None, &format!("timed out after {ms} ms"))
                    .await
            }
            Err(e) => {
                let why = std::error::Error::source(&e)
                    .map_or_else(|| e.to_string(), |s| format!("{e}: {s}"));
                self.failed(&d, None, &why).await
            }
        }
    }

    async fn failed(&self, d: &db::webhooks::Claimed, status: Option<i32>, why: &str) {
        let retry_at = next_attempt(Utc::now().naive_utc(), d.attempts, d.deadline_at);
        let outcome = if retry_at.is_some() { "retry" } else { "dead" };
        metrics::counter!("webhook_deliveries_total", "outcome" => outcome).increment(1);
        tracing::info!(
            error = why,
            attempts = d.attempts + 1,
            outcome,
            "webhook delivery failed"
        );
        let saved = async {
            let mut conn = db::pool::conn(&self.pool).await?;
            db::webhooks::mark_failed(&mut conn, d.id, status, why, retry_at).await
        }
        .await;
        if let Err(e) = saved {
            tracing::warn!(error = %e, "webhook failure not recorded (retried after the lease)");
        }
    }
}

/// When to try again after `attempts` earlier failures (this one not counted), or `None`
/// when that would be past the deadline (dead).
pub fn next_attempt(
    now: NaiveDateTime,
    attempts: i32,
    deadline: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let base = Duration::from_secs(1u64 << attempts.clamp(0, 16)).min(MAX_BACKOFF);
    let jittered = base.mul_f64(0.5 + rand::random::<f64>() * 0.5);
    let at = now + chrono::Duration::from_std(jittered).unwrap_or_default();
    (at <= deadline).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_stops_at_the_deadline() {
        let now = Utc::now().naive_utc();
        let far = now + chrono::Duration::days(1);
        for attempts in 0..20 {
            let at = next_attempt(now, attempts, far).expect("before the deadline");
            let wait = (at - now).num_milliseconds();
            let base = (1000i64 << attempts.min(16)).min(300_000);
            assert!(
                wait >= base / 2 && wait <= base,
                "{attempts}: {wait} of {base}"
            );
        }
        assert_eq!(
            next_attempt(now, 3, now + chrono::Duration::seconds(2)),
            None
        );
    }
}
