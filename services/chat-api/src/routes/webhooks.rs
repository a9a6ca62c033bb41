//! `/admin/webhooks`: outgoing webhooks (admins only; the `Admin` extractor comes before
//! the body, so a non-admin learns nothing from a 422). Verifying a delivery, for the
//! receiver: `X-Instant-Signature` is `v1=` + hex HMAC-SHA256(secret,
//! `X-Instant-Timestamp` + "." + raw body) — see the README.

use crate::{domain::webhooks, routes::caller, state::State};
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    error::ErrorBody,
    rest::{CreateWebhook, Items, UpdateWebhook, Webhook, WebhookDelivery},
};
use kit::{ApiResult, auth::Admin};
use serde::Deserialize;

/// Creates a webhook; the answer shows its `secret` this once.
#[utoipa::path(post, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])), request_body = CreateWebhook,
    responses((status = 201, body = Webhook), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "a bad or private URL, unknown events, too many webhooks")))]
pub async fn create_webhook(
    req: HttpRequest,
    state: web::Data<State>,
    admin: Admin,
    body: kit::Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    let hook = webhooks::create(&state, &caller(&req, &admin.0), body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(hook))
}

/// Every webhook (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/admin/webhooks", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Items<Webhook>), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(state: web::Data<State>, _admin: Admin) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(Items {
        items: webhooks::list(&state).await?,
    }))
}

/// Changes a webhook (what is present); a new `secret` is shown in the answer.
#[utoipa::path(patch, path = "/api/v1/admin/webhooks/{id}", tag = "admin", security(("bearer" = [])), request_body = UpdateWebhook,
    params(("id" = i64, Path, description = "the webhook")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_webhook(
    req: HttpRequest,
    state: web::Data<State>,
    admin: Admin,
    id: web::Path<i64>,
    body: kit::Json<UpdateWebhook>,
) -> ApiResult<HttpResponse> {
    let hook = webhooks::update(
        &state,
        &caller(&req, &admin.0),
        id.into_inner(),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(hook))
}

/// Deletes a webhook and its deliveries.
#[utoipa::path(delete, path = "/api/v1/admin/webhooks/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the webhook")),
    responses((status = 204, description = "deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_webhook(
    req: HttpRequest,
    state: web::Data<State>,
    admin: Admin,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    webhooks::delete(&state, &caller(&req, &admin.0), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    /// `pending`, `delivered` or `dead` (the dead letters); absent: all.
    pub status: Option<String>,
    /// A delivery id: only older ones (the last id of the previous page).
    pub before: Option<i64>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
}

/// A webhook's deliveries, newest first: status, attempts, last error.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/{id}/deliveries", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the webhook"), DeliveriesQuery),
    responses((status = 200, body = Items<WebhookDelivery>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_deliveries(
    state: web::Data<State>,
    _admin: Admin,
    id: web::Path<i64>,
    query: kit::Query<DeliveriesQuery>,
) -> ApiResult<HttpResponse> {
    let limit = super::page_limit(query.limit, 50, 200)?;
    let items = webhooks::deliveries(
        &state,
        id.into_inner(),
        query.status.as_deref(),
        query.before,
        limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(Items { items }))
}

/// Sends a delivery again now (a dead letter, or a delivered one), retried afresh.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "the webhook"), ("delivery_id" = i64, Path, description = "the delivery")),
    responses((status = 202, description = "queued"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn redeliver(
    state: web::Data<State>,
    _admin: Admin,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    webhooks::redeliver(&state, id, delivery).await?;
    Ok(HttpResponse::Accepted().finish())
}
