//! `event-worker` consumes `event_process_queue` and applies the event rules
//! (`INSTANT_EVENT_RULES`): by default a critical event makes a notification for every
//! admin, pushed live. Counts by type and severity are metrics. Each envelope is acted on
//! exactly once (`processed_envelopes`, in the same transaction as its effects).

mod apply;
pub mod rules;
pub mod settings;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use std::sync::Arc;

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let rules = rules::parse(&settings.event_rules)?;
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "event-worker");
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("rabbitmq", bus.check());
    let handler = Arc::new(apply::Apply {
        pool,
        bus: bus.clone(),
        origin: settings.common.platform_code.clone(),
        rules,
        labelled: Default::default(),
    });
    let tasks = vec![tokio::spawn(bus::consume_concurrent(
        bus,
        common_proto::bus::EVENT_PROCESS_QUEUE,
        handler,
        8,
        shutdown.signal(),
    ))];
    let spec = ServerSpec::new(
        "event-worker",
        &settings.listen,
        &settings.common,
        readiness,
    )
    .max_json_bytes(4096)
    .workers(1);
    Ok(Service::start(
        spec,
        |_: &mut web::ServiceConfig| {},
        shutdown,
        tasks,
    )?)
}
