//! Conversations: open a direct chat (idempotent per pair), create a group (its members
//! hear of it at once), one conversation with its members, and the caller's list.

use super::{Caller, Error, Result, view};
use crate::state::State;
use common_proto::{
    bus::{ConversationUpdated, kind, routing},
    rest::{Conversation, CreateConversation, limits},
};

/// The conversation, and whether it was created (a direct chat that exists is returned).
pub async fn create(
    state: &State,
    caller: &Caller,
    req: CreateConversation,
) -> Result<(Conversation, bool)> {
    let mut conn = state.conn().await?;
    let (row, created) = match req.kind.as_str() {
        "direct" => {
            let [other] = req.member_ids[..] else {
                return Err(Error::invalid(
                    "member_ids",
                    "a direct conversation names exactly one other user",
                ));
            };
            if other == caller.id {
                return Err(Error::invalid(
                    "member_ids",
                    "cannot open a direct conversation with yourself",
                ));
            }
            if req.name.is_some() {
                return Err(Error::invalid("name", "direct conversations have no name"));
            }
            if !db::conversations::missing_users(&mut conn, &[other])
                .await?
                .is_empty()
            {
                return Err(Error::invalid("member_ids", format!("no user {other}")));
            }
            if db::blocks::blocks(&mut conn, other, caller.id).await? {
                return Err(Error::Blocked);
            }
            db::conversations::open_direct(&mut conn, caller.id, other).await?
        }
        "group" => {
            let name = req.name.as_deref().map(str::trim).unwrap_or("");
            let chars = name.chars().count();
            if chars == 0
                || chars > limits::MAX_GROUP_NAME_CHARS
                || name.chars().any(common_proto::text::is_hidden_control)
            {
                return Err(Error::invalid(
                    "name",
                    format!("must be 1 to {} characters", limits::MAX_GROUP_NAME_CHARS),
                ));
            }
            let mut others = req.member_ids.clone();
            others.sort_unstable();
            others.dedup();
            others.retain(|id| *id != caller.id);
            let most = limits::MAX_INITIAL_MEMBERS.min(state.group_max_members.saturating_sub(1));
            if others.len() > most {
                return Err(Error::invalid(
                    "member_ids",
                    format!("at most {most} members besides you at creation"),
                ));
            }
            let missing = db::conversations::missing_users(&mut conn, &others).await?;
            if !missing.is_empty() {
                return Err(Error::invalid(
                    "member_ids",
                    format!("no such users: {missing:?}"),
                ));
            }
            (
                db::conversations::create_group(&mut conn, caller.id, name, &others).await?,
                true,
            )
        }
        _ => {
            return Err(Error::invalid("type", "must be \"direct\" or \"group\""));
        }
    };
    let member = db::conversations::active_member(&mut conn, row.id, caller.id)
        .await?
        .ok_or(Error::Db(db::DbError::NotFound))?;
    let view = view::conversation_view(&mut conn, &row, &member, true).await?;
    if created && view.kind == "group" {
        announce_group(state, caller, &view).await;
    }
    Ok((view, created))
}

/// One conversation with its members and roles; `NotFound` for non-members (whether a
/// conversation exists is itself private).
pub async fn get(state: &State, caller: &Caller, id: i64) -> Result<Conversation> {
    let mut conn = state.conn().await?;
    let member = db::conversations::active_member(&mut conn, id, caller.id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let row = db::conversations::by_id(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    view::conversation_view(&mut conn, &row, &member, true).await
}

/// A page of the caller's conversations, newest activity first, before `before`
/// (activity time, id); the flag says whether more follow.
pub async fn list(
    state: &State,
    caller: &Caller,
    before: Option<(chrono::NaiveDateTime, i64)>,
    limit: i64,
) -> Result<(Vec<Conversation>, bool)> {
    let mut conn = state.conn().await?;
    let rows = db::conversations::list_for_user(&mut conn, caller.id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let page = &rows[..rows.len().min(limit as usize)];
    Ok((view::list_views(&mut conn, page).await?, more))
}

/// Tells the initial members' sockets at once (`conversation.updated`), so a new group
/// shows up in their lists without a reload. Best effort: the group is stored already.
async fn announce_group(state: &State, caller: &Caller, view: &Conversation) {
    let actor = caller.id;
    let members: Vec<i64> = view
        .members
        .iter()
        .flatten()
        .map(|m| m.user_id)
        .filter(|id| *id != actor)
        .collect();
    let updated = ConversationUpdated {
        conversation_id: view.id,
        conversation: serde_json::json!({
            "id": view.id,
            "type": view.kind,
            "name": view.name,
            "last_seq": view.last_seq,
            "change": {"action": "created", "actor_id": actor, "user_ids": members},
        }),
        departed: Vec::new(),
        notifications: Vec::new(),
    };
    let out = state.outgoing(
        caller.trace.clone(),
        routing::conversation_notification(view.id),
        kind::CONVERSATION_UPDATED,
        ulid::Ulid::generate().to_string(),
        updated,
    );
    state
        .publish_best_effort(out, "group created: conversation.updated")
        .await;
}
