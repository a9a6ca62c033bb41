use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    bus::{Envelope, ReadMoved, kind, routing},
    error::ErrorBody,
    rest::MarkRead,
};
use kit::{ApiError, ApiResult, auth::AuthUser, http::RequestId};

/// Moves the caller's read cursor forward (never back). When it moved, the other members
/// and the caller's other devices get a `read` frame.
#[utoipa::path(post, path = "/api/v1/messages/read", tag = "messages", security(("bearer" = [])), request_body = MarkRead,
    responses((status = 204, description = "cursor at or beyond seq"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: web::Json<MarkRead>,
) -> ApiResult<HttpResponse> {
    let MarkRead {
        conversation_id,
        seq,
    } = body.into_inner();
    if seq < 0 {
        return Err(ApiError::validation("seq", "must not be negative"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    db::conversations::active_member(&mut conn, conversation_id, me.id)
        .await?
        .ok_or_else(|| ApiError::not_found("conversation"))?;
    let (cursor, moved) =
        db::conversations::mark_read(&mut conn, conversation_id, me.id, seq).await?;
    drop(conn);
    if moved {
        let data = ReadMoved {
            conversation_id,
            user_id: me.id,
            seq: cursor,
        };
        let envelope = Envelope::new(
            ulid::Ulid::generate().to_string(),
            kind::READ_MOVED,
            state.origin.clone(),
            data,
        );
        let out = bus::Outgoing::envelope(
            routing::chat_read(conversation_id),
            &envelope,
            RequestId::of(&req),
        )
        .map_err(ApiError::internal)?;
        // The cursor is durable already; a lost notification only delays other devices.
        if let Err(e) = state.bus.publish(&out).await {
            tracing::warn!(error = %e, "read cursor moved but the read event was not published");
        }
    }
    Ok(HttpResponse::NoContent().finish())
}
