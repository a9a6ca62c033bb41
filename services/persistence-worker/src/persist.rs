//! The batch handler: parses each envelope, writes every message of the batch in one
//! transaction (idempotently: a redelivered message is skipped by its unique keys), and
//! records the publish-to-commit lag.

use bus::{BatchHandler, HandlerError, Incoming};
use chrono::Utc;
use common_proto::{
    bus::{Envelope, MessageSent, kind},
    rest::limits,
};
use db::{DbError, messages::MessageRow};

pub struct Persist {
    pub pool: db::Pool,
}

/// A parsed delivery: what to write, or why it can never be written.
enum Parsed {
    Message(MessageRow, chrono::DateTime<Utc>),
    Poison(String),
}

fn parse(msg: &Incoming) -> Parsed {
    let envelope: Envelope = match serde_json::from_slice(&msg.payload) {
        Ok(e) => e,
        Err(e) => return Parsed::Poison(format!("not an envelope: {e}")),
    };
    match envelope.kind.as_str() {
        kind::MESSAGE_SENT => match serde_json::from_value::<MessageSent>(envelope.data) {
            Ok(m)
                if m.seq > 0
                    && m.content.chars().count() <= limits::MAX_CONTENT_CHARS
                    && m.id.len() == 26 =>
            {
                Parsed::Message(MessageRow::from_public(&m), envelope.occurred_at)
            }
            Ok(_) => Parsed::Poison("message out of bounds".into()),
            Err(e) => Parsed::Poison(format!("bad message: {e}")),
        },
        other => Parsed::Poison(format!("persistence-worker does not store {other}")),
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
                Parsed::Message(row, _) => Some(row.clone()),
                Parsed::Poison(_) => None,
            })
            .collect();
        let mut verdicts: Vec<Result<(), String>> = parsed
            .iter()
            .map(|p| match p {
                Parsed::Message(..) => Ok(()),
                Parsed::Poison(reason) => Err(reason.clone()),
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
                    if let Parsed::Message(row, _) = p {
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
        let now = Utc::now();
        for p in &parsed {
            if let Parsed::Message(_, occurred_at) = p {
                let lag = (now - *occurred_at).num_microseconds().unwrap_or(0).max(0) as f64 / 1e6;
                metrics::histogram!("persistence_lag_seconds").record(lag);
            }
        }
        metrics::counter!("persistence_messages_total").increment(rows.len() as u64);
        Ok(verdicts)
    }
}
