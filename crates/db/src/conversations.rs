//! Conversations and their members.

use crate::last_insert_id;
use crate::{
    DbError,
    schema::{conversation_members as members, conversation_seqs, conversations, users},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::mysql::Mysql))]
pub struct ConversationRow {
    pub id: ConversationId,
    pub kind: String,
    pub name: Option<String>,
    pub announcement: Option<String>,
    pub avatar_file_id: Option<String>,
    pub owner_id: Option<UserId>,
    pub last_seq: i64,
    /// The newest message's time; the creation time until there is a message.
    pub last_message_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = members, check_for_backend(diesel::mysql::Mysql))]
pub struct MemberRow {
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub role: String,
    pub last_read_seq: i64,
    pub joined_at: NaiveDateTime,
    pub left_seq: Option<i64>,
    pub muted_until: Option<NaiveDateTime>,
    /// The other member of this direct conversation blocked this one ([`crate::blocks`]).
    pub peer_blocked: bool,
    /// This member silenced the conversation's pushes until then ([`crate::push`]).
    pub push_muted_until: Option<NaiveDateTime>,
}

/// `"min:max"`: one direct conversation per pair of users.
pub fn direct_key(a: UserId, b: UserId) -> String {
    format!("{}:{}", a.min(b), a.max(b))
}

