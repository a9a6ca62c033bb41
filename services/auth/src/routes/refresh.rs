use crate::{accounts, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::{ErrorBody, ErrorCode},
    rest::{RefreshRequest, TokenPair},
};
use kit::{ApiError, ApiResult};

/// Rotates a refresh token: the presented one is spent and a new pair returned.
/// Presenting a spent token revokes its whole family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    req: actix_web::HttpRequest,
    state: web::Data<State>,
    body: kit::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.into_inner().refresh_token;
    let invalid = |msg: &str| ApiError::new(ErrorCode::InvalidRefreshToken, msg);
    if presented.is_empty() || presented.len() > 128 {
        return Err(invalid("invalid refresh token"));
    }
    let pair = accounts::refresh(&state, &presented, &super::device(&req)).await?;
    Ok(HttpResponse::Ok().json(pair))
}
