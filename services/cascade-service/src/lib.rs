//! `cascade-service`: links this platform with its upper and lower platforms.
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
    let mut tasks = Vec::new();
    let mut readiness = Readiness::new();
    let pool = db::pool::pool(&settings.db)?;
    readiness = readiness.with("mysql", db::pool::check(pool.clone()));
    let bus = bus::Bus::new(&settings.bus, "cascade-service");
    readiness = readiness.with("rabbitmq", bus.check());
    tasks.push(bus::connect_in_background(bus.clone(), shutdown.signal()));
    let spec = ServerSpec::new(
        "cascade-service",
        &settings.listen,
        &settings.common,
        readiness,
    );
    Ok(Service::start(
        spec,
        |cfg: &mut web::ServiceConfig| {
            cfg.route("/openapi.json", web::get().to(openapi));
        },
        shutdown,
        tasks,
    )?)
}

/// This service's part of the public OpenAPI document (the gateway merges them).
async fn openapi() -> actix_web::HttpResponse {
    let doc = utoipa::openapi::OpenApiBuilder::new()
        .info(
            utoipa::openapi::InfoBuilder::new()
                .title("cascade-service")
                .version(env!("CARGO_PKG_VERSION"))
                .build(),
        )
        .build();
    actix_web::HttpResponse::Ok().json(doc)
}
