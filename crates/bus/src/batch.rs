//! The batch consumer: takes up to `max` deliveries (waiting at most `linger` after the
//! first), hands them to the handler together, and acks them once the handler's work is
//! durable. Same guarantees as [`crate::consume`]: retry-later keeps the whole batch and
//! backs off, poison messages are dead-lettered one by one, a panicking batch is retried
//! message by message so one bad message cannot take its neighbours down with it.

use crate::{
    Bus, HandlerError, Incoming,
    backoff::Backoff,
    consumer::{Session, close_consumer, count, open_consumer, run_sessions},
};
use futures_util::{FutureExt, StreamExt};
use kit::lifecycle::ShutdownSignal;
use lapin::{
    message::Delivery,
    options::{BasicAckOptions, BasicNackOptions},
};
use std::{future::Future, panic::AssertUnwindSafe, sync::Arc, time::Duration};
use tracing::Instrument;

/// Work done for a batch. Returns one verdict per message (`Err(reason)` = poison), or
/// `Err(HandlerError::Retry)` when nothing could be done now (the whole batch is retried).
pub trait BatchHandler: Send + Sync + 'static {
    fn handle_batch(
        &self,
        batch: &[Incoming],
    ) -> impl Future<Output = Result<Vec<Result<(), String>>, HandlerError>> + Send;
}

/// Batch size and how long to wait for it to fill.
#[derive(Debug, Clone, Copy)]
pub struct BatchSettings {
    pub max: usize,
    pub linger: Duration,
}

/// Consumes `queue` in batches until shutdown, reconnecting like [`crate::consume`].
pub async fn consume_batches<H: BatchHandler>(
    bus: Bus,
    queue: &str,
    handler: Arc<H>,
    batch: BatchSettings,
    shutdown: ShutdownSignal,
) {
    let queue_name = bus.topology().name(queue);
    let one = Batches {
        queue: &queue_name,
        prefetch: bus.settings().prefetch.max(batch.max as u16),
        handler: handler.as_ref(),
        batch,
    };
    run_sessions(&bus, &queue_name, "batch consumer", shutdown, &one).await
}

struct Batches<'h, H> {
    queue: &'h str,
    prefetch: u16,
    handler: &'h H,
    batch: BatchSettings,
}

impl<H: BatchHandler> Session for Batches<'_, H> {
    fn run<'a>(
        &'a self,
        conn: &'a lapin::Connection,
        shutdown: &'a mut ShutdownSignal,
        backoff: &'a mut Backoff,
    ) -> impl Future<Output = Result<(), String>> + Send + 'a {
        let (queue, prefetch, handler, settings) =
            (self.queue, self.prefetch, self.handler, self.batch);
        async move {
            let (ch, tag, mut consumer) = open_consumer(conn, queue, prefetch).await?;
            tracing::info!(%queue, max = settings.max, "consuming in batches");
            let mut watchdog = tokio::time::interval(Duration::from_secs(1));
            loop {
                let first = tokio::select! {
                    biased;
                    _ = shutdown.wait() => {
                        close_consumer(&ch, &tag).await;
                        return Ok(());
                    }
                    _ = watchdog.tick() => {
                        if !conn.status().connected() || !ch.status().connected() {
                            return Err("connection or channel no longer open".into());
                        }
                        continue;
                    }
                    next = consumer.next() => next,
                };
                let mut deliveries = vec![next_delivery(first)?];
                let deadline = tokio::time::Instant::now() + settings.linger;
                while deliveries.len() < settings.max {
                    match tokio::time::timeout_at(deadline, consumer.next()).await {
                        Ok(next) => deliveries.push(next_delivery(next)?),
                        Err(_) => break,
                    }
                }
                backoff.reset();
                process(queue, deliveries, handler, shutdown)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
}

fn next_delivery(next: Option<lapin::Result<Delivery>>) -> Result<Delivery, String> {
    match next {
        Some(Ok(d)) => Ok(d),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("the broker ended the consumer".into()),
    }
}

async fn process<H: BatchHandler>(
    queue: &str,
    deliveries: Vec<Delivery>,
    handler: &H,
    shutdown: &mut ShutdownSignal,
) -> lapin::Result<()> {
    let batch: Vec<Incoming> = deliveries.iter().map(Incoming::from_delivery).collect();
    let mut retry = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    loop {
        let started = std::time::Instant::now();
        let outcome = AssertUnwindSafe(handler.handle_batch(&batch))
            .catch_unwind()
            .await;
        metrics::histogram!("bus_batch_duration_seconds", "queue" => queue.to_owned())
            .record(started.elapsed().as_secs_f64());
        metrics::histogram!("bus_batch_size", "queue" => queue.to_owned())
            .record(batch.len() as f64);
        match outcome {
            Ok(Ok(verdicts)) => {
                // Poison first, one by one; then every success with ONE `multiple` ack of
                // the newest: a batch is the oldest unacked deliveries of this channel (one
                // batch at a time, tags ascending), so that ack covers exactly the rest.
                let mut newest_ok = None;
                for (i, (delivery, msg)) in deliveries.iter().zip(&batch).enumerate() {
                    let span = msg.span(queue);
                    match verdicts.get(i) {
                        Some(Ok(())) => {
                            span.in_scope(|| tracing::debug!("handled"));
                            msg.export(queue, None);
                            newest_ok = Some(delivery);
                        }
                        Some(Err(reason)) => {
                            msg.export(queue, Some(reason.as_str()));
                            dead_letter(queue, delivery, reason)
                                .instrument(span)
                                .await?
                        }
                        None => {
                            dead_letter(queue, delivery, "handler gave no verdict")
                                .instrument(span)
                                .await?
                        }
                    }
                }
                if let Some(newest) = newest_ok {
                    newest.ack(BasicAckOptions { multiple: true }).await?;
                    let acked = verdicts.iter().filter(|v| v.is_ok()).count();
                    metrics::counter!("bus_deliveries_total", "queue" => queue.to_owned(), "outcome" => "ack")
                        .increment(acked as u64);
                }
                return Ok(());
            }
            Ok(Err(HandlerError::Poison(reason))) => {
                for delivery in &deliveries {
                    dead_letter(queue, delivery, &reason).await?;
                }
                return Ok(());
            }
            Err(_) if deliveries.len() > 1 => {
                tracing::warn!(%queue, size = deliveries.len(), "batch handler panicked; retrying message by message");
                for delivery in deliveries {
                    Box::pin(process(queue, vec![delivery], handler, shutdown)).await?;
                }
                return Ok(());
            }
            Err(_) => {
                return dead_letter(queue, &deliveries[0], "handler panicked").await;
            }
            Ok(Err(HandlerError::Retry(reason))) => {
                count(queue, "retry");
                let wait = retry.next_delay();
                tracing::warn!(%queue, %reason, ?wait, size = deliveries.len(), "batch handler asked to retry later");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.wait() => {
                        for delivery in &deliveries {
                            delivery.nack(BasicNackOptions { requeue: true, multiple: false }).await?;
                        }
                        return Ok(());
                    }
                }
            }
        }
    }
}

async fn dead_letter(queue: &str, delivery: &Delivery, reason: &str) -> lapin::Result<()> {
    tracing::warn!(%queue, %reason, "dead-lettering poison message");
    delivery
        .nack(BasicNackOptions {
            requeue: false,
            multiple: false,
        })
        .await?;
    count(queue, "dead_letter");
    Ok(())
}
