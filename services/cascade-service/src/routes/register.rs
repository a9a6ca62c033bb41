//! `POST /cascade/register`: called by a child's cascade-service on this (parent)
//! platform with its registration token as the bearer. No user token: the gateway lets
//! this one path through, and the token is checked here.
//!
//! * a child an admin added with a token: the same token registers it (again and again:
//!   idempotent), a different one is 409;
//! * an unknown child: `INSTANT_CASCADE_REGISTRATION_TOKEN` enrols it (201), anything else
//!   is 401.

use super::{check_code, check_name, check_url, sha256_hex};
use crate::{registry, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{RegisterPlatform, Registered},
};
use kit::{ApiError, ApiResult};
use views::ToPublic;

#[utoipa::path(post, path = "/api/v1/cascade/register", tag = "cascade", request_body = RegisterPlatform,
    responses((status = 200, description = "registered again", body = Registered), (status = 201, body = Registered),
              (status = 401, body = ErrorBody), (status = 409, description = "registered before with another token", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn register(
    req: HttpRequest,
    state: web::Data<State>,
    body: kit::Json<RegisterPlatform>,
) -> ApiResult<HttpResponse> {
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| ApiError::unauthorized("a registration token is required"))?;
    let r = body.into_inner();
    check_code(&r.code, &state.info.platform_id)?;
    check_name(&r.name)?;
    check_url(r.api_url.as_deref())?;
    let presented = sha256_hex(token);
    let (row, created, was_online) = registry::register(&state, &r, &presented).await?;
    if !was_online {
        crate::status_changed(&state.bus, &state.info.platform_id, &r.code, "online").await;
    }
    // The child's down queue exists from its registration on: broadcasts wait there for
    // it, however long its link is down.
    let down = crate::link::down_queue(&r.code);
    state
        .bus
        .declare_queue_now(crate::link::down_queue_spec(state.bus.settings(), &r.code))
        .await
        .map_err(ApiError::unavailable)?;
    let answer = Registered {
        parent_code: state.info.platform_id.clone(),
        platform: row.to_public(),
        mq: state.info.mq.clone(),
        down_queue: format!("{}{down}", state.amqp_prefix),
    };
    Ok(if created {
        HttpResponse::Created().json(answer)
    } else {
        HttpResponse::Ok().json(answer)
    })
}
