//! Outgoing webhooks: the admin's list (`webhooks`) and one row per delivery
//! (`webhook_deliveries`): pending until a 2xx, retried at `next_attempt_at` until
//! `deadline_at`, then dead. Rows are unique per webhook and envelope, so a redelivered
//! envelope adds nothing; the dispatcher claims due rows with `SKIP LOCKED`, so replicas
//! share the work and never send one row twice at once.

use crate::{
    DbError, last_insert_id,
    schema::{webhook_deliveries as d, webhooks as w},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = w)]
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub secret: String,
    /// JSON array of event classes.
    pub events: String,
    /// JSON array of conversation ids, or none (every conversation).
    pub conversation_ids: Option<String>,
    pub enabled: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct NewWebhook<'a> {
    pub url: &'a str,
    pub secret: &'a str,
    pub events: &'a str,
    pub conversation_ids: Option<&'a str>,
    pub enabled: bool,
    pub created_by: i64,
}

/// A change to a webhook: `None` leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = w)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub secret: Option<String>,
    pub events: Option<String>,
    pub conversation_ids: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = d)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: i64,
    pub envelope_id: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub deadline_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

/// A claimed delivery: what the dispatcher sends.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: i64,
    pub webhook_id: i64,
    pub kind: String,
    pub body: String,
    pub traceparent: Option<String>,
    pub attempts: i32,
    pub deadline_at: NaiveDateTime,
}

pub async fn count(conn: &mut AsyncMysqlConnection) -> Result<i64, DbError> {
    Ok(w::table.count().get_result(conn).await?)
}

