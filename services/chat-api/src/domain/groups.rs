//! Group administration: [`change`] applies one [`Op`] in one transaction that takes the
//! conversation's seq first (its row lock orders the change against sends and other
//! changes), reads the actor's role under that lock (a demoted admin cannot slip a kick
//! in), asks [`group_policy`](super::group_policy), writes the change, records it as a
//! system message with that seq and writes the affected users' notifications. A refusal
//! or a change that changes nothing rolls everything back, the seq included. After the
//! commit it publishes:
//! * the system message on `chat.message.conversation.{id}` (history via the
//!   persistence-worker's idempotent insert, live via push-worker);
//! * `system.notification.conversation.{id}` (`conversation.updated` to every member and to
//!   whoever just left, plus each new notification to its owner).
//!
//! The change is durable before anything is published: a publish that fails is logged and
//! counted, never reported as a failed change (clients resync on reconnect).

use super::group_policy::{self as policy, Role};
use super::{Caller, Error, Result, Undone, view};
use crate::state::State;
use chrono::{NaiveDateTime, Utc};
use common_proto::{
    ConversationId, UserId,
    bus::{ConversationUpdated, HEADER_MEMBERS_VERSION, kind, routing},
    rest::Conversation,
};
use db::conversations::ConversationRow;
use db::groups::GroupFields;
use db::messages::MessageRow;
use db::notifications::NotificationRow;
use diesel_async::{AsyncConnection, AsyncMysqlConnection};
use serde_json::{Value, json};
use views::ToPublic;

/// One administrative change, made by the caller.
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
    Update(GroupFields),
}

/// What a change did, for publishing after the commit.
#[derive(Debug)]
struct Applied {
    conversation: ConversationRow,
    /// The system message recording the change (already in `messages`).
    message: MessageRow,
    /// `{action, actor_id, user_ids, ...}`: the message's content, parsed.
    change: Value,
    notifications: Vec<NotificationRow>,
    /// Users who left the group with this change: they still get `conversation.updated`.
    departed: Vec<UserId>,
}

/// Applies `op` and publishes its effects; the conversation as the caller now sees it, or
/// `None` when the caller is no longer a member (they left).
pub async fn change(
    state: &State,
    caller: &Caller,
    conversation: ConversationId,
    op: Op,
) -> Result<Option<Conversation>> {
    let mut conn = state.conn().await?;
    let max_members = state.group_max_members;
    let actor = caller.id;
    let applied = conn
        .transaction::<_, Undone, _>(async |c| {
            apply_locked(c, conversation, actor, op, max_members).await
        })
        .await;
    let applied = match applied {
        Ok(applied) => Some(applied),
        Err(Undone::Unchanged) => None,
        Err(Undone::Failed(e)) => return Err(e),
    };
    if let Some(applied) = &applied {
        publish(state, caller, applied).await;
        metrics::counter!("chat_group_changes_total", "action" => action(applied)).increment(1);
    }
    let Some(member) = db::conversations::active_member(&mut conn, conversation, caller.id).await?
    else {
        return Ok(None);
    };
    let row = db::conversations::by_id(&mut conn, conversation)
        .await?
        .ok_or(Error::NotFound("group"))?;
    Ok(Some(
        view::conversation_view(&mut conn, &row, &member, true).await?,
    ))
}

/// A group's ownership changed hands: an audit-log row in the change's transaction.
async fn audit_ownership(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    from: UserId,
    to: Option<UserId>,
    why: &str,
) -> std::result::Result<(), Undone> {
    db::audit::append(
        c,
        db::audit::Entry {
            actor: Some(from),
            action: "group.owner_transferred",
            target_type: "conversation",
            target_id: conversation.to_string(),
            detail: json!({"from": from, "to": to, "reason": why}),
        },
    )
    .await?;
    Ok(())
}

