use crate::{domain::conversations, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::DateTime;
use common_proto::{
    error::ErrorBody,
    rest::{Conversation, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// 1..=100, default 20.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of conversations; `next_cursor` is absent on the last page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationPage {
    pub items: Vec<Conversation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The caller's conversations, newest activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ConversationPage), (status = 422, body = ErrorBody)))]
pub async fn list_conversations(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: kit::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let limit = super::page_limit(query.limit, 20, limits::MAX_CONVERSATION_PAGE)?;
    let before = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let (items, more) = conversations::list(&state, &caller(&req, &me), before, limit).await?;
    let next_cursor = if more {
        items
            .last()
            .map(|c| format!("{}_{}", c.last_activity_at.timestamp_micros(), c.id))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(ConversationPage { items, next_cursor }))
}

/// `"<activity micros>_<id>"`.
fn parse_cursor(cursor: &str) -> ApiResult<(chrono::NaiveDateTime, i64)> {
    let bad = || ApiError::validation("cursor", "is not a cursor from this API");
    let (micros, id) = cursor.split_once('_').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros)
        .ok_or_else(bad)?
        .naive_utc();
    Ok((at, id))
}
