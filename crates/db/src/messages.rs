//! Messages: taking a seq with a durable receipt (chat-api), batch inserts (persistence
//! worker) and history reads.

use crate::last_insert_id;
use crate::notifications::NotificationRow;
use crate::{
    DbError,
    schema::{conversation_members as members, conversations, messages, send_receipts as receipts},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use std::collections::HashMap;

/// What a send was given: the id, seq and time that every retry of it will see.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = receipts, check_for_backend(diesel::mysql::Mysql))]
pub struct Receipt {
    pub message_id: String,
    pub seq: i64,
    pub created_at: NaiveDateTime,
}

/// Takes the next seq of `conversation` (sends and group changes share the counter) and
/// holds its row lock until the transaction ends: that lock is what orders everything
/// written to one conversation. The counter row is created with the first seq;
/// `LAST_INSERT_ID(expr)` hands the new value back on this connection.
pub async fn next_seq(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<i64, DbError> {
    diesel::sql_query(
        "INSERT INTO conversation_seqs (conversation_id, seq_reserved) VALUES (?, LAST_INSERT_ID(1)) \
         ON DUPLICATE KEY UPDATE seq_reserved = LAST_INSERT_ID(seq_reserved + 1)",
    )
    .bind::<diesel::sql_types::BigInt, _>(conversation)
    .execute(c)
    .await?;
    Ok(diesel::select(last_insert_id())
        .get_result::<u64>(c)
        .await? as i64)
}

/// The outcome of [`take_seq`].
#[derive(Debug)]
pub enum Taken {
    /// A new seq for a new send, with the mention notifications written with it.
    New(Receipt, Vec<NotificationRow>),
    /// This (sender, client_msg_id) was sent before: the original receipt.
    Repeat(Receipt),
}

/// Takes the next seq of `conversation` for a send and records the receipt, in one
/// transaction: the conversation row lock orders concurrent sends, and a repeated
/// `client_msg_id` rolls back before consuming a seq. The sender's read cursor moves to
/// their own message in the same commit, and each `mentioned` user gets a `mention`
/// notification in it too (so a repeated send never notifies twice), and `attach`, the
/// file the message carries, is shared with the conversation in it as well (before anyone
/// can see the message, the members may fetch its file).
pub async fn take_seq(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    client_msg_id: &str,
    message_id: &str,
    mentioned: &[UserId],
    attach: Option<&str>,
) -> Result<Taken, DbError> {
    if let Some(existing) = receipt(conn, conversation, sender, client_msg_id).await? {
        return Ok(Taken::Repeat(existing));
    }
    let created_at = Utc::now().naive_utc();
    let result = conn
        .transaction::<_, DbError, _>(async |c| {
            let seq = next_seq(c, conversation).await?;
            diesel::insert_into(receipts::table)
                .values((
                    receipts::conversation_id.eq(conversation),
                    receipts::sender_id.eq(sender),
                    receipts::client_msg_id.eq(client_msg_id),
                    receipts::message_id.eq(message_id),
                    receipts::seq.eq(seq),
                    receipts::created_at.eq(created_at),
                ))
                .execute(c)
                .await?;
            diesel::update(members::table.find((conversation, sender)))
                .filter(members::last_read_seq.lt(seq))
                .set(members::last_read_seq.eq(seq))
                .execute(c)
                .await?;
            let payload = serde_json::json!({
                "conversation_id": conversation,
                "message_id": message_id,
                "seq": seq,
                "sender_id": sender,
            });
            let notes: Vec<NotificationRow> = mentioned
                .iter()
                .map(|user| NotificationRow::new(*user, "mention", &payload))
                .collect();
            crate::notifications::insert(c, &notes).await?;
            if let Some(file) = attach {
                crate::files::attach(c, file, conversation).await?;
            }
            Ok((
                Receipt {
                    message_id: message_id.to_owned(),
                    seq,
                    created_at,
                },
                notes,
            ))
        })
        .await;
    match result {
        Ok((receipt, notes)) => Ok(Taken::New(receipt, notes)),
        // Another replica recorded the same send between our check and our insert.
        Err(DbError::Unique(_)) => receipt(conn, conversation, sender, client_msg_id)
            .await?
            .map(Taken::Repeat)
            .ok_or(DbError::NotFound),
        Err(e) => Err(e),
    }
}

pub async fn receipt(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    client_msg_id: &str,
) -> Result<Option<Receipt>, DbError> {
    Ok(receipts::table
        .find((conversation, sender, client_msg_id))
        .select(Receipt::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A `messages` row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = messages, check_for_backend(diesel::mysql::Mysql))]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: ConversationId,
    pub seq: i64,
    pub sender_id: UserId,
    pub client_msg_id: String,
    pub kind: String,
    pub content: String,
    pub file_id: Option<String>,
    pub reply_to: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Inserts a batch in one transaction, skipping rows already there (redeliveries), and
/// moves each conversation's `last_seq` / `last_message_at` forward. Returns rows inserted.
pub async fn insert_batch(
    conn: &mut AsyncMysqlConnection,
    rows: &[MessageRow],
) -> Result<usize, DbError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut newest: HashMap<ConversationId, (i64, NaiveDateTime)> = HashMap::new();
    for r in rows {
        let entry = newest
            .entry(r.conversation_id)
            .or_insert((r.seq, r.created_at));
        if r.seq > entry.0 {
            *entry = (r.seq, r.created_at);
        }
    }
    conn.transaction::<_, DbError, _>(async |c| {
        let inserted = diesel::insert_or_ignore_into(messages::table)
            .values(rows)
            .execute(c)
            .await?;
        for (conversation, (seq, at)) in &newest {
            diesel::update(conversations::table.find(conversation))
                .filter(conversations::last_seq.lt(seq))
                .set((
                    conversations::last_seq.eq(seq),
                    conversations::last_message_at.eq(at),
                ))
                .execute(c)
                .await?;
        }
        Ok(inserted)
    })
    .await
}

/// History, ascending by seq: after `after` (exclusive) and/or before `before`
/// (exclusive), at most `limit`, never past `visible_up_to` (a removed member's last seq).
/// With only `before`, the newest page below it. An index range scan on (conversation, seq).
pub async fn history(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    after: Option<i64>,
    before: Option<i64>,
    visible_up_to: Option<i64>,
    limit: i64,
) -> Result<Vec<MessageRow>, DbError> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(messages::seq.gt(after));
    }
    if let Some(before) = before {
        query = query.filter(messages::seq.lt(before));
    }
    if let Some(last) = visible_up_to {
        query = query.filter(messages::seq.le(last));
    }
    let newest_first = after.is_none() && before.is_some();
    let query = if newest_first {
        query.order(messages::seq.desc())
    } else {
        query.order(messages::seq.asc())
    };
    let mut rows: Vec<MessageRow> = query
        .limit(limit)
        .select(MessageRow::as_select())
        .load(conn)
        .await?;
    if newest_first {
        rows.reverse();
    }
    Ok(rows)
}

