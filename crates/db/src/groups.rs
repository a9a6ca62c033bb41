//! Group administration: every change in ONE transaction that re-checks the actor's role
//! under the conversation's seq lock, applies the change, records it as a system message
//! with its own seq, bumps the membership version and writes the affected users'
//! notifications. Either all of it is durable or none of it.

use crate::{
    DbError,
    conversations::{ConversationRow, MemberRow},
    last_insert_id,
    messages::MessageRow,
    notifications::{self, NotificationRow},
    schema::{conversation_members as members, conversation_seqs, conversations, files},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::error::{Classified, ErrorCode};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use serde_json::{Value, json};

pub const OWNER: &str = "owner";
pub const ADMIN: &str = "admin";
pub const MEMBER: &str = "member";

/// One administrative change, made by the actor.
#[derive(Debug, Clone)]
pub enum Op {
    /// Owner or admin: add users (re-adding a former member reactivates them).
    Add(Vec<UserId>),
    /// Kick `user`; when `user` is the actor, leave (an owner hands ownership on).
    Remove(UserId),
    /// Owner only: make a member an admin or an admin a member.
    SetRole(UserId, String),
    /// Owner only: the target becomes owner, the old owner an admin.
    TransferOwner(UserId),
    /// Owner or admin (admins mute members only): muted until the time, or unmuted.
    Mute(UserId, Option<NaiveDateTime>),
    /// Owner or admin. `Some(None)` clears announcement / avatar.
    Update {
        name: Option<String>,
        announcement: Option<Option<String>>,
        avatar_file_id: Option<Option<String>>,
    },
}

/// What a change did, for the caller to publish after the commit.
#[derive(Debug, Clone)]
pub struct Applied {
    pub conversation: ConversationRow,
    /// The system message recording the change (already in `messages`).
    pub message: MessageRow,
    /// `{action, actor_id, user_ids, ...}`: the message's content, parsed.
    pub change: Value,
    pub notifications: Vec<NotificationRow>,
    /// Users who left the group with this change: they still get `conversation.updated`.
    pub departed: Vec<UserId>,
}

/// Why a group change was refused: the caller's answer (404, 403 or 422), in the error
/// table's terms but without HTTP (chat-api's error comes from it through [`Classified`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The group or member does not exist for the caller (existence is private).
    NotFound(&'static str),
    Forbidden(String),
    Invalid {
        field: &'static str,
        problem: String,
    },
}

impl Refusal {
    fn not_found(what: &'static str) -> Self {
        Self::NotFound(what)
    }
    fn forbidden(why: impl Into<String>) -> Self {
        Self::Forbidden(why.into())
    }
    fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound(what) => write!(f, "{what} not found"),
            Self::Forbidden(why) => f.write_str(why),
            Self::Invalid { field, problem } => write!(f, "{field}: {problem}"),
        }
    }
}

