//! Offline-push preferences: devices, do-not-disturb hours, silenced conversations.

use crate::{domain::push, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    ConversationId,
    error::ErrorBody,
    rest::{
        ConversationMuteState, ConversationNotifications, Device, Items, PushSettings,
        RegisterDevice,
    },
};
use kit::{ApiResult, auth::AuthUser};

/// Registers a device for offline push (or refreshes it; a token another account had
/// moves to the caller). Beyond 10 devices the least recently registered is dropped.
#[utoipa::path(put, path = "/api/v1/users/me/devices/{token}", tag = "users", security(("bearer" = [])), request_body = RegisterDevice,
    params(("token" = String, Path, description = "the push provider's device token (1..=256 printable ASCII, no '/')")),
    responses((status = 200, body = Device), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "a bad token or platform")))]
pub async fn register_device(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    token: web::Path<String>,
    body: kit::Json<RegisterDevice>,
) -> ApiResult<HttpResponse> {
    let device = push::register(&state, &caller(&req, &me), &token, &body.platform).await?;
    Ok(HttpResponse::Ok().json(device))
}

/// Unregisters a device (at logout, or when the app turns push off).
#[utoipa::path(delete, path = "/api/v1/users/me/devices/{token}", tag = "users", security(("bearer" = [])),
    params(("token" = String, Path, description = "the device token")),
    responses((status = 204, description = "unregistered"), (status = 404, body = ErrorBody, description = "not a device of yours")))]
pub async fn unregister_device(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    push::unregister(&state, &caller(&req, &me), &token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's registered devices, most recent first.
#[utoipa::path(get, path = "/api/v1/users/me/devices", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = Items<Device>), (status = 401, body = ErrorBody)))]
pub async fn list_devices(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    let items = push::devices(&state, &caller(&req, &me)).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// The caller's push settings (do-not-disturb hours).
#[utoipa::path(get, path = "/api/v1/users/me/push-settings", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = PushSettings), (status = 401, body = ErrorBody)))]
pub async fn get_push_settings(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(push::settings(&state, &caller(&req, &me)).await?))
}

/// Sets do-not-disturb hours: no pushes in the window (messages still arrive on sockets
/// and in history).
#[utoipa::path(put, path = "/api/v1/users/me/push-settings", tag = "users", security(("bearer" = [])), request_body = PushSettings,
    responses((status = 200, body = PushSettings), (status = 422, body = ErrorBody)))]
pub async fn put_push_settings(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<PushSettings>,
) -> ApiResult<HttpResponse> {
    let saved = push::set_settings(&state, &caller(&req, &me), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Silences this conversation's pushes for the caller (for a while or until unmuted);
/// mentions of the caller still push. Not the admins' send mute.
#[utoipa::path(put, path = "/api/v1/conversations/{id}/notifications", tag = "conversations", security(("bearer" = [])), request_body = ConversationNotifications,
    params(("id" = i64, Path)),
    responses((status = 200, body = ConversationMuteState), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_conversation_notifications(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<ConversationId>,
    body: kit::Json<ConversationNotifications>,
) -> ApiResult<HttpResponse> {
    let state_now = push::set_conversation(
        &state,
        &caller(&req, &me),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(state_now))
}
