//! `cascade-service` links this platform with its upper (parent) and lower (child)
//! platforms: this platform's identity (`GET /cascade/info`), the peer registry (admins),
//! and the registration a child's cascade-service makes on its parent. The carriage of
//! broadcasts down and events up over the peers' brokers builds on these records.

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
    let tasks = vec![bus::connect_in_background(bus.clone(), shutdown.signal())];
    let id = &settings.identity;
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
