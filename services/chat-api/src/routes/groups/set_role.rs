use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    ConversationId, UserId,
    error::ErrorBody,
    rest::{Conversation, SetRole},
};
use kit::{ApiResult, auth::AuthUser};

/// Promotes a member to admin or demotes an admin (owner only).
#[utoipa::path(put, path = "/api/v1/groups/{id}/members/{user_id}/role", tag = "groups", security(("bearer" = [])), request_body = SetRole,
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_role(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(ConversationId, UserId)>,
    body: kit::Json<SetRole>,
) -> ApiResult<HttpResponse> {
    let (conversation, user) = path.into_inner();
    let op = Op::SetRole(user, body.into_inner().role);
    change(&req, &state, &me, conversation, op).await
}