/// The target's role, or 404 when they are not a member.
async fn role_of(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
) -> std::result::Result<Role, Undone> {
    let member = db::conversations::active_member(c, conversation, user)
        .await?
        .ok_or(Error::NotFound("member"))?;
    Ok(Role::of(&member.role))
}

async fn apply_locked(
    c: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    actor: UserId,
    op: Op,
    max_members: usize,
) -> std::result::Result<Applied, Undone> {
    let seq = db::messages::next_seq(c, conversation).await?;
    // Existence is private: a non-member learns nothing, whatever the id.
    let me = db::conversations::active_member(c, conversation, actor)
        .await?
        .ok_or(Error::NotFound("group"))?;
    let conv = db::conversations::by_id(c, conversation)
        .await?
        .ok_or(Error::NotFound("group"))?;
    if conv.kind != "group" {
        return Err(
            Error::invalid("conversation_id", "is a direct conversation, not a group").into(),
        );
    }
    let role = Role::of(&me.role);
    let now = Utc::now().naive_utc();
    let mut notes: Vec<(UserId, &str, Value)> = Vec::new();
    let mut departed = Vec::new();

    let mut change = match op {
        Op::Add(users) => {
            policy::may_add(role)?;
            let missing = db::conversations::missing_users(c, &users).await?;
            if !missing.is_empty() {
                return Err(
                    Error::invalid("user_ids", format!("no such users: {missing:?}")).into(),
                );
            }
            let current = db::conversations::member_ids(c, conversation).await?;
            let new: Vec<UserId> = users
                .iter()
                .copied()
                .filter(|u| !current.contains(u))
                .collect();
            if new.is_empty() {
                return Err(Undone::Unchanged);
            }
            policy::fits(current.len(), new.len(), max_members)?;
            for user in &new {
                db::groups::add_member(c, conversation, *user, seq, now).await?;
                notes.push((*user, "group.added", json!({})));
            }
            json!({"action": "members_added", "user_ids": new})
        }
        Op::Remove(user) if user == actor => {
            let mut change = json!({"action": "member_left", "user_ids": [actor]});
            if role == Role::Owner {
                let successor = db::groups::successor(c, conversation, actor).await?;
                db::groups::set_owner(c, conversation, successor).await?;
                audit_ownership(c, conversation, actor, successor, "owner_left").await?;
                if let Some(next) = successor {
                    db::groups::set_role(c, conversation, next, Role::Owner.as_str()).await?;
                    notes.push((
                        next,
                        "group.role_changed",
                        json!({"role": Role::Owner.as_str()}),
                    ));
                    change["new_owner_id"] = json!(next);
                }
            }
            db::groups::depart(c, conversation, actor, seq, now).await?;
            departed.push(actor);
            change
        }
        Op::Remove(user) => {
            policy::may_remove(role, role_of(c, conversation, user).await?)?;
            db::groups::depart(c, conversation, user, seq, now).await?;
            departed.push(user);
            notes.push((user, "group.removed", json!({})));
            json!({"action": "member_removed", "user_ids": [user]})
        }
        Op::SetRole(user, requested) => {
            policy::may_change_roles(role)?;
            let to = policy::requested_role(&requested)?;
            let target = role_of(c, conversation, user).await?;
            policy::may_change_role_of(target)?;
            if target == to {
                return Err(Undone::Unchanged);
            }
            db::groups::set_role(c, conversation, user, to.as_str()).await?;
            notes.push((user, "group.role_changed", json!({"role": to.as_str()})));
            json!({"action": "role_changed", "user_ids": [user], "role": to.as_str()})
        }
        Op::TransferOwner(user) => {
            policy::may_transfer(role)?;
            if user == actor {
                return Err(Undone::Unchanged);
            }
            role_of(c, conversation, user).await?;
            db::groups::set_role(c, conversation, actor, Role::Admin.as_str()).await?;
            db::groups::set_role(c, conversation, user, Role::Owner.as_str()).await?;
            db::groups::set_owner(c, conversation, Some(user)).await?;
            audit_ownership(c, conversation, actor, Some(user), "transferred").await?;
            notes.push((
                user,
                "group.role_changed",
                json!({"role": Role::Owner.as_str()}),
            ));
            json!({"action": "owner_transferred", "user_ids": [user], "previous_owner_id": actor})
        }
        Op::Mute(user, until) => {
            let target = role_of(c, conversation, user).await?;
            policy::may_mute(role, target, user == actor)?;
            db::groups::set_muted(c, conversation, user, until).await?;
            let until = until.map(|t| t.and_utc());
            notes.push((user, "group.muted", json!({"muted_until": until})));
            json!({"action": if until.is_some() { "member_muted" } else { "member_unmuted" },
                   "user_ids": [user], "muted_until": until})
        }
        Op::Update(fields) => {
            policy::may_edit(role)?;
            // A file the actor can read, else "no such file" — the same answer for one
            // that exists but is not theirs to use (no existence oracle).
            if let Some(Some(file)) = &fields.avatar_file_id
                && db::files::readable(c, file, actor).await?.is_none()
            {
                return Err(Error::invalid("avatar_file_id", "no such file").into());
            }
            if fields.is_empty() {
                return Err(Undone::Unchanged);
            }
            db::groups::update_fields(c, conversation, &fields).await?;
            let changed: Vec<&str> = [
                ("name", fields.name.is_some()),
                ("announcement", fields.announcement.is_some()),
                ("avatar_file_id", fields.avatar_file_id.is_some()),
            ]
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect();
            json!({"action": "group_updated", "fields": changed, "user_ids": []})
        }
    };
    change["actor_id"] = json!(actor);

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
        forwarded_from: None,
    };
    db::groups::record(c, &message).await?;
    let group_name = conv.name.clone().unwrap_or_default();
    let notifications: Vec<NotificationRow> = notes
        .into_iter()
        .map(|(user, kind, mut payload)| {
            payload["conversation_id"] = json!(conversation);
            payload["conversation_name"] = json!(group_name);
            payload["actor_id"] = json!(actor);
            payload["seq"] = json!(seq);
            NotificationRow::new(user, kind, &payload)
        })
        .collect();
    db::notifications::insert(c, &notifications).await?;
    let conversation = db::conversations::by_id(c, conversation)
        .await?
        .ok_or(Error::NotFound("group"))?;
    Ok(Applied {
        conversation,
        message,
        change,
        notifications,
        departed,
    })
}

