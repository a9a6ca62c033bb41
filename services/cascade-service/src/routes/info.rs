use crate::state::State;
use actix_web::{HttpResponse, web};
use common_proto::rest::PlatformInfo;
use kit::{ApiResult, auth::AuthUser};

/// This platform's identity: code, name, level, broker and SIP details (no secret).
#[utoipa::path(get, path = "/api/v1/cascade/info", tag = "cascade", security(("bearer" = [])),
    responses((status = 200, body = PlatformInfo)))]
pub async fn info(state: web::Data<State>, _me: AuthUser) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(&state.info))
}
