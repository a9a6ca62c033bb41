//! `/openapi.json`: the specs every service generates from its own handlers, merged into
//! one public document; `/docs`: Swagger UI served from vendored assets (no network);
//! `/asyncapi.json`: the bus as AsyncAPI 3, generated from `common-proto`'s types.

use crate::proxy::ProxyConfig;
use actix_web::{HttpResponse, web};
use std::time::Duration;
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder,
    security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

fn base() -> OpenApi {
    let bearer = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .build(),
    );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("instant")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("The public API of instant, through the gateway. Every error is {\"error\": {\"code\", \"message\"}}. The bus (RabbitMQ exchange `instant_exchange`: routing keys, envelope kinds and their schemas, queues, headers) is described in AsyncAPI 3 at [/asyncapi.json](/asyncapi.json)."))
                .build(),
        )
        .components(Some(ComponentsBuilder::new().security_scheme("bearer", bearer).build()))
        .build()
}

/// Fetches each service's spec and merges them; a service that is down is named in the
/// description instead of failing the whole document.
pub async fn openapi(
    config: web::Data<ProxyConfig>,
    client: web::Data<awc::Client>,
) -> HttpResponse {
    let mut doc = base();
    let mut missing = Vec::new();
    for (upstream, url) in &config.upstreams {
        let fetched = async {
            let mut res = client
                .get(format!("{url}/openapi.json"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .ok()?;
            if !res.status().is_success() {
                return None;
            }
            res.json::<OpenApi>().limit(4 * 1024 * 1024).await.ok()
        }
        .await;
        match fetched {
            Some(part) => doc.merge(part),
            None => missing.push(upstream.name()),
        }
    }
    if !missing.is_empty() {
        let note = format!(
            " Unavailable while this document was built: {}.",
            missing.join(", ")
        );
        doc.info.description = Some(doc.info.description.unwrap_or_default() + &note);
    }
    HttpResponse::Ok().json(doc)
}

/// The bus's AsyncAPI document (built once: it depends on nothing but the types).
pub async fn asyncapi() -> HttpResponse {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    HttpResponse::Ok()
        .json(DOC.get_or_init(|| common_proto::asyncapi::document(env!("CARGO_PKG_VERSION"))))
}

pub async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("location", "/docs/"))
        .finish()
}

/// Swagger UI at `/docs/`, reading `/openapi.json`.
pub fn swagger_ui() -> utoipa_swagger_ui::SwaggerUi {
    utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
        .config(utoipa_swagger_ui::Config::new(["/openapi.json"]))
}
