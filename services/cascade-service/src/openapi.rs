//! cascade-service's part of the public OpenAPI document, generated from the handlers.

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::{
        CreatePlatform, MqInfo, Platform, PlatformInfo, RegisterPlatform, Registered, SipInfo,
        UpdatePlatform,
    },
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(info, list, create, get, update, delete, register, start, progress),
    components(schemas(PlatformInfo, MqInfo, SipInfo, Platform, CreatePlatform, UpdatePlatform,
        RegisterPlatform, Registered, SyncRequest, common_proto::rest::Accepted, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "cascade", description = "This platform's identity and its upper and lower platforms"))
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
