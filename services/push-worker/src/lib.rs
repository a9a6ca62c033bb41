//! `push-worker` consumes `realtime_push_queue` and routes each event to the gateway nodes
//! holding its recipients: a message to a 500-member group costs one Redis round trip for
//! presence and one broker publish per gateway node, whatever the group size.

mod push;
pub mod settings;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    presence::Presence,
    readiness::Readiness,
};
pub use settings::Settings;
use std::{sync::Arc, time::Duration};

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let bus = bus::Bus::new(&settings.bus, "push-worker");
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("redis", kit::redis::check(redis.clone()))
        .with("rabbitmq", bus.check());
    let handler = Arc::new(push::Push {
        pool,
        presence: Presence::new(
            redis,
            &settings.redis.prefix,
            Duration::from_secs(settings.presence_lease_secs),
        ),
        bus: bus.clone(),
        origin: settings.common.platform_code.clone(),
        cache_ttl: Duration::from_secs(settings.member_cache_secs),
        members: Default::default(),
    });
    let tasks = vec![tokio::spawn(bus::consume_concurrent(
        bus,
        common_proto::bus::REALTIME_PUSH_QUEUE,
        handler,
        settings.concurrency,
        shutdown.signal(),
    ))];
    let spec = ServerSpec::new("push-worker", &settings.listen, &settings.common, readiness)
        .max_json_bytes(4096)
        .workers(1);
    Ok(Service::start(
        spec,
        |_cfg: &mut web::ServiceConfig| {},
        shutdown,
        tasks,
    )?)
}
