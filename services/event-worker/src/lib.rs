//! `event-worker` consumes `event_process_queue` and applies the event rules
//! (`INSTANT_EVENT_RULES`): by default a critical event makes a notification for every
//! admin, pushed live. Counts by type and severity are metrics. Each envelope is acted on
//! exactly once (`processed_envelopes`, in the same transaction as its effects).

mod apply;
pub mod rules;
pub mod settings;

use common_proto::bus::EVENT_PROCESS_QUEUE;
use kit::{lifecycle::Service, worker::Worker};
pub use settings::Settings;
use std::sync::Arc;

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let rules = rules::parse(&settings.event_rules)?;
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "event-worker");
    let handler = Arc::new(apply::Apply {
        pool: pool.clone(),
        publisher: bus::Publisher::new(bus.clone(), settings.common.platform_code.clone()),
        rules,
        labelled: Default::default(),
    });
    Ok(
        Worker::new("event-worker", &settings.listen, &settings.common)
            .ready("mysql", db::pool::check(pool))
            .ready("rabbitmq", bus.check())
            .spawn(|stop| bus::consume_concurrent(bus, EVENT_PROCESS_QUEUE, handler, 8, stop))
            .start()?,
    )
}
