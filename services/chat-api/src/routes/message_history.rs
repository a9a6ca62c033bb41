use crate::{domain::messaging, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Items, Message, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    pub conversation_id: i64,
    /// Messages with seq above this (exclusive).
    pub after_seq: Option<i64>,
    /// Messages with seq below this (exclusive); alone, the newest page below it.
    pub before_seq: Option<i64>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
}

/// History of a conversation, ascending by seq. Members only (404 otherwise); a member who
/// left or was removed reads up to their departure.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = Items<Message>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: web::Query<HistoryQuery>,
) -> ApiResult<HttpResponse> {
    let limit = super::page_limit(query.limit, 50, limits::MAX_HISTORY_PAGE)?;
    if query.after_seq.is_some_and(|s| s < 0) {
        return Err(ApiError::validation("after_seq", "must not be negative"));
    }
    if query.before_seq.is_some_and(|s| s < 1) {
        return Err(ApiError::validation("before_seq", "must be positive"));
    }
    let page = messaging::HistoryPage {
        conversation_id: query.conversation_id,
        after_seq: query.after_seq,
        before_seq: query.before_seq,
        limit,
    };
    let items = messaging::history(&state, &caller(&req, &me), page).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
