//! `/admin/bots` (admins only, checked before the body) and `/auth/bot-token` (public:
//! the bot's API token is the credential; rate limited like login at the gateway).

use crate::{bots, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{
    UserId,
    error::ErrorBody,
    rest::{AccessToken, BotToken, BotTokenExchange, CreateBot},
};
use kit::{ApiResult, auth::Admin};

/// Creates a bot account; the answer shows its API token this once.
#[utoipa::path(post, path = "/api/v1/admin/bots", tag = "admin", security(("bearer" = [])), request_body = CreateBot,
    responses((status = 201, body = BotToken), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_bot(
    state: web::Data<State>,
    admin: Admin,
    body: kit::Json<CreateBot>,
) -> ApiResult<HttpResponse> {
    let made = bots::create(&state, &admin.0, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(made))
}

/// A new API token for the bot: the old one, and every access token made from it, stop
/// working at once.
#[utoipa::path(post, path = "/api/v1/admin/bots/{id}/token", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the bot")),
    responses((status = 201, body = BotToken), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn rotate_bot_token(
    state: web::Data<State>,
    admin: Admin,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let made = bots::replace_token(&state, &admin.0, id.into_inner(), true).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(made))
}

/// Revokes the bot's API token (and its access tokens); the bot is locked out until a new
/// one is issued.
#[utoipa::path(delete, path = "/api/v1/admin/bots/{id}/token", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the bot")),
    responses((status = 204, description = "revoked"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_bot_token(
    state: web::Data<State>,
    admin: Admin,
    id: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    bots::replace_token(&state, &admin.0, id.into_inner(), false).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A bot's API token → a 15-minute access token (exchange again when it expires).
#[utoipa::path(post, path = "/api/v1/auth/bot-token", tag = "auth", request_body = BotTokenExchange,
    responses((status = 200, body = AccessToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn bot_token(
    state: web::Data<State>,
    body: kit::Json<BotTokenExchange>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(bots::exchange(&state, &body.token).await?))
}
