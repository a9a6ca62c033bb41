//! The admin's user management and audit log (`/api/v1/admin/users`, `/admin/audit`), and
//! a user's own "sign out everywhere". Admins only, checked before anything in the body
//! or query is looked at (the `Admin` extractor comes before the path, query and body):
//! a caller who may not use an endpoint learns nothing from it.

use crate::{moderation, state::State};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use common_proto::{
    UserId,
    error::ErrorBody,
    rest::{AdminUser, AdminUserPage, AuditPage, DisableUser, SetUserRole},
};
use kit::{
    ApiError, ApiResult,
    auth::{Admin, AuthUser},
};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UserListQuery {
    /// Username or display name prefix.
    pub q: Option<String>,
    /// `active`, `disabled` or `all` (default).
    pub status: Option<String>,
    pub cursor: Option<String>,
    /// 1..=100, default 50.
    pub limit: Option<i64>,
}

/// Users with their last seen time, creation and disabled state, by id.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), params(UserListQuery),
    responses((status = 200, body = AdminUserPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_users(
    state: web::Data<State>,
    me: Admin,
    query: kit::Query<UserListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let page = moderation::list(
        &state,
        &me.0,
        q.q.as_deref(),
        q.status.as_deref(),
        q.cursor.as_deref(),
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Disables an account: its sessions end at once on every replica (sockets closed with
/// 4003), it cannot log in or refresh until enabled again.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/disable", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = DisableUser,
    responses((status = 200, body = AdminUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the last enabled admin"), (status = 422, body = ErrorBody)))]
pub async fn disable_user(
    state: web::Data<State>,
    me: Admin,
    id: web::Path<UserId>,
    body: kit::Json<DisableUser>,
) -> ApiResult<HttpResponse> {
    let user = moderation::disable(&state, &me.0, id.into_inner(), &body.reason).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// A one-time password-reset token for the user, shown this once (hand it over out of
/// band; they set a new password with `POST /auth/reset-password`). Valid 24 h; a new
/// one replaces it. Never a password in a response or a log.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/reset-password", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = common_proto::rest::PasswordResetIssued), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_password(
    state: web::Data<State>,
    me: Admin,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let issued = moderation::issue_reset(&state, &me.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(issued))
}

/// Sets a new password with a one-time reset token; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "auth", request_body = common_proto::rest::ResetPassword,
    responses((status = 204, description = "password set"), (status = 422, body = ErrorBody, description = "bad token or password")))]
pub async fn use_reset(
    state: web::Data<State>,
    body: kit::Json<common_proto::rest::ResetPassword>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    moderation::reset_password(&state, &body.token, body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Enables a disabled account again.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/enable", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AdminUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn enable_user(
    state: web::Data<State>,
    me: Admin,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let user = moderation::enable(&state, &me.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Ends every session of a user (every refresh family; live access tokens and sockets
/// within seconds). They may log in again.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/logout", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AdminUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn logout_user(
    state: web::Data<State>,
    me: Admin,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let user = moderation::logout(&state, &me.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Makes a user an admin or a user; the last enabled admin cannot be demoted. The user's
/// tokens (which carry the role) end at once.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SetUserRole,
    responses((status = 200, body = AdminUser), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_role(
    state: web::Data<State>,
    me: Admin,
    id: web::Path<UserId>,
    body: kit::Json<SetUserRole>,
) -> ApiResult<HttpResponse> {
    let user = moderation::set_role(&state, &me.0, id.into_inner(), &body.role).await?;
    Ok(HttpResponse::Ok().json(user))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Only this actor's rows.
    pub actor: Option<UserId>,
    /// Only this action (e.g. `user.disabled`).
    pub action: Option<String>,
    /// RFC 3339: rows at or after it.
    pub since: Option<String>,
    pub cursor: Option<String>,
    /// 1..=100, default 50.
    pub limit: Option<i64>,
}

/// The audit log, newest first, each row with its link in the hash chain.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn audit(
    state: web::Data<State>,
    me: Admin,
    query: kit::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let since = match q.since.as_deref() {
        None => None,
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| ApiError::validation("since", "must be an RFC 3339 time"))?
                .with_timezone(&Utc)
                .naive_utc(),
        ),
    };
    let page = moderation::audit(
        &state,
        &me.0,
        q.actor,
        q.action.as_deref(),
        since,
        q.cursor.as_deref(),
        q.limit.unwrap_or(50),
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Signs the caller out of every device: every refresh family ended, live access tokens
/// and sockets within seconds.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out everywhere"), (status = 401, body = ErrorBody)))]
pub async fn logout_all(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    moderation::logout_everywhere(&state, &me).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's signed-in devices (logins), most recently used first.
#[utoipa::path(get, path = "/api/v1/users/me/sessions", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = common_proto::rest::Items<common_proto::rest::Session>), (status = 401, body = ErrorBody)))]
pub async fn list_sessions(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    let items = moderation::sessions(&state, &me).await?;
    Ok(HttpResponse::Ok().json(common_proto::rest::Items { items }))
}

/// Ends one of the caller's sessions (a lost phone): its refresh token stops at once, its
/// access token within seconds on every replica.
#[utoipa::path(delete, path = "/api/v1/users/me/sessions/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 204, description = "ended"), (status = 404, body = ErrorBody)))]
pub async fn end_session(
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    moderation::end_session(&state, &me, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}