/// What [`apply`] fails with: a refusal for the caller, or the database.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("{0}")]
    Denied(Refusal),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl Classified for Refused {
    fn error_code(&self) -> ErrorCode {
        match self {
            Self::Denied(Refusal::NotFound(_)) => ErrorCode::NotFound,
            Self::Denied(Refusal::Forbidden(_)) => ErrorCode::Forbidden,
            Self::Denied(Refusal::Invalid { .. }) => ErrorCode::ValidationFailed,
            Self::Db(e) => e.error_code(),
        }
    }
    fn public_message(&self) -> String {
        match self {
            Self::Denied(r) => r.to_string(),
            Self::Db(e) => e.public_message(),
        }
    }
    fn field(&self) -> Option<&str> {
        match self {
            Self::Denied(Refusal::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub enum GroupError {
    Db(DbError),
    /// The answer for the client (403, 404, 422).
    Denied(Refusal),
    /// The change changes nothing (already a member, same role): no seq is spent.
    NoChange,
}

impl From<diesel::result::Error> for GroupError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}
impl From<DbError> for GroupError {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

fn denied(e: Refusal) -> GroupError {
    GroupError::Denied(e)
}

/// Applies `op` to group `conversation` as `actor`; `Ok(None)` when nothing changed.
pub async fn apply(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    actor: UserId,
    op: Op,
    max_members: usize,
) -> Result<Option<Applied>, Refused> {
    let result = conn
        .transaction::<_, GroupError, _>(async |c| {
            apply_locked(c, conversation, actor, op, max_members).await
        })
        .await;
    match result {
        Ok(applied) => Ok(Some(applied)),
        Err(GroupError::NoChange) => Ok(None),
        Err(GroupError::Denied(e)) => Err(Refused::Denied(e)),
        Err(GroupError::Db(e)) => Err(Refused::Db(e)),
    }
}

async fn member(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<Option<MemberRow>, GroupError> {
    Ok(crate::conversations::active_member(c, conversation, user).await?)
}

async fn apply_locked(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    actor: UserId,
    op: Op,
    max_members: usize,
) -> Result<Applied, GroupError> {
    // The seq lock first: it orders this change against sends and other changes, and the
    // actor's role is read under it (a demoted admin cannot slip a kick in). A refusal
    // rolls the seq back with everything else.
    let seq = take_seq(c, conversation).await?;
    // Existence is private: a non-member learns nothing, whatever the id.
    let me = member(c, conversation, actor)
        .await?
        .ok_or_else(|| denied(Refusal::not_found("group")))?;
    let conv = crate::conversations::by_id(c, conversation)
        .await?
        .ok_or_else(|| denied(Refusal::not_found("group")))?;
    if conv.kind != "group" {
        return Err(denied(Refusal::invalid(
            "conversation_id",
            "is a direct conversation, not a group",
        )));
    }
    let now = Utc::now().naive_utc();
    let is_owner = me.role == OWNER;
    let is_manager = is_owner || me.role == ADMIN;
    let group_name = conv.name.clone().unwrap_or_default();
    let mut notes: Vec<(UserId, &str, Value)> = Vec::new();
    let mut departed = Vec::new();

    let change = match op {
        Op::Add(users) => {
            if !is_manager {
                return Err(denied(Refusal::forbidden(
                    "only the owner and admins add members",
                )));
            }
            let missing = crate::conversations::missing_users(c, &users).await?;
            if !missing.is_empty() {
                return Err(denied(Refusal::invalid(
                    "user_ids",
                    format!("no such users: {missing:?}"),
                )));
            }
            let current = crate::conversations::member_ids(c, conversation).await?;
            let new: Vec<UserId> = users
                .iter()
                .copied()
                .filter(|u| !current.contains(u))
                .collect();
            if new.is_empty() {
                return Err(GroupError::NoChange);
            }
            if current.len() + new.len() > max_members {
                return Err(denied(Refusal::invalid(
                    "user_ids",
                    format!("a group has at most {max_members} members"),
                )));
            }
            for user in &new {
                let reactivated = diesel::update(members::table.find((conversation, *user)))
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
                            members::user_id.eq(*user),
                            members::role.eq(MEMBER),
                            members::joined_at.eq(now),
                            members::joined_seq.eq(seq),
                            members::last_read_seq.eq(seq - 1),
                        ))
                        .execute(c)
                        .await?;
                }
                notes.push((*user, "group.added", json!({})));
            }
            json!({"action": "members_added", "user_ids": new})
        }
        Op::Remove(user) if user == actor => {
            let mut change = json!({"action": "member_left", "user_ids": [actor]});
            if is_owner {
                let successor = members::table
                    .filter(members::conversation_id.eq(conversation))
                    .filter(members::left_at.is_null())
                    .filter(members::user_id.ne(actor))
                    // Longest-standing admin, else longest-standing member.
                    .order((
                        members::role.eq(ADMIN).desc(),
                        members::joined_at.asc(),
                        members::user_id.asc(),
                    ))
                    .select(members::user_id)
                    .first::<UserId>(c)
                    .await
                    .optional()?;
                set_owner(c, conversation, successor).await?;
                if let Some(next) = successor {
                    set_role(c, conversation, next, OWNER).await?;
                    notes.push((next, "group.role_changed", json!({"role": OWNER})));
                    change["new_owner_id"] = json!(next);
                }
            }
            depart(c, conversation, actor, seq, now).await?;
            departed.push(actor);
            change
        }
        Op::Remove(user) => {
            let target = member(c, conversation, user)
                .await?
                .ok_or_else(|| denied(Refusal::not_found("member")))?;
            let allowed = match me.role.as_str() {
                OWNER => true,
                ADMIN => target.role == MEMBER,
                _ => false,
            };
            if !allowed {
                return Err(denied(Refusal::forbidden(
                    "you may not remove this member (admins remove members only)",
                )));
            }
            depart(c, conversation, user, seq, now).await?;
            departed.push(user);
            notes.push((user, "group.removed", json!({})));
            json!({"action": "member_removed", "user_ids": [user]})
        }
        Op::SetRole(user, role) => {
            if !is_owner {
                return Err(denied(Refusal::forbidden("only the owner changes roles")));
            }
            if role != ADMIN && role != MEMBER {
                return Err(denied(Refusal::invalid(
                    "role",
                    "must be \"admin\" or \"member\"",
                )));
            }
            let target = member(c, conversation, user)
                .await?
                .ok_or_else(|| denied(Refusal::not_found("member")))?;
            if target.role == OWNER {
                return Err(denied(Refusal::invalid(
                    "user_id",
                    "the owner's role changes only by transferring ownership",
                )));
            }
            if target.role == role {
                return Err(GroupError::NoChange);
            }
            set_role(c, conversation, user, &role).await?;
            notes.push((user, "group.role_changed", json!({"role": role})));
            json!({"action": "role_changed", "user_ids": [user], "role": role})
        }
        Op::TransferOwner(user) => {
            if !is_owner {
                return Err(denied(Refusal::forbidden(
                    "only the owner transfers ownership",
                )));
            }
            if user == actor {
                return Err(GroupError::NoChange);
            }
            member(c, conversation, user)
                .await?
                .ok_or_else(|| denied(Refusal::not_found("member")))?;
            set_role(c, conversation, actor, ADMIN).await?;
            set_role(c, conversation, user, OWNER).await?;
            set_owner(c, conversation, Some(user)).await?;
            notes.push((user, "group.role_changed", json!({"role": OWNER})));
            json!({"action": "owner_transferred", "user_ids": [user], "previous_owner_id": actor})
        }
        Op::Mute(user, until) => {
            let target = member(c, conversation, user)
                .await?
                .ok_or_else(|| denied(Refusal::not_found("member")))?;
            let allowed = user != actor
                && match me.role.as_str() {
                    OWNER => true,
                    ADMIN => target.role == MEMBER,
                    _ => false,
                };
            if !allowed {
                return Err(denied(Refusal::forbidden(
                    "you may not mute this member (admins mute members only)",
                )));
            }
            diesel::update(members::table.find((conversation, user)))
                .set(members::muted_until.eq(until))
                .execute(c)
                .await?;
            let until = until.map(|t| t.and_utc());
            notes.push((user, "group.muted", json!({"muted_until": until})));
            json!({"action": if until.is_some() { "member_muted" } else { "member_unmuted" },
                   "user_ids": [user], "muted_until": until})
        }
        Op::Update {
            name,
            announcement,
            avatar_file_id,
        } => {
            if !is_manager {
                return Err(denied(Refusal::forbidden(
                    "only the owner and admins edit the group",
                )));
            }
            if let Some(Some(file)) = &avatar_file_id {
                let found: Option<String> = files::table
                    .find(file)
                    .select(files::id)
                    .first(c)
                    .await
                    .optional()?;
                if found.is_none() {
                    return Err(denied(Refusal::invalid("avatar_file_id", "no such file")));
                }
            }
            let mut fields = Vec::new();
            if let Some(n) = &name {
                diesel::update(conversations::table.find(conversation))
                    .set(conversations::name.eq(n))
                    .execute(c)
                    .await?;
                fields.push("name");
            }
            if let Some(a) = &announcement {
                diesel::update(conversations::table.find(conversation))
                    .set(conversations::announcement.eq(a))
                    .execute(c)
                    .await?;
                fields.push("announcement");
            }
            if let Some(f) = &avatar_file_id {
                diesel::update(conversations::table.find(conversation))
                    .set(conversations::avatar_file_id.eq(f))
                    .execute(c)
                    .await?;
                fields.push("avatar_file_id");
            }
            if fields.is_empty() {
                return Err(GroupError::NoChange);
            }
            json!({"action": "group_updated", "fields": fields, "user_ids": []})
        }
    };
    let mut change = change;
    change["actor_id"] = json!(actor);

    diesel::update(conversation_seqs::table.find(conversation))
        .set(conversation_seqs::members_version.eq(seq))
        .execute(c)
        .await?;
    let id = ulid::Ulid::generate().to_string();
    let message = MessageRow {
        id: id.clone(),
        conversation_id: conversation,
        seq,
        sender_id: actor,
        client_msg_id: format!("system:{id}"),
        kind: "system".into(),
        content: change.to_string(),
        file_id: None,
        reply_to: None,
        created_at: now,
    };
    diesel::insert_into(crate::schema::messages::table)
        .values(&message)
        .execute(c)
        .await?;
    diesel::update(conversations::table.find(conversation))
        .filter(conversations::last_seq.lt(seq))
        .set((
            conversations::last_seq.eq(seq),
            conversations::last_message_at.eq(now),
        ))
        .execute(c)
        .await?;
    let rows: Vec<NotificationRow> = notes
        .into_iter()
        .map(|(user, kind, mut payload)| {
            payload["conversation_id"] = json!(conversation);
            payload["conversation_name"] = json!(group_name);
            payload["actor_id"] = json!(actor);
            payload["seq"] = json!(seq);
            NotificationRow::new(user, kind, &payload)
        })
        .collect();
    notifications::insert(c, &rows).await?;
    let conversation = crate::conversations::by_id(c, conversation)
        .await?
        .ok_or(DbError::NotFound)?;
    Ok(Applied {
        conversation,
        message,
        change,
        notifications: rows,
        departed,
    })
}

/// The next seq of the conversation (the same counter sends use), under its row lock.
async fn take_seq(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<i64, GroupError> {
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

async fn depart(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    seq: i64,
    now: NaiveDateTime,
) -> Result<(), GroupError> {
    // They keep reading history up to and including the message recording their exit.
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

async fn set_role(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    role: &str,
) -> Result<(), GroupError> {
    diesel::update(members::table.find((conversation, user)))
        .set(members::role.eq(role))
        .execute(c)
        .await?;
    Ok(())
}

async fn set_owner(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    owner: Option<UserId>,
) -> Result<(), GroupError> {
    diesel::update(conversations::table.find(conversation))
        .set(conversations::owner_id.eq(owner))
        .execute(c)
        .await?;
    Ok(())
}

/// The members and the membership version they correspond to, read in one snapshot
/// (push-worker's cache: a message stamped with a newer version forces a refetch).
pub async fn members_versioned(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
) -> Result<(i64, Vec<UserId>), DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let version = conversation_seqs::table
            .find(conversation)
            .select(conversation_seqs::members_version)
            .first::<i64>(c)
            .await
            .optional()?
            .unwrap_or(0);
        let ids = crate::conversations::member_ids(c, conversation).await?;
        Ok((version, ids))
    })
    .await
}

/// The caller's active membership and the conversation's membership version, in one
/// query (the send path stamps messages with the version).
pub async fn active_member_versioned(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
) -> Result<Option<(MemberRow, i64)>, DbError> {
    let row: Option<(MemberRow, Option<i64>)> = members::table
        .left_join(
            conversation_seqs::table
                .on(conversation_seqs::conversation_id.eq(members::conversation_id)),
        )
        .filter(members::conversation_id.eq(conversation))
        .filter(members::user_id.eq(user))
        .filter(members::left_at.is_null())
        .select((
            MemberRow::as_select(),
            conversation_seqs::members_version.nullable(),
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(m, v)| (m, v.unwrap_or(0))))
}
