//! The message lifecycle after the send: edits, recalls, reactions, pins, and hiding a
//! message from one's own history.
//!
//! Every change to a message takes the conversation's next *rev* (`conversation_seqs.
//! rev_reserved`, a counter of its own beside the seq: a seq numbers messages and stays
//! gap-free, so unread counts stay `last_seq - last_read_seq`) and stamps it on the message
//! (`messages.rev`). Taking the rev locks the conversation's counter row, the same lock
//! sends and group changes take, so changes are ordered against each other and against
//! removals. A device that knows a conversation up to rev R asks for the messages whose
//! rev is above R and gets each changed message once, in its current state.

use crate::{
    DbError, last_insert_id,
    messages::MessageRow,
    schema::{conversation_seqs, file_attachments, message_hidden, message_reactions, messages},
};
use chrono::NaiveDateTime;
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

/// The columns a message gains after its send.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::mysql::Mysql))]
pub struct MessageState {
    pub rev: i64,
    pub edited_at: Option<NaiveDateTime>,
    pub recalled_at: Option<NaiveDateTime>,
    pub recalled_by: Option<UserId>,
    pub pinned_at: Option<NaiveDateTime>,
    pub pinned_by: Option<UserId>,
}

/// A message with its lifecycle state.
pub type Stored = (MessageRow, MessageState);

/// One user's reaction to a message.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = message_reactions, check_for_backend(diesel::mysql::Mysql))]
pub struct ReactionRow {
    pub message_id: String,
    pub user_id: UserId,
    pub emoji: String,
    pub created_at: NaiveDateTime,
}

/// The conversation's next rev, holding its counter row's lock until the transaction ends.
/// `None` when the conversation never took a seq (so it has no message to change).
pub async fn next_rev(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<Option<i64>, DbError> {
    let updated = diesel::sql_query(
        "UPDATE conversation_seqs SET rev_reserved = LAST_INSERT_ID(rev_reserved + 1) \
         WHERE conversation_id = ?",
    )
    .bind::<diesel::sql_types::BigInt, _>(conversation)
    .execute(c)
    .await?;
    if updated == 0 {
        return Ok(None);
    }
    Ok(Some(
        diesel::select(last_insert_id())
            .get_result::<u64>(c)
            .await? as i64,
    ))
}

/// The conversation's newest rev (0 before any change).
pub async fn current_rev(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<i64, DbError> {
    Ok(conversation_seqs::table
        .find(conversation)
        .select(conversation_seqs::rev_reserved)
        .first::<i64>(c)
        .await
        .optional()?
        .unwrap_or(0))
}

/// A message with its state, by id.
pub async fn by_id(c: &mut AsyncMysqlConnection, id: &str) -> Result<Option<Stored>, DbError> {
    Ok(messages::table
        .find(id)
        .select((MessageRow::as_select(), MessageState::as_select()))
        .first(c)
        .await
        .optional()?)
}

/// A message with its state, by id, its row locked until the transaction ends: changes
/// to one message are applied one after another.
pub async fn lock(c: &mut AsyncMysqlConnection, id: &str) -> Result<Option<Stored>, DbError> {
    Ok(messages::table
        .find(id)
        .select((MessageRow::as_select(), MessageState::as_select()))
        .for_update()
        .first(c)
        .await
        .optional()?)
}

/// Messages with their state, by ids (in no particular order).
pub async fn by_ids(c: &mut AsyncMysqlConnection, ids: &[String]) -> Result<Vec<Stored>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(messages::table
        .filter(messages::id.eq_any(ids))
        .select((MessageRow::as_select(), MessageState::as_select()))
        .load(c)
        .await?)
}

/// Stamps `rev` on a message whose change the caller wrote in this transaction.
pub async fn stamp(c: &mut AsyncMysqlConnection, id: &str, rev: i64) -> Result<(), DbError> {
    diesel::update(messages::table.find(id))
        .set(messages::rev.eq(rev))
        .execute(c)
        .await?;
    Ok(())
}

/// New content for an edited message.
pub async fn edit(
    c: &mut AsyncMysqlConnection,
    id: &str,
    content: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(messages::table.find(id))
        .set((messages::content.eq(content), messages::edited_at.eq(at)))
        .execute(c)
        .await?;
    Ok(())
}

/// Recalls a message: its content and file are gone for good (only the tombstone stays
/// in its seq), its reactions and pin with them.
pub async fn recall(
    c: &mut AsyncMysqlConnection,
    id: &str,
    by: UserId,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(messages::table.find(id))
        .set((
            messages::content.eq(""),
            messages::file_id.eq(None::<String>),
            messages::recalled_at.eq(at),
            messages::recalled_by.eq(by),
            messages::pinned_at.eq(None::<NaiveDateTime>),
            messages::pinned_by.eq(None::<UserId>),
        ))
        .execute(c)
        .await?;
    diesel::delete(message_reactions::table.filter(message_reactions::message_id.eq(id)))
        .execute(c)
        .await?;
    Ok(())
}

/// After a recall: the conversation no longer reaches `file` unless another of its
/// messages still carries it (members read a file through the messages that carry it).
pub async fn detach_if_unused(
    c: &mut AsyncMysqlConnection,
    file: &str,
    conversation: ConversationId,
) -> Result<(), DbError> {
    let still: Option<String> = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::file_id.eq(file))
        .select(messages::id)
        .first(c)
        .await
        .optional()?;
    if still.is_none() {
        diesel::delete(
            file_attachments::table
                .filter(file_attachments::file_id.eq(file))
                .filter(file_attachments::conversation_id.eq(conversation)),
        )
        .execute(c)
        .await?;
    }
    Ok(())
}

