//! The consumer runner: manual acks after the handler succeeds, retry-later without
//! burning redeliveries, poison to the dead-letter exchange, reconnect after broker loss,
//! and a clean stop on shutdown.

use crate::{Bus, Incoming, backoff::Backoff};
use futures_util::{FutureExt, StreamExt, stream::FuturesUnordered};
use kit::lifecycle::ShutdownSignal;
use lapin::{
    message::Delivery,
    options::{
        BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    },
    types::FieldTable,
};
use std::{future::Future, panic::AssertUnwindSafe, sync::Arc, time::Duration};
use tracing::Instrument;

/// How a handler failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HandlerError {
    /// A dependency is down (database, Redis, broker): the runner keeps the delivery and
    /// retries it with backoff. Consumption pauses; no redelivery is spent.
    #[error("retry later: {0}")]
    Retry(String),
    /// The message can never succeed: it is rejected to the dead-letter exchange.
    #[error("poison: {0}")]
    Poison(String),
}

/// Work done for each delivery. Must be idempotent: a delivery can arrive twice.
pub trait Handler: Send + Sync + 'static {
    fn handle(&self, msg: &Incoming) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// A channel with `prefetch`, consuming `queue` with manual acks.
pub(crate) async fn open_consumer(
    conn: &lapin::Connection,
    queue: &str,
    prefetch: u16,
) -> Result<(lapin::Channel, String, lapin::Consumer), String> {
    let ch = bounded(conn.create_channel()).await?;
    bounded(ch.basic_qos(prefetch, BasicQosOptions::default())).await?;
    let tag = format!("{queue}.{}", ulid::Ulid::generate());
    let consumer = bounded(ch.basic_consume(
        queue.into(),
        tag.as_str().into(),
        BasicConsumeOptions::default(),
        FieldTable::default(),
    ))
    .await?;
    Ok((ch, tag, consumer))
}

/// Stops consuming and closes the channel; unacked deliveries go back to the queue.
pub(crate) async fn close_consumer(ch: &lapin::Channel, tag: &str) {
    let cancel = ch.basic_cancel(tag.into(), BasicCancelOptions::default());
    let _ = tokio::time::timeout(SETUP_TIMEOUT, cancel).await;
    let _ = tokio::time::timeout(SETUP_TIMEOUT, ch.close(200, "shutdown".into())).await;
}

/// How long a channel operation may take before the session is considered broken.
pub(crate) const SETUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A broker call with a deadline: a half-dead connection must not hang a consumer.
pub(crate) async fn bounded<T>(call: impl Future<Output = lapin::Result<T>>) -> Result<T, String> {
    match tokio::time::timeout(SETUP_TIMEOUT, call).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("broker did not answer in time".into()),
    }
}

/// Consumes `queue` (a contract name; the topology adds its prefix) until shutdown,
/// reconnecting with backoff whenever the connection or channel is lost.
pub async fn consume<H: Handler>(bus: Bus, queue: &str, handler: Arc<H>, shutdown: ShutdownSignal) {
    consume_concurrent(bus, queue, handler, 1, shutdown).await
}

/// Like [`consume`], with up to `concurrency` deliveries handled at once (each acked only
/// after its own success; order across deliveries is not kept).
pub async fn consume_concurrent<H: Handler>(
    bus: Bus,
    queue: &str,
    handler: Arc<H>,
    concurrency: usize,
    shutdown: ShutdownSignal,
) {
    let queue_name = bus.topology().name(queue);
    let one = Concurrent {
        queue: &queue_name,
        prefetch: bus.settings().prefetch,
        handler: handler.as_ref(),
        concurrency: concurrency.max(1),
    };
    run_sessions(&bus, &queue_name, "consumer", shutdown, &one).await
}

/// One consuming session on one connection: `Ok` on shutdown, `Err` when the channel or
/// connection broke (the caller reconnects).
pub(crate) trait Session: Sync {
    fn run<'a>(
        &'a self,
        conn: &'a lapin::Connection,
        shutdown: &'a mut ShutdownSignal,
        backoff: &'a mut Backoff,
    ) -> impl Future<Output = Result<(), String>> + Send + 'a;
}

