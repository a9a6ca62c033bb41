//! The bus against the real RabbitMQ: each test uses its own name prefix, so tests run in
//! parallel without seeing each other's queues.

use bus::{
    Bus, BusSettings, Handler, HandlerError, Incoming, Outgoing, PublishError, QueueType, consume,
};
use common_proto::bus::{Envelope, PERSISTENCE_QUEUE, REALTIME_PUSH_QUEUE, routing};
use kit::lifecycle::Shutdown;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

fn settings(queue_type: QueueType) -> BusSettings {
    BusSettings {
        url: std::env::var("INSTANT_AMQP_URL")
            .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into()),
        queue_type,
        realtime_queue_type: queue_type,
        delivery_limit: 2,
        prefetch: 8,
        prefix: format!("t{}.", ulid::Ulid::generate().to_string().to_lowercase()),
        publish_timeout_ms: 3000,
    }
}

/// Deletes every queue and exchange of a test's prefix.
async fn cleanup(bus: &Bus) {
    testkit::drop_amqp(&bus.settings().prefix).await;
    bus.close().await;
}

/// The trace every test message belongs to.
const TRACE_PARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn message(conversation: i64, text: &str) -> Outgoing {
    let env = Envelope::new(
        ulid::Ulid::generate().to_string(),
        "test.sent",
        "local",
        serde_json::json!({"text": text}),
    );
    Outgoing::envelope(
        routing::chat_message(conversation),
        &env,
        Some(kit::trace::Trace::continue_or_start(
            Some("req-1"),
            Some(TRACE_PARENT),
        )),
    )
    .expect("serialise")
}

/// Takes one message from `queue` directly (None if empty).
async fn get_one(bus: &Bus, queue: &str) -> Option<Vec<u8>> {
    let conn = bus.connection().await.expect("connect");
    let ch = conn.create_channel().await.expect("channel");
    let got = ch
        .basic_get(queue.into(), BasicGetOptions { no_ack: true })
        .await
        .expect("get");
    got.map(|d| d.delivery.data.clone())
}

async fn wait_for<F: Fn() -> bool>(f: F, secs: u64) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f()
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Incoming>>,
    /// What to answer, in order; `Ok` once the script runs out.
    script: Mutex<Vec<Result<(), HandlerError>>>,
}

impl Recorder {
    fn scripted(script: Vec<Result<(), HandlerError>>) -> Arc<Self> {
        Arc::new(Self {
            seen: Mutex::default(),
            script: Mutex::new(script),
        })
    }
    fn count(&self) -> usize {
        self.seen.lock().expect("lock").len()
    }
}

impl Handler for Recorder {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        self.seen.lock().expect("lock").push(msg.clone());
        let mut script = self.script.lock().expect("lock");
        if script.is_empty() {
            Ok(())
        } else {
            script.remove(0)
        }
    }
}

