//! Group administration's queries. The rules (who may do what, what a change records) are
//! chat-api's (`domain::groups`); these are the typed steps its one transaction is made
//! of: take the conversation's seq (its row lock orders the change against sends), read
//! roles under it, change memberships and the group's fields, record the change as a
//! system message with that seq, bump the membership version.

use crate::{
    DbError,
    messages::MessageRow,
    schema::{conversation_members as members, conversation_seqs, conversations},
};
use chrono::NaiveDateTime;
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

pub const OWNER: &str = "owner";
pub const ADMIN: &str = "admin";
pub const MEMBER: &str = "member";

/// Makes `user` a member from `seq` on: a former member is reactivated (history from the
/// rejoin, the role back to member, unmuted), anyone else is inserted.
pub async fn add_member(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let reactivated = diesel::update(members::table.find((conversation, user)))
        .set((
            members::role.eq(MEMBER),
            members::left_at.eq(None::<NaiveDateTime>),
            members::left_seq.eq(None::<i64>),
            members::joined_at.eq(now),
            members::joined_seq.eq(seq),
            members::last_read_seq.eq(seq - 1),
            members::muted_until.eq(None::<NaiveDateTime>),
        ))
        .execute(c)
        .await?;
    if reactivated == 0 {
        diesel::insert_into(members::table)
            .values((
                members::conversation_id.eq(conversation),
                members::user_id.eq(user),
                members::role.eq(MEMBER),
                members::joined_at.eq(now),
                members::joined_seq.eq(seq),
                members::last_read_seq.eq(seq - 1),
            ))
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Who inherits a group its owner leaves: the longest-standing admin, else the
/// longest-standing member; `None` when the owner was the last member.
pub async fn successor(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    leaving: UserId,
) -> Result<Option<UserId>, DbError> {
    Ok(members::table
        .filter(members::conversation_id.eq(conversation))
        .filter(members::left_at.is_null())
        .filter(members::user_id.ne(leaving))
        .order((
            members::role.eq(ADMIN).desc(),
            members::joined_at.asc(),
            members::user_id.asc(),
        ))
        .select(members::user_id)
        .first::<UserId>(c)
        .await
        .optional()?)
}

/// `user` leaves at `seq`: they keep reading history up to and including the message
/// recording their exit.
pub async fn depart(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(members::table.find((conversation, user)))
        .set((
            members::left_at.eq(now),
            members::left_seq.eq(seq),
            members::role.eq(MEMBER),
        ))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_role(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    role: &str,
) -> Result<(), DbError> {
    diesel::update(members::table.find((conversation, user)))
        .set(members::role.eq(role))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_owner(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    owner: Option<UserId>,
) -> Result<(), DbError> {
    diesel::update(conversations::table.find(conversation))
        .set(conversations::owner_id.eq(owner))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_muted(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    until: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    diesel::update(members::table.find((conversation, user)))
        .set(members::muted_until.eq(until))
        .execute(c)
        .await?;
    Ok(())
}

/// The group's editable fields; `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = conversations)]
pub struct GroupFields {
    pub name: Option<String>,
    pub announcement: Option<Option<String>>,
    pub avatar_file_id: Option<Option<String>>,
}

impl GroupFields {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.announcement.is_none() && self.avatar_file_id.is_none()
    }
}

/// Writes the fields that are set (none: nothing is written).
pub async fn update_fields(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    fields: &GroupFields,
) -> Result<(), DbError> {
    if !fields.is_empty() {
        diesel::update(conversations::table.find(conversation))
            .set(fields)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Records a change made under `seq`: the membership version moves to it (push-worker's
/// member caches refetch), the system `message` is stored, and the conversation's newest
/// seq and time follow.
pub async fn record(c: &mut AsyncMysqlConnection, message: &MessageRow) -> Result<(), DbError> {
    let conversation = message.conversation_id;
    diesel::update(conversation_seqs::table.find(conversation))
        .set(conversation_seqs::members_version.eq(message.seq))
        .execute(c)
        .await?;
    diesel::insert_into(crate::schema::messages::table)
        .values(message)
        .execute(c)
        .await?;
    diesel::update(conversations::table.find(conversation))
        .filter(conversations::last_seq.lt(message.seq))
        .set((
            conversations::last_seq.eq(message.seq),
            conversations::last_message_at.eq(message.created_at),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// The membership version alone (stamped on a published change, like on a send).
pub async fn members_versioned_only(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<i64, DbError> {
    Ok(conversation_seqs::table
        .find(conversation)
        .select(conversation_seqs::members_version)
        .first::<i64>(conn)
        .await
        .optional()?
        .unwrap_or(0))
}

/// The members and the membership version they correspond to, read in one snapshot
/// (push-worker's cache: a message stamped with a newer version forces a refetch).
pub async fn members_versioned(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<(i64, Vec<UserId>), DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let version = members_versioned_only(c, conversation).await?;
        let ids = crate::conversations::member_ids(c, conversation).await?;
        Ok((version, ids))
    })
    .await
}
