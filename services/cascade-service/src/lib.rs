//! `cascade-service` links this platform with its upper (parent) and lower (child)
//! platforms: this platform's identity (`GET /cascade/info`), the peer registry (admins),
//! and the registration a child's cascade-service makes on its parent. The carriage of
//! broadcasts down and events up over the peers' brokers builds on these records.

mod link;
mod openapi;
mod routes;
pub mod settings;
mod state;

use actix_web::web;
use common_proto::rest::{MqInfo, PlatformInfo, SipInfo};
use kit::{
    auth::Verifier,
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use state::State;

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let bus = bus::Bus::new(&settings.bus, "cascade-service");
    let verifier = web::Data::new(Verifier::from_settings(&settings.jwt)?);
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("rabbitmq", bus.check());
    let mut tasks = vec![bus::connect_in_background(bus.clone(), shutdown.signal())];
    let id = &settings.identity;
    let heartbeat = std::time::Duration::from_secs(settings.parent.heartbeat_secs.max(1));
    if !settings.parent.parent_url.is_empty() {
        // Events wait here for the parent, however long it is unreachable.
        bus.add_queue(link::single_active(
            &settings.bus,
            link::UP_QUEUE.to_owned(),
            common_proto::bus::routing::SYSTEM_EVENT,
        ));
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
    Ok(Service::start(
        spec,
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(state.clone())
                .app_data(verifier.clone())
                .configure(routes::configure);
        },
        shutdown,
        tasks,
    )?)
}

/// Marks children that missed three heartbeats `offline`.
async fn watch_children(
    pool: db::Pool,
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
                Ok(0) => {}
                Ok(n) => tracing::warn!(children = n, "children missed three heartbeats: offline"),
                Err(e) => tracing::warn!(error = %e, "could not check children's heartbeats"),
            },
            Err(e) => tracing::warn!(error = %e, "could not check children's heartbeats"),
        }
    }
}
