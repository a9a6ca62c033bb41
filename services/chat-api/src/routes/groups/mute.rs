use super::change;
use crate::domain::groups::Op;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use common_proto::{
    ConversationId, UserId,
    error::ErrorBody,
    rest::{Conversation, MuteMember, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser};

/// Mutes a member for `seconds` (0 unmutes): owner any member or admin, admins members
/// only. A muted member's sends are refused with 403 until the time passes.
#[utoipa::path(put, path = "/api/v1/groups/{id}/members/{user_id}/mute", tag = "groups", security(("bearer" = [])), request_body = MuteMember,
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mute_member(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(ConversationId, UserId)>,
    body: kit::Json<MuteMember>,
) -> ApiResult<HttpResponse> {
    let seconds = body.into_inner().seconds;
    if !(0..=limits::MAX_MUTE_SECONDS).contains(&seconds) {
        return Err(ApiError::validation(
            "seconds",
            format!("must be 0 (unmute) to {}", limits::MAX_MUTE_SECONDS),
        ));
    }
    let until = (seconds > 0).then(|| (Utc::now() + Duration::seconds(seconds)).naive_utc());
    let (conversation, user) = path.into_inner();
    change(&req, &state, &me, conversation, Op::Mute(user, until)).await
}
