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

/// Locks `conversation`'s counter row (creating it at 0 if missing) without taking a
/// seq: a change that must not interleave with sends, but takes no place in the order.
pub async fn lock_counter(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO conversation_seqs (conversation_id, seq_reserved) VALUES (?, 0) \
         ON DUPLICATE KEY UPDATE seq_reserved = seq_reserved",
    )
    .bind::<diesel::sql_types::BigInt, _>(conversation)
    .execute(c)
    .await?;
    Ok(())
}

/// The outcome of one [`Claim`] in [`take_seqs`].
#[derive(Debug)]
pub enum Taken {
    /// A new seq for a new send, with the mention notifications written with it, and the
    /// conversation's membership version under the same lock (push-worker refetches its
    /// member cache when a message carries a newer one).
    New {
        receipt: Receipt,
        mentions: Vec<NotificationRow>,
        members_version: i64,
    },
    /// This (sender, client_msg_id) was sent before: the original receipt.
    Repeat {
        receipt: Receipt,
        members_version: i64,
    },
    /// The sender is not an active member (or there is no such conversation).
    NotMember,
    /// The sender is muted in this conversation.
    Muted,
    /// The other member of this direct conversation blocked the sender.
    Blocked,
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

/// The `mention` notification of each mentioned user for the message at `seq`.
pub fn mention_rows(
    conversation: ConversationId,
    message_id: &str,
    seq: i64,
    sender: UserId,
    mentioned: &[UserId],
) -> Vec<NotificationRow> {
    let payload = serde_json::json!({
        "conversation_id": conversation,
        "message_id": message_id,
        "seq": seq,
        "sender_id": sender,
    });
    mentioned
        .iter()
        .map(|user| NotificationRow::new(*user, "mention", &payload))
        .collect()
}

/// One send waiting for its seq in a [`take_seqs`] batch.
#[derive(Debug, Clone)]
pub struct Claim {
    pub conversation: ConversationId,
    pub sender: UserId,
    pub client_msg_id: String,
    pub message_id: String,
    pub mentioned: Vec<UserId>,
    pub attach: Option<String>,
}

/// Takes the seqs of many sends at once (group commit; one send is a batch of one): ONE
/// transaction, one statement per table, one commit, whatever the number of sends and
/// conversations. Each conversation's counter row is locked (ascending ids, so two batches
/// never deadlock; rows are created only for conversations that exist), and under that
/// lock every sender's membership and mute are read: the check is exact against group
/// changes, which take the same lock first. Each member's sends get the next seqs in the
/// order of `claims`, and the receipts, the senders' read cursors, the mention
/// notifications and the attachments are written with them. A claim whose (conversation,
/// sender, client_msg_id) already has a receipt, before or earlier in this batch, is
/// answered with it and takes no seq. Answers come in the order of `claims`.
///
/// Fails as a whole (the caller retries claim by claim): a receipt another replica
/// recorded between the check and the insert, a deadlock, the database.
pub async fn take_seqs(
    conn: &mut AsyncMysqlConnection,
    claims: &[Claim],
) -> Result<Vec<Taken>, DbError> {
    use crate::schema::conversation_seqs as seqs;
    use std::collections::BTreeMap;
    if claims.is_empty() {
        return Ok(Vec::new());
    }
    let created_at = Utc::now().naive_utc();
    conn.transaction::<_, DbError, _>(async |c| {
        let conversations: Vec<ConversationId> = claims
            .iter()
            .map(|k| k.conversation)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // The counters, locked in ascending order (X locks from the start: an `INSERT
        // IGNORE` first would take S locks on the existing rows, and two transactions
        // upgrading S to X on one row deadlock). Rows missing (a conversation's first
        // send) are created at 0 — only for conversations that exist, so a claim on a
        // made-up id leaves no row — and locked the same way.
        let lock = async |c: &mut AsyncMysqlConnection| {
            seqs::table
                .filter(seqs::conversation_id.eq_any(&conversations))
                .order(seqs::conversation_id.asc())
                .select((
                    seqs::conversation_id,
                    seqs::seq_reserved,
                    seqs::members_version,
                ))
                .for_update()
                .load::<(ConversationId, i64, i64)>(c)
                .await
        };
        let mut locked = lock(c).await?;
        if locked.len() < conversations.len() {
            // Only integers are spliced into this statement.
            let missing: Vec<String> = conversations
                .iter()
                .filter(|id| !locked.iter().any(|(l, _, _)| l == *id))
                .map(|id| id.to_string())
                .collect();
            diesel::sql_query(format!(
                "INSERT IGNORE INTO conversation_seqs (conversation_id, seq_reserved) \
                 SELECT id, 0 FROM conversations WHERE id IN ({})",
                missing.join(",")
            ))
            .execute(c)
            .await?;
            locked = lock(c).await?;
        }
        // Receipts recorded before (retries of earlier sends): one query for the batch.
        // Read only now, after the locks: the transaction's first plain read fixes its
        // snapshot (REPEATABLE READ), and the membership read below must see every change
        // committed by whoever held a lock this batch waited for.
        let mut seen: HashMap<(ConversationId, UserId, String), Receipt> = HashMap::new();
        let earlier: Vec<(ConversationId, UserId, String, Receipt)> = receipts::table
            .filter(receipts::conversation_id.eq_any(&conversations))
            .filter(
                receipts::client_msg_id.eq_any(claims.iter().map(|k| k.client_msg_id.as_str())),
            )
            .select((
                receipts::conversation_id,
                receipts::sender_id,
                receipts::client_msg_id,
                Receipt::as_select(),
            ))
            .load(c)
            .await?;
        for (conversation, sender, cmid, receipt) in earlier {
            seen.insert((conversation, sender, cmid), receipt);
        }
        let mut next: BTreeMap<ConversationId, (i64, i64)> = locked
            .into_iter()
            .map(|(id, reserved, version)| (id, (reserved, version)))
            .collect();
        // Who may send, read under the locks: active members and their mutes.
        let senders: std::collections::BTreeSet<UserId> =
            claims.iter().map(|k| k.sender).collect();
        let active: HashMap<(ConversationId, UserId), (Option<NaiveDateTime>, bool)> = members::table
            .filter(members::conversation_id.eq_any(&conversations))
            .filter(members::user_id.eq_any(&senders))
            .filter(members::left_at.is_null())
            .select((
                members::conversation_id,
                members::user_id,
                members::muted_until,
                members::peer_blocked,
            ))
            .load::<(ConversationId, UserId, Option<NaiveDateTime>, bool)>(c)
            .await?
            .into_iter()
            .map(|(conversation, user, muted, blocked)| ((conversation, user), (muted, blocked)))
            .collect();
        let mut answers = Vec::with_capacity(claims.len());
        let mut new_receipts = Vec::new();
        let mut notes = Vec::new();
        // (conversation, sender) → the sender's newest seq in this batch.
        let mut cursors: BTreeMap<(ConversationId, UserId), i64> = BTreeMap::new();
        for k in claims {
            let (Some((counter, members_version)), Some((muted, blocked))) = (
                next.get_mut(&k.conversation),
                active.get(&(k.conversation, k.sender)),
            ) else {
                answers.push(Taken::NotMember);
                continue;
            };
            if muted.is_some_and(|until| until > created_at) {
                answers.push(Taken::Muted);
                continue;
            }
            if *blocked {
                answers.push(Taken::Blocked);
                continue;
            }
            let members_version = *members_version;
            let key = (k.conversation, k.sender, k.client_msg_id.clone());
            if let Some(r) = seen.get(&key) {
                answers.push(Taken::Repeat {
                    receipt: r.clone(),
                    members_version,
                });
                continue;
            }
            *counter += 1;
            let seq = *counter;
            let receipt = Receipt {
                message_id: k.message_id.clone(),
                seq,
                created_at,
            };
            new_receipts.push((
                receipts::conversation_id.eq(k.conversation),
                receipts::sender_id.eq(k.sender),
                receipts::client_msg_id.eq(k.client_msg_id.as_str()),
                receipts::message_id.eq(k.message_id.as_str()),
                receipts::seq.eq(seq),
                receipts::created_at.eq(created_at),
            ));
            let mine = mention_rows(k.conversation, &k.message_id, seq, k.sender, &k.mentioned);
            notes.extend(mine.iter().cloned());
            cursors.insert((k.conversation, k.sender), seq);
            seen.insert(key, receipt.clone());
            answers.push(Taken::New {
                receipt,
                mentions: mine,
                members_version,
            });
        }
        if !new_receipts.is_empty() {
            // Integers only are spliced into these two statements (ids and seqs, never
            // client text), so building them as text is safe.
            let mut case = String::new();
            for (id, (last, _)) in &next {
                case.push_str(&format!(" WHEN {id} THEN {last}"));
            }
            let ids: Vec<String> = next.keys().map(|id| id.to_string()).collect();
            diesel::sql_query(format!(
                "UPDATE conversation_seqs SET seq_reserved = CASE conversation_id{case} END \
                 WHERE conversation_id IN ({})",
                ids.join(",")
            ))
            .execute(c)
            .await?;
            diesel::insert_into(receipts::table)
                .values(&new_receipts)
                .execute(c)
                .await?;
            let mut case = String::new();
            let mut pairs = Vec::with_capacity(cursors.len());
            for ((conversation, user), seq) in &cursors {
                case.push_str(&format!(
                    " WHEN conversation_id = {conversation} AND user_id = {user} THEN GREATEST(last_read_seq, {seq})"
                ));
                pairs.push(format!("({conversation},{user})"));
            }
            diesel::sql_query(format!(
                "UPDATE conversation_members SET last_read_seq = CASE{case} ELSE last_read_seq END \
                 WHERE (conversation_id, user_id) IN ({})",
                pairs.join(",")
            ))
            .execute(c)
            .await?;
            crate::notifications::insert(c, &notes).await?;
            for (k, answer) in claims.iter().zip(&answers) {
                if let (Some(file), Taken::New { .. }) = (&k.attach, answer) {
                    crate::files::attach(c, file, k.conversation).await?;
                }
            }
        }
        Ok(answers)
    })
    .await
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
    /// A forwarded copy: the id of the message it copies.
    pub forwarded_from: Option<String>,
}

/// Inserts a batch in one transaction, skipping rows already there (redeliveries), counts
/// what it inserted per day (`message_days`, for the admin statistics), and moves each
/// conversation's `last_seq` / `last_message_at` forward. Returns rows inserted.
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
    // Almost always one day; a batch across midnight is split so each day counts its own.
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, Vec<MessageRow>> =
        std::collections::BTreeMap::new();
    if rows
        .iter()
        .all(|r| r.created_at.date() == rows[0].created_at.date())
    {
        days.insert(rows[0].created_at.date(), Vec::new());
    } else {
        for r in rows {
            days.entry(r.created_at.date()).or_default().push(r.clone());
        }
    }
    let shard = (rows[0].seq % 16) as i16;
    conn.transaction::<_, DbError, _>(async |c| {
        let mut inserted = 0;
        for (day, split) in &days {
            let group: &[MessageRow] = if split.is_empty() { rows } else { split };
            let n = diesel::insert_or_ignore_into(messages::table)
                .values(group)
                .execute(c)
                .await?;
            if n > 0 {
                diesel::sql_query(
                    "INSERT INTO message_days (day, shard, messages) VALUES (?, ?, ?) \
                     ON DUPLICATE KEY UPDATE messages = messages + VALUES(messages)",
                )
                .bind::<diesel::sql_types::Date, _>(day)
                .bind::<diesel::sql_types::SmallInt, _>(shard)
                .bind::<diesel::sql_types::BigInt, _>(n as i64)
                .execute(c)
                .await?;
            }
            inserted += n;
        }
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
) -> Result<Vec<crate::lifecycle::Stored>, DbError> {
    use crate::lifecycle::MessageState;
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
    let mut rows: Vec<crate::lifecycle::Stored> = query
        .limit(limit)
        .select((MessageRow::as_select(), MessageState::as_select()))
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
/// Of the members `usernames` names in `conversation` (the sender aside), the bots: a
/// `mention` webhook fires for them.
pub async fn mentioned_bots(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    usernames: &[String],
) -> Result<Vec<UserId>, DbError> {
    named_members(conn, conversation, sender, usernames, Some("bot")).await
}

pub async fn mentioned_members(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    usernames: &[String],
) -> Result<Vec<UserId>, DbError> {
    named_members(conn, conversation, sender, usernames, None).await
}

/// The current members of `conversation` among `usernames` (the sender aside), of `role`
/// when given.
async fn named_members(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    sender: UserId,
    usernames: &[String],
    role: Option<&str>,
) -> Result<Vec<UserId>, DbError> {
    use crate::schema::users;
    if usernames.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = users::table
        .inner_join(members::table.on(members::user_id.eq(users::id)))
        .filter(members::conversation_id.eq(conversation))
        .filter(members::left_at.is_null())
        .filter(users::username.eq_any(usernames))
        .filter(users::id.ne(sender))
        .select(users::id)
        .into_boxed();
    if let Some(role) = role {
        q = q.filter(users::role.eq(role.to_owned()));
    }
    Ok(q.load(conn).await?)
}
