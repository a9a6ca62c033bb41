//! `gateway` is the single public entry of the platform (`127.0.0.1:8080` by default).
//!
//! - `/api/v1/*` is routed by its first segment to the service that owns it ([`routes`]),
//!   with bodies streamed both ways ([`proxy`]);
//! - access tokens are verified here at the edge (and again by the backends);
//! - rate limits are shared by every gateway replica through Redis (`kit::rate_limit`);
//! - CORS, request ids and body-size limits apply to everything;
//! - `/api/v1/realtime/ws` is the WebSocket ([`realtime`]): delivery through a per-node
//!   queue, presence leases in Redis, typing, sends answered by `ack`, `sync`;
//! - `/openapi.json` merges the specs every service generates from its code, and `/docs`
//!   serves Swagger UI from vendored assets, `/asyncapi.json` describes the bus ([`docs`]);
//! - `/` serves the web client (`services/gateway/web`) on the same origin ([`webapp`]).

pub mod docs;
pub mod proxy;
pub mod realtime;
pub mod routes;
pub mod settings;
pub mod webapp;

pub use settings::Settings;

use actix_cors::Cors;
use actix_web::web;
use kit::presence::Presence;
use kit::rate_limit::RateLimiter;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
use proxy::ProxyConfig;
use realtime::{Deliver, Realtime, WsLimits, hub::Hub};
use routes::Upstream;
use std::{sync::Arc, time::Duration};

kit::service_main!(Settings, build);

/// Wires the gateway from its settings: the delivery queue of this node, presence, the
/// proxy to every backend, the WebSocket, the docs and the web client.
pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let redis = kit::redis::pool(&settings.redis)?;
    let shutdown = Shutdown::new();
    let (verifier, revocations, poller) = kit::revocation::verifier_with_poller(
        &settings.jwt,
        redis.clone(),
        &settings.redis.prefix,
        shutdown.stopped(),
    )?;
    let node = if settings.node_id.is_empty() {
        format!("gw-{}", ulid::Ulid::generate().to_string().to_lowercase())
    } else {
        settings.node_id.clone()
    };
    let bus = bus::Bus::new(&settings.bus, &format!("gateway {node}"));
    bus.add_queue(Realtime::delivery_queue(&node));
    let hub = Arc::new(Hub::default());
    let realtime = web::Data::new(Realtime {
        hub: hub.clone(),
        presence: Presence::from_settings(redis.clone(), &settings.redis, &settings.presence),
        bus: bus.clone(),
        publisher: bus::Publisher::new(bus.clone(), settings.common.platform_code.clone()),
        node: node.clone(),
        verifier: verifier.clone(),
        origins: settings.cors_origin_list(),
        chat_url: settings.chat_api_url.trim_end_matches('/').to_owned(),
        limits: WsLimits {
            max_frame_bytes: 64 * 1024,
            frames_per_second: settings.ws_frames_per_second,
            connections_per_user: settings.ws_max_connections_per_user,
            outbound_queue: settings.ws_outbound_queue.max(1),
            idle: Duration::from_secs(settings.ws_idle_secs),
            heartbeat: Duration::from_secs(settings.ws_heartbeat_secs.max(1)),
            write_timeout: Duration::from_secs(settings.ws_write_timeout_secs.max(1)),
        },
        shutdown: shutdown.signal(),
    });
    let tasks = vec![
        tokio::spawn({
            let (bus, queue, signal) = (bus.clone(), format!("gateway.{node}"), shutdown.signal());
            let hub = hub.clone();
            async move { bus::consume(bus, &queue, Arc::new(Deliver { hub }), signal).await }
        }),
        poller,
        tokio::spawn(realtime::close_revoked(revocations, hub, shutdown.signal())),
        tokio::spawn(realtime::keep_presence(realtime.clone(), shutdown.signal())),
    ];
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
    let web_root = webapp::WebRoot::find(&settings.web_dir);
    if web_root.is_none() {
        tracing::warn!(dir = %settings.web_dir, "web client not built: / explains how");
    }
    let spec = ServerSpec::new(
        "gateway",
        &settings.listen,
        &settings.common,
        Readiness::new()
            .with("redis", kit::redis::check(redis))
            .with("rabbitmq", bus.check()),
    )
    .max_json_bytes(settings.max_body_bytes as usize);
    Ok(Service::start(
        spec,
        move |cfg| {
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
                .app_data(realtime.clone())
                .app_data(web::Data::new(client))
                .route("/api/v1/realtime/ws", web::get().to(realtime::connect))
                .route("/openapi.json", web::get().to(docs::openapi))
                .route("/asyncapi.json", web::get().to(docs::asyncapi))
                .route("/docs", web::get().to(docs::redirect_to_docs))
                .service(docs::swagger_ui())
                .service(
                    web::scope("/api/v1")
                        .wrap(cors)
                        .default_service(web::to(proxy::forward)),
                );
            // Last: the client's files match every path nothing above took.
            match web_root.clone() {
                Some(root) => root.register(cfg),
                None => {
                    cfg.route("/", web::get().to(webapp::not_built));
                }
            }
        },
        shutdown,
        tasks,
    )?)
}
