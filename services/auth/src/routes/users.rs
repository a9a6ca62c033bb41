use crate::{profiles, state::State, validate::MAX_DISPLAY_NAME_CHARS};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Items, User},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

/// Any user by id (authenticated callers only).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(profiles::get(&state, me.id, id.into_inner()).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    /// Prefix of a username or display name, 1..=64 characters.
    pub q: String,
    /// 1..=50, default 20.
    pub limit: Option<i64>,
}

/// Most users one search answers.
const MAX_SEARCH_LIMIT: i64 = 50;

/// Users whose username or display name starts with `q`.
#[utoipa::path(get, path = "/api/v1/users/search", tag = "users", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = Items<User>), (status = 422, body = ErrorBody)))]
pub async fn search_users(
    state: web::Data<State>,
    _me: AuthUser,
    query: kit::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.q.trim();
    let len = q.chars().count();
    // A query never needs to be longer than the longest display name.
    if len == 0 || len > MAX_DISPLAY_NAME_CHARS {
        return Err(ApiError::validation(
            "q",
            format!("must be 1 to {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    let limit = query.limit.unwrap_or(20);
    if !(1..=MAX_SEARCH_LIMIT).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be between 1 and {MAX_SEARCH_LIMIT}"),
        ));
    }
    let items = profiles::search(&state, q, limit).await?;
    Ok(HttpResponse::Ok().json(Items::<User> { items }))
}
