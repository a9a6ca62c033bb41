//! `/openapi.json`: the specs every service generates from its own handlers, merged into
//! one public document; `/docs`: Swagger UI served from vendored assets (no network).

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
                .description(Some("The public API of instant, through the gateway. Every error is {\"error\": {\"code\", \"message\"}}."))
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
