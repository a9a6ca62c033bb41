use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    ConversationId,
    error::ErrorBody,
    rest::{AddMembers, Conversation, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser};

/// Adds users to a group (owner and admins). Users already in it are skipped; the group
/// size limit (`INSTANT_GROUP_MAX_MEMBERS`) is a 422.
#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", security(("bearer" = [])), request_body = AddMembers,
    params(("id" = i64, Path, description = "the group's conversation id")),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody),
              (status = 404, description = "no such group for the caller", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_members(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<ConversationId>,
    body: kit::Json<AddMembers>,
) -> ApiResult<HttpResponse> {
    let mut users = body.into_inner().user_ids;
    users.sort_unstable();
    users.dedup();
    if users.is_empty() || users.len() > limits::MAX_ADD_MEMBERS {
        return Err(ApiError::validation(
            "user_ids",
            format!("must name 1 to {} users", limits::MAX_ADD_MEMBERS),
        ));
    }
    change(&req, &state, &me, path.into_inner(), Op::Add(users)).await
}
