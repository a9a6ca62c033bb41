//! The notification inbox: the caller's rows merged with the system broadcasts newer than
//! their account (one broadcast read cursor per user, no per-user broadcast rows).

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::{TimeZone, Utc};
use common_proto::rest::Notification;
use views::ToPublic;

/// Newest first, at most `limit`, before the id `before`.
pub async fn list(
    state: &State,
    caller: &Caller,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Notification>> {
    let mut conn = state.conn().await?;
    let rows = db::notifications::list(&mut conn, caller.id, unread_only, before, limit).await?;
    let (joined, read_up_to) = db::broadcasts::window(&mut conn, caller.id).await?;
    let after = match (unread_only, read_up_to) {
        (true, Some(read)) => read.max(joined),
        _ => joined,
    };
    let broadcasts = db::broadcasts::list(&mut conn, Some(after), before, limit).await?;
    let mut items: Vec<Notification> = rows.iter().map(|r| r.to_public()).collect();
    items.extend(broadcasts.iter().map(|b| Notification {
        id: b.id.clone(),
        kind: "broadcast".into(),
        payload: serde_json::json!({
            "broadcast_id": b.id, "title": b.title, "content": b.content,
            "sender_id": b.sender_id, "origin": b.origin,
        }),
        read: read_up_to.is_some_and(|r| b.created_at <= r),
        created_at: Utc.from_utc_datetime(&b.created_at),
    }));
    items.sort_by(|a, b| b.id.cmp(&a.id));
    items.truncate(limit as usize);
    Ok(items)
}

pub async fn unread_count(state: &State, caller: &Caller) -> Result<i64> {
    let mut conn = state.conn().await?;
    Ok(db::notifications::unread_count(&mut conn, caller.id).await?
        + db::broadcasts::unread_count(&mut conn, caller.id).await?)
}

/// Marks one read: a notification of the caller's, or a broadcast in their inbox (the
/// cursor moves to it). Anything else is `NotFound`.
pub async fn read_one(state: &State, caller: &Caller, id: &str) -> Result<()> {
    let mut conn = state.conn().await?;
    if db::notifications::mark_read(&mut conn, caller.id, id).await? {
        return Ok(());
    }
    // A broadcast in the caller's inbox: the cursor moves to it.
    let (joined, _) = db::broadcasts::window(&mut conn, caller.id).await?;
    match db::broadcasts::by_id(&mut conn, id).await? {
        Some(b) if b.created_at > joined => {
            db::broadcasts::mark_read_up_to(&mut conn, caller.id, b.created_at).await?
        }
        _ => return Err(Error::NotFound("notification")),
    }
    Ok(())
}

/// Marks all the caller's notifications and broadcasts read.
pub async fn read_all(state: &State, caller: &Caller) -> Result<()> {
    let mut conn = state.conn().await?;
    db::notifications::mark_all_read(&mut conn, caller.id).await?;
    db::broadcasts::mark_read_up_to(&mut conn, caller.id, Utc::now().naive_utc()).await?;
    Ok(())
}
