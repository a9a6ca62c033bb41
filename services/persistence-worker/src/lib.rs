//! `persistence-worker` consumes `persistence_queue` and writes to MySQL.
//!
//! Chat messages are written in batches (many per transaction), idempotently on their
//! unique keys, and acknowledged only after the commit. A database outage makes the batch
//! wait and retry with backoff (nothing is dead-lettered because MySQL was down); a message
//! that can never be written goes to the dead-letter queue and is counted.
//! Metrics: `persistence_lag_seconds` (publish to commit), `persistence_messages_total`.

mod persist;
pub mod settings;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use std::{sync::Arc, time::Duration};

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "persistence-worker");
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("rabbitmq", bus.check());
    let batch = bus::BatchSettings {
        max: settings.batch_max.max(1),
        linger: Duration::from_millis(settings.batch_linger_ms),
    };
    let handler = Arc::new(persist::Persist { pool });
    let tasks = vec![tokio::spawn(bus::consume_batches(
        bus.clone(),
        common_proto::bus::PERSISTENCE_QUEUE,
        handler,
        batch,
        shutdown.signal(),
    ))];
    let spec = ServerSpec::new(
        "persistence-worker",
        &settings.listen,
        &settings.common,
        readiness,
    )
    .max_json_bytes(4096)
    .workers(1);
    Ok(Service::start(
        spec,
        |_cfg: &mut web::ServiceConfig| {},
        shutdown,
        tasks,
    )?)
}