/// Pins (`Some((by, at))`) or unpins a message.
pub async fn set_pin(
    c: &mut AsyncMysqlConnection,
    id: &str,
    pin: Option<(UserId, NaiveDateTime)>,
) -> Result<(), DbError> {
    diesel::update(messages::table.find(id))
        .set((
            messages::pinned_by.eq(pin.map(|p| p.0)),
            messages::pinned_at.eq(pin.map(|p| p.1)),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// Adds a reaction; `false` when the user had already reacted with that emoji.
pub async fn add_reaction(
    c: &mut AsyncMysqlConnection,
    id: &str,
    user: UserId,
    emoji: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_or_ignore_into(message_reactions::table)
        .values((
            message_reactions::message_id.eq(id),
            message_reactions::user_id.eq(user),
            message_reactions::emoji.eq(emoji),
            message_reactions::created_at.eq(at),
        ))
        .execute(c)
        .await?;
    Ok(inserted > 0)
}

/// Removes a reaction; `false` when there was none.
pub async fn remove_reaction(
    c: &mut AsyncMysqlConnection,
    id: &str,
    user: UserId,
    emoji: &str,
) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        message_reactions::table
            .filter(message_reactions::message_id.eq(id))
            .filter(message_reactions::user_id.eq(user))
            .filter(message_reactions::emoji.eq(emoji)),
    )
    .execute(c)
    .await?;
    Ok(deleted > 0)
}

/// The distinct emoji on a message.
pub async fn emoji_of(c: &mut AsyncMysqlConnection, id: &str) -> Result<Vec<String>, DbError> {
    Ok(message_reactions::table
        .filter(message_reactions::message_id.eq(id))
        .select(message_reactions::emoji)
        .distinct()
        .load(c)
        .await?)
}

/// Every reaction to `ids`, oldest first (one query for a page of messages).
pub async fn reactions_of(
    c: &mut AsyncMysqlConnection,
    ids: &[String],
) -> Result<Vec<ReactionRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(message_reactions::table
        .filter(message_reactions::message_id.eq_any(ids))
        .order((
            message_reactions::created_at.asc(),
            message_reactions::user_id.asc(),
        ))
        .select(ReactionRow::as_select())
        .load(c)
        .await?)
}

/// Hides a message from `user`'s own history; `false` when it was hidden already.
pub async fn hide(
    c: &mut AsyncMysqlConnection,
    user: UserId,
    id: &str,
    conversation: ConversationId,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_or_ignore_into(message_hidden::table)
        .values((
            message_hidden::user_id.eq(user),
            message_hidden::message_id.eq(id),
            message_hidden::conversation_id.eq(conversation),
            message_hidden::hidden_at.eq(at),
        ))
        .execute(c)
        .await?;
    Ok(inserted > 0)
}

/// Which of `ids` `user` has hidden.
pub async fn hidden_among(
    c: &mut AsyncMysqlConnection,
    user: UserId,
    ids: &[String],
) -> Result<Vec<String>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(message_hidden::table
        .filter(message_hidden::user_id.eq(user))
        .filter(message_hidden::message_id.eq_any(ids))
        .select(message_hidden::message_id)
        .load(c)
        .await?)
}

/// The messages of `conversation` changed after rev `after`, in rev order, at most
/// `limit`, never past seq `visible_up_to` (a removed member's last seq) nor, with
/// `up_to_seq`, past the seqs the device already holds. An index range scan on
/// (conversation, rev).
pub async fn changed_since(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    after: i64,
    up_to_seq: Option<i64>,
    visible_up_to: Option<i64>,
    limit: i64,
) -> Result<Vec<Stored>, DbError> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::rev.gt(after))
        .into_boxed();
    if let Some(seq) = up_to_seq {
        query = query.filter(messages::seq.le(seq));
    }
    if let Some(seq) = visible_up_to {
        query = query.filter(messages::seq.le(seq));
    }
    Ok(query
        .order(messages::rev.asc())
        .limit(limit)
        .select((MessageRow::as_select(), MessageState::as_select()))
        .load(c)
        .await?)
}

/// The pinned messages of a conversation, newest pin first, never past `visible_up_to`.
pub async fn pinned(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    visible_up_to: Option<i64>,
    limit: i64,
) -> Result<Vec<Stored>, DbError> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::pinned_at.is_not_null())
        .into_boxed();
    if let Some(seq) = visible_up_to {
        query = query.filter(messages::seq.le(seq));
    }
    Ok(query
        .order(messages::pinned_at.desc())
        .limit(limit)
        .select((MessageRow::as_select(), MessageState::as_select()))
        .load(c)
        .await?)
}

/// How many messages of a conversation are pinned.
pub async fn pin_count(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<i64, DbError> {
    Ok(messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::pinned_at.is_not_null())
        .count()
        .get_result(c)
        .await?)
}
