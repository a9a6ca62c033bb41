use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{ConversationId, UserId, error::ErrorBody};
use kit::{ApiResult, auth::AuthUser};

/// Removes a member (owner: anyone; admin: members only), or leaves when the user is the
/// caller. An owner who leaves hands the group to the longest-standing admin, else member.
/// The removed user stops receiving the group's messages at once and keeps reading history
/// only up to their removal.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{user_id}", tag = "groups", security(("bearer" = [])),
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204, description = "removed, or left"), (status = 200, description = "removed; the group as the caller sees it"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(ConversationId, UserId)>,
) -> ApiResult<HttpResponse> {
    let (conversation, user) = path.into_inner();
    change(&req, &state, &me, conversation, Op::Remove(user))
        .await
        .map(|_| HttpResponse::NoContent().finish())
}
