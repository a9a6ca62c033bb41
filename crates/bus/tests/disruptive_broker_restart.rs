//! After `rabbitmqctl stop_app && rabbitmqctl start_app`, a running publisher and consumer
//! resume without a process restart and nothing confirmed is lost.
//!
//! Disruptive: it stops the shared broker, so `scripts/test.sh` runs it alone, after the
//! rest of the suite. A guard restarts the broker however the test ends.

use bus::{Bus, BusSettings, Handler, HandlerError, Incoming, Outgoing, QueueType, consume};
use common_proto::bus::{Envelope, PERSISTENCE_QUEUE, routing};
use kit::lifecycle::Shutdown;
use std::{
    collections::HashSet,
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

struct BrokerGuard;

impl BrokerGuard {
    fn stop() -> Self {
        let guard = BrokerGuard;
        let ok = Command::new("rabbitmqctl")
            .arg("stop_app")
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "rabbitmqctl stop_app failed (run as a user allowed to manage RabbitMQ)"
        );
        guard
    }
}

impl Drop for BrokerGuard {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").arg("start_app").status();
        let _ = Command::new("rabbitmqctl")
            .args(["await_startup", "--timeout", "60"])
            .status();
    }
}

#[derive(Default)]
struct Seen(Mutex<HashSet<String>>);

impl Handler for Seen {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        self.0
            .lock()
            .expect("lock")
            .insert(msg.message_id.clone().unwrap_or_default());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn disruptive_broker_restart_publisher_and_consumer_resume() {
    kit::telemetry::init_for_tests();
    let settings = BusSettings {
        queue_type: QueueType::Quorum,
        prefix: format!("t{}.", ulid::Ulid::generate().to_string().to_lowercase()),
        publish_timeout_ms: 2000,
        ..BusSettings::default()
    };
    let bus = Bus::new(&settings, "restart-test");
    let seen = Arc::new(Seen::default());
    let shutdown = Shutdown::new();
    let consumer = tokio::spawn(consume(
        bus.clone(),
        PERSISTENCE_QUEUE,
        seen.clone(),
        shutdown.signal(),
    ));

    // Publish steadily; record every id the broker confirmed.
    let confirmed = Arc::new(Mutex::new(Vec::<String>::new()));
    let failed = Arc::new(Mutex::new(0usize));
    let publisher = {
        let (bus, confirmed, failed) = (bus.clone(), confirmed.clone(), failed.clone());
        tokio::spawn(async move {
            let until = Instant::now() + Duration::from_secs(14);
            while Instant::now() < until {
                let id = ulid::Ulid::generate().to_string();
                let env = Envelope::new(id.clone(), "test.sent", "local", serde_json::json!({}));
                let out =
                    Outgoing::envelope(routing::chat_message(1), &env, None).expect("serialise");
                match bus.publish(&out).await {
                    Ok(()) => confirmed.lock().expect("lock").push(id),
                    Err(_) => *failed.lock().expect("lock") += 1,
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = confirmed.lock().expect("lock").len();
    assert!(before > 10, "publishing before the restart");
    {
        let _guard = BrokerGuard::stop();
        tokio::time::sleep(Duration::from_secs(2)).await;
    } // broker restarted here
    publisher.await.expect("publisher");
    let confirmed: Vec<String> = confirmed.lock().expect("lock").clone();
    let after_restart = confirmed.len() - before;
    assert!(
        after_restart > 10,
        "publisher resumed after the restart ({after_restart} confirmed since)"
    );

    // Every confirmed message reaches the consumer, which resumed by itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let missing = {
            let seen = seen.0.lock().expect("lock");
            confirmed.iter().filter(|id| !seen.contains(*id)).count()
        };
        if missing == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} confirmed messages never consumed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.trigger();
    consumer.await.expect("consumer");
    eprintln!(
        "confirmed {} (failed during outage: {})",
        confirmed.len(),
        failed.lock().expect("lock")
    );

    testkit::drop_amqp(&settings.prefix).await;
}