async fn publish_and_consume(queue_type: QueueType) {
    let bus = Bus::new(&settings(queue_type), "test");
    bus.publish(&message(1, "hello")).await.expect("publish");
    let rec = Recorder::scripted(vec![]);
    let shutdown = Shutdown::new();
    let task = tokio::spawn(consume(
        bus.clone(),
        PERSISTENCE_QUEUE,
        rec.clone(),
        shutdown.signal(),
    ));
    assert!(
        wait_for(|| rec.count() == 1, 10).await,
        "message not consumed"
    );
    let seen = rec.seen.lock().expect("lock")[0].clone();
    assert_eq!(seen.routing_key, "chat.message.conversation.1");
    assert_eq!(
        seen.trace.request_id, "req-1",
        "request id travels as a header"
    );
    assert_eq!(
        seen.trace.trace_id(),
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "the trace continues on the consumer's side"
    );
    let env: Envelope = seen.envelope().expect("envelope");
    assert_eq!(env.data["text"], "hello");
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("consumer stops")
        .expect("join");
    // Acked: nothing left.
    assert!(
        get_one(&bus, &bus.topology().name(PERSISTENCE_QUEUE))
            .await
            .is_none()
    );
    cleanup(&bus).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_and_consume_quorum() {
    publish_and_consume(QueueType::Quorum).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_and_consume_classic() {
    publish_and_consume(QueueType::Classic).await;
}

/// The realtime queue gets its own type; one left by an older version with the other
/// type is kept (the broker would refuse to redeclare it) and still receives messages.
#[tokio::test(flavor = "multi_thread")]
async fn the_realtime_queue_has_its_own_type_and_an_old_one_is_kept() {
    let mut s = settings(QueueType::Quorum);
    s.realtime_queue_type = QueueType::Classic;
    let bus = Bus::new(&s, "test");
    bus.publish(&message(1, "live")).await.expect("publish");
    let realtime = bus.topology().name(REALTIME_PUSH_QUEUE);
    let types = queue_types(&bus.settings().prefix);
    assert_eq!(
        types.get(&realtime).map(String::as_str),
        Some("classic"),
        "{types:?}"
    );
    assert_eq!(
        types
            .get(&bus.topology().name(PERSISTENCE_QUEUE))
            .map(String::as_str),
        Some("quorum"),
        "{types:?}"
    );
    assert!(
        get_one(&bus, &realtime).await.is_some(),
        "routed to the realtime queue"
    );
    bus.close().await;
    // A newer setting asks for quorum; the classic queue stays, and still works.
    let mut again = s.clone();
    again.realtime_queue_type = QueueType::Quorum;
    let bus = Bus::new(&again, "test");
    bus.publish(&message(2, "still live"))
        .await
        .expect("publish");
    assert!(get_one(&bus, &realtime).await.is_some(), "still routed");
    assert_eq!(
        queue_types(&bus.settings().prefix)
            .get(&realtime)
            .map(String::as_str),
        Some("classic")
    );
    cleanup(&bus).await;
}

/// Each queue of the prefix and its type, from rabbitmqctl.
fn queue_types(prefix: &str) -> std::collections::HashMap<String, String> {
    let out = std::process::Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "name", "type"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("rabbitmqctl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(name, _)| name.starts_with(prefix))
        .map(|(n, t)| (n.to_owned(), t.trim().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn unroutable_publish_is_an_error() {
    let bus = Bus::new(&settings(QueueType::Quorum), "test");
    let env = Envelope::new("x", "test", "local", serde_json::json!({}));
    let out = Outgoing::envelope("nobody.binds.this", &env, None).expect("serialise");
    assert_eq!(
        bus.publish(&out).await,
        Err(PublishError::Unroutable("nobody.binds.this".into()))
    );
    // The channel still works afterwards.
    bus.publish(&message(2, "after"))
        .await
        .expect("publish after a return");
    cleanup(&bus).await;
}

async fn retry_does_not_ack(queue_type: QueueType) {
    let bus = Bus::new(&settings(queue_type), "test");
    bus.publish(&message(3, "flaky")).await.expect("publish");
    let rec = Recorder::scripted(vec![Err(HandlerError::Retry("db down".into())); 100]);
    let shutdown = Shutdown::new();
    let task = tokio::spawn(consume(
        bus.clone(),
        PERSISTENCE_QUEUE,
        rec.clone(),
        shutdown.signal(),
    ));
    assert!(
        wait_for(|| rec.count() >= 3, 10).await,
        "handler retried in place"
    );
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("consumer stops")
        .expect("join");
    // Never acked, never dead-lettered: the message is back in its queue.
    let body = get_one(&bus, &bus.topology().name(PERSISTENCE_QUEUE))
        .await
        .expect("message still queued");
    assert!(String::from_utf8_lossy(&body).contains("flaky"));
    assert!(
        get_one(&bus, &bus.topology().dead_letter_queue())
            .await
            .is_none()
    );
    cleanup(&bus).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_does_not_ack_quorum() {
    retry_does_not_ack(QueueType::Quorum).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_does_not_ack_classic() {
    retry_does_not_ack(QueueType::Classic).await;
}

async fn poison_is_dead_lettered(queue_type: QueueType) {
    let bus = Bus::new(&settings(queue_type), "test");
    bus.publish(&message(4, "poison")).await.expect("publish");
    let rec = Recorder::scripted(vec![Err(HandlerError::Poison("unparseable".into()))]);
    let shutdown = Shutdown::new();
    let task = tokio::spawn(consume(
        bus.clone(),
        PERSISTENCE_QUEUE,
        rec.clone(),
        shutdown.signal(),
    ));
    assert!(wait_for(|| rec.count() == 1, 10).await);
    let dlq = bus.topology().dead_letter_queue();
    let mut found = None;
    for _ in 0..100 {
        found = get_one(&bus, &dlq).await;
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(String::from_utf8_lossy(&found.expect("dead letter")).contains("poison"));
    shutdown.trigger();
    task.await.expect("join");
    assert_eq!(rec.count(), 1, "a poison message is not retried");
    cleanup(&bus).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_is_dead_lettered_quorum() {
    poison_is_dead_lettered(QueueType::Quorum).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn poison_is_dead_lettered_classic() {
    poison_is_dead_lettered(QueueType::Classic).await;
}

/// A consumer that crashes on a message (here: requeues it without acking) sees it at most
/// `delivery_limit + 1` times before the quorum queue dead-letters it.
#[tokio::test(flavor = "multi_thread")]
async fn delivery_limit_dead_letters_a_crash_loop() {
    let s = settings(QueueType::Quorum);
    let bus = Bus::new(&s, "test");
    bus.publish(&message(5, "crashes")).await.expect("publish");
    let conn = bus.connection().await.expect("connect");
    let ch = conn.create_channel().await.expect("channel");
    let queue = bus.topology().name(PERSISTENCE_QUEUE);
    let mut deliveries = 0;
    for _ in 0..50 {
        match ch
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await
            .expect("get")
        {
            Some(msg) => {
                deliveries += 1;
                msg.delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        multiple: false,
                    })
                    .await
                    .expect("nack");
            }
            None => {
                if get_one(&bus, &bus.topology().dead_letter_queue())
                    .await
                    .is_some()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    assert_eq!(
        deliveries,
        s.delivery_limit as usize + 1,
        "delivered limit + 1 times, then dead-lettered"
    );
    let _ = ch.basic_ack(0, BasicAckOptions::default()).await;
    cleanup(&bus).await;
}

/// Finishes deliveries out of order: message `i` takes `(i * 7) % 13` ms, and every 17th
/// is poison after a longer wait, so later deliveries finish around it.
struct OutOfOrder {
    handled: Mutex<Vec<i64>>,
}

impl Handler for OutOfOrder {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let env: Envelope = msg
            .envelope()
            .map_err(|e| HandlerError::Poison(e.to_string()))?;
        let i: i64 = env.data["text"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(-1);
        let poison = i % 17 == 0;
        let wait = if poison { 40 } else { (i * 7) % 13 };
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        self.handled.lock().expect("lock").push(i);
        if poison {
            Err(HandlerError::Poison(format!("message {i}")))
        } else {
            Ok(())
        }
    }
}

/// Grouped acks never cover a delivery still being handled: with deliveries finishing out
/// of order and poison ones finishing last, every success is acked (nothing returns to the
/// queue at shutdown) and every poison message reaches the dead-letter queue.
#[tokio::test(flavor = "multi_thread")]
async fn grouped_acks_cover_only_finished_deliveries() {
    let bus = Bus::new(&settings(QueueType::Quorum), "test");
    let n = 300;
    for i in 1..=n {
        bus.publish(&message(9, &i.to_string()))
            .await
            .expect("publish");
    }
    let handler = Arc::new(OutOfOrder {
        handled: Mutex::default(),
    });
    let shutdown = Shutdown::new();
    let task = tokio::spawn(bus::consume_concurrent(
        bus.clone(),
        PERSISTENCE_QUEUE,
        handler.clone(),
        16,
        shutdown.signal(),
    ));
    assert!(
        wait_for(
            || handler.handled.lock().expect("lock").len() >= n as usize,
            30
        )
        .await,
        "all handled"
    );
    // Give the last acks a moment to leave, then stop: unacked deliveries would be requeued.
    tokio::time::sleep(Duration::from_millis(300)).await;
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("consumer stops")
        .expect("join");
    let mut handled = handler.handled.lock().expect("lock").clone();
    handled.sort();
    assert_eq!(handled, (1..=n).collect::<Vec<_>>(), "each handled once");
    assert!(
        get_one(&bus, &bus.topology().name(PERSISTENCE_QUEUE))
            .await
            .is_none(),
        "every success was acked"
    );
    let dlq = bus.topology().dead_letter_queue();
    let mut dead = Vec::new();
    while let Some(body) = get_one(&bus, &dlq).await {
        let env: Envelope = serde_json::from_slice(&body).expect("envelope");
        dead.push(
            env.data["text"]
                .as_str()
                .unwrap_or("")
                .parse::<i64>()
                .unwrap_or(-1),
        );
    }
    dead.sort();
    assert_eq!(dead, (1..=n).filter(|i| i % 17 == 0).collect::<Vec<_>>());
    cleanup(&bus).await;
}
