//! System broadcasts (admins) and reported events (anyone): validated, published with a
//! confirm (the persistence-worker stores them, the broadcast- and event-workers act on
//! them), and listed.

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::Utc;
use common_proto::{
    bus::{kind, routing},
    rest::{Broadcast, Event, limits},
};

/// The severities an event may have, lowest first.
pub const SEVERITIES: [&str; 3] = ["info", "warning", "critical"];

fn text(field: &'static str, value: &str, max: usize) -> Result<()> {
    let n = value.trim().chars().count();
    if n == 0 || value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Publishes a broadcast to every user; admins only.
pub async fn broadcast(
    state: &State,
    caller: &Caller,
    title: String,
    content: String,
) -> Result<String> {
    if !caller.admin {
        return Err(Error::forbidden("only admins send broadcasts"));
    }
    text("title", &title, limits::MAX_BROADCAST_TITLE_CHARS)?;
    text("content", &content, limits::MAX_BROADCAST_CONTENT_CHARS)?;
    let broadcast = Broadcast {
        id: ulid::Ulid::generate().to_string(),
        sender_id: Some(caller.id),
        title,
        content,
        origin: state.publisher.origin().to_owned(),
        created_at: Utc::now(),
    };
    let out = state.outgoing(
        caller.trace.clone(),
        routing::SYSTEM_BROADCAST,
        kind::BROADCAST_SENT,
        broadcast.id.clone(),
        &broadcast,
    )?;
    state.publisher.bus.publish(&out).await?;
    metrics::counter!("broadcasts_sent_total").increment(1);
    Ok(broadcast.id)
}

pub async fn broadcasts(
    state: &State,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<db::broadcasts::BroadcastRow>> {
    let mut conn = state.conn().await?;
    Ok(db::broadcasts::list(&mut conn, None, before, limit).await?)
}

/// Whether `t` is dotted lowercase words (a-z 0-9 _ -) within the length limit.
pub fn valid_type(t: &str) -> bool {
    !t.is_empty()
        && t.chars().count() <= limits::MAX_EVENT_TYPE_CHARS
        && t.split('.').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

/// Reports an event; its id once the broker confirmed it.
pub async fn report(
    state: &State,
    caller: &Caller,
    event_type: String,
    severity: String,
    payload: serde_json::Value,
) -> Result<String> {
    if !valid_type(&event_type) {
        return Err(Error::invalid(
            "type",
            format!(
                "must be dotted lowercase words (a-z 0-9 _ -), at most {} characters",
                limits::MAX_EVENT_TYPE_CHARS
            ),
        ));
    }
    if !SEVERITIES.contains(&severity.as_str()) {
        return Err(Error::invalid(
            "severity",
            "must be \"info\", \"warning\" or \"critical\"",
        ));
    }
    let payload = match payload {
        serde_json::Value::Null => serde_json::json!({}),
        p @ serde_json::Value::Object(_) => p,
        _ => return Err(Error::invalid("payload", "must be a JSON object")),
    };
    if payload.to_string().len() > limits::MAX_EVENT_PAYLOAD_BYTES {
        return Err(Error::TooLarge {
            field: "payload",
            problem: format!(
                "at most {} KiB of JSON",
                limits::MAX_EVENT_PAYLOAD_BYTES / 1024
            ),
        });
    }
    let event = Event {
        id: ulid::Ulid::generate().to_string(),
        kind: event_type,
        severity,
        payload,
        reporter_id: Some(caller.id),
        origin: state.publisher.origin().to_owned(),
        occurred_at: Utc::now(),
    };
    let out = state.outgoing(
        caller.trace.clone(),
        routing::SYSTEM_EVENT,
        kind::EVENT_REPORTED,
        event.id.clone(),
        &event,
    )?;
    state.publisher.bus.publish(&out).await?;
    Ok(event.id)
}

/// Events matching `filter`; an admin sees everyone's, anyone else only their own
/// (asking for another reporter is `Forbidden`).
pub async fn events(
    state: &State,
    caller: &Caller,
    mut filter: db::events::Filter,
    limit: i64,
) -> Result<Vec<db::events::EventRow>> {
    if !caller.admin {
        match filter.reporter {
            Some(r) if r != caller.id => {
                return Err(Error::forbidden("only admins see other users' events"));
            }
            _ => filter.reporter = Some(caller.id),
        }
    }
    let mut conn = state.conn().await?;
    Ok(db::events::list(&mut conn, &filter, limit).await?)
}
