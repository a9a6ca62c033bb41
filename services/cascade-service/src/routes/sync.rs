use crate::{registry, state::State};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use common_proto::{error::ErrorBody, rest::Accepted};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// `broadcasts` (down, to a child) or `events` (up, to the parent).
    pub kind: String,
    /// RFC 3339: replay what was created since then.
    pub since: String,
}

/// Replays broadcasts down to a child or events up to the parent since a time, as a job
/// (admins). Receivers are idempotent: a replay never duplicates.
#[utoipa::path(post, path = "/api/v1/cascade/platforms/{id}/sync", tag = "cascade", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SyncRequest,
    responses((status = 202, body = Accepted), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    state: web::Data<State>,
    _admin: kit::auth::Admin,
    path: web::Path<i64>,
    body: kit::Json<SyncRequest>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let since = DateTime::parse_from_rfc3339(&req.since)
        .map_err(|_| ApiError::validation("since", "must be an RFC 3339 time"))?
        .with_timezone(&Utc);
    if since > Utc::now() {
        return Err(ApiError::validation("since", "is in the future"));
    }
    let peer = registry::get(&state, path.into_inner()).await?;
    let expected = if peer.relation == "child" {
        "broadcasts"
    } else {
        "events"
    };
    if req.kind != expected {
        return Err(ApiError::validation(
            "kind",
            format!("a {} is sent {expected}", peer.relation),
        ));
    }
    if !peer.enabled {
        return Err(ApiError::validation("id", "the link is disabled"));
    }
    let job = ulid::Ulid::generate().to_string();
    registry::create_job(&state, &job, peer.id, &req.kind, since.naive_utc()).await?;
    tokio::spawn(crate::sync::run(
        state.pool.clone(),
        state.bus.clone(),
        job.clone(),
        peer,
        since.naive_utc(),
    ));
    Ok(HttpResponse::Accepted().json(Accepted { id: job }))
}

/// A replay job's progress: `queued`, `running`, `done` or `failed`, with counts.
#[utoipa::path(get, path = "/api/v1/cascade/platforms/{id}/sync/{job}", tag = "cascade", security(("bearer" = [])),
    params(("id" = i64, Path), ("job" = String, Path)),
    responses((status = 200, description = "the job"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn progress(
    state: web::Data<State>,
    me: AuthUser,
    path: web::Path<(i64, String)>,
) -> ApiResult<HttpResponse> {
    if !me.is_admin() {
        return Err(ApiError::forbidden("only admins read replays"));
    }
    let (platform, job) = path.into_inner();
    let row = registry::job(&state, platform, &job).await?;
    Ok(HttpResponse::Ok().json(row))
}
