//! `/notifications`: the caller's inbox. Every query is filtered on the caller, so another
//! user's notification id is a 404, never data. New notifications also arrive live as
//! `notification` frames (push-worker).

use crate::state::State;
use actix_web::{HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{NotificationPage, UnreadCount, limits},
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

fn valid_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = NotificationPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<State>,
    me: AuthUser,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=limits::MAX_NOTIFICATION_PAGE).contains(&limit) {
        return Err(ApiError::validation("limit", "must be 1 to 100"));
    }
    if let Some(b) = &q.before
        && !valid_id(b)
    {
        return Err(ApiError::validation("before", "is not a notification id"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::notifications::list(&mut conn, me.id, q.unread_only, q.before.as_deref(), limit)
        .await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(NotificationPage {
        items: rows.iter().map(|r| r.to_public()).collect(),
        next_before,
    }))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let count = db::notifications::unread_count(&mut conn, me.id).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { count }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, description = "the caller has no such notification", body = ErrorBody)))]
pub async fn read_one(
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if !valid_id(&id) {
        return Err(ApiError::not_found("notification"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    if !db::notifications::mark_read(&mut conn, me.id, &id).await? {
        return Err(ApiError::not_found("notification"));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn read_all(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::notifications::mark_all_read(&mut conn, me.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
