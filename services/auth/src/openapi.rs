//! The OpenAPI description of auth's routes, generated from the handlers (the gateway
//! merges it with the other services' into the public `/openapi.json`).

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::{LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UpdateProfile, User},
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(register, login, refresh, logout, get_me, update_me, get_user, search_users),
    components(schemas(RegisterRequest, LoginRequest, RefreshRequest, TokenPair, User, UpdateProfile, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "auth", description = "Registration, login and tokens"), (name = "users", description = "Profiles and search"))
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
