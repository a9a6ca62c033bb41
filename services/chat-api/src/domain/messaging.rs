//! Messaging: send (validate → take the seq durably through the [`sequencer`](super::sequencer),
//! with the file attached in the same transaction → publish with confirm), history, read
//! cursors.

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::{TimeZone, Utc};
use common_proto::{
    ConversationId,
    bus::{HEADER_MEMBERS_VERSION, NotificationsCreated, ReadMoved, kind, routing},
    rest::{Message, SendMessage, limits},
};
use db::messages::{Claim, Taken};
use views::ToPublic;

const MUTED: &str = "you are muted in this conversation";

/// A send's outcome: the message, and whether it repeats an earlier send.
pub struct Sent {
    pub message: Message,
    pub repeat: bool,
}

/// Sends a message. Everything that could make it fail later is checked first; the seq is
/// taken durably (with the receipt, the sender's cursor, mention notifications and the
/// file's attachment in one transaction); the answer comes only after the broker confirmed
/// the message. The same `client_msg_id` from the same sender returns the same message.
pub async fn send(state: &State, caller: &Caller, mut send: SendMessage) -> Result<Sent> {
    let forwarded_from = match send.forward_of.take() {
        Some(source) => Some(copy_forwarded(state, caller, &mut send, source).await?),
        None => None,
    };
    validate(&send)?;
    let names = mentions(&send.content);
    // A plain text send reads nothing here (not even a pooled connection): the sequencer
    // checks membership and mute under the conversation's lock.
    let (file, mentioned) = if send.reply_to.is_none() && send.file_id.is_none() && names.is_empty()
    {
        (None, Vec::new())
    } else {
        check_references(state, caller, &send, &names).await?
    };
    let taken = state
        .sequencer
        .take(Claim {
            conversation: send.conversation_id,
            sender: caller.id,
            client_msg_id: send.client_msg_id.clone(),
            message_id: ulid::Ulid::generate().to_string(),
            mentioned,
            attach: file.as_ref().map(|f| f.id.clone()),
        })
        .await?;
    let (receipt, repeat, notes, members_version) = match taken {
        Taken::New {
            receipt,
            mentions,
            members_version,
        } => (receipt, false, mentions, members_version),
        Taken::Repeat {
            receipt,
            members_version,
        } => (receipt, true, Vec::new(), members_version),
        Taken::NotMember => return Err(Error::NotFound("conversation")),
        Taken::Muted => return Err(Error::forbidden(MUTED)),
        Taken::Blocked => return Err(Error::Blocked),
    };
    let message = Message {
        id: receipt.message_id,
        conversation_id: send.conversation_id,
        seq: receipt.seq,
        sender_id: caller.id,
        kind: send.kind,
        content: send.content,
        file_id: send.file_id,
        reply_to: send.reply_to,
        created_at: Utc.from_utc_datetime(&receipt.created_at),
        client_msg_id: send.client_msg_id,
        file: file.map(|f| Box::new(f.to_public())),
        forwarded_from,
        ..Default::default()
    };
    // A repeat is published again: if the first attempt's publish failed, this one is what
    // brings the message to history; if it succeeded, consumers drop the duplicate by id.
    let out = state
        .outgoing(
            caller.trace.clone(),
            routing::chat_message(message.conversation_id),
            kind::MESSAGE_SENT,
            message.id.clone(),
            &message,
        )?
        .with_header(HEADER_MEMBERS_VERSION, members_version);
    state.publisher.bus.publish(&out).await?;
    if !notes.is_empty() {
        publish_mentions(state, caller, message.conversation_id, &notes).await;
    }
    metrics::counter!("chat_messages_sent_total", "repeat" => if repeat { "true" } else { "false" }).increment(1);
    Ok(Sent { message, repeat })
}