fn action(applied: &Applied) -> String {
    applied.change["action"]
        .as_str()
        .unwrap_or("unknown")
        .to_owned()
}

async fn publish(state: &State, caller: &Caller, applied: &Applied) {
    let conversation = applied.conversation.id;
    let message = applied.message.to_public();
    let updated = ConversationUpdated {
        conversation_id: conversation,
        conversation: json!({
            "id": conversation,
            "type": applied.conversation.kind,
            "name": applied.conversation.name,
            "announcement": applied.conversation.announcement,
            "avatar_file_id": applied.conversation.avatar_file_id,
            "owner_id": applied.conversation.owner_id,
            "last_seq": message.seq,
            "change": applied.change,
        }),
        departed: applied.departed.clone(),
        notifications: views::user_notifications(&applied.notifications),
    };
    let sent = state
        .outgoing(
            caller.trace.clone(),
            routing::chat_message(conversation),
            kind::MESSAGE_SENT,
            message.id.clone(),
            &message,
        )
        .map(|o| o.with_header(HEADER_MEMBERS_VERSION, message.seq));
    state
        .publish_best_effort(sent, "group change: system message")
        .await;
    let updated = state.outgoing(
        caller.trace.clone(),
        routing::conversation_notification(conversation),
        kind::CONVERSATION_UPDATED,
        ulid::Ulid::generate().to_string(),
        updated,
    );
    state
        .publish_best_effort(updated, "group change: conversation.updated")
        .await;
}
