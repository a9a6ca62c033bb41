//! The batch handler: parses each envelope, writes every message of the batch in one
//! transaction (idempotently: a redelivered message is skipped by its unique keys), and
//! records the publish-to-commit lag. Broadcasts and events of the batch are stored the
//! same way (`INSERT IGNORE` on their id, which is the envelope id).

use bus::{BatchHandler, HandlerError, Incoming};
use chrono::Utc;
use common_proto::{
    bus::{BusEvent, Envelope},
    rest::limits,
};
use db::{
    DbError, broadcasts::BroadcastRow, events::EventRow, messages::MessageRow, search::Entry,
};

pub struct Persist {
    pub pool: db::Pool,
    /// `INSTANT_SEARCH_INDEX`.
    pub search_index: bool,
}

/// A parsed delivery: what to write, or why it can never be written.
enum Parsed {
    /// A new message, and its search entry (none for system messages).
    Message(MessageRow, chrono::DateTime<Utc>, Option<Entry>),
    Broadcast(BroadcastRow),
    Event(EventRow),
    /// A change chat-api committed before publishing it: only its search entry (edits
    /// and recalls) is written here.
    Changed(Option<Entry>),
    Poison(String),
}

fn parse(msg: &Incoming) -> Parsed {
    let envelope: Envelope = match serde_json::from_slice(&msg.payload) {
        Ok(e) => e,
        Err(e) => return Parsed::Poison(format!("not an envelope: {e}")),
    };
    let occurred_at = envelope.occurred_at;
    let event = match BusEvent::decode(&envelope.kind, envelope.data) {
        Ok(event) => event,
        Err(e) => return Parsed::Poison(format!("bad {}: {e}", envelope.kind)),
    };
    match event {
        Some(BusEvent::MessageSent(m))
            if m.seq > 0
                && m.content.chars().count() <= limits::MAX_CONTENT_CHARS
                && common_proto::is_id(&m.id) =>
        {
            let entry = (m.kind != "system").then(|| views::search_entry(&m, false));
            Parsed::Message(views::message_row(&m), occurred_at, entry)
        }
        Some(BusEvent::MessageSent(_)) => Parsed::Poison("message out of bounds".into()),
        Some(BusEvent::BroadcastSent(b))
            if common_proto::is_id(&b.id)
                && b.title.chars().count() <= limits::MAX_BROADCAST_TITLE_CHARS
                && b.content.chars().count() <= limits::MAX_BROADCAST_CONTENT_CHARS
                && b.origin.len() <= 32 =>
        {
            Parsed::Broadcast(views::broadcast_row(&b))
        }
        Some(BusEvent::BroadcastSent(_)) => Parsed::Poison("broadcast out of bounds".into()),
        Some(BusEvent::EventReported(e))
            if common_proto::is_id(&e.id)
                && e.kind.chars().count() <= limits::MAX_EVENT_TYPE_CHARS
                && e.severity.len() <= 16
                && e.origin.len() <= 32 =>
        {
            Parsed::Event(views::event_row(&e))
        }
        Some(BusEvent::EventReported(_)) => Parsed::Poison("event out of bounds".into()),
        Some(BusEvent::MessageChanged(c)) => Parsed::Changed(match c.change.kind.as_str() {
            "edited" => Some(views::search_entry(&c.message, false)),
            "recalled" => Some(views::search_entry(&c.message, true)),
            _ => None,
        }),
        _ => Parsed::Poison(format!(
            "persistence-worker does not store {}",
            envelope.kind
        )),
    }
}

