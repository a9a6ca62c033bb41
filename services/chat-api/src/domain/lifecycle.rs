//! What happens to a message after its send: edit, recall, reactions, pins, delete for
//! me, and reading one message.
//!
//! Each change is ONE transaction: the message's row lock, the rules, the write, and
//! last the conversation's next rev (its counter row is the lock sends and group changes
//! take too, so a removal and a change are ordered), the membership re-read under it and
//! the rev stamped on the message (see [`apply_locked`] for why in that order). A change that changes
//! nothing (a second identical reaction, unpinning what is not pinned) rolls back, the rev
//! included, and answers the current state. After the commit the message is published in
//! its new state as `chat.message_changed` on `chat.message.conversation.{id}`; push-worker
//! sends it live as `message.updated`, and a device that missed it finds it by rev
//! (`GET /messages?conversation_id=&after_rev=`, or `sync {after_rev}`).

use super::{Caller, Error, Result, Undone};
use crate::state::State;
use chrono::Utc;
use common_proto::{
    UserId,
    bus::{HEADER_MEMBERS_VERSION, MessageChange, MessageChanged, kind, routing},
    rest::{Message, MessageReads, Reaction, limits},
};
use db::lifecycle::{ReactionRow, Stored};
use diesel_async::{AsyncConnection, AsyncMysqlConnection};
use std::collections::HashMap;
use views::ToPublic;

/// The windows and limits of the lifecycle (`INSTANT_MESSAGE_*`).
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Seconds after its send a message may be edited by its sender (0: always).
    pub edit_window_secs: i64,
    /// Seconds after its send a message may be recalled by its sender (0: always).
    pub recall_window_secs: i64,
    /// Distinct emoji one message may carry.
    pub max_reactions: usize,
}

/// One change to a message.
#[derive(Debug, Clone)]
pub enum Change {
    /// The sender replaces a text message's content.
    Edit(String),
    /// The sender (within the window) or a group's owner or admin takes it back.
    Recall,
    /// The caller adds (`true`) or removes an emoji.
    React(String, bool),
    /// Owner/admin in a group, either side in a direct chat: pin (`true`) or unpin.
    Pin(bool),
}

impl Change {
    fn describe(&self, user: UserId) -> MessageChange {
        let (what, emoji) = match self {
            Self::Edit(_) => ("edited", None),
            Self::Recall => ("recalled", None),
            Self::React(e, true) => ("reaction_added", Some(e.clone())),
            Self::React(e, false) => ("reaction_removed", Some(e.clone())),
            Self::Pin(true) => ("pinned", None),
            Self::Pin(false) => ("unpinned", None),
        };
        MessageChange {
            kind: what.to_owned(),
            user_id: user,
            emoji,
        }
    }
}

/// An emoji is 1..=`MAX_EMOJI_CHARS` characters with no spaces or control characters
/// (a real emoji, a short code such as `:+1:`, or a ZWJ sequence).
pub fn check_emoji(emoji: &str) -> Result<()> {
    let n = emoji.chars().count();
    if n == 0
        || n > limits::MAX_EMOJI_CHARS
        || emoji.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::invalid(
            "emoji",
            format!(
                "must be 1 to {} characters without spaces",
                limits::MAX_EMOJI_CHARS
            ),
        ));
    }
    Ok(())
}

/// Applies `change` to message `id` for the caller and publishes it; the message as the
/// caller now sees it.
pub async fn change(state: &State, caller: &Caller, id: &str, change: Change) -> Result<Message> {
    apply(state, caller, id, change, None).await
}

/// Pins or unpins message `id` of `conversation` (a message of another one is a 404).
pub async fn pin(
    state: &State,
    caller: &Caller,
    conversation: common_proto::ConversationId,
    id: &str,
    on: bool,
) -> Result<Message> {
    apply(state, caller, id, Change::Pin(on), Some(conversation)).await
}

