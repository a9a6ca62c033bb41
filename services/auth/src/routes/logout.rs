use crate::{accounts, state::State};
use actix_web::{HttpResponse, web};
use common_proto::rest::RefreshRequest;
use kit::ApiResult;

/// Ends a login: revokes the refresh token's family. Idempotent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "logged out")))]
pub async fn logout(
    state: web::Data<State>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.into_inner().refresh_token;
    if !presented.is_empty() && presented.len() <= 128 {
        accounts::logout(&state, &presented).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}