impl BatchHandler for Persist {
    async fn handle_batch(
        &self,
        batch: &[Incoming],
    ) -> Result<Vec<Result<(), String>>, HandlerError> {
        let parsed: Vec<Parsed> = batch.iter().map(parse).collect();
        let rows: Vec<MessageRow> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Message(row, _, _) => Some(row.clone()),
                _ => None,
            })
            .collect();
        let mut verdicts: Vec<Result<(), String>> = parsed
            .iter()
            .map(|p| match p {
                Parsed::Poison(reason) => Err(reason.clone()),
                _ => Ok(()),
            })
            .collect();
        let retry = |e: DbError| HandlerError::Retry(e.to_string());
        let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
        match db::messages::insert_batch(&mut conn, &rows).await {
            Ok(_) => {}
            Err(e @ DbError::Unavailable(_)) => return Err(retry(e)),
            // A row the database refuses: write one by one so only that one is poison.
            Err(batch_error) => {
                tracing::warn!(error = %batch_error, "batch insert failed; inserting one by one");
                for (i, p) in parsed.iter().enumerate() {
                    if let Parsed::Message(row, _, _) = p {
                        match db::messages::insert_batch(&mut conn, std::slice::from_ref(row)).await
                        {
                            Ok(_) => {}
                            Err(e @ DbError::Unavailable(_)) => return Err(retry(e)),
                            Err(e) => verdicts[i] = Err(e.to_string()),
                        }
                    }
                }
            }
        }
        // Broadcasts and events: few per batch next to messages; one statement each kind.
        let broadcasts: Vec<BroadcastRow> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Broadcast(b) => Some(b.clone()),
                _ => None,
            })
            .collect();
        let events: Vec<EventRow> = parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Event(e) => Some(e.clone()),
                _ => None,
            })
            .collect();
        let outcomes = [
            db::broadcasts::insert_ignore(&mut conn, &broadcasts).await,
            db::events::insert_ignore(&mut conn, &events).await,
        ];
        for (outcome, is_kind) in outcomes.into_iter().zip([
            (|p: &Parsed| matches!(p, Parsed::Broadcast(_))) as fn(&Parsed) -> bool,
            |p: &Parsed| matches!(p, Parsed::Event(_)),
        ]) {
            match outcome {
                Ok(_) => {}
                Err(e @ DbError::Unavailable(_)) => return Err(retry(e)),
                // Refused by the database for good: those deliveries are poison.
                Err(e) => {
                    for (i, p) in parsed.iter().enumerate() {
                        if is_kind(p) {
                            verdicts[i] = Err(e.to_string());
                        }
                    }
                }
            }
        }
        metrics::counter!("persistence_broadcasts_total").increment(broadcasts.len() as u64);
        metrics::counter!("persistence_events_total").increment(events.len() as u64);
        let now = Utc::now();
        for p in &parsed {
            if let Parsed::Message(_, occurred_at, _) = p {
                let lag = (now - *occurred_at).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6;
                metrics::histogram!("persistence_lag_seconds").record(lag);
            }
        }
        metrics::counter!("persistence_messages_total").increment(rows.len() as u64);
        if self.search_index {
            index(&mut conn, &parsed).await?;
        }
        Ok(verdicts)
    }
}

/// The batch's search entries, the newest state of each message once, in one statement
/// (the row's rev decides against what the index holds). Terms are derived data: a batch
/// the index refuses is logged and counted, never dead-lettered (a rebuild repairs it).
async fn index(conn: &mut db::Conn, parsed: &[Parsed]) -> Result<(), HandlerError> {
    let mut entries: Vec<Entry> = parsed
        .iter()
        .filter_map(|p| match p {
            Parsed::Message(_, _, Some(e)) | Parsed::Changed(Some(e)) => Some(e.clone()),
            _ => None,
        })
        .collect();
    entries.sort_by(|a, b| (&a.message_id, b.rev).cmp(&(&b.message_id, a.rev)));
    entries.dedup_by(|later, earlier| later.message_id == earlier.message_id);
    match db::search::upsert(conn, &entries).await {
        Ok(()) => {
            metrics::counter!("search_indexed_total").increment(entries.len() as u64);
            Ok(())
        }
        Err(e @ DbError::Unavailable(_)) => Err(HandlerError::Retry(e.to_string())),
        Err(e) => {
            metrics::counter!("search_index_failures_total").increment(1);
            tracing::warn!(error = %e, "search entries not written; `chat-api search-rebuild` repairs the index");
            Ok(())
        }
    }
}
