//! Group administration: [`change`] applies one [`Op`] in one transaction (the group
//! policy — who may do what — is checked under the conversation's lock in
//! `db::groups::apply`, which answers with a refusal, not HTTP), then publishes, after the
//! commit:
//! * the system message on `chat.message.conversation.{id}` (history via the
//!   persistence-worker's idempotent insert, live via push-worker);
//! * `system.notification.conversation.{id}` (`conversation.updated` to every member and to
//!   whoever just left, plus each new notification to its owner).
//!
//! The change is durable before anything is published: a publish that fails is logged and
//! counted, never reported as a failed change (clients resync on reconnect).

use super::{Caller, Error, Result, view};
use crate::state::State;
use common_proto::{
    ConversationId,
    bus::{ConversationUpdated, HEADER_MEMBERS_VERSION, UserNotification, kind, routing},
    rest::Conversation,
};
use db::groups::Applied;
pub use db::groups::Op;
use serde_json::json;

/// Applies `op` and publishes its effects; the conversation as the caller now sees it, or
/// `None` when the caller is no longer a member (they left).
pub async fn change(
    state: &State,
    caller: &Caller,
    conversation: ConversationId,
    op: Op,
) -> Result<Option<Conversation>> {
    let mut conn = state.conn().await?;
    let applied = db::groups::apply(
        &mut conn,
        conversation,
        caller.id,
        op,
        state.group_max_members,
    )
    .await?;
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
        notifications: applied
            .notifications
            .iter()
            .map(|n| UserNotification {
                user_id: n.user_id,
                notification: n.to_public(),
            })
            .collect(),
    };
    let sent = state
        .outgoing(
            caller.request_id.clone(),
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
        caller.request_id.clone(),
        routing::conversation_notification(conversation),
        kind::CONVERSATION_UPDATED,
        ulid::Ulid::generate().to_string(),
        updated,
    );
    state
        .publish_best_effort(updated, "group change: conversation.updated")
        .await;
}
