use super::view::conversation_view;
use crate::state::State;
use actix_web::{HttpResponse, web};
use common_proto::{error::ErrorBody, rest::Conversation};
use kit::{ApiError, ApiResult, auth::AuthUser};

/// One conversation with its members and their roles. 404 for non-members: whether a
/// conversation exists is itself private.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)))]
pub async fn get_conversation(
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let mut conn = db::pool::conn(&state.pool).await?;
    let not_found = || ApiError::not_found("conversation");
    let member = db::conversations::active_member(&mut conn, id, me.id)
        .await?
        .ok_or_else(not_found)?;
    let row = db::conversations::by_id(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(conversation_view(&mut conn, &row, &member, true).await?))
}
