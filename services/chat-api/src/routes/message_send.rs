use crate::state::State;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeZone, Utc};
use common_proto::{
    bus::{HEADER_MEMBERS_VERSION, NotificationsCreated, UserNotification, kind, routing},
    error::ErrorBody,
    rest::{Message, SendMessage, limits},
};
use db::messages::Taken;
use kit::{ApiError, ApiResult, auth::AuthUser};

/// Sends a message. Everything that could make it fail later is checked first; the seq is
/// taken durably; the answer comes only after the broker confirmed the message. The same
/// `client_msg_id` from the same sender returns the same message (200) instead of a new one.
#[utoipa::path(post, path = "/api/v1/messages", tag = "messages", security(("bearer" = [])), request_body = SendMessage,
    responses((status = 201, body = Message), (status = 200, description = "a repeat of an earlier send", body = Message),
              (status = 404, description = "no such conversation for the caller", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn send_message(
    req: HttpRequest,
    state: web::Data<State>,
    me: AuthUser,
    body: web::Json<SendMessage>,
) -> ApiResult<HttpResponse> {
    let send = body.into_inner();
    validate(&send)?;
    let mut conn = db::pool::conn(&state.pool).await?;
    // The membership version goes out with the message: push-worker refreshes its member
    // cache when it is newer, so a member removed before this send never receives it.
    let (member, members_version) =
        db::groups::active_member_versioned(&mut conn, send.conversation_id, me.id)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
    if member
        .muted_until
        .is_some_and(|until| until > Utc::now().naive_utc())
    {
        return Err(ApiError::forbidden("you are muted in this conversation"));
    }
    if let Some(reply_to) = &send.reply_to
        && !db::messages::exists_in(&mut conn, send.conversation_id, reply_to).await?
    {
        return Err(ApiError::validation(
            "reply_to",
            "no such message in this conversation",
        ));
    }
    let file = match &send.file_id {
        Some(id) => {
            let file = db::files::attachable(&mut conn, id, me.id)
                .await?
                .ok_or_else(|| ApiError::validation("file_id", "no such file"))?;
            if send.kind == "image" && !file.content_type.starts_with("image/") {
                return Err(ApiError::validation("type", "the file is not an image"));
            }
            Some(file)
        }
        None => None,
    };
    let names = mentions(&send.content);
    let mentioned = if names.is_empty() {
        Vec::new()
    } else {
        db::messages::mentioned_members(&mut conn, send.conversation_id, me.id, &names).await?
    };
    let new_id = ulid::Ulid::generate().to_string();
    let taken = db::messages::take_seq(
        &mut conn,
        send.conversation_id,
        me.id,
        &send.client_msg_id,
        &new_id,
        &mentioned,
    )
    .await?;
    if let Some(file) = &file {
        // Before publishing: once a member sees the message, they may fetch the file.
        db::files::attach(&mut conn, &file.id, send.conversation_id).await?;
    }
    drop(conn);
    let (receipt, repeat, notes) = match taken {
        Taken::New(r, notes) => (r, false, notes),
        Taken::Repeat(r) => (r, true, Vec::new()),
    };
    let message = Message {
        id: receipt.message_id,
        conversation_id: send.conversation_id,
        seq: receipt.seq,
        sender_id: me.id,
        kind: send.kind,
        content: send.content,
        file_id: send.file_id,
        reply_to: send.reply_to,
        created_at: Utc.from_utc_datetime(&receipt.created_at),
        client_msg_id: send.client_msg_id,
        file: file.map(|f| Box::new(f.to_public())),
    };
    // A repeat is published again: if the first attempt's publish failed, this one is what
    // brings the message to history; if it succeeded, consumers drop the duplicate by id.
    let out = state
        .outgoing(
            &req,
            routing::chat_message(message.conversation_id),
            kind::MESSAGE_SENT,
            message.id.clone(),
            &message,
        )?
        .with_header(HEADER_MEMBERS_VERSION, members_version);
    state.bus.publish(&out).await?;
    if !notes.is_empty() {
        publish_mentions(&req, &state, message.conversation_id, &notes).await;
    }
    metrics::counter!("chat_messages_sent_total", "repeat" => if repeat { "true" } else { "false" }).increment(1);
    Ok(if repeat {
        HttpResponse::Ok().json(message)
    } else {
        HttpResponse::Created().json(message)
    })
}

/// The distinct `@username` tokens of a text (usernames are `A-Za-z0-9_.-`, 3..=32), at
/// most `MAX_MENTIONS`. A trailing `.` or `-` is punctuation, not part of the name.
fn mentions(content: &str) -> Vec<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    let mut found: Vec<String> = Vec::new();
    let mut rest = content;
    while let Some(at) = rest.find('@') {
        let preceded_by_word = rest[..at].chars().next_back().is_some_and(is_name);
        let after = &rest[at + 1..];
        let end = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
        let name = after[..end].trim_end_matches(['.', '-']);
        if !preceded_by_word && (3..=32).contains(&name.len()) && !found.iter().any(|f| f == name) {
            found.push(name.to_owned());
            if found.len() == limits::MAX_MENTIONS {
                break;
            }
        }
        rest = &after[end..];
    }
    found
}

/// Pushes the new mention notifications live; they are durable already (a failure only
/// delays them to the next inbox read).
async fn publish_mentions(
    req: &HttpRequest,
    state: &State,
    conversation: common_proto::ConversationId,
    notes: &[db::notifications::NotificationRow],
) {
    let data = NotificationsCreated {
        notifications: notes
            .iter()
            .map(|n| UserNotification {
                user_id: n.user_id,
                notification: n.to_public(),
            })
            .collect(),
    };
    let out = state.outgoing(
        req,
        routing::conversation_notification(conversation),
        kind::NOTIFICATIONS_CREATED,
        ulid::Ulid::generate().to_string(),
        data,
    );
    state
        .publish_best_effort(out, "mention notifications")
        .await;
}

/// Shape checks that need no database.
fn validate(send: &SendMessage) -> ApiResult<()> {
    let id_chars = send.client_msg_id.chars().count();
    if id_chars == 0
        || id_chars > limits::MAX_CLIENT_MSG_ID_CHARS
        || send.client_msg_id.chars().any(char::is_control)
    {
        return Err(ApiError::validation(
            "client_msg_id",
            "must be 1 to 64 characters without control characters",
        ));
    }
    if send.content.chars().count() > limits::MAX_CONTENT_CHARS {
        return Err(ApiError::validation(
            "content",
            "must be at most 8000 characters",
        ));
    }
    match send.kind.as_str() {
        "text" => {
            if send.content.trim().is_empty() {
                return Err(ApiError::validation(
                    "content",
                    "a text message needs content",
                ));
            }
            if send.file_id.is_some() {
                return Err(ApiError::validation(
                    "file_id",
                    "a text message has no file",
                ));
            }
        }
        "file" | "image" => match &send.file_id {
            // Whether it exists and the sender may attach it is checked against MySQL.
            Some(id) if common_proto::is_id(id) => {}
            Some(_) => return Err(ApiError::validation("file_id", "is not a file id")),
            None => {
                return Err(ApiError::validation(
                    "file_id",
                    "a file or image message needs a file_id",
                ));
            }
        },
        _ => {
            return Err(ApiError::validation(
                "type",
                "must be \"text\", \"file\" or \"image\"",
            ));
        }
    }
    if let Some(reply_to) = &send.reply_to
        && !common_proto::is_id(reply_to)
    {
        return Err(ApiError::validation("reply_to", "is not a message id"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(kind: &str, content: &str, cmid: &str) -> SendMessage {
        SendMessage {
            conversation_id: 1,
            client_msg_id: cmid.into(),
            kind: kind.into(),
            content: content.into(),
            file_id: None,
            reply_to: None,
        }
    }

    #[test]
    fn mentions_are_distinct_usernames() {
        assert_eq!(
            mentions("hi @alice and @bob_2, @alice again; mail x@carol.com @al @dave."),
            vec!["alice", "bob_2", "dave"]
        );
        assert!(mentions("no mentions @ all").is_empty());
        let many: String = (0..80).map(|i| format!("@user{i:03} ")).collect();
        assert_eq!(mentions(&many).len(), limits::MAX_MENTIONS);
    }

    #[test]
    fn validation_names_the_field() {
        let field = |s: SendMessage| validate(&s).err().and_then(|e| e.field);
        assert_eq!(field(send("text", "hi", "a")), None);
        assert_eq!(
            field(send("text", "hi", "")).as_deref(),
            Some("client_msg_id")
        );
        assert_eq!(
            field(send("text", "hi", &"x".repeat(65))).as_deref(),
            Some("client_msg_id")
        );
        assert_eq!(
            field(send("text", "hi", &"é".repeat(64))),
            None,
            "64 characters, not bytes"
        );
        assert_eq!(field(send("text", "   ", "a")).as_deref(), Some("content"));
        assert_eq!(
            field(send("text", &"x".repeat(8001), "a")).as_deref(),
            Some("content")
        );
        assert_eq!(field(send("text", &"字".repeat(8000), "a")), None);
        assert_eq!(field(send("video", "hi", "a")).as_deref(), Some("type"));
    }
}
