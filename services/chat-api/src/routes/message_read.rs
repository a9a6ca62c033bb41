use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    bus::{ReadMoved, kind, routing},
    error::ErrorBody,
    rest::MarkRead,
};
use kit::{ApiError, ApiResult, auth::AuthUser};

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
        let id = ulid::Ulid::generate().to_string();
        let out = state.outgoing(
            &req,
            routing::chat_read(conversation_id),
            kind::READ_MOVED,
            id,
            data,
        );
        // The cursor is durable already; a lost notification only delays other devices.
        state.publish_best_effort(out, "read cursor").await;
    }
    Ok(HttpResponse::NoContent().finish())
}
