use crate::{domain::messaging, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{error::ErrorBody, rest::MarkRead};
use kit::{ApiResult, auth::AuthUser};

/// Moves the caller's read cursor forward (never back). When it moved, the other members
/// and the caller's other devices get a `read` frame.
#[utoipa::path(post, path = "/api/v1/messages/read", tag = "messages", security(("bearer" = [])), request_body = MarkRead,
    responses((status = 204, description = "cursor at or beyond seq"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<MarkRead>,
) -> ApiResult<HttpResponse> {
    let MarkRead {
        conversation_id,
        seq,
    } = body.into_inner();
    messaging::mark_read(&state, &caller(&req, &me), conversation_id, seq).await?;
    Ok(HttpResponse::NoContent().finish())
}
