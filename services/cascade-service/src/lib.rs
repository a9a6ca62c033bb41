//! `cascade-service` links this platform with its upper (parent) and lower (child)
//! platforms: this platform's identity (`GET /cascade/info`), the peer registry (admins),
//! and the registration a child's cascade-service makes on its parent. The carriage of
//! broadcasts down and events up over the peers' brokers builds on these records.

mod link;
mod openapi;
mod registry;
mod routes;
pub mod settings;
mod state;
mod sync;

use actix_web::web;
use common_proto::rest::{MqInfo, PlatformInfo, SipInfo};
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use state::State;

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "cascade-service");
    let (verifier, _, revocations) = kit::revocation::verifier_with_poller(
        &settings.jwt,
        kit::redis::pool(&settings.redis)?,
        &settings.redis.prefix,
        shutdown.stopped(),
    )?;
    let verifier = web::Data::new(verifier);
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("rabbitmq", bus.check());
    let mut tasks = vec![
        bus::connect_in_background(bus.clone(), shutdown.signal()),
        revocations,
    ];
    let id = &settings.identity;
    let heartbeat = std::time::Duration::from_secs(settings.parent.heartbeat_secs.max(1));
    if !settings.parent.parent_url.is_empty() {
        // Events wait here for the parent, however long it is unreachable.
        bus.add_queue(link::up_queue_spec(&settings.bus));
        let me = common_proto::rest::RegisterPlatform {
            code: settings.common.platform_code.clone(),
            name: id.platform_name.clone(),
            level: id.platform_level,
            api_url: None,
        };
        tasks.push(tokio::spawn(link::run(
            bus.clone(),
            settings.bus.clone(),
            settings.parent.clone(),
            me,
            shutdown.signal(),
        )));
    }
    tasks.push(tokio::spawn(watch_children(
        pool.clone(),
        bus.clone(),
        settings.common.platform_code.clone(),
        heartbeat,
        shutdown.signal(),
    )));
    let state = web::Data::new(State {
        pool,
        info: PlatformInfo {
            platform_id: settings.common.platform_code.clone(),
            name: id.platform_name.clone(),
            level: id.platform_level,
            mq: MqInfo {
                host: id.mq_host.clone(),
                port: id.mq_port,
                vhost: id.mq_vhost.clone(),
                exchange: format!("{}{}", settings.bus.prefix, common_proto::bus::EXCHANGE),
            },
            sip: SipInfo {
                server_id: id.sip_server_id.clone(),
                domain: id.sip_domain.clone(),
                host: id.sip_host.clone(),
                port: id.sip_port,
                transport: id.sip_transport.clone(),
            },
        },
        enrol_token_hash: (!settings.cascade_registration_token.is_empty())
            .then(|| routes::sha256_hex(&settings.cascade_registration_token)),
        amqp_prefix: settings.bus.prefix.clone(),
        bus: bus.clone(),
    });
    let spec = ServerSpec::new(
        "cascade-service",
        &settings.listen,
        &settings.common,
        readiness,
    );
    Ok(Service::start_api(
        spec,
        state,
        verifier,
        routes::configure,
        openapi::configure,
        shutdown,
        tasks,
    )?)
}

/// Publishes a peer's new link status on `system.notification.cascade.<code>` (for
/// operators' dashboards and alerting; best effort: the registry row is the record).
pub(crate) async fn status_changed(bus: &bus::Bus, origin: &str, code: &str, status: &str) {
    use common_proto::bus::{CascadeStatusChanged, kind, routing};
    let publisher = bus::Publisher::new(bus.clone(), origin);
    let out = publisher.outgoing(
        routing::cascade_status(code),
        kind::CASCADE_STATUS_CHANGED,
        ulid::Ulid::generate().to_string(),
        CascadeStatusChanged {
            code: code.to_owned(),
            status: status.to_owned(),
        },
        None,
    );
    publisher.send_best_effort(out, "link status change").await;
}

/// Marks children that missed three heartbeats `offline` and says so on the bus.
async fn watch_children(
    pool: db::Pool,
    bus: bus::Bus,
    origin: String,
    heartbeat: std::time::Duration,
    mut shutdown: kit::lifecycle::ShutdownSignal,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(heartbeat) => {}
            _ = shutdown.wait() => return,
        }
        let cutoff = chrono::Utc::now().naive_utc()
            - chrono::Duration::from_std(heartbeat * 3).unwrap_or_default();
        match db::pool::conn(&pool).await {
            Ok(mut conn) => match db::cascade::mark_stale_offline(&mut conn, cutoff).await {
                Ok(gone) => {
                    for child in gone {
                        tracing::warn!(code = %child.code, "child missed three heartbeats: offline");
                        status_changed(&bus, &origin, &child.code, "offline").await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not check children's heartbeats"),
            },
            Err(e) => tracing::warn!(error = %e, "could not check children's heartbeats"),
        }
    }
}
