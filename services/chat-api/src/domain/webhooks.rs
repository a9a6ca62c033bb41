//! The admins' webhooks (`/admin/webhooks`): create, list, change, delete, and each
//! webhook's deliveries with a redeliver action. Every change is audited in its own
//! transaction. What a webhook may point at is [`crate::webhooks::target`]'s rule; its
//! deliveries are [`crate::webhooks`]' job, never the request's.

use super::{Caller, Error, Result};
use crate::{state::State, webhooks::target};
use chrono::{TimeZone, Utc};
use common_proto::rest::{CreateWebhook, UpdateWebhook, WEBHOOK_EVENTS, Webhook, WebhookDelivery};
use diesel_async::AsyncConnection;
use serde_json::json;

/// Most conversations one webhook may name.
pub const MAX_CONVERSATIONS: usize = 1000;

fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

fn view(row: &db::webhooks::WebhookRow, secret: Option<String>) -> Webhook {
    Webhook {
        id: row.id,
        url: row.url.clone(),
        events: crate::webhooks::events_of(row),
        conversation_ids: crate::webhooks::conversations_of(row),
        enabled: row.enabled,
        secret,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    }
}

async fn check_url(state: &State, url: &str) -> Result<()> {
    let parsed = target::parse(url).map_err(|why| Error::invalid("url", why))?;
    target::check(&parsed, state.webhooks.allow_private)
        .await
        .map_err(|why| Error::invalid("url", why))
}

fn check_events(events: &[String]) -> Result<String> {
    if events.is_empty() {
        return Err(Error::invalid(
            "events",
            format!("name at least one of {}", WEBHOOK_EVENTS.join(", ")),
        ));
    }
    let mut out: Vec<&str> = Vec::new();
    for e in events {
        let Some(known) = WEBHOOK_EVENTS.iter().find(|k| **k == e) else {
            return Err(Error::invalid(
                "events",
                format!("unknown event {e:?}: one of {}", WEBHOOK_EVENTS.join(", ")),
            ));
        };
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(json!(out).to_string())
}

fn check_conversations(ids: &Option<Vec<i64>>) -> Result<Option<String>> {
    let Some(ids) = ids else { return Ok(None) };
    if ids.is_empty() || ids.len() > MAX_CONVERSATIONS {
        return Err(Error::invalid(
            "conversation_ids",
            format!("1 to {MAX_CONVERSATIONS} ids, or absent for every conversation"),
        ));
    }
    if ids.iter().any(|id| *id <= 0) {
        return Err(Error::invalid("conversation_ids", "ids are positive"));
    }
    let mut ids = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(json!(ids).to_string()))
}

