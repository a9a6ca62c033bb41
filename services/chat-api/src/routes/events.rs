//! `/events`: reported events. A report is validated, published as `system.event` (its id
//! is the envelope id) and answered 202 after the broker's confirm; persistence-worker
//! stores it once, event-worker applies the rules (a critical event notifies every admin).

use crate::{domain::reports, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{Accepted, Event, Page, ReportEvent, limits, next_before},
};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde::Deserialize;
use views::ToPublic;

#[utoipa::path(post, path = "/api/v1/events", tag = "events", security(("bearer" = [])), request_body = ReportEvent,
    responses((status = 202, body = Accepted), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn report(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: kit::Json<ReportEvent>,
) -> ApiResult<HttpResponse> {
    let ReportEvent {
        kind: event_type,
        severity,
        payload,
    } = body.into_inner();
    let id = reports::report(&state, &caller(&req, &me), event_type, severity, payload).await?;
    Ok(HttpResponse::Accepted().json(Accepted { id }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    pub severity: Option<String>,
    /// Reporter's user id (admins; others see only their own).
    pub reporter: Option<i64>,
    /// RFC 3339: occurred at or after.
    pub since: Option<String>,
    /// RFC 3339: occurred before.
    pub until: Option<String>,
    /// 1..=100, default 50.
    pub limit: Option<i64>,
    pub before: Option<String>,
}

/// Events, newest first: an admin sees all, anyone else their own reports.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Page<Event>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    query: kit::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let limit = super::page_limit(q.limit, 50, limits::MAX_LIST_PAGE)?;
    if q.kind.as_deref().is_some_and(|t| !reports::valid_type(t)) {
        return Err(ApiError::validation("type", "is not an event type"));
    }
    if q.severity
        .as_deref()
        .is_some_and(|s| !reports::SEVERITIES.contains(&s))
    {
        return Err(ApiError::validation(
            "severity",
            "must be info, warning or critical",
        ));
    }
    if q.before.as_deref().is_some_and(|b| !common_proto::is_id(b)) {
        return Err(ApiError::validation("before", "is not an event id"));
    }
    let filter = db::events::Filter {
        kind: q.kind,
        severity: q.severity,
        reporter: q.reporter,
        since: super::time("since", &q.since)?,
        until: super::time("until", &q.until)?,
        before: q.before,
    };
    let rows = reports::events(&state, &caller(&req, &me), filter, limit).await?;
    let next_before = next_before(&rows, limit, |r| &r.id);
    Ok(HttpResponse::Ok().json(Page {
        items: rows.iter().map(|r| r.to_public()).collect::<Vec<_>>(),
        next_before,
    }))
}
