use crate::{accounts, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{error::ErrorBody, rest::RefreshRequest};
use kit::{ApiResult, auth::AuthUser};

/// Ends a login: revokes the refresh token's family. Needs the caller's access token, here
/// as at the gateway: only the session's owner can end it (another user's refresh token
/// is ignored, with the same answer). Idempotent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest, security(("bearer" = [])),
    responses((status = 204, description = "logged out"), (status = 401, body = ErrorBody)))]
pub async fn logout(
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.into_inner().refresh_token;
    if !presented.is_empty() && presented.len() <= 128 {
        accounts::logout(&state, me.id, &presented).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}
