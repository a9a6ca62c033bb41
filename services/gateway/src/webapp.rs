//! The web client (`services/gateway/web`, built by `scripts/up.sh` into `web/dist`),
//! served at `/` by the gateway so that the app, its REST calls and its WebSocket share one
//! origin: no CORS, and a Content-Security-Policy that allows nothing but that origin.
//!
//! - Vite's hashed bundles under `/assets/` never change under one name: cached for a year,
//!   `immutable`.
//! - Everything else (`index.html`, unknown client routes such as `/c/12`, which get
//!   `index.html` so a reload of a deep link works) is `no-cache`: a new release is picked
//!   up at the next load.
//! - Paths under `/api/` never reach this module (the proxy scope owns them), so a mistyped
//!   API path stays a JSON 404 instead of an HTML page.

use actix_files::{Files, NamedFile};
use actix_web::{
    HttpRequest, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse, fn_service},
    http::header::{self, HeaderValue},
    middleware::{Next, from_fn},
    web,
};
use std::path::{Path, PathBuf};

/// The policy every page of the client is served with. `connect-src 'self'` covers the
/// same-origin `ws:`/`wss:` socket in CSP Level 3 browsers; images and downloads are
/// fetched with the bearer token and shown from `blob:` URLs.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; \
font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Where the built client is, if it was built.
#[derive(Debug, Clone)]
pub struct WebRoot {
    dir: PathBuf,
}

impl WebRoot {
    /// `Some` when `dir/index.html` exists; the gateway then serves the client, else a
    /// short page saying how to build it.
    pub fn find(dir: &str) -> Option<Self> {
        let dir = PathBuf::from(dir);
        dir.join("index.html").is_file().then_some(Self { dir })
    }

    fn index(&self) -> PathBuf {
        self.dir.join("index.html")
    }

    /// Registers the client as the last service of the app (it matches every path that
    /// nothing registered before it took).
    pub fn register(self, cfg: &mut web::ServiceConfig) {
        let index = self.index();
        let files = Files::new("/", &self.dir)
            .index_file("index.html")
            .use_etag(true)
            .use_last_modified(true)
            .default_handler(fn_service(move |req: ServiceRequest| {
                let index = index.clone();
                async move { spa_fallback(req, &index).await }
            }));
        cfg.service(web::scope("").wrap(from_fn(headers)).service(files));
    }
}

/// Client routes are the app's, not files: answer them with `index.html`. A missing file
/// that looks like an asset (has an extension) stays a 404.
async fn spa_fallback(
    req: ServiceRequest,
    index: &Path,
) -> Result<ServiceResponse, actix_web::Error> {
    let (http, _) = req.into_parts();
    let last = http.path().rsplit('/').next().unwrap_or("");
    if last.contains('.') || http.path().starts_with("/api/") {
        let res = actix_web::ResponseError::error_response(&kit::ApiError::not_found("file"));
        return Ok(ServiceResponse::new(http, res));
    }
    let res = match NamedFile::open_async(index).await {
        Ok(file) => file.into_response(&http),
        Err(_) => HttpResponse::NotFound().finish(),
    };
    Ok(ServiceResponse::new(http, res))
}

/// Cache policy by path, and the security headers on every response of the client.
async fn headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let immutable = req.path().starts_with("/assets/");
    let mut res = next.call(req).await?;
    let cache = if immutable && res.status().is_success() {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(res)
}

/// `/` when the client was not built: says how, instead of a bare 404.
pub async fn not_built(_req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
        .body(
            "<!doctype html><meta charset=utf-8><title>instant</title>\
             <p>The web client is not built. <code>./scripts/up.sh</code> builds it \
             (<code>services/gateway/web</code>, set <code>INSTANT_WEB_DIR</code> to its \
             <code>dist</code> folder). The API is at <a href=/docs/>/docs/</a>.</p>",
        )
}
