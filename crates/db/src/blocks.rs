//! Blocking: who blocked whom (`user_blocks`, the list each user manages), mirrored onto
//! the blocked user's row in the pair's direct conversation (`peer_blocked`), which the
//! sequencer reads under the conversation's lock with membership and mute — so a blocked
//! user's send is refused exactly, and the send path reads nothing more.
//!
//! The mirror stays exact under concurrency: [`block`] first reads the pair's direct
//! conversation with a locking read — if it exists, it then takes the conversation's seq
//! lock (the lock every send takes first) before flagging; if it does not, InnoDB's gap
//! lock on the unique `direct_key` holds back a concurrent [`open_direct`] until the block
//! commits, and `open_direct` sets the flags from `user_blocks` as it creates the members
//! ([`flag_direct`]). Both take the conversation row before `user_blocks`, so they never
//! deadlock.
//!
//! [`open_direct`]: crate::conversations::open_direct

use crate::{
    DbError,
    schema::{conversation_members as members, conversations, user_blocks as blocks, users},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

/// A blocked user, as the blocker's list shows them.
#[derive(Debug, Clone, Queryable)]
pub struct BlockedRow {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub blocked_at: NaiveDateTime,
}

/// What [`block`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Blocked {
    Added,
    /// Blocked before: nothing changed.
    Already,
    /// The blocker's list is full.
    TooMany,
}

/// The pair's direct conversation, locked (or the gap where it would be).
async fn direct_locked(
    c: &mut AsyncMysqlConnection,
    a: UserId,
    b: UserId,
) -> Result<Option<ConversationId>, DbError> {
    Ok(conversations::table
        .filter(conversations::direct_key.eq(crate::conversations::direct_key(a, b)))
        .select(conversations::id)
        .for_update()
        .first(c)
        .await
        .optional()?)
}

/// Sets `peer_blocked` on `blocked`'s row of `conversation`, under the seq lock.
async fn set_flag(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    blocked: UserId,
    on: bool,
) -> Result<(), DbError> {
    crate::messages::lock_counter(c, conversation).await?;
    diesel::update(members::table.find((conversation, blocked)))
        .set(members::peer_blocked.eq(on))
        .execute(c)
        .await?;
    Ok(())
}

/// `blocker` blocks `blocked` (at most `max` blocks per user).
pub async fn block(
    conn: &mut AsyncMysqlConnection,
    blocker: UserId,
    blocked: UserId,
    max: i64,
) -> Result<Blocked, DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let direct = direct_locked(c, blocker, blocked).await?;
        if blocks(c, blocker, blocked).await? {
            return Ok(Blocked::Already);
        }
        let count: i64 = blocks::table
            .filter(blocks::blocker_id.eq(blocker))
            .count()
            .get_result(c)
            .await?;
        if count >= max {
            return Ok(Blocked::TooMany);
        }
        diesel::insert_into(blocks::table)
            .values((
                blocks::blocker_id.eq(blocker),
                blocks::blocked_id.eq(blocked),
                blocks::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(c)
            .await?;
        if let Some(conversation) = direct {
            set_flag(c, conversation, blocked, true).await?;
        }
        Ok(Blocked::Added)
    })
    .await
}

/// `blocker` unblocks `blocked`; `false` when there was no block.
pub async fn unblock(
    conn: &mut AsyncMysqlConnection,
    blocker: UserId,
    blocked: UserId,
) -> Result<bool, DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let direct = direct_locked(c, blocker, blocked).await?;
        let removed = diesel::delete(blocks::table.find((blocker, blocked)))
            .execute(c)
            .await?;
        if removed > 0
            && let Some(conversation) = direct
        {
            set_flag(c, conversation, blocked, false).await?;
        }
        Ok(removed > 0)
    })
    .await
}

/// Whether `blocker` blocked `blocked`.
pub async fn blocks(
    c: &mut AsyncMysqlConnection,
    blocker: UserId,
    blocked: UserId,
) -> Result<bool, DbError> {
    Ok(blocks::table
        .find((blocker, blocked))
        .select(blocks::blocker_id)
        .first::<UserId>(c)
        .await
        .optional()?
        .is_some())
}

/// Whether either of `a` and `b` blocked the other (one query).
pub async fn either_way(
    c: &mut AsyncMysqlConnection,
    a: UserId,
    b: UserId,
) -> Result<bool, DbError> {
    Ok(blocks::table
        .filter(
            (blocks::blocker_id.eq(a).and(blocks::blocked_id.eq(b)))
                .or(blocks::blocker_id.eq(b).and(blocks::blocked_id.eq(a))),
        )
        .select(blocks::blocker_id)
        .first::<UserId>(c)
        .await
        .optional()?
        .is_some())
}

/// `blocker`'s list, newest first (at most `MAX_BLOCKS` rows exist).
pub async fn list(
    c: &mut AsyncMysqlConnection,
    blocker: UserId,
) -> Result<Vec<BlockedRow>, DbError> {
    Ok(blocks::table
        .inner_join(users::table.on(users::id.eq(blocks::blocked_id)))
        .filter(blocks::blocker_id.eq(blocker))
        .order(blocks::created_at.desc())
        .select((
            blocks::blocked_id,
            users::username,
            users::display_name,
            blocks::created_at,
        ))
        .load(c)
        .await?)
}

/// Everyone `user` blocked or was blocked by: their typing and presence are not shown to
/// each other.
pub async fn hidden_from(
    c: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<Vec<UserId>, DbError> {
    let mut ids: Vec<UserId> = blocks::table
        .filter(blocks::blocker_id.eq(user))
        .select(blocks::blocked_id)
        .load(c)
        .await?;
    ids.extend(
        blocks::table
            .filter(blocks::blocked_id.eq(user))
            .select(blocks::blocker_id)
            .load::<UserId>(c)
            .await?,
    );
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Sets both members' `peer_blocked` of a direct conversation being created, from the
/// blocks between them (a locking read: it sees a block committed while it waited).
pub(crate) async fn flag_direct(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    a: UserId,
    b: UserId,
) -> Result<(), DbError> {
    // Only integers are spliced into this statement.
    diesel::sql_query(format!(
        "UPDATE conversation_members SET peer_blocked = TRUE \
         WHERE conversation_id = {conversation} AND user_id IN \
         (SELECT blocked_id FROM user_blocks \
          WHERE (blocker_id = {a} AND blocked_id = {b}) OR (blocker_id = {b} AND blocked_id = {a}))"
    ))
    .execute(c)
    .await?;
    Ok(())
}
