//! One message and what happens to it after its send: read it, edit, recall, delete for
//! me, react, pin. The rules live in `domain::lifecycle`.

use crate::{
    domain::lifecycle::{self, Change},
    routes::caller,
    state::State,
};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{EditMessage, Items, Message, MessageReads},
};
use kit::{ApiResult, auth::AuthUser};

/// One message, to a member who can read it (404 otherwise).
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody)))]
pub async fn get_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let message = lifecycle::get(&state, &caller(&req, &me), &id).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Who of the current members has read the message (from their read cursors; the sender
/// is in neither list). Members only.
#[utoipa::path(get, path = "/api/v1/messages/{id}/reads", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, body = MessageReads), (status = 404, body = ErrorBody)))]
pub async fn message_reads(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reads = lifecycle::reads(&state, &caller(&req, &me), &id).await?;
    Ok(HttpResponse::Ok().json(reads))
}

/// Edits a text message: its sender, within `INSTANT_MESSAGE_EDIT_WINDOW_SECS`. The
/// message gets `edited_at` and a new `rev`; mentions the edit adds are notified.
#[utoipa::path(patch, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")), request_body = EditMessage,
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn edit_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
    body: kit::Json<EditMessage>,
) -> ApiResult<HttpResponse> {
    let change = Change::Edit(body.into_inner().content);
    let message = lifecycle::change(&state, &caller(&req, &me), &id, change).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Recalls a message for everyone: its sender within
/// `INSTANT_MESSAGE_RECALL_WINDOW_SECS`, a group's owner or admin at any time. Content,
/// file, reactions and pin are gone; a tombstone `{recalled: true, recalled_by}` keeps the seq.
#[utoipa::path(post, path = "/api/v1/messages/{id}/recall", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn recall_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let message = lifecycle::change(&state, &caller(&req, &me), &id, Change::Recall).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Deletes a message for the caller only: their history shows it as `{hidden: true}`
/// from now on (every device of theirs is told at once). Idempotent.
#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn hide_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    lifecycle::hide(&state, &caller(&req, &me), &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds the caller's reaction (idempotent; at most `INSTANT_MAX_REACTIONS_PER_MESSAGE`
/// different emoji on a message).
#[utoipa::path(put, path = "/api/v1/messages/{id}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id"), ("emoji" = String, Path, description = "the emoji, URL-encoded")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_reaction(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    react(req, state, me, path, true).await
}

/// Removes the caller's reaction (idempotent).
#[utoipa::path(delete, path = "/api/v1/messages/{id}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path, description = "message id"), ("emoji" = String, Path, description = "the emoji, URL-encoded")),
    responses((status = 200, body = Message), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remove_reaction(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    react(req, state, me, path, false).await
}

async fn react(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(String, String)>,
    on: bool,
) -> ApiResult<HttpResponse> {
    let (id, emoji) = path.into_inner();
    let change = Change::React(emoji, on);
    let message = lifecycle::change(&state, &caller(&req, &me), &id, change).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Pins a message of the conversation (groups: owner or admin; direct chats: either side).
#[utoipa::path(put, path = "/api/v1/conversations/{id}/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "conversation id"), ("message_id" = String, Path, description = "message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn pin(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    set_pin(req, state, me, path, true).await
}

/// Unpins a message (the same people as pinning).
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/pins/{message_id}", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "conversation id"), ("message_id" = String, Path, description = "message id")),
    responses((status = 200, body = Message), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unpin(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    set_pin(req, state, me, path, false).await
}

async fn set_pin(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(i64, String)>,
    on: bool,
) -> ApiResult<HttpResponse> {
    let (conversation, id) = path.into_inner();
    let message = lifecycle::pin(&state, &caller(&req, &me), conversation, &id, on).await?;
    Ok(HttpResponse::Ok().json(message))
}

/// The pinned messages of a conversation, newest pin first (members).
#[utoipa::path(get, path = "/api/v1/conversations/{id}/pins", tag = "messages", security(("bearer" = [])),
    params(("id" = i64, Path, description = "conversation id")),
    responses((status = 200, body = Items<Message>), (status = 404, body = ErrorBody)))]
pub async fn list_pins(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    conversation: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let items = lifecycle::pins(&state, &caller(&req, &me), *conversation).await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}
