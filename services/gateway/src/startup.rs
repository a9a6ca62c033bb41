//! Building the gateway.

use crate::{
    Settings, docs,
    proxy::{self, ProxyConfig},
    rate_limit::RateLimiter,
    routes::Upstream,
};
use actix_cors::Cors;
use actix_web::web;
use kit::{
    auth::Verifier,
    http::{ServerSpec, start},
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
use std::time::Duration;

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let verifier = Verifier::from_settings(&settings.jwt)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let timeout = Duration::from_secs(settings.upstream_timeout_secs);
    let config = web::Data::new(ProxyConfig {
        upstreams: [
            (
                Upstream::Auth,
                settings.auth_url.trim_end_matches('/').to_owned(),
            ),
            (
                Upstream::ChatApi,
                settings.chat_api_url.trim_end_matches('/').to_owned(),
            ),
            (
                Upstream::FileService,
                settings.file_service_url.trim_end_matches('/').to_owned(),
            ),
            (
                Upstream::CascadeService,
                settings
                    .cascade_service_url
                    .trim_end_matches('/')
                    .to_owned(),
            ),
        ],
        verifier,
        limiter: RateLimiter::new(redis.clone(), &settings.redis.prefix),
        timeout,
        max_body_bytes: settings.max_body_bytes,
        max_upload_bytes: settings.max_upload_bytes,
        auth_per_minute: settings.rate_limit_auth_per_minute,
        user_per_minute: settings.rate_limit_user_per_minute,
        trust_forwarded_for: settings.trust_forwarded_for,
    });
    let origins = settings.cors_origin_list();
    let spec = ServerSpec {
        name: "gateway",
        listen: settings.listen.clone(),
        workers: settings.common.http_workers,
        shutdown_timeout_secs: settings.common.shutdown_timeout_secs,
        readiness: Readiness::new().with("redis", kit::redis::check(redis)),
        max_json_bytes: settings.max_body_bytes as usize,
    };
    let server = start(spec, move |cfg| {
        // awc clients are per worker thread (not Send); each keeps its own connection pool.
        let client = awc::Client::builder()
            .disable_redirects()
            .timeout(timeout)
            .finish();
        let allowed = origins.clone();
        let cors = Cors::default()
            .allowed_origin_fn(move |origin, _| {
                allowed.iter().any(|o| o.as_bytes() == origin.as_bytes())
            })
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["x-request-id", "retry-after"])
            .max_age(3600);
        cfg.app_data(config.clone())
            .app_data(web::Data::new(client))
            .route("/openapi.json", web::get().to(docs::openapi))
            .route("/docs", web::get().to(docs::redirect_to_docs))
            .service(docs::swagger_ui())
            .service(
                web::scope("/api/v1")
                    .wrap(cors)
                    .default_service(web::to(proxy::forward)),
            );
    })?;
    Ok(Service::new(
        server,
        Shutdown::new(),
        vec![],
        settings.common.shutdown_timeout_secs,
    ))
}
