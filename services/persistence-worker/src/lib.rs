//! `persistence-worker` consumes `persistence_queue` and writes to MySQL.
//!
//! Chat messages are written in batches (many per transaction), idempotently on their
//! unique keys, and acknowledged only after the commit. A database outage makes the batch
//! wait and retry with backoff (nothing is dead-lettered because MySQL was down); a message
//! that can never be written goes to the dead-letter queue and is counted.
//! The same batch keeps the message search index current (`db::search`): the terms of new
//! messages, and of edited and recalled ones (their `chat.message_changed`), one statement
//! per batch. Here and not in a consumer of its own: the messages already arrive here in
//! batches, so indexing costs no extra queue, delivery or ack per message.
//! Metrics: `persistence_lag_seconds` (publish to commit), `persistence_messages_total`,
//! `search_indexed_total`, and every contract queue's depth (`bus_queue_messages`,
//! `bus_queue_consumers`, with push-worker).

mod persist;
pub mod settings;

use common_proto::bus::PERSISTENCE_QUEUE;
use kit::{lifecycle::Service, worker::Worker};
pub use settings::Settings;
use std::{sync::Arc, time::Duration};

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "persistence-worker");
    let batch = bus::BatchSettings {
        max: settings.batch_max.max(1),
        linger: Duration::from_millis(settings.batch_linger_ms),
    };
    let handler = Arc::new(persist::Persist {
        pool: pool.clone(),
        search_index: settings.search_index,
    });
    Ok(
        Worker::new("persistence-worker", &settings.listen, &settings.common)
            .ready("mysql", db::pool::check(pool))
            .ready("rabbitmq", bus.check())
            .spawn({
                let bus = bus.clone();
                |stop| bus::topology::export_queue_depths(bus, stop)
            })
            .spawn(|stop| bus::consume_batches(bus, PERSISTENCE_QUEUE, handler, batch, stop))
            .start()?,
    )
}
