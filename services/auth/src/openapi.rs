//! The OpenAPI description of auth's routes, generated from the handlers (the gateway
//! merges it with the other services' into the public `/openapi.json`).

use crate::routes::*;
use common_proto::{
    error::{ErrorBody, ErrorCode, ErrorDetail},
    rest::{
        AccessToken, AdminUser, AdminUserPage, AuditEntry, AuditPage, BotToken, BotTokenExchange,
        CreateBot, DisableUser, LoginRequest, PasswordResetIssued, RefreshRequest, RegisterRequest,
        ResetPassword, Session, SetUserRole, TokenPair, UpdateProfile, User,
    },
};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    paths(register, login, refresh, logout, logout_all, get_me, update_me, get_user, search_users,
          list_users, disable_user, enable_user, logout_user, set_role, audit, list_sessions, end_session,
          reset_password, use_reset, create_bot, rotate_bot_token, revoke_bot_token, bot_token),
    components(schemas(CreateBot, BotToken, BotTokenExchange, AccessToken, PasswordResetIssued, ResetPassword, Session, AdminUser, AdminUserPage, AuditEntry, AuditPage, DisableUser, SetUserRole, RegisterRequest, LoginRequest, RefreshRequest, TokenPair, User, UpdateProfile, ErrorBody, ErrorDetail, ErrorCode)),
    tags((name = "auth", description = "Registration, login and tokens"), (name = "users", description = "Profiles and search"), (name = "admin", description = "Accounts, bots and the audit log (admins only)"))
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
