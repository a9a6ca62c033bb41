use crate::{profiles, state::State, validate};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{UpdateProfile, User},
};
use db::users::ProfileChanges;
use kit::{ApiResult, auth::AuthUser};

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn get_me(state: web::Data<State>, me: AuthUser) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(profiles::me(&state, me.id).await?))
}

/// Updates display name, avatar or bio; absent fields are unchanged, `""` clears.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = UpdateProfile,
    responses((status = 200, body = User), (status = 422, body = ErrorBody)))]
pub async fn update_me(
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<UpdateProfile>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let mut changes = ProfileChanges::default();
    if let Some(name) = &req.display_name {
        changes.display_name = Some(validate::display_name(name)?);
    }
    if let Some(bio) = &req.bio {
        validate::bio(bio)?;
        changes.bio = Some(Some(bio.clone()).filter(|b| !b.is_empty()));
    }
    if let Some(file_id) = &req.avatar_file_id {
        if !file_id.is_empty() {
            validate::file_id("avatar_file_id", file_id)?;
        }
        changes.avatar_file_id = Some(Some(file_id.clone()).filter(|f| !f.is_empty()));
    }
    Ok(HttpResponse::Ok().json(profiles::update(&state, me.id, changes).await?))
}
