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
    /// Instead of a seq range: the messages changed after this rev (edited, recalled,
    /// reacted to, pinned), in rev order, each in its current state.
    pub after_rev: Option<i64>,
    /// With `after_rev`: only messages up to this seq (the ones the device holds).
    pub up_to_seq: Option<i64>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
}

/// History of a conversation in its current state, ascending by seq (or, with `after_rev`,
/// the messages changed since, in rev order). Members only (404 otherwise); a member who
/// left or was removed reads up to their departure.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = Items<Message>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn history(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: kit::Query<HistoryQuery>,
) -> ApiResult<HttpResponse> {
    let limit = super::page_limit(query.limit, 50, limits::MAX_HISTORY_PAGE)?;
    if query.after_seq.is_some_and(|s| s < 0) {
        return Err(ApiError::validation("after_seq", "must not be negative"));
    }
    if query.before_seq.is_some_and(|s| s < 1) {
        return Err(ApiError::validation("before_seq", "must be positive"));
    }
    if query.after_rev.is_some_and(|r| r < 0) {
        return Err(ApiError::validation("after_rev", "must not be negative"));
    }
    if query.after_rev.is_some() && (query.after_seq.is_some() || query.before_seq.is_some()) {
        return Err(ApiError::validation(
            "after_rev",
            "pages by rev or by seq, not both",
        ));
    }
    if query.up_to_seq.is_some() && query.after_rev.is_none() {
        return Err(ApiError::validation("up_to_seq", "goes with after_rev"));
    }
    let page = messaging::HistoryPage {
        conversation_id: query.conversation_id,
        after_seq: query.after_seq,
        before_seq: query.before_seq,
        after_rev: query.after_rev,
        up_to_seq: query.up_to_seq,
        limit,
    };
    let items = messaging::history(&state, &caller(&req, &me), page).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
