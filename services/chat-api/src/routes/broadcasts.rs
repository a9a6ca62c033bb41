//! `/broadcasts`: system broadcasts. An admin's broadcast is published as
//! `system.broadcast` (its id is the envelope id) and answered 202 after the broker's
//! confirm; persistence-worker stores it (once), broadcast-worker pushes it to every
//! connected socket, and every user finds it in their inbox (`notifications.rs`) without a
//! row per user.

use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common_proto::{
    bus::{kind, routing},
    error::ErrorBody,
    rest::{Accepted, Broadcast, CreateBroadcast, Page, limits, next_before},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

fn text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    let n = value.trim().chars().count();
    if n == 0 || value.chars().count() > max {
        return Err(ApiError::validation(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Sends a broadcast to every user (admins only).
#[utoipa::path(post, path = "/api/v1/broadcasts", tag = "broadcasts", security(("bearer" = [])), request_body = CreateBroadcast,
    responses((status = 202, body = Accepted), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: web::Json<CreateBroadcast>,
) -> ApiResult<HttpResponse> {
    if !me.is_admin() {
        return Err(ApiError::forbidden("only admins send broadcasts"));
    }
    let CreateBroadcast { title, content } = body.into_inner();
    text("title", &title, limits::MAX_BROADCAST_TITLE_CHARS)?;
    text("content", &content, limits::MAX_BROADCAST_CONTENT_CHARS)?;
    let broadcast = Broadcast {
        id: ulid::Ulid::generate().to_string(),
        sender_id: Some(me.id),
        title,
        content,
        origin: state.origin.clone(),
        created_at: Utc::now(),
    };
    let out = state.outgoing(
        &req,
        routing::SYSTEM_BROADCAST,
        kind::BROADCAST_SENT,
        broadcast.id.clone(),
        &broadcast,
    )?;
    state.bus.publish(&out).await?;
    metrics::counter!("broadcasts_sent_total").increment(1);
    Ok(HttpResponse::Accepted().json(Accepted { id: broadcast.id }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// 1..=100, default 50.
    pub limit: Option<i64>,
    /// `next_before` of the previous page.
    pub before: Option<String>,
}

/// Every broadcast, newest first.
#[utoipa::path(get, path = "/api/v1/broadcasts", tag = "broadcasts", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Page<Broadcast>), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<State>,
    _me: AuthUser,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(50);
    if !(1..=limits::MAX_LIST_PAGE).contains(&limit) {
        return Err(ApiError::validation("limit", "must be 1 to 100"));
    }
    if q.before.as_deref().is_some_and(|b| !common_proto::is_id(b)) {
        return Err(ApiError::validation("before", "is not a broadcast id"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::broadcasts::list(&mut conn, None, q.before.as_deref(), limit).await?;
    let next_before = next_before(&rows, limit, |r| &r.id);
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.to_public()).collect::<Vec<_>>(),
        next_before,
    }))
}
