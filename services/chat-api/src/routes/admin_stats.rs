use crate::{domain::stats, state::State};
use actix_web::{HttpResponse, web};
use common_proto::{error::ErrorBody, rest::AdminStats};
use kit::{ApiResult, auth::Admin};

/// The platform at a glance (admins): users (total, disabled, active today / 7 days),
/// conversations, messages per day for 30 days, online now, the queues' backlog.
/// Computed at most every 30 s (`computed_at` says when).
#[utoipa::path(get, path = "/api/v1/admin/stats", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = AdminStats), (status = 403, body = ErrorBody)))]
pub async fn get_stats(state: web::Data<State>, _admin: Admin) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(stats::stats(&state).await?))
}
