//! `/broadcasts`: system broadcasts. An admin's broadcast is published as
//! `system.broadcast` (its id is the envelope id) and answered 202 after the broker's
//! confirm; persistence-worker stores it (once), broadcast-worker pushes it to every
//! connected socket, and every user finds it in their inbox (`notifications.rs`) without a
//! row per user.

use crate::{domain::reports, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Accepted, Broadcast, CreateBroadcast, Page, limits, next_before},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;
use views::ToPublic;

#[utoipa::path(post, path = "/api/v1/broadcasts", tag = "broadcasts", security(("bearer" = [])), request_body = CreateBroadcast,
    responses((status = 202, body = Accepted), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<State>,
    admin: kit::auth::Admin,
    body: kit::Json<CreateBroadcast>,
) -> ApiResult<HttpResponse> {
    let CreateBroadcast { title, content } = body.into_inner();
    let id = reports::broadcast(&state, &caller(&req, &admin.0), title, content).await?;
    Ok(HttpResponse::Accepted().json(Accepted { id }))
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
    query: kit::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = super::page_limit(q.limit, 50, limits::MAX_LIST_PAGE)?;
    if q.before.as_deref().is_some_and(|b| !common_proto::is_id(b)) {
        return Err(ApiError::validation("before", "is not a broadcast id"));
    }
    let rows = reports::broadcasts(&state, q.before.as_deref(), limit).await?;
    let next_before = next_before(&rows, limit, |r| &r.id);
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.to_public()).collect::<Vec<_>>(),
        next_before,
    }))
}
