//! `/broadcasts`: system broadcasts. An admin's broadcast is published as
//! `system.broadcast` (its id is the envelope id) and answered 202 after the broker's
//! confirm; persistence-worker stores it (once), broadcast-worker pushes it to every
//! connected socket, and every user finds it in their inbox (`notifications.rs`) without a
//! row per user.

use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use common_proto::{
    bus::{Envelope, kind, routing},
    error::ErrorBody,
    rest::{Accepted, Broadcast, CreateBroadcast, Page, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser, http::RequestId};
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
    let envelope = Envelope::new(
        broadcast.id.clone(),
        kind::BROADCAST_SENT,
        state.origin.clone(),
        &broadcast,
    );
    let out = bus::Outgoing::envelope(routing::SYSTEM_BROADCAST, &envelope, RequestId::of(&req))
        .map_err(ApiError::internal)?;
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

pub(crate) fn valid_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric())
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
    if q.before.as_deref().is_some_and(|b| !valid_id(b)) {
        return Err(ApiError::validation("before", "is not a broadcast id"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::broadcasts::list(&mut conn, None, q.before.as_deref(), limit).await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.to_public()).collect::<Vec<_>>(),
        next_before,
    }))
}
