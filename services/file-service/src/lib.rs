//! `file-service` owns `/files`: uploads streamed to object storage (a local directory or
//! any S3-compatible store, `storage.rs`) with metadata in MySQL (`db::files`), downloads
//! with ranges for those allowed to see the file, and the periodic cleanup of uploads
//! nobody ever referenced (`cleanup.rs`).

mod catalog;
mod cleanup;
mod names;
mod openapi;
mod routes;
pub mod settings;
mod state;
pub mod storage;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use state::State;
use std::time::Duration;

kit::service_main!(Settings, build);

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let store = storage::open(&settings.storage)?;
    let (verifier, _, revocations) = kit::revocation::verifier_with_poller(
        &settings.jwt,
        kit::redis::pool(&settings.redis)?,
        &settings.redis.prefix,
        shutdown.stopped(),
    )?;
    let verifier = web::Data::new(verifier);
    let readiness = Readiness::new().with("mysql", db::pool::check(pool.clone()));
    let tasks = vec![
        revocations,
        cleanup::spawn(
            pool.clone(),
            store.clone(),
            Duration::from_secs(settings.unreferenced_file_ttl_secs),
            Duration::from_secs(settings.file_cleanup_interval_secs.max(1)),
            shutdown.signal(),
        ),
    ];
    let state = web::Data::new(State {
        pool,
        store,
        max_file_bytes: settings.max_file_bytes,
    });
    let spec = ServerSpec::new(
        "file-service",
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