struct Concurrent<'h, H> {
    queue: &'h str,
    prefetch: u16,
    handler: &'h H,
    concurrency: usize,
}

impl<H: Handler> Session for Concurrent<'_, H> {
    fn run<'a>(
        &'a self,
        conn: &'a lapin::Connection,
        shutdown: &'a mut ShutdownSignal,
        backoff: &'a mut Backoff,
    ) -> impl Future<Output = Result<(), String>> + Send + 'a {
        let (queue, prefetch, handler, concurrency) =
            (self.queue, self.prefetch, self.handler, self.concurrency);
        async move {
            let (ch, tag, mut consumer) =
                open_consumer(conn, queue, prefetch.max(concurrency as u16)).await?;
            tracing::info!(%queue, concurrency, "consuming");
            // Supervisor: lapin normally ends the consumer stream when the connection dies, but we
            // do not bet delivery on it; a dead connection or channel is noticed within a second.
            let mut watchdog = tokio::time::interval(Duration::from_secs(1));
            let mut in_flight = FuturesUnordered::new();
            let mut acks = Acks::default();
            loop {
                tokio::select! {
                    biased;
                    _ = shutdown.wait() => {
                        // Finish what we hold; unacked prefetched deliveries return to the queue
                        // when the channel closes.
                        while let Some(done) = in_flight.next().await {
                            acks.done(done);
                        }
                        if let Err(e) = acks.flush(&ch, queue).await {
                            tracing::warn!(%queue, error = %e, "ack failed during shutdown");
                        }
                        close_consumer(&ch, &tag).await;
                        return Ok(());
                    }
                    Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                        // Everything else that finished meanwhile is acked with it.
                        acks.done(done);
                        while let Some(Some(done)) = in_flight.next().now_or_never() {
                            acks.done(done);
                        }
                        acks.flush(&ch, queue).await.map_err(|e| e.to_string())?;
                    }
                    _ = watchdog.tick() => {
                        if !conn.status().connected() || !ch.status().connected() {
                            return Err("connection or channel no longer open".into());
                        }
                    }
                    next = consumer.next(), if in_flight.len() < concurrency => {
                        let delivery = match next {
                            Some(Ok(d)) => d,
                            Some(Err(e)) => return Err(e.to_string()),
                            None => return Err("the broker ended the consumer".into()),
                        };
                        backoff.reset();
                        acks.started(delivery.delivery_tag);
                        let mut signal = shutdown.clone();
                        in_flight.push(async move { process(queue, delivery, handler, &mut signal).await });
                    }
                }
            }
        }
    }
}

/// The reconnect loop both runners share: connect (until shutdown), run one session, and
/// when it ends in an error (broker gone, channel closed) back off and reconnect; stop
/// when a session ends cleanly, which it does on shutdown only.
pub(crate) async fn run_sessions(
    bus: &Bus,
    queue: &str,
    what: &str,
    mut shutdown: ShutdownSignal,
    session: &impl Session,
) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let mut first = true;
    while !shutdown.is_triggered() {
        if !first {
            metrics::counter!("bus_consumer_restarts_total", "queue" => queue.to_owned())
                .increment(1);
            tokio::select! {
                _ = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.wait() => break,
            }
        }
        first = false;
        let Some(conn) = bus.connect_until(&mut shutdown).await else {
            break;
        };
        match session.run(&conn, &mut shutdown, &mut backoff).await {
            Ok(()) => break,
            Err(e) => tracing::warn!(%queue, error = %e, "{what} lost its channel; reconnecting"),
        }
    }
    tracing::info!(%queue, "{what} stopped");
}

/// Acks of the concurrent runner, grouped: deliveries that finished together are acked
/// with ONE `multiple` ack when no older delivery is still being handled (one frame for
/// the broker instead of one each); one that finished while an older one is still in
/// flight is acked alone at once, so no ack ever waits on another delivery.
#[derive(Default)]
struct Acks {
    /// Tags being handled.
    in_flight: std::collections::BTreeSet<u64>,
    /// Tags handled successfully and not acked yet.
    succeeded: Vec<u64>,
    /// The first failure to ack or nack, reported at the next flush.
    failed: Option<lapin::Error>,
}

