use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    ConversationId,
    error::ErrorBody,
    rest::{Conversation, UpdateGroup, limits},
};
use db::groups::GroupFields;
use kit::{ApiError, ApiResult, auth::AuthUser};

/// Edits the name, announcement or avatar (owner and admins).
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", security(("bearer" = [])), request_body = UpdateGroup,
    params(("id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_group(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<ConversationId>,
    body: kit::Json<UpdateGroup>,
) -> ApiResult<HttpResponse> {
    let UpdateGroup {
        name,
        announcement,
        avatar_file_id,
    } = body.into_inner();
    let name = name.map(|n| n.trim().to_owned());
    if let Some(n) = &name {
        let chars = n.chars().count();
        if chars == 0
            || chars > limits::MAX_GROUP_NAME_CHARS
            || n.chars().any(common_proto::text::is_hidden_control)
        {
            return Err(ApiError::validation(
                "name",
                format!("must be 1 to {} characters", limits::MAX_GROUP_NAME_CHARS),
            ));
        }
    }
    if let Some(Some(a)) = &announcement
        && a.chars().count() > limits::MAX_ANNOUNCEMENT_CHARS
    {
        return Err(ApiError::validation(
            "announcement",
            format!(
                "must be at most {} characters",
                limits::MAX_ANNOUNCEMENT_CHARS
            ),
        ));
    }
    if let Some(Some(f)) = &avatar_file_id
        && !common_proto::is_id(f)
    {
        return Err(ApiError::validation("avatar_file_id", "is not a file id"));
    }
    let op = Op::Update(GroupFields {
        name,
        announcement,
        avatar_file_id,
    });
    change(&req, &state, &me, path.into_inner(), op).await
}