/// The message with `seq` in `conversation`, if persisted.
pub async fn by_seq(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    seq: i64,
) -> Result<Option<MessageRow>, DbError> {
    Ok(messages::table
        .filter(messages::conversation_id.eq(conversation))
        .filter(messages::seq.eq(seq))
        .select(MessageRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The messages at `(conversation, seq)` pairs, in one query (a page of conversations'
/// newest messages); pairs with no message are simply absent.
pub async fn by_seqs(
    conn: &mut AsyncMysqlConnection,
    pairs: &[(ConversationId, i64)],
) -> Result<Vec<MessageRow>, DbError> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = messages::table.into_boxed();
    for &(conversation, seq) in pairs {
        query = query.or_filter(
            messages::conversation_id
                .eq(conversation)
                .and(messages::seq.eq(seq)),
        );
    }
    Ok(query.select(MessageRow::as_select()).load(conn).await?)
}

/// Whether a message id exists in a conversation (for `reply_to`).
pub async fn exists_in(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    id: &str,
) -> Result<bool, DbError> {
    let found: Option<String> = messages::table
        .find(id)
        .filter(messages::conversation_id.eq(conversation))
        .select(messages::id)
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

/// The members of `conversation` among `usernames`, except `sender` (mentions resolve to
/// members only: naming a stranger notifies nobody).
pub async fn mentioned_members(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    usernames: &[String],
) -> Result<Vec<UserId>, DbError> {
    use crate::schema::users;
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .inner_join(members::table.on(members::user_id.eq(users::id)))
        .filter(members::conversation_id.eq(conversation))
        .filter(members::left_at.is_null())
        .filter(users::username.eq_any(usernames))
        .filter(users::id.ne(sender))
        .select(users::id)
        .load(conn)
        .await?)
}
