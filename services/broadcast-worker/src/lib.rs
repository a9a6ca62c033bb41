//! `broadcast-worker` consumes `broadcast_process_queue` and pushes each system broadcast
//! to every connected socket with ONE publish on `deliver.all`, a key every gateway's
//! delivery queue binds: the cost is one broker publish (and one delivery per gateway
//! node), whatever the number of users. The inbox copy needs nothing from here: a
//! broadcast is one row that every user's inbox reads (chat-api).

mod fan_out;
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
    let bus = bus::Bus::new(&settings.bus, "broadcast-worker");
    let readiness = Readiness::new().with("rabbitmq", bus.check());
    let handler = Arc::new(fan_out::FanOut {
        bus: bus.clone(),
        origin: settings.common.platform_code.clone(),
    });
    let tasks = vec![tokio::spawn(bus::consume(
        bus,
        common_proto::bus::BROADCAST_PROCESS_QUEUE,
        handler,
        shutdown.signal(),
    ))];
    let spec = ServerSpec::new(
        "broadcast-worker",
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
