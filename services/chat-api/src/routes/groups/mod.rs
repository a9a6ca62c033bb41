//! `/groups/{id}/...`: administration of group conversations. Each handler turns its
//! request into a [`db::groups::Op`]; [`change`] applies it in one transaction (role
//! re-checked under the conversation's lock, system message with its own seq, membership
//! version, notifications) and then publishes, after the commit:
//! * the system message on `chat.message.conversation.{id}` (history via the
//!   persistence-worker's idempotent insert, live via push-worker);
//! * `system.notification.conversation.{id}` (`conversation.updated` to every member and to
//!   whoever just left, plus each new notification to its owner).
//!
//! The change is durable before anything is published: a publish that fails is logged and
//! counted, never reported as a failed change (clients resync on reconnect).

mod add_members;
mod mute;
mod remove_member;
mod set_role;
mod transfer_owner;
mod update;

pub use add_members::{__path_add_members, add_members};
pub use mute::{__path_mute_member, mute_member};
pub use remove_member::{__path_remove_member, remove_member};
pub use set_role::{__path_set_role, set_role};
pub use transfer_owner::{__path_transfer_owner, transfer_owner};
pub use update::{__path_update_group, update_group};

use crate::state::State;
use actix_web::{HttpRequest, HttpResponse};
use common_proto::{
    ConversationId,
    bus::{ConversationUpdated, HEADER_MEMBERS_VERSION, UserNotification, kind, routing},
};
use db::groups::{Applied, Op};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde_json::json;

/// Applies `op` and publishes its effects; the conversation as the caller now sees it
/// (200), or 204 when the caller is no longer a member.
pub(crate) async fn change(
    req: &HttpRequest,
    state: &State,
    me: &AuthUser,
    conversation: ConversationId,
    op: Op,
) -> ApiResult<HttpResponse> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let applied =
        db::groups::apply(&mut conn, conversation, me.id, op, state.group_max_members).await?;
    if let Some(applied) = &applied {
        publish(req, state, applied).await;
        metrics::counter!("chat_group_changes_total", "action" => action(applied)).increment(1);
    }
    let Some(member) = db::conversations::active_member(&mut conn, conversation, me.id).await?
    else {
        return Ok(HttpResponse::NoContent().finish());
    };
    let row = db::conversations::by_id(&mut conn, conversation)
        .await?
        .ok_or_else(|| ApiError::not_found("group"))?;
    let view = super::view::conversation_view(&mut conn, &row, &member, true).await?;
    Ok(HttpResponse::Ok().json(view))
}

fn action(applied: &Applied) -> String {
    applied.change["action"]
        .as_str()
        .unwrap_or("unknown")
        .to_owned()
}

async fn publish(req: &HttpRequest, state: &State, applied: &Applied) {
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
            req,
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
        req,
        routing::conversation_notification(conversation),
        kind::CONVERSATION_UPDATED,
        ulid::Ulid::generate().to_string(),
        updated,
    );
    state
        .publish_best_effort(updated, "group change: conversation.updated")
        .await;
}
