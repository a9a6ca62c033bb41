//! `broadcast-worker`: consumes `broadcast_process_queue` and fans broadcasts out to online users.
//!
//! Today it boots, connects to what it uses, declares the bus topology, serves
//! `/health`, `/ready` and `/metrics`, and drains on SIGTERM; its features build on this.

pub mod settings;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let redis = kit::redis::pool(&settings.redis)?;
    let bus = bus::Bus::new(&settings.bus, "broadcast-worker");
    let readiness = Readiness::new()
        .with("redis", kit::redis::check(redis))
        .with("rabbitmq", bus.check());
    let tasks = vec![bus::connect_in_background(bus, shutdown.signal())];
    let spec = ServerSpec::new(
        "broadcast-worker",
        &settings.listen,
        &settings.common,
        readiness,
    );
    Ok(Service::start(
        spec,
        |_: &mut web::ServiceConfig| {},
        shutdown,
        tasks,
    )?)
}