fn check_secret(secret: &str) -> Result<()> {
    if !(16..=128).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            "secret",
            "16 to 128 printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// Records an admin's change to webhook `id` (inside its transaction).
async fn audit(
    c: &mut diesel_async::AsyncMysqlConnection,
    caller: &Caller,
    action: &'static str,
    id: i64,
    detail: serde_json::Value,
) -> std::result::Result<(), db::DbError> {
    db::audit::append(
        c,
        db::audit::Entry {
            actor: Some(caller.id),
            action,
            target_type: "webhook",
            target_id: id.to_string(),
            detail,
        },
    )
    .await?;
    Ok(())
}

fn new_secret() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn create(state: &State, caller: &Caller, body: CreateWebhook) -> Result<Webhook> {
    let events = check_events(&body.events)?;
    let conversations = check_conversations(&body.conversation_ids)?;
    let secret = match body.secret {
        Some(s) => {
            check_secret(&s)?;
            s
        }
        None => new_secret(),
    };
    check_url(state, &body.url).await?;
    let now = Utc::now().naive_utc();
    let max = state.webhooks.max_webhooks;
    let mut conn = state.conn().await?;
    let id = conn
        .transaction(async |c| {
            if db::webhooks::count(c).await? >= max {
                return Err(Error::invalid("url", format!("the platform has its {max} webhooks already")));
            }
            let id = db::webhooks::insert(
                c,
                &db::webhooks::NewWebhook {
                    url: &body.url,
                    secret: &secret,
                    events: &events,
                    conversation_ids: conversations.as_deref(),
                    enabled: body.enabled.unwrap_or(true),
                    created_by: caller.id,
                },
                now,
            )
            .await?;
            audit(c, caller, "webhook.created", id, json!({"url": body.url, "events": serde_json::from_str::<serde_json::Value>(&events).unwrap_or_default()})).await?;
            Ok::<_, Error>(id)
        })
        .await?;
    state.webhook_cache.clear().await;
    let row = db::webhooks::by_id(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    Ok(view(&row, Some(secret)))
}

pub async fn list(state: &State) -> Result<Vec<Webhook>> {
    let mut conn = state.conn().await?;
    Ok(db::webhooks::list(&mut conn)
        .await?
        .iter()
        .map(|r| view(r, None))
        .collect())
}

pub async fn update(
    state: &State,
    caller: &Caller,
    id: i64,
    body: UpdateWebhook,
) -> Result<Webhook> {
    let mut change = db::webhooks::WebhookChange {
        updated_at: Some(Utc::now().naive_utc()),
        ..Default::default()
    };
    if let Some(events) = &body.events {
        change.events = Some(check_events(events)?);
    }
    if let Some(ids) = &body.conversation_ids {
        change.conversation_ids = Some(check_conversations(ids)?);
    }
    let new_secret = match &body.secret {
        Some(s) => {
            check_secret(s)?;
            change.secret = Some(s.clone());
            Some(s.clone())
        }
        None => None,
    };
    if let Some(url) = &body.url {
        check_url(state, url).await?;
        change.url = Some(url.clone());
    }
    change.enabled = body.enabled;
    let mut conn = state.conn().await?;
    let found = conn
        .transaction(async |c| {
            if !db::webhooks::update(c, id, &change).await? {
                return Ok(false);
            }
            audit(
                c,
                caller,
                "webhook.changed",
                id,
                json!({
                    "url": body.url,
                    "events": body.events,
                    "enabled": body.enabled,
                    "secret_replaced": new_secret.is_some(),
                }),
            )
            .await?;
            Ok::<_, Error>(true)
        })
        .await?;
    if !found {
        return Err(Error::NotFound("webhook"));
    }
    state.webhook_cache.clear().await;
    let row = db::webhooks::by_id(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("webhook"))?;
    Ok(view(&row, new_secret))
}

pub async fn delete(state: &State, caller: &Caller, id: i64) -> Result<()> {
    let mut conn = state.conn().await?;
    let found = conn
        .transaction(async |c| {
            if !db::webhooks::delete(c, id).await? {
                return Ok(false);
            }
            audit(c, caller, "webhook.deleted", id, json!({})).await?;
            Ok::<_, Error>(true)
        })
        .await?;
    if !found {
        return Err(Error::NotFound("webhook"));
    }
    state.webhook_cache.clear().await;
    Ok(())
}

pub async fn deliveries(
    state: &State,
    id: i64,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<WebhookDelivery>> {
    if let Some(s) = status
        && ![
            db::webhooks::PENDING,
            db::webhooks::DELIVERED,
            db::webhooks::DEAD,
        ]
        .contains(&s)
    {
        return Err(Error::invalid("status", "pending, delivered or dead"));
    }
    let mut conn = state.conn().await?;
    if db::webhooks::by_id(&mut conn, id).await?.is_none() {
        return Err(Error::NotFound("webhook"));
    }
    Ok(
        db::webhooks::deliveries(&mut conn, id, status, before, limit)
            .await?
            .into_iter()
            .map(|d| WebhookDelivery {
                id: d.id,
                envelope_id: d.envelope_id,
                kind: d.kind,
                status: d.status,
                attempts: d.attempts,
                last_status: d.last_status,
                last_error: d.last_error,
                next_attempt_at: utc(d.next_attempt_at),
                deadline_at: utc(d.deadline_at),
                created_at: utc(d.created_at),
                delivered_at: d.delivered_at.map(utc),
            })
            .collect(),
    )
}

/// Sends a delivery again now, with a fresh retry period.
pub async fn redeliver(state: &State, id: i64, delivery: i64) -> Result<()> {
    let now = Utc::now().naive_utc();
    let deadline = now + state.webhook_retry_for();
    let mut conn = state.conn().await?;
    if !db::webhooks::redeliver(&mut conn, id, delivery, now, deadline).await? {
        return Err(Error::NotFound("delivery"));
    }
    state.webhook_wake.notify_one();
    Ok(())
}
