//! Peer platforms (admins only; anyone else 403).

use super::{check_code, check_name, check_url, sha256_hex};
use crate::{registry, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{CreatePlatform, Platform, UpdatePlatform},
};
use kit::{ApiError, ApiResult, auth::Admin};
use views::ToPublic;

/// Every peer platform with its link status.
#[utoipa::path(get, path = "/api/v1/cascade/platforms", tag = "cascade", security(("bearer" = [])),
    responses((status = 200, body = [Platform]), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<State>, _admin: Admin) -> ApiResult<HttpResponse> {
    let rows = registry::list(&state).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(|r| r.to_public()).collect::<Vec<_>>()
    })))
}

/// Adds a peer: the parent, or a child with the token it will register with.
#[utoipa::path(post, path = "/api/v1/cascade/platforms", tag = "cascade", security(("bearer" = [])), request_body = CreatePlatform,
    responses((status = 201, body = Platform), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<State>,
    admin: Admin,
    body: kit::Json<CreatePlatform>,
) -> ApiResult<HttpResponse> {
    let c = body.into_inner();
    check_code(&c.code, &state.info.platform_id)?;
    check_name(&c.name)?;
    if c.relation != "parent" && c.relation != "child" {
        return Err(ApiError::validation(
            "relation",
            "must be \"parent\" or \"child\"",
        ));
    }
    check_url(c.api_url.as_deref())?;
    if c.registration_token
        .as_deref()
        .is_some_and(|t| !(16..=256).contains(&t.len()))
    {
        return Err(ApiError::validation(
            "registration_token",
            "must be 16 to 256 characters",
        ));
    }
    let hash = c.registration_token.as_deref().map(sha256_hex);
    let row = registry::create(&state, admin.0.id, &c, hash.as_deref()).await?;
    Ok(HttpResponse::Created().json(row.to_public()))
}

/// One peer platform.
#[utoipa::path(get, path = "/api/v1/cascade/platforms/{id}", tag = "cascade", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Platform), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<State>,
    _admin: Admin,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let row = registry::get(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(row.to_public()))
}

/// Renames, re-levels, moves or enables/disables a peer.
#[utoipa::path(patch, path = "/api/v1/cascade/platforms/{id}", tag = "cascade", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = UpdatePlatform,
    responses((status = 200, body = Platform), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<State>,
    admin: Admin,
    path: web::Path<i64>,
    body: kit::Json<UpdatePlatform>,
) -> ApiResult<HttpResponse> {
    let u = body.into_inner();
    if let Some(name) = &u.name {
        check_name(name)?;
    }
    check_url(u.api_url.as_deref())?;
    let id = path.into_inner();
    let name = u.name.as_deref().map(str::trim);
    let row = registry::update(
        &state,
        admin.0.id,
        id,
        name,
        u.level,
        u.api_url.as_deref(),
        u.enabled,
    )
    .await?;
    Ok(HttpResponse::Ok().json(row.to_public()))
}

/// Removes a peer (its link and sync jobs go with it).
#[utoipa::path(delete, path = "/api/v1/cascade/platforms/{id}", tag = "cascade", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    state: web::Data<State>,
    admin: Admin,
    path: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    registry::delete(&state, admin.0.id, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
