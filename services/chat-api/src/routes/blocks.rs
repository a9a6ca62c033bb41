use crate::{domain::blocks, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{BlockedUser, Items},
};
use kit::{ApiResult, auth::AuthUser};

/// Blocks a user: they cannot open a direct chat with the caller or send into theirs
/// (403 `blocked`), and neither sees the other's typing or presence. Groups are
/// unaffected. Idempotent.
#[utoipa::path(put, path = "/api/v1/users/me/blocks/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = i64, Path, description = "the user to block")),
    responses((status = 204, description = "blocked (now or before)"), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "yourself, or the list is full")))]
pub async fn block_user(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    user_id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    blocks::block(&state, &caller(&req, &me), user_id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Unblocks a user.
#[utoipa::path(delete, path = "/api/v1/users/me/blocks/{user_id}", tag = "users", security(("bearer" = [])),
    params(("user_id" = i64, Path, description = "the blocked user")),
    responses((status = 204, description = "unblocked"), (status = 404, body = ErrorBody, description = "not blocked")))]
pub async fn unblock_user(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    user_id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    blocks::unblock(&state, &caller(&req, &me), user_id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The users the caller blocked, newest first (the whole list; at most 1 000).
#[utoipa::path(get, path = "/api/v1/users/me/blocks", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Items<BlockedUser>), (status = 401, body = ErrorBody)))]
pub async fn list_blocks(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    let items = blocks::list(&state, &caller(&req, &me)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
