use crate::{accounts, state::State, validate};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{RegisterRequest, User},
};
use kit::ApiResult;

/// Creates an account. Usernames are unique regardless of case.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = User), (status = 409, description = "username taken", body = ErrorBody),
              (status = 422, description = "a field is invalid", body = ErrorBody),
              (status = 429, description = "too many registrations from this address", body = ErrorBody)))]
pub async fn register(
    http: actix_web::HttpRequest,
    state: web::Data<State>,
    body: kit::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    validate::username(&req.username)?;
    validate::password(&req.password)?;
    let display_name = match &req.display_name {
        Some(name) => validate::display_name(name)?,
        None => req.username.clone(),
    };
    let device = super::device(&http);
    let user =
        accounts::register(&state, &req.username, req.password, &display_name, &device).await?;
    Ok(HttpResponse::Created().json(user))
}