/// Inserts a webhook (call inside the transaction that audits it); its id.
pub async fn insert(
    c: &mut AsyncMysqlConnection,
    new: &NewWebhook<'_>,
    now: NaiveDateTime,
) -> Result<i64, DbError> {
    diesel::insert_into(w::table)
        .values((
            w::url.eq(new.url),
            w::secret.eq(new.secret),
            w::events.eq(new.events),
            w::conversation_ids.eq(new.conversation_ids),
            w::enabled.eq(new.enabled),
            w::created_by.eq(new.created_by),
            w::created_at.eq(now),
            w::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
    Ok(diesel::select(last_insert_id())
        .get_result::<u64>(c)
        .await? as i64)
}

pub async fn list(conn: &mut AsyncMysqlConnection) -> Result<Vec<WebhookRow>, DbError> {
    Ok(w::table
        .order(w::id.asc())
        .limit(1000)
        .select(WebhookRow::as_select())
        .load(conn)
        .await?)
}

/// The enabled webhooks (what the consumer matches envelopes against).
pub async fn enabled(conn: &mut AsyncMysqlConnection) -> Result<Vec<WebhookRow>, DbError> {
    Ok(w::table
        .filter(w::enabled.eq(true))
        .order(w::id.asc())
        .limit(1000)
        .select(WebhookRow::as_select())
        .load(conn)
        .await?)
}

pub async fn by_id(
    conn: &mut AsyncMysqlConnection,
    id: i64,
) -> Result<Option<WebhookRow>, DbError> {
    Ok(w::table
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Applies `change` (inside the auditing transaction); false when there is no such webhook.
pub async fn update(
    conn: &mut AsyncMysqlConnection,
    id: i64,
    change: &WebhookChange,
) -> Result<bool, DbError> {
    if by_id(conn, id).await?.is_none() {
        return Ok(false);
    }
    diesel::update(w::table.find(id))
        .set(change)
        .execute(conn)
        .await?;
    Ok(true)
}

/// Deletes the webhook and its deliveries; false when there is no such webhook.
pub async fn delete(conn: &mut AsyncMysqlConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(w::table.find(id)).execute(conn).await? > 0)
}

/// One envelope to deliver to `webhook_ids`: a pending row each, due now; an envelope
/// already recorded for a webhook is skipped (a redelivery from the queue).
pub struct NewDelivery<'a> {
    pub envelope_id: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    pub traceparent: Option<&'a str>,
}

pub async fn enqueue(
    conn: &mut AsyncMysqlConnection,
    webhook_ids: &[i64],
    new: &NewDelivery<'_>,
    now: NaiveDateTime,
    deadline: NaiveDateTime,
) -> Result<usize, DbError> {
    if webhook_ids.is_empty() {
        return Ok(0);
    }
    let rows: Vec<_> = webhook_ids
        .iter()
        .map(|id| {
            (
                d::webhook_id.eq(*id),
                d::envelope_id.eq(new.envelope_id),
                d::kind.eq(new.kind),
                d::body.eq(new.body),
                d::traceparent.eq(new.traceparent),
                d::status.eq(PENDING),
                d::next_attempt_at.eq(now),
                d::deadline_at.eq(deadline),
                d::created_at.eq(now),
            )
        })
        .collect();
    Ok(diesel::insert_or_ignore_into(d::table)
        .values(rows)
        .execute(conn)
        .await?)
}

/// Takes up to `limit` due pending deliveries and leases them until `lease_until` (so a
/// replica that dies mid-send leaves them to be retried, not lost), in one transaction
/// with `SKIP LOCKED`.
pub async fn claim_due(
    conn: &mut AsyncMysqlConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    conn.transaction(async |c| {
        let due: Vec<Claimed> = d::table
            .filter(d::status.eq(PENDING))
            .filter(d::next_attempt_at.le(now))
            .order(d::next_attempt_at.asc())
            .limit(limit)
            .select((
                d::id,
                d::webhook_id,
                d::kind,
                d::body,
                d::traceparent,
                d::attempts,
                d::deadline_at,
            ))
            .for_update()
            .skip_locked()
            .load(c)
            .await?;
        if !due.is_empty() {
            let ids: Vec<i64> = due.iter().map(|x| x.id).collect();
            diesel::update(d::table.filter(d::id.eq_any(ids)))
                .set(d::next_attempt_at.eq(lease_until))
                .execute(c)
                .await?;
        }
        Ok(due)
    })
    .await
}

/// A 2xx: delivered.
pub async fn mark_delivered(
    conn: &mut AsyncMysqlConnection,
    id: i64,
    status: i32,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(d::table.find(id))
        .set((
            d::status.eq(DELIVERED),
            d::attempts.eq(d::attempts + 1),
            d::last_status.eq(Some(status)),
            d::last_error.eq(None::<String>),
            d::delivered_at.eq(Some(now)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or dead when that is past the deadline.
pub async fn mark_failed(
    conn: &mut AsyncMysqlConnection,
    id: i64,
    status: Option<i32>,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let error: String = error.chars().take(500).collect();
    let (state, next) = match retry_at {
        Some(at) => (PENDING, Some(at)),
        None => (DEAD, None),
    };
    let q = diesel::update(d::table.find(id)).set((
        d::status.eq(state),
        d::attempts.eq(d::attempts + 1),
        d::last_status.eq(status),
        d::last_error.eq(Some(error)),
    ));
    q.execute(conn).await?;
    if let Some(at) = next {
        diesel::update(d::table.find(id))
            .set(d::next_attempt_at.eq(at))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A webhook's deliveries, newest first, optionally of one status, before `before` (id).
pub async fn deliveries(
    conn: &mut AsyncMysqlConnection,
    webhook_id: i64,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, DbError> {
    let mut q = d::table
        .filter(d::webhook_id.eq(webhook_id))
        .order(d::id.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(d::status.eq(s.to_owned()));
    }
    if let Some(b) = before {
        q = q.filter(d::id.lt(b));
    }
    Ok(q.load(conn).await?)
}

/// Sends a delivery again (dead or delivered): pending, due now, a fresh deadline.
/// False when the webhook has no such delivery.
pub async fn redeliver(
    conn: &mut AsyncMysqlConnection,
    webhook_id: i64,
    delivery_id: i64,
    now: NaiveDateTime,
    deadline: NaiveDateTime,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        d::table
            .filter(d::id.eq(delivery_id))
            .filter(d::webhook_id.eq(webhook_id)),
    )
    .set((
        d::status.eq(PENDING),
        d::next_attempt_at.eq(now),
        d::deadline_at.eq(deadline),
        d::delivered_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .await?
        > 0)
}
