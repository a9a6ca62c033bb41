use crate::{accounts, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::{ErrorBody, ErrorCode},
    rest::{LoginRequest, TokenPair},
};
use kit::{ApiError, ApiResult};

/// Exchanges a username and password for tokens. A wrong password and an unknown user
/// get the same answer in the same time.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    req: actix_web::HttpRequest,
    state: web::Data<State>,
    body: kit::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let device = super::device(&req);
    let creds = body.into_inner();
    if creds.password.len() > crate::validate::PASSWORD_MAX_BYTES || creds.username.len() > 64 {
        return Err(ApiError::new(
            ErrorCode::InvalidCredentials,
            "invalid username or password",
        ));
    }
    let pair = accounts::login(&state, &creds.username, creds.password, &device).await?;
    Ok(HttpResponse::Ok().json(pair))
}
