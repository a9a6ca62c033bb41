//! `broadcast-worker` consumes `broadcast_process_queue` and pushes each system broadcast
//! to every connected socket with ONE publish on `deliver.all`, a key every gateway's
//! delivery queue binds: the cost is one broker publish (and one delivery per gateway
//! node), whatever the number of users. The inbox copy needs nothing from here: a
//! broadcast is one row that every user's inbox reads (chat-api).

mod fan_out;
pub mod settings;

use common_proto::bus::BROADCAST_PROCESS_QUEUE;
use kit::{lifecycle::Service, worker::Worker};
pub use settings::Settings;
use std::sync::Arc;

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let bus = bus::Bus::new(&settings.bus, "broadcast-worker");
    let handler = Arc::new(fan_out::FanOut {
        publisher: bus::Publisher::new(bus.clone(), settings.common.platform_code.clone()),
    });
    Ok(
        Worker::new("broadcast-worker", &settings.listen, &settings.common)
            .ready("rabbitmq", bus.check())
            .spawn(|stop| bus::consume(bus, BROADCAST_PROCESS_QUEUE, handler, stop))
            .start()?,
    )
}