impl Acks {
    fn started(&mut self, tag: u64) {
        self.in_flight.insert(tag);
    }

    fn done(&mut self, outcome: (u64, lapin::Result<Outcome>)) {
        let (tag, result) = outcome;
        self.in_flight.remove(&tag);
        match result {
            Ok(Outcome::Ack) => self.succeeded.push(tag),
            Ok(Outcome::Settled) => {}
            Err(e) => {
                self.failed.get_or_insert(e);
            }
        }
    }

    async fn flush(&mut self, ch: &lapin::Channel, queue: &str) -> lapin::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let oldest_busy = self.in_flight.first().copied().unwrap_or(u64::MAX);
        let (covered, alone): (Vec<u64>, Vec<u64>) =
            self.succeeded.drain(..).partition(|t| *t < oldest_busy);
        // Every unacked tag below `oldest_busy` has finished (nacks settle themselves), so a
        // `multiple` ack of the newest of them covers exactly these.
        if let Some(newest) = covered.iter().max() {
            ch.basic_ack(*newest, BasicAckOptions { multiple: true })
                .await?;
        }
        for tag in &alone {
            ch.basic_ack(*tag, BasicAckOptions { multiple: false })
                .await?;
        }
        metrics::counter!("bus_deliveries_total", "queue" => queue.to_owned(), "outcome" => "ack")
            .increment((covered.len() + alone.len()) as u64);
        Ok(())
    }
}

/// What [`process`] left to do for a delivery.
enum Outcome {
    /// Handled: the runner acks it (see [`Acks`]).
    Ack,
    /// Already dead-lettered or requeued.
    Settled,
}

/// Runs the handler on one delivery until it succeeds, is poison, or shutdown interrupts
/// a retry; dead-letters or requeues it, or says it is to be acked.
async fn process<H: Handler>(
    queue: &str,
    delivery: Delivery,
    handler: &H,
    shutdown: &mut ShutdownSignal,
) -> (u64, lapin::Result<Outcome>) {
    let tag = delivery.delivery_tag;
    (tag, handle_one(queue, delivery, handler, shutdown).await)
}

async fn handle_one<H: Handler>(
    queue: &str,
    delivery: Delivery,
    handler: &H,
    shutdown: &mut ShutdownSignal,
) -> lapin::Result<Outcome> {
    let msg = Incoming::from_delivery(&delivery);
    let span = msg.span(queue);
    let mut retry = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    loop {
        let started = std::time::Instant::now();
        let outcome = AssertUnwindSafe(handler.handle(&msg))
            .catch_unwind()
            .instrument(span.clone())
            .await;
        metrics::histogram!("bus_handler_duration_seconds", "queue" => queue.to_owned())
            .record(started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(result) => result,
            Err(_) => Err(HandlerError::Poison("handler panicked".into())),
        };
        match result {
            Ok(()) => {
                span.in_scope(|| tracing::debug!("handled"));
                msg.export(queue, None);
                return Ok(Outcome::Ack);
            }
            Err(HandlerError::Poison(reason)) => {
                span.in_scope(|| tracing::warn!(%reason, "dead-lettering poison message"));
                msg.export(queue, Some(&reason));
                delivery
                    .nack(BasicNackOptions {
                        requeue: false,
                        multiple: false,
                    })
                    .await?;
                count(queue, "dead_letter");
                return Ok(Outcome::Settled);
            }
            Err(HandlerError::Retry(reason)) => {
                count(queue, "retry");
                let wait = retry.next_delay();
                span.in_scope(|| tracing::warn!(%reason, ?wait, "handler asked to retry later"));
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.wait() => {
                        delivery.nack(BasicNackOptions { requeue: true, multiple: false }).await?;
                        count(queue, "requeued_at_shutdown");
                        return Ok(Outcome::Settled);
                    }
                }
            }
        }
    }
}

pub(crate) fn count(queue: &str, outcome: &'static str) {
    metrics::counter!("bus_deliveries_total", "queue" => queue.to_owned(), "outcome" => outcome)
        .increment(1);
}
