use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    ConversationId,
    error::ErrorBody,
    rest::{Conversation, TransferOwnership},
};
use kit::{ApiResult, auth::AuthUser};

/// Hands the group to another member (owner only); the old owner becomes an admin.
#[utoipa::path(put, path = "/api/v1/groups/{id}/owner", tag = "groups", security(("bearer" = [])), request_body = TransferOwnership,
    params(("id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn transfer_owner(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<ConversationId>,
    body: kit::Json<TransferOwnership>,
) -> ApiResult<HttpResponse> {
    let op = Op::TransferOwner(body.into_inner().user_id);
    change(&req, &state, &me, path.into_inner(), op).await
}
