//! Publishing with publisher confirms and `mandatory`.

use crate::{Bus, Outgoing, backoff::Backoff};
use lapin::{Confirmation, options::BasicPublishOptions};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PublishError {
    /// No queue is bound for the routing key: the broker returned the message.
    #[error("unroutable: no queue bound for {0}")]
    Unroutable(String),
    /// The broker refused to take responsibility for the message.
    #[error("the broker nacked the message")]
    Nacked,
    /// The broker could not be reached or did not confirm in time. The message may or may
    /// not have been published; consumers are idempotent, so retrying is safe.
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// The data could not be serialised (a bug, never the broker's fault).
    #[error("could not encode the envelope: {0}")]
    Encode(String),
}

/// Envelopes from one origin onto the bus: a service makes one and every publish goes
/// through it, so the envelope, its id, the request id header and the error handling are
/// written once.
#[derive(Clone)]
pub struct Publisher {
    pub bus: Bus,
    origin: String,
}

impl Publisher {
    pub fn new(bus: Bus, origin: impl Into<String>) -> Self {
        Self {
            bus,
            origin: origin.into(),
        }
    }

    /// The platform code envelopes carry as `origin`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `data` as an envelope of `kind` from this origin (`id` is what consumers deduplicate
    /// on), carrying `trace` (the request's or the delivery's) across the bus.
    pub fn outgoing<T: serde::Serialize>(
        &self,
        routing_key: impl Into<String>,
        kind: &str,
        id: impl Into<String>,
        data: T,
        trace: Option<kit::trace::Trace>,
    ) -> Result<Outgoing, PublishError> {
        let envelope = common_proto::bus::Envelope::new(id, kind, self.origin.clone(), data);
        Outgoing::envelope(routing_key, &envelope, trace)
            .map_err(|e| PublishError::Encode(e.to_string()))
    }

    /// Publishes `out` (from [`Publisher::outgoing`]) and waits for the broker's confirm.
    pub async fn send(&self, out: Result<Outgoing, PublishError>) -> Result<(), PublishError> {
        self.bus.publish(&out?).await
    }

    /// For news about state that is durable already (read cursors, notifications, presence,
    /// link status): a failure is logged and counted, never returned — clients and
    /// operators catch up from the stored state.
    pub async fn send_best_effort(&self, out: Result<Outgoing, PublishError>, what: &str) {
        if let Err(e) = self.send(out).await {
            metrics::counter!("bus_best_effort_publish_failures_total").increment(1);
            tracing::warn!(error = %e, what, "stored, but not published");
        }
    }
}

impl From<PublishError> for kit::ApiError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Unavailable(cause) => kit::ApiError::unavailable(cause),
            other => kit::ApiError::internal(other),
        }
    }
}

impl Bus {
    /// Publishes `out` to the exchange and waits for the broker's confirm.
    ///
    /// Connection failures are retried with backoff until `publish_timeout_ms`; an
    /// unroutable or nacked message fails at once.
    pub async fn publish(&self, out: &Outgoing) -> Result<(), PublishError> {
        let started = Instant::now();
        let deadline = started + Duration::from_millis(self.settings().publish_timeout_ms);
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(1));
        let result = loop {
            match self.publish_once(out, deadline).await {
                Err(PublishError::Unavailable(cause)) => {
                    let wait = backoff.next_delay();
                    if Instant::now() + wait >= deadline {
                        break Err(PublishError::Unavailable(cause));
                    }
                    tracing::debug!(%cause, "publish failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                other => break other,
            }
        };
        let outcome = match &result {
            Ok(()) => "confirmed",
            Err(PublishError::Unroutable(_)) => "returned",
            Err(PublishError::Nacked) => "nacked",
            Err(PublishError::Unavailable(_) | PublishError::Encode(_)) => "failed",
        };
        metrics::counter!("bus_publish_total", "outcome" => outcome).increment(1);
        metrics::histogram!("bus_publish_duration_seconds").record(started.elapsed().as_secs_f64());
        result
    }

    async fn publish_once(&self, out: &Outgoing, deadline: Instant) -> Result<(), PublishError> {
        let unavailable = |e: lapin::Error| PublishError::Unavailable(e.to_string());
        let ch = self
            .publish_channel()
            .await
            .map_err(|e| PublishError::Unavailable(e.to_string()))?;
        let options = BasicPublishOptions {
            mandatory: true,
            ..Default::default()
        };
        let sent = ch
            .basic_publish(
                self.topology().exchange().into(),
                out.routing_key.as_str().into(),
                options,
                &out.payload,
                out.properties(),
            )
            .await;
        let confirm = match sent {
            Ok(confirm) => confirm,
            Err(e) => {
                self.drop_publish_channel().await;
                return Err(unavailable(e));
            }
        };
        let remaining = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        match tokio::time::timeout(remaining, confirm).await {
            Ok(Ok(Confirmation::Ack(None))) => Ok(()),
            Ok(Ok(Confirmation::Ack(Some(_)))) => {
                Err(PublishError::Unroutable(out.routing_key.clone()))
            }
            Ok(Ok(Confirmation::Nack(_))) => Err(PublishError::Nacked),
            Ok(Ok(Confirmation::NotRequested)) => {
                self.drop_publish_channel().await;
                Err(PublishError::Unavailable(
                    "channel not in confirm mode".into(),
                ))
            }
            Ok(Err(e)) => {
                self.drop_publish_channel().await;
                Err(unavailable(e))
            }
            Err(_) => {
                self.drop_publish_channel().await;
                Err(PublishError::Unavailable(
                    "no confirm before the deadline".into(),
                ))
            }
        }
    }
}