async fn apply(
    state: &State,
    caller: &Caller,
    id: &str,
    change: Change,
    in_conversation: Option<common_proto::ConversationId>,
) -> Result<Message> {
    if !common_proto::is_id(id) {
        return Err(Error::NotFound("message"));
    }
    match &change {
        Change::Edit(content) => super::messaging::check_text(content)?,
        Change::React(emoji, _) => check_emoji(emoji)?,
        Change::Recall | Change::Pin(_) => {}
    }
    let rules = state.lifecycle;
    let mut conn = state.conn().await?;
    let me = caller.id;
    let applied = conn
        .transaction::<_, Undone, _>(async |c| {
            apply_locked(c, me, id, &change, in_conversation, rules).await
        })
        .await;
    let changed = match applied {
        Ok(mentions) => Some(mentions),
        Err(Undone::Unchanged) => None,
        Err(Undone::Failed(e)) => return Err(e),
    };
    let stored = db::lifecycle::by_id(&mut conn, id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let conversation = stored.0.conversation_id;
    let message = present(&mut conn, vec![stored], me).await?.remove(0);
    if let Some(mentions) = changed {
        let version = db::groups::members_versioned_only(&mut conn, conversation).await?;
        drop(conn);
        publish(state, caller, &message, change.describe(me), None, version).await;
        if !mentions.is_empty() {
            super::messaging::publish_mentions(state, caller, conversation, &mentions).await;
        }
        metrics::counter!("chat_message_changes_total", "kind" => kind_label(&change)).increment(1);
    }
    Ok(message)
}

fn kind_label(change: &Change) -> &'static str {
    match change {
        Change::Edit(_) => "edit",
        Change::Recall => "recall",
        Change::React(..) => "reaction",
        Change::Pin(_) => "pin",
    }
}

