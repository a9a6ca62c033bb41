//! `push-worker` consumes `realtime_push_queue` and routes each event to the gateway nodes
//! holding its recipients: a message to a 500-member group costs one Redis round trip for
//! presence and one broker publish per gateway node, whatever the group size. It also
//! samples the queue depths for the dashboard (`bus_queue_messages`, with persistence-worker).
//!
//! With `INSTANT_PUSH_WEBHOOK_URL` set it also does offline push: members an event reached
//! with no live socket become a push job on the bus ([`push`]), which [`offline`] turns
//! into provider payloads for their devices and [`sender`] delivers.

pub mod offline;
mod push;
pub mod sender;
pub mod settings;

use common_proto::bus::{OFFLINE_PUSH_QUEUE, REALTIME_PUSH_QUEUE};
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
        offline_push: !settings.push_webhook_url.is_empty(),
    });
    let concurrency = settings.concurrency;
    let mut worker = Worker::new("push-worker", &settings.listen, &settings.common);
    if !settings.push_webhook_url.is_empty() {
        let secret = Some(settings.push_webhook_secret.clone()).filter(|s| !s.is_empty());
        let offline = Arc::new(offline::Offline {
            pool: pool.clone(),
            redis: redis.clone(),
            redis_prefix: settings.redis.prefix.clone(),
            sender: sender::WebhookSender::new(
                settings.push_webhook_url.clone(),
                secret,
                Duration::from_millis(settings.push_timeout_ms),
            )?,
            hide_content: settings.push_hide_content,
            coalesce: Duration::from_secs(settings.push_coalesce_secs),
        });
        let (bus, n) = (bus.clone(), settings.push_sender_concurrency);
        worker = worker
            .spawn(move |stop| bus::consume_concurrent(bus, OFFLINE_PUSH_QUEUE, offline, n, stop));
    }
    Ok(worker
        .ready("mysql", db::pool::check(pool))
        .ready("redis", kit::redis::check(redis))
        .ready("rabbitmq", bus.check())
        .spawn({
            let bus = bus.clone();
            |stop| bus::topology::export_queue_depths(bus, stop)
        })
        .spawn(|stop| bus::consume_concurrent(bus, REALTIME_PUSH_QUEUE, handler, concurrency, stop))
        .start()?)
}
