//! `/notifications`: the caller's inbox. Every query is filtered on the caller, so another
//! user's notification id is a 404, never data. New notifications also arrive live as
//! `notification` frames (push-worker).
//!
//! System broadcasts are merged in at read time (kind `broadcast`): those newer than the
//! caller's account, read or unread by the caller's one broadcast cursor. A broadcast is
//! one row for everybody; marking one read moves the cursor to it.

use crate::state::State;
use actix_web::{HttpResponse, web};
use chrono::{TimeZone, Utc};
use common_proto::{
    error::ErrorBody,
    rest::{Notification, NotificationPage, UnreadCount, limits, next_before},
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
        && !common_proto::is_id(b)
    {
        return Err(ApiError::validation("before", "is not a notification id"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::notifications::list(&mut conn, me.id, q.unread_only, q.before.as_deref(), limit)
        .await?;
    let (joined, read_up_to) = db::broadcasts::window(&mut conn, me.id).await?;
    let after = match (q.unread_only, read_up_to) {
        (true, Some(read)) => read.max(joined),
        _ => joined,
    };
    let broadcasts =
        db::broadcasts::list(&mut conn, Some(after), q.before.as_deref(), limit).await?;
    let mut items: Vec<Notification> = rows.iter().map(|r| r.to_public()).collect();
    items.extend(broadcasts.iter().map(|b| Notification {
        id: b.id.clone(),
        kind: "broadcast".into(),
        payload: serde_json::json!({
            "broadcast_id": b.id, "title": b.title, "content": b.content,
            "sender_id": b.sender_id, "origin": b.origin,
        }),
        read: read_up_to.is_some_and(|r| b.created_at <= r),
        created_at: Utc.from_utc_datetime(&b.created_at),
    }));
    items.sort_by(|a, b| b.id.cmp(&a.id));
    items.truncate(limit as usize);
    let next_before = next_before(&items, limit, |n| &n.id);
    Ok(HttpResponse::Ok().json(NotificationPage { items, next_before }))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn unread_count(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let count = db::notifications::unread_count(&mut conn, me.id).await?
        + db::broadcasts::unread_count(&mut conn, me.id).await?;
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
    if !common_proto::is_id(&id) {
        return Err(ApiError::not_found("notification"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    if db::notifications::mark_read(&mut conn, me.id, &id).await? {
        return Ok(HttpResponse::NoContent().finish());
    }
    // A broadcast in the caller's inbox: the cursor moves to it.
    let (joined, _) = db::broadcasts::window(&mut conn, me.id).await?;
    match db::broadcasts::by_id(&mut conn, &id).await? {
        Some(b) if b.created_at > joined => {
            db::broadcasts::mark_read_up_to(&mut conn, me.id, b.created_at).await?
        }
        _ => return Err(ApiError::not_found("notification")),
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Marks all the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications", security(("bearer" = [])),
    responses((status = 204)))]
pub async fn read_all(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::notifications::mark_all_read(&mut conn, me.id).await?;
    db::broadcasts::mark_read_up_to(&mut conn, me.id, Utc::now().naive_utc()).await?;
    Ok(HttpResponse::NoContent().finish())
}
