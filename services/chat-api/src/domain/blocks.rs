//! Blocking another user: they can no longer open a direct chat with the blocker or send
//! into the one they share (403 `blocked`, checked by the sequencer under the
//! conversation's lock), and neither sees the other's typing or presence (push-worker).
//! Groups are unaffected. The rows and their exactness are `db::blocks`'.

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::{TimeZone, Utc};
use common_proto::{
    UserId,
    rest::{BlockedUser, limits},
};
use db::blocks::Blocked;

/// Blocks `user`; `true` when newly blocked (a repeat is a no-op).
pub async fn block(state: &State, caller: &Caller, user: UserId) -> Result<bool> {
    if user == caller.id {
        return Err(Error::invalid("user_id", "you cannot block yourself"));
    }
    let mut conn = state.conn().await?;
    if !db::conversations::missing_users(&mut conn, &[user])
        .await?
        .is_empty()
    {
        return Err(Error::NotFound("user"));
    }
    match db::blocks::block(&mut conn, caller.id, user, limits::MAX_BLOCKS).await? {
        Blocked::Added => Ok(true),
        Blocked::Already => Ok(false),
        Blocked::TooMany => Err(Error::invalid(
            "user_id",
            format!("you can block at most {} users", limits::MAX_BLOCKS),
        )),
    }
}

/// Unblocks `user`; 404 when they were not blocked.
pub async fn unblock(state: &State, caller: &Caller, user: UserId) -> Result<()> {
    let mut conn = state.conn().await?;
    if db::blocks::unblock(&mut conn, caller.id, user).await? {
        Ok(())
    } else {
        Err(Error::NotFound("block"))
    }
}

/// The caller's blocked users, newest first (the whole list: it is bounded).
pub async fn list(state: &State, caller: &Caller) -> Result<Vec<BlockedUser>> {
    let mut conn = state.conn().await?;
    Ok(db::blocks::list(&mut conn, caller.id)
        .await?
        .into_iter()
        .map(|r| BlockedUser {
            user_id: r.user_id,
            username: r.username,
            display_name: r.display_name,
            blocked_at: Utc.from_utc_datetime(&r.blocked_at),
        })
        .collect())
}
