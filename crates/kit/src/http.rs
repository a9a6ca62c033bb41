//! The HTTP server every service runs: request ids, request metrics, JSON errors for bad
//! bodies, queries and paths, and the `/health`, `/ready`, `/metrics` routes.

use crate::{
    ApiError,
    readiness::Readiness,
    trace::{TRACEPARENT, Trace},
};
use actix_web::{
    App, Error, HttpMessage, HttpRequest, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Server, ServerHandle, ServiceRequest, ServiceResponse},
    error::PathError,
    http::header::{HeaderName, HeaderValue},
    middleware::{Next, from_fn},
    web,
};
use common_proto::rest::Readiness as ReadinessBody;
use std::{net::TcpListener, time::Instant};
use tracing::Instrument;

/// The request id header, taken from the client when sane, generated otherwise, and
/// returned on every response.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The trace of the current request (its request id and W3C trace context; the trace id
/// is also on its tracing span).
pub fn trace_of(req: &HttpRequest) -> Option<Trace> {
    req.extensions().get::<Trace>().cloned()
}

/// What [`start`] needs besides the routes.
#[derive(Clone)]
pub struct ServerSpec {
    pub name: &'static str,
    pub listen: String,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
    pub readiness: Readiness,
    /// Largest JSON body accepted (413 beyond).
    pub max_json_bytes: usize,
}

impl ServerSpec {
    /// The usual spec: name, address, worker count and drain time from the common
    /// settings, a 64 KiB JSON limit (change it with [`ServerSpec::max_json_bytes`]).
    pub fn new(
        name: &'static str,
        listen: &str,
        common: &crate::settings::CommonSettings,
        readiness: Readiness,
    ) -> Self {
        Self {
            name,
            listen: listen.to_owned(),
            workers: common.http_workers,
            shutdown_timeout_secs: common.shutdown_timeout_secs,
            readiness,
            max_json_bytes: 64 * 1024,
        }
    }

    pub fn max_json_bytes(mut self, bytes: usize) -> Self {
        self.max_json_bytes = bytes;
        self
    }

    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }
}

/// A bound, running server.
pub struct RunningServer {
    pub port: u16,
    pub server: Server,
}

impl RunningServer {
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }
}

/// Binds `spec.listen` (port 0 picks a free port) and starts serving `configure`'s routes
/// next to the standard ones. Signals are not handled here: [`crate::lifecycle::run`] owns
/// them so it can drain background work in the same shutdown.
pub fn start<F>(spec: ServerSpec, configure: F) -> std::io::Result<RunningServer>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    // Install the recorder before the first request so nothing is counted into the void.
    crate::metrics::install(spec.name);
    let listener = TcpListener::bind(&spec.listen)?;
    let port = listener.local_addr()?.port();
    let readiness = web::Data::new(spec.readiness.clone());
    let max_json = spec.max_json_bytes;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(observe))
            // Bodies and query strings are read by `kit::Json` / `kit::Query`.
            .app_data(crate::extract::JsonLimit(max_json))
            .app_data(path_config())
            .app_data(readiness.clone())
            .route("/health", web::get().to(health))
            .route("/ready", web::get().to(ready))
            .route("/metrics", web::get().to(metrics))
            .configure(configure.clone())
            .default_service(web::to(not_found))
    })
    .workers(spec.workers.max(1))
    // Small frames and JSON replies: never wait for Nagle's algorithm.
    .tcp_nodelay(true)
    .shutdown_timeout(spec.shutdown_timeout_secs)
    .disable_signals()
    .listen(listener)?
    .run();
    tracing::info!(service = spec.name, port, "listening");
    Ok(RunningServer { port, server })
}

fn path_config() -> web::PathConfig {
    // An id that does not parse names nothing that exists.
    web::PathConfig::default()
        .error_handler(|_err: PathError, _req| ApiError::not_found("resource").into())
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

async fn ready(readiness: web::Data<Readiness>) -> HttpResponse {
    let (all_up, checks) = readiness.evaluate().await;
    let body = ReadinessBody {
        status: if all_up { "ready" } else { "not_ready" }.into(),
        checks,
    };
    if all_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render())
}

/// Middleware: request id in and out, a span per request, request count and latency.
/// The longest path and query the platform reads (beyond 65 534 bytes the `http` crate
/// cannot even parse the request line, and actix answers with a bodyless 400 before any of
/// our code runs; below that, this limit answers in the error shape).
pub const MAX_URI_BYTES: usize = 8 * 1024;

async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let uri_len = req.uri().path().len() + req.uri().query().map_or(0, |q| q.len() + 1);
    if uri_len > MAX_URI_BYTES {
        return Err(ApiError::new(
            common_proto::error::ErrorCode::UriTooLong,
            format!("the path and query are longer than {MAX_URI_BYTES} bytes"),
        )
        .into());
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let trace = Trace::continue_or_start(header(REQUEST_ID.as_str()), header(TRACEPARENT));
    let request_id = trace.request_id.clone();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.path(),
        request_id = %request_id,
        trace_id = %trace.trace_id(),
    );
    req.extensions_mut().insert(trace.clone());
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(elapsed);
    if res.status().is_server_error() {
        span.in_scope(|| tracing::warn!(status = %status, elapsed, "request failed"));
    } else {
        span.in_scope(|| tracing::debug!(status = %status, elapsed, "request"));
    }
    crate::otlp::record(
        &trace,
        // OpenTelemetry's convention: the route template, or the method alone (never the
        // raw path, which would make one span name per URL).
        if route == "unmatched" {
            method.clone()
        } else {
            format!("{method} {route}")
        },
        crate::otlp::SpanKind::Server,
        vec![
            crate::otlp::KeyValue::new("http.request.method", method),
            crate::otlp::KeyValue::new("http.route", route),
            crate::otlp::KeyValue::new("url.path", path),
            crate::otlp::KeyValue::new(
                "http.response.status_code",
                i64::from(res.status().as_u16()),
            ),
            crate::otlp::KeyValue::new("http.request.id", request_id.clone()),
        ],
        res.status()
            .is_server_error()
            .then(|| format!("HTTP {status}")),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}
