//! `push-worker` consumes `realtime_push_queue` and routes each event to the gateway nodes
//! holding its recipients: a message to a 500-member group costs one Redis round trip for
//! presence and one broker publish per gateway node, whatever the group size. It also
//! samples the queue depths for the dashboard (`bus_queue_messages`, with persistence-worker).

mod push;
pub mod settings;

use common_proto::bus::REALTIME_PUSH_QUEUE;
use kit::{lifecycle::Service, presence::Presence, worker::Worker};
pub use settings::Settings;
use std::{sync::Arc, time::Duration};

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let bus = bus::Bus::new(&settings.bus, "push-worker");
    let handler = Arc::new(push::Push {
        pool: pool.clone(),
        presence: Presence::from_settings(redis.clone(), &settings.redis, &settings.presence),
        publisher: bus::Publisher::new(bus.clone(), settings.common.platform_code.clone()),
        cache_ttl: Duration::from_secs(settings.member_cache_secs),
        members: Default::default(),
    });
    let concurrency = settings.concurrency;
    Ok(
        Worker::new("push-worker", &settings.listen, &settings.common)
            .ready("mysql", db::pool::check(pool))
            .ready("redis", kit::redis::check(redis))
            .ready("rabbitmq", bus.check())
            .spawn({
                let bus = bus.clone();
                |stop| bus::topology::export_queue_depths(bus, stop)
            })
            .spawn(|stop| {
                bus::consume_concurrent(bus, REALTIME_PUSH_QUEUE, handler, concurrency, stop)
            })
            .start()?,
    )
}
