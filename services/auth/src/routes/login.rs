use crate::startup::State;
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
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
    state: web::Data<State>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidCredentials,
            "invalid username or password",
        )
    };
    if req.password.len() > crate::validate::PASSWORD_MAX_BYTES || req.username.len() > 64 {
        return Err(invalid());
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let user = db::users::by_username(&mut conn, &req.username).await?;
    drop(conn);
    let ok = state
        .hasher
        .verify(req.password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let user = match user {
        Some(user) if ok => user,
        _ => return Err(invalid()),
    };
    let pair = issue_pair(&state, user.id, &user.role).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// A fresh access token and a refresh token starting a new family.
async fn issue_pair(state: &State, user_id: i64, role: &str) -> ApiResult<TokenPair> {
    let refresh = crate::tokens::new_refresh_token();
    let expires = (Utc::now() + Duration::days(state.refresh_ttl_days)).naive_utc();
    let mut conn = db::pool::conn(&state.pool).await?;
    db::tokens::start_family(
        &mut conn,
        user_id,
        &crate::tokens::hash_refresh_token(&refresh),
        expires,
    )
    .await?;
    Ok(TokenPair {
        access_token: state.signer.access_token(user_id, role)?,
        refresh_token: refresh,
        token_type: "bearer".into(),
        expires_in: state.signer.ttl_secs,
    })
}
