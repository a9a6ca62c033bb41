//! `GET /messages/search`: full-text search over what the caller can read.

use crate::{domain::search, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{error::ErrorBody, rest::SearchPage};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// 1..=100 characters: words (matched as prefixes, any case) and Chinese, Japanese or
    /// Korean text (matched as a phrase); every word must match.
    pub q: String,
    /// Only this conversation.
    pub conversation_id: Option<i64>,
    /// RFC 3339: sent at or after.
    pub from: Option<String>,
    /// RFC 3339: sent before.
    pub before: Option<String>,
    /// 1..=50, default 20.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Messages the caller can read now (a member, or a former one up to their departure;
/// not recalled; not deleted for themselves) matching `q`, best match first, each with a
/// snippet and where the words occur in it.
#[utoipa::path(get, path = "/api/v1/messages/search", tag = "messages", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = SearchPage), (status = 422, body = ErrorBody)))]
pub async fn search_messages(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: kit::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = super::page_limit(q.limit, 20, 50)?;
    let offset = match q.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|o| (0..search::MAX_OFFSET).contains(o))
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor of this search"))?,
    };
    let query = search::Query {
        from: super::time("from", &q.from)?,
        before: super::time("before", &q.before)?,
        q: q.q,
        conversation_id: q.conversation_id,
        limit,
        offset,
    };
    let page = search::search(&state, &caller(&req, &me), query).await?;
    Ok(HttpResponse::Ok().json(page))
}
