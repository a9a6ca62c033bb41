//! file-service's part of the public OpenAPI document, generated from the handlers.

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::FileInfo,
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(upload, metadata, content),
    components(schemas(FileInfo, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "files", description = "Uploads and downloads"))
)]
struct ApiDoc;

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// `GET /openapi.json`: this service's part, for the gateway to merge. Registered here, not
/// in `routes`, so the dependency runs one way (this document reads the routes).
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route(
        "/openapi.json",
        actix_web::web::get().to(|| async { actix_web::HttpResponse::Ok().json(spec()) }),
    );
}
