//! The carriage to the parent, opened by this (child) platform in both directions:
//!
//! * register (and re-register every heartbeat) on the parent over HTTP, which answers
//!   with the parent's exchange and this child's down queue;
//! * down: consume the durable per-child queue on the PARENT's broker (bound to
//!   `system.broadcast`, single active consumer: two replicas never both forward) and
//!   republish each broadcast into this platform's `instant_exchange`, acking on the
//!   parent only after the local confirm;
//! * up: consume `cascade.up` on THIS broker (bound to `system.event`, single active
//!   consumer) and publish each event to the parent's exchange with confirms, acking
//!   locally only after the parent's confirm. While the parent is unreachable events wait
//!   in `cascade.up`, broadcasts in the down queue on the parent.
//!
//! Loop safety: each forwarded envelope carries the codes of the platforms it has been on
//! and a hop count; it is never forwarded to a platform already on its path nor past the
//! hop limit, and every receiver is idempotent on the envelope id. So even a cyclic
//! configuration delivers each envelope once per platform.

use crate::settings::ParentSettings;
use bus::{Bus, BusSettings, ExtraQueue, Handler, HandlerError, Incoming, Outgoing};
use common_proto::{
    bus::{EXCHANGE, Envelope, routing},
    rest::{RegisterPlatform, Registered},
};
use kit::lifecycle::ShutdownSignal;
use lapin::types::{AMQPValue, FieldTable};
use std::{sync::Arc, time::Duration};

/// This platform's up queue (declared only when a parent is configured).
pub const UP_QUEUE: &str = "cascade.up";

pub fn down_queue(child_code: &str) -> String {
    format!("cascade.down.{child_code}")
}

/// Routing key of a replay to one child (`sync.rs`): only its down queue binds it.
pub fn sync_down_key(child_code: &str) -> String {
    format!("cascade.sync.{child_code}")
}

/// Routing key of a replay of events to the parent: only `cascade.up` binds it.
pub const SYNC_UP_KEY: &str = "cascade.sync.up";

/// A child's down queue on the parent's broker: broadcasts and replays to that child.
pub fn down_queue_spec(bus_settings: &BusSettings, child_code: &str) -> ExtraQueue {
    single_active(
        bus_settings,
        down_queue(child_code),
        &[
            routing::SYSTEM_BROADCAST.to_owned(),
            sync_down_key(child_code),
        ],
    )
}

/// This platform's up queue: events and replays of events to the parent.
pub fn up_queue_spec(bus_settings: &BusSettings) -> ExtraQueue {
    single_active(
        bus_settings,
        UP_QUEUE.to_owned(),
        &[routing::SYSTEM_EVENT.to_owned(), SYNC_UP_KEY.to_owned()],
    )
}

/// A queue one consumer at a time reads (the others stand by).
fn single_active(bus_settings: &BusSettings, name: String, keys: &[String]) -> ExtraQueue {
    let mut args: FieldTable = bus::Topology::new(bus_settings).work_queue_args();
    args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    ExtraQueue {
        name,
        args,
        bindings: keys.to_vec(),
    }
}

/// Forwards from one side to the other, dropping what would loop.
struct Forward {
    to: Bus,
    /// The platform the envelope arrives on by this forward.
    target_code: String,
    routing_key: &'static str,
    max_hops: u32,
    direction: &'static str,
}

impl Handler for Forward {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let mut envelope: Envelope = msg.envelope()?;
        let visited = envelope.visited();
        if visited.contains(&self.target_code) || envelope.hops >= self.max_hops {
            metrics::counter!("cascade_dropped_total", "direction" => self.direction).increment(1);
            return Ok(());
        }
        envelope.path = visited;
        envelope.path.push(self.target_code.clone());
        envelope.hops += 1;
        let out = Outgoing::envelope(self.routing_key, &envelope, Some(msg.trace.clone()))
            .map_err(|e| HandlerError::Poison(e.to_string()))?;
        self.to
            .publish(&out)
            .await
            .map_err(|e| HandlerError::Retry(format!("forward {}: {e}", self.direction)))?;
        metrics::counter!("cascade_forwarded_total", "direction" => self.direction).increment(1);
        Ok(())
    }
}

/// Registers with the parent until it answers (or shutdown).
async fn register(
    http: &reqwest::Client,
    parent: &ParentSettings,
    me: &RegisterPlatform,
    shutdown: &mut ShutdownSignal,
) -> Option<Registered> {
    let url = format!(
        "{}/api/v1/cascade/register",
        parent.parent_url.trim_end_matches('/')
    );
    let mut wait = Duration::from_millis(200);
    loop {
        let answer = http
            .post(&url)
            .bearer_auth(&parent.parent_token)
            .json(me)
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        match answer {
            Ok(res) if res.status().is_success() => match res.json::<Registered>().await {
                Ok(r) => return Some(r),
                Err(e) => tracing::warn!(error = %e, "parent's registration answer unreadable"),
            },
            Ok(res) => tracing::warn!(status = %res.status(), "parent refused the registration"),
            Err(e) => tracing::warn!(error = %e, "parent unreachable"),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait() => return None,
        }
        wait = (wait * 2).min(Duration::from_secs(30));
    }
}

/// Runs the link until shutdown: registration and heartbeats, then both directions.
pub async fn run(
    own: Bus,
    own_settings: BusSettings,
    parent: ParentSettings,
    me: RegisterPlatform,
    mut shutdown: ShutdownSignal,
) {
    let http = reqwest::Client::new();
    let Some(registered) = register(&http, &parent, &me, &mut shutdown).await else {
        return;
    };
    tracing::info!(parent = %registered.parent_code, "registered with the parent platform");
    let parent_prefix = registered
        .mq
        .exchange
        .strip_suffix(EXCHANGE)
        .unwrap_or_default()
        .to_owned();
    let parent_settings = BusSettings {
        url: parent.parent_amqp_url.clone(),
        prefix: parent_prefix.clone(),
        ..own_settings
    };
    let parent_bus = Bus::new(&parent_settings, "cascade-service (child link)");
    let down_name = registered
        .down_queue
        .strip_prefix(&parent_prefix)
        .unwrap_or(&registered.down_queue)
        .to_owned();
    parent_bus.add_queue(down_queue_spec(&parent_settings, &me.code));
    let down = Arc::new(Forward {
        to: own.clone(),
        target_code: me.code.clone(),
        routing_key: routing::SYSTEM_BROADCAST,
        max_hops: parent.max_hops,
        direction: "down",
    });
    let up = Arc::new(Forward {
        to: parent_bus.clone(),
        target_code: registered.parent_code.clone(),
        routing_key: routing::SYSTEM_EVENT,
        max_hops: parent.max_hops,
        direction: "up",
    });
    let heartbeat = {
        let (http, parent, me, mut shutdown) =
            (http.clone(), parent.clone(), me.clone(), shutdown.clone());
        async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(parent.heartbeat_secs.max(1))) => {}
                    _ = shutdown.wait() => return,
                }
                if register(&http, &parent, &me, &mut shutdown).await.is_none() {
                    return;
                }
            }
        }
    };
    tokio::join!(
        bus::consume(parent_bus.clone(), &down_name, down, shutdown.clone()),
        bus::consume(own, UP_QUEUE, up, shutdown.clone()),
        heartbeat,
    );
    parent_bus.close().await;
}
