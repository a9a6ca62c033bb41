use crate::{startup::State, tokens};
use actix_web::{HttpResponse, web};
use chrono::{Duration, Utc};
use common_proto::{
    error::{ErrorBody, ErrorCode},
    rest::{RefreshRequest, TokenPair},
};
use db::tokens::Rotation;
use kit::{ApiError, ApiResult};

/// Rotates a refresh token: the presented one is spent and a new pair returned.
/// Presenting a spent token revokes its whole family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody)))]
pub async fn refresh(
    state: web::Data<State>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let presented = body.into_inner().refresh_token;
    let invalid = |msg: &str| ApiError::new(ErrorCode::InvalidRefreshToken, msg);
    if presented.is_empty() || presented.len() > 128 {
        return Err(invalid("invalid refresh token"));
    }
    let new_token = tokens::new_refresh_token();
    let expires = (Utc::now() + Duration::days(state.refresh_ttl_days)).naive_utc();
    let mut conn = db::pool::conn(&state.pool).await?;
    let rotation = db::tokens::rotate(
        &mut conn,
        &tokens::hash_refresh_token(&presented),
        &tokens::hash_refresh_token(&new_token),
        expires,
    )
    .await?;
    let user_id = match rotation {
        Rotation::Rotated { user_id } => user_id,
        Rotation::Invalid => return Err(invalid("invalid refresh token")),
        Rotation::Reused => {
            tracing::warn!("spent refresh token presented; family revoked");
            return Err(invalid(
                "refresh token already used; all sessions of this login were revoked",
            ));
        }
    };
    let user = db::users::by_id(&mut conn, user_id)
        .await?
        .ok_or_else(|| invalid("invalid refresh token"))?;
    Ok(HttpResponse::Ok().json(TokenPair {
        access_token: state.signer.access_token(user.id, &user.role)?,
        refresh_token: new_token,
        token_type: "bearer".into(),
        expires_in: state.signer.ttl_secs,
    }))
}
