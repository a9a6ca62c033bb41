//! `/notifications`: the caller's inbox. Every query is filtered on the caller, so another
//! user's notification id is a 404, never data. New notifications also arrive live as
//! `notification` frames (push-worker).
//!
//! System broadcasts are merged in at read time (kind `broadcast`): those newer than the
//! caller's account, read or unread by the caller's one broadcast cursor. A broadcast is
//! one row for everybody; marking one read moves the cursor to it.

use crate::{domain::notifications, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{NotificationPage, UnreadCount, limits, next_before},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only unread ones.
    #[serde(default)]
    pub unread_only: bool,
    /// 1..=100, default 50.
    pub limit: Option<i64>,
    /// `next_before` of the previous page.
    pub before: Option<String>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = NotificationPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: kit::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = super::page_limit(q.limit, 50, limits::MAX_NOTIFICATION_PAGE)?;
    if let Some(b) = &q.before
        && !common_proto::is_id(b)
    {
        return Err(ApiError::validation("before", "is not a notification id"));
    }
    let items = notifications::list(
        &state,
        &caller(&req, &me),
        q.unread_only,
        q.before.as_deref(),
        limit,
    )
    .await?;
    let next_before = next_before(&items, limit, |n| &n.id);
    Ok(HttpResponse::Ok().json(NotificationPage { items, next_before }))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    let count = notifications::unread_count(&state, &caller(&req, &me)).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { count }))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, description = "the caller has no such notification", body = ErrorBody)))]
pub async fn read_one(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if !common_proto::is_id(&id) {
        return Err(ApiError::not_found("notification"));
    }
    notifications::read_one(&state, &caller(&req, &me), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn read_all(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    notifications::read_all(&state, &caller(&req, &me)).await?;
    Ok(HttpResponse::NoContent().finish())
}