/// A forward: the source message, which the sender must be able to read, lends the send
/// its type, content and file (the file's attachment to the target conversation is then
/// written with the seq, like any file send). The source's id.
async fn copy_forwarded(
    state: &State,
    caller: &Caller,
    send: &mut SendMessage,
    source: String,
) -> Result<String> {
    if !send.kind.is_empty() || !send.content.is_empty() || send.file_id.is_some() {
        return Err(Error::invalid(
            "forward_of",
            "a forward takes its type, content and file from the message it copies",
        ));
    }
    let no_such = || Error::invalid("forward_of", "no such message");
    let mut conn = state.conn().await?;
    let (row, lifecycle) = super::lifecycle::readable(&mut conn, caller.id, &source)
        .await
        .map_err(|_| no_such())?;
    if lifecycle.recalled_at.is_some() || row.kind == "system" {
        return Err(Error::invalid(
            "forward_of",
            "recalled and system messages cannot be forwarded",
        ));
    }
    send.kind = row.kind;
    send.content = row.content;
    send.file_id = row.file_id;
    Ok(row.id)
}

/// The rows a send names (the message it replies to, its file, the members it mentions),
/// checked after the sender's membership so a non-member learns nothing about them. The
/// file, and the mentioned members to notify.
async fn check_references(
    state: &State,
    caller: &Caller,
    send: &SendMessage,
    names: &[String],
) -> Result<(Option<db::files::FileRow>, Vec<common_proto::UserId>)> {
    let mut conn = state.conn().await?;
    let member = db::conversations::active_member(&mut conn, send.conversation_id, caller.id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    if member
        .muted_until
        .is_some_and(|until| until > Utc::now().naive_utc())
    {
        return Err(Error::forbidden(MUTED));
    }
    if member.peer_blocked {
        return Err(Error::Blocked);
    }
    if let Some(reply_to) = &send.reply_to
        && !db::messages::exists_in(&mut conn, send.conversation_id, reply_to).await?
    {
        return Err(Error::invalid(
            "reply_to",
            "no such message in this conversation",
        ));
    }
    let file = match &send.file_id {
        Some(id) => {
            let file = db::files::attachable(&mut conn, id, caller.id)
                .await?
                .ok_or_else(|| Error::invalid("file_id", "no such file"))?;
            if send.kind == "image" && !file.content_type.starts_with("image/") {
                return Err(Error::invalid("type", "the file is not an image"));
            }
            Some(file)
        }
        None => None,
    };
    let mentioned = if names.is_empty() {
        Vec::new()
    } else {
        db::messages::mentioned_members(&mut conn, send.conversation_id, caller.id, names).await?
    };
    Ok((file, mentioned))
}

/// The distinct `@username` tokens of a text (usernames are `A-Za-z0-9_.-`, 3..=32), at
/// most `MAX_MENTIONS`. A trailing `.` or `-` is punctuation, not part of the name.
pub(crate) fn mentions(content: &str) -> Vec<String> {
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
pub(crate) async fn publish_mentions(
    state: &State,
    caller: &Caller,
    conversation: ConversationId,
    notes: &[db::notifications::NotificationRow],
) {
    let data = NotificationsCreated {
        notifications: views::user_notifications(notes),
    };
    let out = state.outgoing(
        caller.trace.clone(),
        routing::conversation_notification(conversation),
        kind::NOTIFICATIONS_CREATED,
        ulid::Ulid::generate().to_string(),
        data,
    );
    state
        .publish_best_effort(out, "mention notifications")
        .await;
}

/// What a history page asks for (checked by the handler's parser).
pub struct HistoryPage {
    pub conversation_id: ConversationId,
    pub after_seq: Option<i64>,
    pub before_seq: Option<i64>,
    /// Instead of seqs: the messages changed after this rev, in rev order.
    pub after_rev: Option<i64>,
    /// With `after_rev`: only messages up to this seq (the ones the device holds).
    pub up_to_seq: Option<i64>,
    pub limit: i64,
}

/// History in its current state, ascending by seq (or, with `after_rev`, the changed
/// messages in rev order). Members only; a member who left reads up to their departure.
/// Messages carry their file's metadata and reactions; what the caller hid is a stub.
pub async fn history(state: &State, caller: &Caller, page: HistoryPage) -> Result<Vec<Message>> {
    let mut conn = state.conn().await?;
    let member = db::conversations::any_member(&mut conn, page.conversation_id, caller.id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let rows = match page.after_rev {
        Some(rev) => {
            db::lifecycle::changed_since(
                &mut conn,
                page.conversation_id,
                rev,
                page.up_to_seq,
                member.left_seq,
                page.limit,
            )
            .await?
        }
        None => {
            db::messages::history(
                &mut conn,
                page.conversation_id,
                page.after_seq,
                page.before_seq,
                member.left_seq,
                page.limit,
            )
            .await?
        }
    };
    super::lifecycle::present(&mut conn, rows, caller.id).await
}

/// Moves the caller's read cursor forward (never back). When it moved, the other members
/// and the caller's other devices hear of it (best effort: the cursor is durable).
pub async fn mark_read(
    state: &State,
    caller: &Caller,
    conversation_id: ConversationId,
    seq: i64,
) -> Result<()> {
    if seq < 0 {
        return Err(Error::invalid("seq", "must not be negative"));
    }
    let mut conn = state.conn().await?;
    db::conversations::active_member(&mut conn, conversation_id, caller.id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let (cursor, moved) =
        db::conversations::mark_read(&mut conn, conversation_id, caller.id, seq).await?;
    drop(conn);
    if moved {
        let data = ReadMoved {
            conversation_id,
            user_id: caller.id,
            seq: cursor,
        };
        let out = state.outgoing(
            caller.trace.clone(),
            routing::chat_read(conversation_id),
            kind::READ_MOVED,
            ulid::Ulid::generate().to_string(),
            data,
        );
        state.publish_best_effort(out, "read cursor").await;
    }
    Ok(())
}

/// A text's content: not blank, at most `MAX_CONTENT_CHARS` (sends and edits).
pub(crate) fn check_text(content: &str) -> Result<()> {
    if content.chars().count() > limits::MAX_CONTENT_CHARS {
        return Err(Error::invalid(
            "content",
            format!("must be at most {} characters", limits::MAX_CONTENT_CHARS),
        ));
    }
    if content.trim().is_empty() {
        return Err(Error::invalid("content", "a text message needs content"));
    }
    Ok(())
}

/// Shape checks that need no database.
fn validate(send: &SendMessage) -> Result<()> {
    let id_chars = send.client_msg_id.chars().count();
    if id_chars == 0
        || id_chars > limits::MAX_CLIENT_MSG_ID_CHARS
        || send.client_msg_id.chars().any(char::is_control)
    {
        return Err(Error::invalid(
            "client_msg_id",
            format!(
                "must be 1 to {} characters without control characters",
                limits::MAX_CLIENT_MSG_ID_CHARS
            ),
        ));
    }
    if send.content.chars().count() > limits::MAX_CONTENT_CHARS {
        return Err(Error::invalid(
            "content",
            format!("must be at most {} characters", limits::MAX_CONTENT_CHARS),
        ));
    }
    match send.kind.as_str() {
        "text" => {
            check_text(&send.content)?;
            if send.file_id.is_some() {
                return Err(Error::invalid("file_id", "a text message has no file"));
            }
        }
        "file" | "image" => match &send.file_id {
            // Whether it exists and the sender may attach it is checked against MySQL.
            Some(id) if common_proto::is_id(id) => {}
            Some(_) => return Err(Error::invalid("file_id", "is not a file id")),
            None => {
                return Err(Error::invalid(
                    "file_id",
                    "a file or image message needs a file_id",
                ));
            }
        },
        _ => {
            return Err(Error::invalid(
                "type",
                "must be \"text\", \"file\" or \"image\"",
            ));
        }
    }
    if let Some(reply_to) = &send.reply_to
        && !common_proto::is_id(reply_to)
    {
        return Err(Error::invalid("reply_to", "is not a message id"));
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
            forward_of: None,
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
        let field = |s: SendMessage| validate(&s).err().and_then(|e| e.field_name());
        assert_eq!(field(send("text", "hi", "a")), None);
        assert_eq!(field(send("text", "hi", "")), Some("client_msg_id"));
        assert_eq!(
            field(send("text", "hi", &"x".repeat(65))),
            Some("client_msg_id")
        );
        assert_eq!(
            field(send("text", "hi", &"é".repeat(64))),
            None,
            "64 characters, not bytes"
        );
        assert_eq!(field(send("text", "   ", "a")), Some("content"));
        assert_eq!(field(send("text", &"x".repeat(8001), "a")), Some("content"));
        assert_eq!(field(send("text", &"字".repeat(8000), "a")), None);
        assert_eq!(field(send("video", "hi", "a")), Some("type"));
    }
}
