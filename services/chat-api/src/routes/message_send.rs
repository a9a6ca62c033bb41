use crate::{domain::messaging, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Message, SendMessage},
};
use kit::{ApiResult, auth::AuthUser};

/// Sends a message. Everything that could make it fail later is checked first; the seq is
/// taken durably; the answer comes only after the broker confirmed the message. The same
/// `client_msg_id` from the same sender returns the same message (200) instead of a new one.
#[utoipa::path(post, path = "/api/v1/messages", tag = "messages", security(("bearer" = [])), request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, description = "a repeat of an earlier send", body = Message),
              (status = 404, description = "no such conversation for the caller", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn send_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<SendMessage>,
) -> ApiResult<HttpResponse> {
    let sent = messaging::send(&state, &caller(&req, &me), body.into_inner()).await?;
    Ok(if sent.repeat {
        HttpResponse::Ok().json(sent.message)
    } else {
        HttpResponse::Created().json(sent.message)
    })
}
