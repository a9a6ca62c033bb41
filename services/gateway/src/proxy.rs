//! Forwarding `/api/v1/*` to the owning service: edge auth, rate limit, body limit, then a
//! streamed request and a streamed response. A down upstream is a 503, a slow one a 504.

use crate::routes::{self, Upstream};
use actix_web::web::Bytes;
use actix_web::{
    HttpRequest, HttpResponse,
    http::header::{self, HeaderName},
    web,
};
use awc::error::SendRequestError;
use common_proto::error::ErrorCode;
use futures_util::StreamExt;
use kit::rate_limit::{Decision, RateLimiter};
use kit::{ApiError, auth::Verifier, http::trace_of, trace::TRACEPARENT};
use std::{cell::Cell, rc::Rc, time::Duration};

/// Per-process proxy configuration (the awc client itself is per worker: it is not `Send`).
#[derive(Clone)]
pub struct ProxyConfig {
    pub upstreams: [(Upstream, String); 4],
    pub verifier: Verifier,
    pub limiter: RateLimiter,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub max_upload_bytes: u64,
    pub auth_per_minute: u64,
    pub user_per_minute: u64,
    pub trust_forwarded_for: bool,
}

impl ProxyConfig {
    fn base_url(&self, upstream: Upstream) -> &str {
        self.upstreams
            .iter()
            .find(|(u, _)| *u == upstream)
            .map(|(_, url)| url.as_str())
            .unwrap_or("")
    }
}

/// Headers that describe one hop, never forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

fn forwardable(name: &HeaderName) -> bool {
    !HOP_BY_HOP.contains(&name.as_str())
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` entry when the
/// gateway is configured to trust its load balancer.
fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The handler for everything below `/api/v1`.
pub async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    config: web::Data<ProxyConfig>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path().strip_prefix("/api/v1").unwrap_or("");
    // The API's methods only: TRACE, CONNECT and made-up ones get 405, never forwarded.
    use actix_web::http::Method;
    if ![
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(req.method())
    {
        let err = ApiError::new(
            common_proto::error::ErrorCode::MethodNotAllowed,
            format!("method {} is not allowed", req.method()),
        );
        let mut res = actix_web::ResponseError::error_response(&err);
        res.headers_mut().insert(
            header::ALLOW,
            header::HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        return Ok(res);
    }
    let upstream = routes::upstream_for(path).ok_or_else(|| ApiError::not_found("route"))?;

    // Edge auth and the rate-limit key.
    let key = if routes::is_public(path) {
        format!("ip:{}", client_ip(&req, config.trust_forwarded_for))
    } else {
        let user = config.verifier.verify_request(&req)?;
        format!("user:{}", user.id)
    };
    let limit = if routes::is_public(path) {
        config.auth_per_minute
    } else {
        config.user_per_minute
    };
    if let Decision::Deny { retry_after_secs } = config
        .limiter
        .check(&key, limit, Duration::from_secs(60))
        .await
    {
        metrics::counter!("gateway_rate_limited_total", "upstream" => upstream.name()).increment(1);
        return Err(ApiError::rate_limited(retry_after_secs));
    }

    // Body limit: refuse early on a declared length, count on the way otherwise.
    let max = if routes::is_upload(path) {
        config.max_upload_bytes
    } else {
        config.max_body_bytes
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("request body exceeds {max} bytes"),
        )
    };
    if declared.is_some_and(|len| len > max) {
        return Err(too_large());
    }

    let mut url = format!("{}{}", config.base_url(upstream), req.path());
    if let Some(q) = req.uri().query() {
        url.push('?');
        url.push_str(q);
    }
    let mut outgoing = client
        .request(req.method().clone(), url)
        .no_decompress()
        .timeout(config.timeout);
    for (name, value) in req.headers() {
        if forwardable(name) && name != "x-request-id" && name != TRACEPARENT {
            outgoing = outgoing.append_header((name.clone(), value.clone()));
        }
    }
    if let Some(trace) = trace_of(&req) {
        outgoing = outgoing
            .insert_header(("x-request-id", trace.request_id.clone()))
            .insert_header((TRACEPARENT, trace.traceparent()));
    }
    outgoing = outgoing
        .insert_header((
            "x-forwarded-for",
            client_ip(&req, config.trust_forwarded_for),
        ))
        .insert_header((
            "x-forwarded-proto",
            req.connection_info().scheme().to_owned(),
        ));

    let exceeded = Rc::new(Cell::new(false));
    let has_body =
        declared.is_some_and(|n| n > 0) || req.headers().contains_key(header::TRANSFER_ENCODING);
    let sent = if has_body {
        let counted = count_bytes(payload, max, exceeded.clone());
        match declared {
            Some(len) => {
                outgoing
                    .send_body(awc::body::SizedStream::new(len, counted))
                    .await
            }
            None => outgoing.send_stream(counted).await,
        }
    } else {
        outgoing.send().await
    };
    let response = match sent {
        Ok(response) => response,
        Err(_) if exceeded.get() => return Err(too_large()),
        Err(e) => return Err(upstream_error(upstream, e)),
    };

    let mut builder = HttpResponse::build(response.status());
    for (name, value) in response.headers() {
        if forwardable(name) && name != "x-request-id" && name != TRACEPARENT {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    Ok(builder.streaming(response))
}

/// Passes the body through, failing once more than `max` bytes went by.
fn count_bytes(
    payload: web::Payload,
    max: u64,
    exceeded: Rc<Cell<bool>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'static {
    let mut seen = 0u64;
    payload.map(move |chunk| {
        let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()))?;
        seen += chunk.len() as u64;
        if seen > max {
            exceeded.set(true);
            return Err(std::io::Error::other("request body too large"));
        }
        Ok(chunk)
    })
}

fn upstream_error(upstream: Upstream, e: SendRequestError) -> ApiError {
    metrics::counter!("gateway_upstream_errors_total", "upstream" => upstream.name()).increment(1);
    match e {
        SendRequestError::Timeout => ApiError::new(
            ErrorCode::UpstreamTimeout,
            format!("{} did not answer in time", upstream.name()),
        ),
        other => {
            tracing::warn!(upstream = upstream.name(), error = %other, "upstream unavailable");
            ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    ErrorCode::UpstreamUnavailable,
                    format!("{} is unavailable", upstream.name()),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        for name in [
            "connection",
            "host",
            "transfer-encoding",
            "content-length",
            "upgrade",
        ] {
            assert!(!forwardable(&HeaderName::from_static(name)), "{name}");
        }
        for name in ["authorization", "content-type", "range", "x-forwarded-for"] {
            assert!(forwardable(&HeaderName::from_static(name)), "{name}");
        }
    }
}
