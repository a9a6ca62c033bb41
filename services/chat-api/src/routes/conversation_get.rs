use crate::{domain::conversations, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{error::ErrorBody, rest::Conversation};
use kit::{ApiResult, auth::AuthUser};

/// One conversation with its members and their roles. 404 for non-members: whether a
/// conversation exists is itself private.
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations", security(("bearer" = [])),
    params(("id" = i64, Path, description = "conversation id")),
    responses((status = 200, body = Conversation), (status = 404, body = ErrorBody)))]
pub async fn get_conversation(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let view = conversations::get(&state, &caller(&req, &me), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}