/// Ids among `ids` with no account.
pub async fn missing_users(
    conn: &mut AsyncMysqlConnection,
    ids: &[UserId],
) -> Result<Vec<UserId>, DbError> {
    let found: Vec<UserId> = users::table
        .filter(users::id.eq_any(ids))
        .select(users::id)
        .load(conn)
        .await?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// The direct conversation of two users, created if needed; `true` when created now.
/// Idempotent under concurrency: the unique `direct_key` lets exactly one insert win.
pub async fn open_direct(
    conn: &mut AsyncMysqlConnection,
    me: UserId,
    other: UserId,
) -> Result<(ConversationRow, bool), DbError> {
    let key = direct_key(me, other);
    if let Some(existing) = by_direct_key(conn, &key).await? {
        return Ok((existing, false));
    }
    let created = conn
        .transaction::<_, DbError, _>(async |c| {
            let now = Utc::now().naive_utc();
            diesel::insert_into(conversations::table)
                .values((
                    conversations::kind.eq("direct"),
                    conversations::direct_key.eq(&key),
                    conversations::created_by.eq(me),
                    conversations::last_message_at.eq(now),
                ))
                .execute(c)
                .await?;
            let id = by_direct_key(c, &key).await?.ok_or(DbError::NotFound)?.id;
            let rows = [me, other].map(|user| {
                (
                    members::conversation_id.eq(id),
                    members::user_id.eq(user),
                    members::role.eq("member"),
                )
            });
            diesel::insert_into(members::table)
                .values(&rows[..])
                .execute(c)
                .await?;
            crate::blocks::flag_direct(c, id, me, other).await?;
            Ok(id)
        })
        .await;
    match created {
        Ok(id) => Ok((by_id(conn, id).await?.ok_or(DbError::NotFound)?, true)),
        Err(DbError::Unique(_)) => Ok((
            by_direct_key(conn, &key).await?.ok_or(DbError::NotFound)?,
            false,
        )),
        Err(e) => Err(e),
    }
}

async fn by_direct_key(
    conn: &mut AsyncMysqlConnection,
    key: &str,
) -> Result<Option<ConversationRow>, DbError> {
    Ok(conversations::table
        .filter(conversations::direct_key.eq(key))
        .select(ConversationRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A new group owned by `owner`, with `others` as members.
pub async fn create_group(
    conn: &mut AsyncMysqlConnection,
    owner: UserId,
    name: &str,
    others: &[UserId],
) -> Result<ConversationRow, DbError> {
    let id = conn
        .transaction::<_, DbError, _>(async |c| {
            let now = Utc::now().naive_utc();
            diesel::insert_into(conversations::table)
                .values((
                    conversations::kind.eq("group"),
                    conversations::name.eq(name),
                    conversations::owner_id.eq(owner),
                    conversations::created_by.eq(owner),
                    conversations::last_message_at.eq(now),
                ))
                .execute(c)
                .await?;
            let id: ConversationId = diesel::select(last_insert_id())
                .get_result::<u64>(c)
                .await? as ConversationId;
            let mut rows = vec![(
                members::conversation_id.eq(id),
                members::user_id.eq(owner),
                members::role.eq("owner"),
            )];
            rows.extend(others.iter().filter(|u| **u != owner).map(|u| {
                (
                    members::conversation_id.eq(id),
                    members::user_id.eq(*u),
                    members::role.eq("member"),
                )
            }));
            diesel::insert_into(members::table)
                .values(&rows)
                .execute(c)
                .await?;
            Ok(id)
        })
        .await?;
    by_id(conn, id).await?.ok_or(DbError::NotFound)
}

pub async fn by_id(
    conn: &mut AsyncMysqlConnection,
    id: ConversationId,
) -> Result<Option<ConversationRow>, DbError> {
    Ok(conversations::table
        .find(id)
        .select(ConversationRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The caller's membership, if current (not left or removed).
pub async fn active_member(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<Option<MemberRow>, DbError> {
    Ok(members::table
        .find((conversation, user))
        .filter(members::left_at.is_null())
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Any membership, current or past (history stays readable up to `left_seq`).
pub async fn any_member(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<Option<MemberRow>, DbError> {
    Ok(members::table
        .find((conversation, user))
        .select(MemberRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn active_members(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<Vec<MemberRow>, DbError> {
    Ok(members::table
        .filter(members::conversation_id.eq(conversation))
        .filter(members::left_at.is_null())
        .order(members::joined_at.asc())
        .select(MemberRow::as_select())
        .load(conn)
        .await?)
}

/// The current members of several conversations in one query, oldest first.
pub async fn active_members_of(
    conn: &mut AsyncMysqlConnection,
    conversations: &[ConversationId],
) -> Result<Vec<MemberRow>, DbError> {
    if conversations.is_empty() {
        return Ok(Vec::new());
    }
    Ok(members::table
        .filter(members::conversation_id.eq_any(conversations))
        .filter(members::left_at.is_null())
        .order(members::joined_at.asc())
        .select(MemberRow::as_select())
        .load(conn)
        .await?)
}

/// The user's current conversations, newest activity first, after the `before` cursor
/// (activity time, id) when given.
pub async fn list_for_user(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    before: Option<(NaiveDateTime, ConversationId)>,
    limit: i64,
) -> Result<Vec<(ConversationRow, MemberRow)>, DbError> {
    let mut query = conversations::table
        .inner_join(members::table.on(members::conversation_id.eq(conversations::id)))
        .filter(members::user_id.eq(user))
        .filter(members::left_at.is_null())
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            conversations::last_message_at
                .lt(at)
                .or(conversations::last_message_at
                    .eq(at)
                    .and(conversations::id.lt(id))),
        );
    }
    Ok(query
        .order((
            conversations::last_message_at.desc(),
            conversations::id.desc(),
        ))
        .limit(limit)
        .select((ConversationRow::as_select(), MemberRow::as_select()))
        .load(conn)
        .await?)
}

/// Moves the user's read cursor forward to `seq` (never back, never past the newest seq
/// handed out). Returns the cursor after the move and whether it moved.
pub async fn mark_read(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
) -> Result<(i64, bool), DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let reserved: i64 = conversation_seqs::table
            .find(conversation)
            .select(conversation_seqs::seq_reserved)
            .first(c)
            .await
            .optional()?
            .unwrap_or(0);
        let target = seq.min(reserved);
        let moved = diesel::update(members::table.find((conversation, user)))
            .filter(members::last_read_seq.lt(target))
            .set(members::last_read_seq.eq(target))
            .execute(c)
            .await?;
        let cursor: i64 = members::table
            .find((conversation, user))
            .select(members::last_read_seq)
            .first(c)
            .await?;
        Ok((cursor, moved > 0))
    })
    .await
}

/// Ids of the current members of `conversation` (push fan-out).
pub async fn member_ids(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<Vec<UserId>, DbError> {
    Ok(members::table
        .filter(members::conversation_id.eq(conversation))
        .filter(members::left_at.is_null())
        .select(members::user_id)
        .load(conn)
        .await?)
}

/// Everyone who currently shares a conversation with `user` (presence fan-out).
pub async fn contacts_of(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<Vec<UserId>, DbError> {
    let mine = members::table
        .filter(members::user_id.eq(user))
        .filter(members::left_at.is_null())
        .select(members::conversation_id);
    let others_alias = diesel::alias!(crate::schema::conversation_members as others);
    let mut ids: Vec<UserId> = others_alias
        .filter(others_alias.field(members::conversation_id).eq_any(mine))
        .filter(others_alias.field(members::left_at).is_null())
        .filter(others_alias.field(members::user_id).ne(user))
        .select(others_alias.field(members::user_id))
        .distinct()
        .load(conn)
        .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Records when a user was last seen (their last connection closed).
pub async fn set_last_seen(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(users::table.find(user))
        .set(users::last_seen_at.eq(at))
        .execute(conn)
        .await?;
    Ok(())
}
