use crate::{startup::State, validate};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::{ErrorBody, ErrorCode},
    rest::{RegisterRequest, User},
};
use kit::{ApiError, ApiResult};

/// Creates an account. Usernames are unique regardless of case.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = User), (status = 409, description = "username taken", body = ErrorBody),
              (status = 422, description = "a field is invalid", body = ErrorBody)))]
pub async fn register(
    state: web::Data<State>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    validate::username(&req.username)?;
    validate::password(&req.password)?;
    let display_name = match &req.display_name {
        Some(name) => validate::display_name(name)?,
        None => req.username.clone(),
    };
    let hash = state.hasher.hash(req.password).await?;
    let mut conn = db::pool::conn(&state.pool).await?;
    let new = db::users::NewUser {
        username: &req.username,
        password_hash: &hash,
        display_name: &display_name,
        role: "user",
    };
    match db::users::insert(&mut conn, new).await {
        Ok(user) => Ok(HttpResponse::Created().json(user.to_public())),
        Err(e) if e.is_unique_on("uq_users_username") || matches!(e, db::DbError::Unique(_)) => {
            Err(
                ApiError::new(ErrorCode::UsernameTaken, "username is already taken")
                    .with_field("username"),
            )
        }
        Err(e) => Err(e.into()),
    }
}