/// The rules and the write, in two steps so that the conversation's lock — the one every
/// send to it waits for — is held as briefly as possible:
///
/// 1. the message's row lock (changes to one message, a reaction racing a recall say, are
///    applied one after the other), the rules against the caller's membership, and the
///    change written;
/// 2. last, the conversation's next rev (its counter row's lock, held to the commit, so
///    revs are handed out in commit order), the membership read again under that lock (a
///    removal or demotion that committed meanwhile wins) and the rev stamped.
///
/// The mention notifications an edit wrote, or `Unchanged`.
async fn apply_locked(
    c: &mut AsyncMysqlConnection,
    me: UserId,
    id: &str,
    change: &Change,
    in_conversation: Option<common_proto::ConversationId>,
    rules: Rules,
) -> std::result::Result<Vec<db::notifications::NotificationRow>, Undone> {
    let (row, state) = db::lifecycle::lock(c, id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    if in_conversation.is_some_and(|conv| conv != row.conversation_id) {
        return Err(Error::NotFound("message").into());
    }
    let member = db::conversations::active_member(c, row.conversation_id, me)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let kind = db::conversations::by_id(c, row.conversation_id)
        .await?
        .ok_or(Error::NotFound("message"))?
        .kind;
    let written = write(c, me, &row, &state, &member.role, &kind, change, rules).await?;
    let rev = db::lifecycle::next_rev(c, row.conversation_id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let now_member = db::conversations::active_member(c, row.conversation_id, me)
        .await?
        .ok_or(Error::NotFound("message"))?;
    // A blocked member of a direct chat may still take things back (recall, unreact,
    // unpin), but adds nothing the blocker would see.
    let adds = matches!(
        change,
        Change::Edit(_) | Change::React(_, true) | Change::Pin(true)
    );
    if adds && now_member.peer_blocked {
        return Err(Error::Blocked.into());
    }
    if written.needs_manager && !manages(&kind, &now_member.role) {
        return Err(Error::forbidden("only a group's owner or admin may do this").into());
    }
    // Counted under the conversation's lock: two pins at once cannot pass the limit.
    if written.counts_pins
        && db::lifecycle::pin_count(c, row.conversation_id).await?
            > limits::MAX_PINS_PER_CONVERSATION
    {
        return Err(Error::invalid(
            "message_id",
            format!(
                "a conversation has at most {} pinned messages",
                limits::MAX_PINS_PER_CONVERSATION
            ),
        )
        .into());
    }
    db::lifecycle::stamp(c, id, rev).await?;
    Ok(written.notes)
}

/// What step 1 wrote and what step 2 must check under the conversation's lock.
#[derive(Default)]
struct Written {
    /// The mention notifications an edit wrote.
    notes: Vec<db::notifications::NotificationRow>,
    /// The change relied on the caller managing the conversation.
    needs_manager: bool,
    /// A pin was added: the conversation's pin count is checked.
    counts_pins: bool,
}

/// Whether a member with `role` manages a conversation of `kind` (pins, moderation):
/// either side of a direct chat, a group's owner or admins.
fn manages(kind: &str, role: &str) -> bool {
    kind == "direct" || role == "owner" || role == "admin"
}

/// Step 1 of [`apply_locked`]: the rules and the write, without the rev. Also whether
/// the change relied on the caller managing the conversation (checked again under the
/// conversation's lock).
#[allow(clippy::too_many_arguments)]
async fn write(
    c: &mut AsyncMysqlConnection,
    me: UserId,
    row: &db::messages::MessageRow,
    state: &db::lifecycle::MessageState,
    role: &str,
    kind: &str,
    change: &Change,
    rules: Rules,
) -> std::result::Result<Written, Undone> {
    let id = row.id.as_str();
    let manager = manages(kind, role);
    let now = Utc::now().naive_utc();
    let age = (now - row.created_at).num_seconds();
    let within = |window: i64| window == 0 || age <= window;
    if state.recalled_at.is_some() {
        return Err(Error::invalid("message", "the message was recalled").into());
    }
    if row.kind == "system" {
        return Err(Error::forbidden("system messages cannot be changed").into());
    }
    match change {
        Change::Edit(content) => {
            if row.sender_id != me {
                return Err(Error::forbidden("only the sender edits a message").into());
            }
            if row.kind != "text" {
                return Err(Error::invalid("type", "only text messages can be edited").into());
            }
            if !within(rules.edit_window_secs) {
                return Err(Error::forbidden("the edit window has passed").into());
            }
            if *content == row.content {
                return Err(Undone::Unchanged);
            }
            db::lifecycle::edit(c, id, content, now).await?;
            // Mentions the edit adds notify; the ones it removes stay notified.
            let before = super::messaging::mentions(&row.content);
            let added: Vec<String> = super::messaging::mentions(content)
                .into_iter()
                .filter(|n| !before.contains(n))
                .collect();
            if added.is_empty() {
                return Ok(Written::default());
            }
            let users = db::messages::mentioned_members(c, row.conversation_id, me, &added).await?;
            let notes = db::messages::mention_rows(row.conversation_id, id, row.seq, me, &users);
            db::notifications::insert(c, &notes).await?;
            Ok(Written {
                notes,
                ..Default::default()
            })
        }
        Change::Recall => {
            let own = row.sender_id == me && within(rules.recall_window_secs);
            let moderator = kind == "group" && manager;
            if !own && !moderator {
                return Err(Error::forbidden(if row.sender_id == me {
                    "the recall window has passed"
                } else {
                    "only the sender or a group's owner or admin recalls a message"
                })
                .into());
            }
            db::lifecycle::recall(c, id, me, now).await?;
            if let Some(file) = &row.file_id {
                db::lifecycle::detach_if_unused(c, file, row.conversation_id).await?;
            }
            Ok(Written {
                needs_manager: !own,
                ..Default::default()
            })
        }
        Change::React(emoji, add) => {
            if *add {
                let present = db::lifecycle::emoji_of(c, id).await?;
                if !present.contains(emoji) && present.len() >= rules.max_reactions {
                    return Err(Error::invalid(
                        "emoji",
                        format!(
                            "a message carries at most {} different emoji",
                            rules.max_reactions
                        ),
                    )
                    .into());
                }
                if !db::lifecycle::add_reaction(c, id, me, emoji, now).await? {
                    return Err(Undone::Unchanged);
                }
            } else if !db::lifecycle::remove_reaction(c, id, me, emoji).await? {
                return Err(Undone::Unchanged);
            }
            Ok(Written::default())
        }
        Change::Pin(pin) => {
            if !manager {
                return Err(Error::forbidden("only a group's owner or admin pins messages").into());
            }
            if *pin == state.pinned_at.is_some() {
                return Err(Undone::Unchanged);
            }
            db::lifecycle::set_pin(c, id, pin.then_some((me, now))).await?;
            Ok(Written {
                needs_manager: true,
                counts_pins: *pin,
                ..Default::default()
            })
        }
    }
}

/// The message in its new state on the bus: live to the members as `message.updated`
/// (to `only` alone when set: hiding is the caller's own business). Durable already, so
/// best effort: a device that misses it finds the change by rev.
async fn publish(
    state: &State,
    caller: &Caller,
    message: &Message,
    change: MessageChange,
    only: Option<UserId>,
    members_version: i64,
) {
    let mut message = message.clone();
    message.strip_personal();
    let data = MessageChanged {
        message,
        change,
        only,
    };
    let conversation = data.message.conversation_id;
    let out = state
        .outgoing(
            caller.trace.clone(),
            routing::chat_message(conversation),
            kind::MESSAGE_CHANGED,
            ulid::Ulid::generate().to_string(),
            &data,
        )
        .map(|o| o.with_header(HEADER_MEMBERS_VERSION, members_version));
    state.publish_best_effort(out, "message change").await;
}

/// Hides a message from the caller's own history (every device of theirs: live at once,
/// and in history as a `hidden` stub so seqs stay gap-free and pages exact).
pub async fn hide(state: &State, caller: &Caller, id: &str) -> Result<()> {
    let mut conn = state.conn().await?;
    let stored = readable(&mut conn, caller.id, id).await?;
    let conversation = stored.0.conversation_id;
    let now = Utc::now().naive_utc();
    if db::lifecycle::hide(&mut conn, caller.id, id, conversation, now).await? {
        let mut message = present(&mut conn, vec![stored], caller.id).await?.remove(0);
        message.hidden = true;
        drop(conn);
        publish(
            state,
            caller,
            &message,
            MessageChange {
                kind: "hidden".into(),
                user_id: caller.id,
                emoji: None,
            },
            Some(caller.id),
            0,
        )
        .await;
    }
    Ok(())
}

/// One message, to a member who can read it (a member who left: up to their departure).
pub async fn get(state: &State, caller: &Caller, id: &str) -> Result<Message> {
    let mut conn = state.conn().await?;
    let stored = readable(&mut conn, caller.id, id).await?;
    Ok(present(&mut conn, vec![stored], caller.id).await?.remove(0))
}

/// Who of the current members (the sender aside) has read message `id`: their read cursor
/// is at or past its seq. No row per reader per message: the cursors say it.
pub async fn reads(state: &State, caller: &Caller, id: &str) -> Result<MessageReads> {
    let mut conn = state.conn().await?;
    let (row, _) = readable(&mut conn, caller.id, id).await?;
    let members = db::conversations::active_members(&mut conn, row.conversation_id).await?;
    let (read, unread): (Vec<_>, Vec<_>) = members
        .iter()
        .filter(|m| m.user_id != row.sender_id)
        .partition(|m| m.last_read_seq >= row.seq);
    Ok(MessageReads {
        message_id: row.id,
        read_by: read.iter().map(|m| m.user_id).collect(),
        unread_by: unread.iter().map(|m| m.user_id).collect(),
    })
}

/// The message, if `user` may read it; 404 otherwise (existence is private).
pub(crate) async fn readable(
    c: &mut AsyncMysqlConnection,
    user: UserId,
    id: &str,
) -> Result<Stored> {
    if !common_proto::is_id(id) {
        return Err(Error::NotFound("message"));
    }
    let stored = db::lifecycle::by_id(c, id)
        .await?
        .ok_or(Error::NotFound("message"))?;
    let member = db::conversations::any_member(c, stored.0.conversation_id, user)
        .await?
        .ok_or(Error::NotFound("message"))?;
    if member.left_seq.is_some_and(|last| stored.0.seq > last) {
        return Err(Error::NotFound("message"));
    }
    Ok(stored)
}

/// The pinned messages of a conversation, newest pin first.
pub async fn pins(
    state: &State,
    caller: &Caller,
    conversation: common_proto::ConversationId,
) -> Result<Vec<Message>> {
    let mut conn = state.conn().await?;
    let member = db::conversations::any_member(&mut conn, conversation, caller.id)
        .await?
        .ok_or(Error::NotFound("conversation"))?;
    let rows = db::lifecycle::pinned(
        &mut conn,
        conversation,
        member.left_seq,
        limits::MAX_PINS_PER_CONVERSATION,
    )
    .await?;
    present(&mut conn, rows, caller.id).await
}

/// Messages as `me` sees them: lifecycle state, the file's metadata, reactions (with
/// `me`), and a stub for what `me` hid. Three queries for the whole page.
pub async fn present(
    c: &mut AsyncMysqlConnection,
    rows: Vec<Stored>,
    me: UserId,
) -> Result<Vec<Message>> {
    let ids: Vec<String> = rows.iter().map(|(m, _)| m.id.clone()).collect();
    let file_ids: Vec<String> = rows.iter().filter_map(|(m, _)| m.file_id.clone()).collect();
    let files = db::files::by_ids(c, &file_ids).await?;
    let reactions = db::lifecycle::reactions_of(c, &ids).await?;
    let hidden = db::lifecycle::hidden_among(c, me, &ids).await?;
    let mut by_message: HashMap<&str, Vec<&ReactionRow>> = HashMap::new();
    for r in &reactions {
        by_message.entry(r.message_id.as_str()).or_default().push(r);
    }
    Ok(rows
        .iter()
        .map(|stored| {
            let mut message = stored.to_public();
            if hidden.contains(&message.id) {
                message.hide();
                return message;
            }
            message.file = stored
                .0
                .file_id
                .as_ref()
                .and_then(|id| files.iter().find(|f| &f.id == id))
                .map(|f| Box::new(f.to_public()));
            message.reactions = aggregate(by_message.get(stored.0.id.as_str()), me);
            message
        })
        .collect())
}

/// Reactions grouped by emoji in the order each emoji first appeared, with the first
/// reactors' ids (at most `MAX_REACTION_USERS`) and whether `me` is among all of them.
fn aggregate(rows: Option<&Vec<&ReactionRow>>, me: UserId) -> Vec<Reaction> {
    let mut out: Vec<Reaction> = Vec::new();
    for r in rows.into_iter().flatten() {
        let i = match out.iter().position(|x| x.emoji == r.emoji) {
            Some(i) => i,
            None => {
                out.push(Reaction {
                    emoji: r.emoji.clone(),
                    count: 0,
                    me: false,
                    user_ids: Vec::new(),
                });
                out.len() - 1
            }
        };
        let reaction = &mut out[i];
        reaction.count += 1;
        reaction.me |= r.user_id == me;
        if reaction.user_ids.len() < limits::MAX_REACTION_USERS {
            reaction.user_ids.push(r.user_id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(user: UserId, emoji: &str, n: i64) -> ReactionRow {
        ReactionRow {
            message_id: "m".into(),
            user_id: user,
            emoji: emoji.into(),
            created_at: chrono::DateTime::from_timestamp(n, 0)
                .expect("time")
                .naive_utc(),
        }
    }

    #[test]
    fn reactions_group_by_emoji_in_first_seen_order() {
        let rows = [row(1, "👍", 1), row(2, "🎉", 2), row(3, "👍", 3)];
        let refs: Vec<&ReactionRow> = rows.iter().collect();
        let got = aggregate(Some(&refs), 3);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].emoji.as_str(), got[0].count, got[0].me),
            ("👍", 2, true)
        );
        assert_eq!(got[0].user_ids, vec![1, 3]);
        assert_eq!(
            (got[1].emoji.as_str(), got[1].count, got[1].me),
            ("🎉", 1, false)
        );
        assert!(aggregate(None, 1).is_empty());
    }

    #[test]
    fn emoji_are_short_and_without_spaces() {
        assert!(check_emoji("👍").is_ok());
        assert!(check_emoji(":+1:").is_ok());
        assert!(check_emoji("👩‍👩‍👧‍👦").is_ok(), "a ZWJ family is one reaction");
        assert!(check_emoji("").is_err());
        assert!(check_emoji("a b").is_err());
        assert!(check_emoji("\u{7}").is_err());
        assert!(check_emoji(&"x".repeat(limits::MAX_EMOJI_CHARS + 1)).is_err());
    }
}
