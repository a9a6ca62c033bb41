use super::view::conversation_view;
use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use common_proto::{
    bus::{ConversationUpdated, kind, routing},
    error::ErrorBody,
    rest::{Conversation, CreateConversation, limits},
};
use kit::{ApiError, ApiResult, auth::AuthUser};

/// Opens the direct conversation with another user (200 with the existing one if there
/// is one) or creates a group owned by the caller (201).
#[utoipa::path(post, path = "/api/v1/conversations", tag = "conversations", security(("bearer" = [])),
    request_body = CreateConversation,
    responses((status = 201, body = Conversation), (status = 200, description = "the existing direct conversation", body = Conversation),
              (status = 422, body = ErrorBody)))]
pub async fn create_conversation(
    req_http: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: web::Json<CreateConversation>,
) -> ApiResult<HttpResponse> {
    let req = body.into_inner();
    let mut conn = db::pool::conn(&state.pool).await?;
    let (row, created) = match req.kind.as_str() {
        "direct" => {
            let [other] = req.member_ids[..] else {
                return Err(ApiError::validation(
                    "member_ids",
                    "a direct conversation names exactly one other user",
                ));
            };
            if other == me.id {
                return Err(ApiError::validation(
                    "member_ids",
                    "cannot open a direct conversation with yourself",
                ));
            }
            if req.name.is_some() {
                return Err(ApiError::validation(
                    "name",
                    "direct conversations have no name",
                ));
            }
            if !db::conversations::missing_users(&mut conn, &[other])
                .await?
                .is_empty()
            {
                return Err(ApiError::validation(
                    "member_ids",
                    format!("no user {other}"),
                ));
            }
            db::conversations::open_direct(&mut conn, me.id, other).await?
        }
        "group" => {
            let name = req.name.as_deref().map(str::trim).unwrap_or("");
            let chars = name.chars().count();
            if chars == 0
                || chars > limits::MAX_GROUP_NAME_CHARS
                || name.chars().any(char::is_control)
            {
                return Err(ApiError::validation("name", "must be 1 to 100 characters"));
            }
            let mut others = req.member_ids.clone();
            others.sort_unstable();
            others.dedup();
            others.retain(|id| *id != me.id);
            let most = limits::MAX_INITIAL_MEMBERS.min(state.group_max_members.saturating_sub(1));
            if others.len() > most {
                return Err(ApiError::validation(
                    "member_ids",
                    format!("at most {most} members besides you at creation"),
                ));
            }
            let missing = db::conversations::missing_users(&mut conn, &others).await?;
            if !missing.is_empty() {
                return Err(ApiError::validation(
                    "member_ids",
                    format!("no such users: {missing:?}"),
                ));
            }
            (
                db::conversations::create_group(&mut conn, me.id, name, &others).await?,
                true,
            )
        }
        _ => {
            return Err(ApiError::validation(
                "type",
                "must be \"direct\" or \"group\"",
            ));
        }
    };
    let member = db::conversations::active_member(&mut conn, row.id, me.id)
        .await?
        .ok_or_else(|| ApiError::internal("creator is not a member"))?;
    let view = conversation_view(&mut conn, &row, &member, true).await?;
    if created && view.kind == "group" {
        announce_group(&req_http, &state, &view, me.id).await;
    }
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Tells the initial members' sockets at once (`conversation.updated`), so a new group
/// shows up in their lists without a reload. Best effort: the group is stored already.
async fn announce_group(req: &HttpRequest, state: &State, view: &Conversation, actor: i64) {
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
        req,
        routing::conversation_notification(view.id),
        kind::CONVERSATION_UPDATED,
        ulid::Ulid::generate().to_string(),
        updated,
    );
    state
        .publish_best_effort(out, "group created: conversation.updated")
        .await;
}
