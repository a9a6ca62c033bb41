//! REST bodies of the contract (`/api/v1/...`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::UserId;

/// `POST /auth/register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// 3..=32 characters of `A-Z a-z 0-9 _ . -`; unique regardless of case.
    pub username: String,
    /// 8..=128 bytes.
    pub password: String,
    /// 1..=64 characters; defaults to the username.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `POST /auth/refresh` and `POST /auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The answer of login and refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `"bearer"`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// A user as everyone may see it (never the password hash).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub avatar_file_id: Option<String>,
    pub bio: Option<String>,
    /// `user` or `admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
    /// Whether the user has a live WebSocket connection (absent when unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online: Option<bool>,
    /// When the user's last connection closed.
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// `PATCH /users/me`: absent fields are left as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    #[serde(default)]
    pub display_name: Option<String>,
    /// A file id; `""` clears the avatar.
    #[serde(default)]
    pub avatar_file_id: Option<String>,
    /// Up to 500 characters; `""` clears it.
    #[serde(default)]
    pub bio: Option<String>,
}

/// `{items: [...]}`: every list answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The body of `/ready`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Each dependency the service uses, `up` or the reason it is not.
    pub checks: std::collections::BTreeMap<String, String>,
}

/// Limits of the messaging contract, shared by validation and tests.
pub mod limits {
    /// Characters of a message's content.
    pub const MAX_CONTENT_CHARS: usize = 8000;
    /// Characters of a `client_msg_id`.
    pub const MAX_CLIENT_MSG_ID_CHARS: usize = 64;
    /// Characters of a group name.
    pub const MAX_GROUP_NAME_CHARS: usize = 100;
    /// Members named when a group is created.
    pub const MAX_INITIAL_MEMBERS: usize = 500;
    /// Messages in one history page.
    pub const MAX_HISTORY_PAGE: i64 = 200;
    /// Conversations in one list page.
    pub const MAX_CONVERSATION_PAGE: i64 = 100;
    /// Users added to a group by one request.
    pub const MAX_ADD_MEMBERS: usize = 500;
    /// Characters of a group announcement.
    pub const MAX_ANNOUNCEMENT_CHARS: usize = 2000;
    /// The longest mute: 30 days.
    pub const MAX_MUTE_SECONDS: i64 = 30 * 24 * 3600;
    /// Notifications in one page.
    pub const MAX_NOTIFICATION_PAGE: i64 = 100;
    /// Distinct `@username` mentions resolved in one message.
    pub const MAX_MENTIONS: usize = 50;
    /// Characters of a broadcast's title and content.
    pub const MAX_BROADCAST_TITLE_CHARS: usize = 200;
    pub const MAX_BROADCAST_CONTENT_CHARS: usize = 8000;
    /// Characters of an event type, and bytes of its JSON payload.
    pub const MAX_EVENT_TYPE_CHARS: usize = 100;
    pub const MAX_EVENT_PAYLOAD_BYTES: usize = 16 * 1024;
    /// Items in one page of broadcasts or events.
    pub const MAX_LIST_PAGE: i64 = 100;
    /// Characters of one reaction's emoji (a ZWJ sequence or a `:short_code:`).
    pub const MAX_EMOJI_CHARS: usize = 16;
    /// Reactors' ids a message view lists per emoji (the count is exact).
    pub const MAX_REACTION_USERS: usize = 20;
    /// Pinned messages in one conversation.
    pub const MAX_PINS_PER_CONVERSATION: i64 = 100;
    /// Users one user may block (the list is returned whole).
    pub const MAX_BLOCKS: i64 = 1000;
    /// Devices one user may register for push (beyond it the oldest is dropped).
    pub const MAX_DEVICES: usize = 10;
    /// A device token's length (FCM ~160, APNs 64, web-push ids fit too).
    pub const MAX_DEVICE_TOKEN_CHARS: usize = 256;
    /// The longest a conversation's pushes can be silenced for (one year); longer is "forever".
    pub const MAX_PUSH_MUTE_SECONDS: u64 = 366 * 24 * 3600;
}

/// `POST /conversations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateConversation {
    /// `direct` or `group`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Direct: exactly the other user. Group: the initial members besides the creator.
    pub member_ids: Vec<UserId>,
    /// Groups only: 1..=100 characters.
    #[serde(default)]
    pub name: Option<String>,
}

/// A member of a conversation with their role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: UserId,
    /// `owner`, `admin` or `member`.
    pub role: String,
    pub last_read_seq: i64,
    pub joined_at: DateTime<Utc>,
    /// Set while the member may not send.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<DateTime<Utc>>,
}

/// A conversation as its members see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: crate::ConversationId,
    /// `direct` or `group`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: Option<String>,
    pub announcement: Option<String>,
    pub avatar_file_id: Option<String>,
    /// Present on `GET /conversations/{id}`, on create, and for direct chats in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
    pub last_message: Option<Message>,
    /// Messages after the caller's read cursor.
    pub unread_count: i64,
    /// The newest persisted message's seq.
    pub last_seq: i64,
    /// The caller's read cursor.
    pub last_read_seq: i64,
    pub created_at: DateTime<Utc>,
    /// The newest message's time, or the creation time.
    pub last_activity_at: DateTime<Utc>,
    /// The caller silenced this conversation's pushes until then
    /// (`PUT /conversations/{id}/notifications`); absent when not muted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications_muted_until: Option<DateTime<Utc>>,
}

/// `POST /messages` (and the `message` of a WebSocket `message.send`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub conversation_id: crate::ConversationId,
    /// 1..=64 characters chosen by the client; repeating it returns the same message.
    pub client_msg_id: String,
    /// `text`, `file` or `image` (not needed with `forward_of`: the copy keeps the type).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// 1..=8000 characters for text; a caption (may be empty) for files and images.
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub file_id: Option<String>,
    /// The id of a message of the same conversation.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// Forward: the id of a message the sender can read (in any conversation). The new
    /// message copies its type, content and file (readable by this conversation's members
    /// from then on) and carries `forwarded_from`; `type`, `content` and `file_id` must
    /// be absent.
    #[serde(default)]
    pub forward_of: Option<String>,
}

/// A message, as stored and as delivered, in its current state.
///
/// Fields after `file` are the lifecycle's (all omitted while unset): every change (edit,
/// recall, reaction, pin) gives the message the conversation's next `rev`, so a device
/// keeps the highest rev it has seen per conversation and asks for what changed after it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub conversation_id: crate::ConversationId,
    pub seq: i64,
    pub sender_id: UserId,
    #[serde(rename = "type")]
    pub kind: String,
    pub content: String,
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub reply_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub client_msg_id: String,
    /// File and image messages: the file's metadata (images with width and height).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Box<FileInfo>>,
    /// The conversation's change counter at this message's last change (0: never changed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rev: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// A recalled message is a tombstone: no content, no file, no reactions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub recalled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recalled_by: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_by: Option<UserId>,
    /// Reactions by emoji, in the order each was first used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// The id of the message this one is a forwarded copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<String>,
    /// The caller deleted it for themselves: a stub that keeps its seq.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Message {
    /// The stub a user sees of a message they deleted for themselves.
    pub fn hide(&mut self) {
        self.content.clear();
        self.file_id = None;
        self.file = None;
        self.reactions.clear();
        self.hidden = true;
    }

    /// The copy everyone may see (the bus carries one copy for all members): no `me`.
    pub fn strip_personal(&mut self) {
        self.reactions.iter_mut().for_each(|r| r.me = false);
    }
}

/// One emoji's reactions to a message.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Whether the caller is among them (REST; always false in live frames, which carry
    /// `change.user_id` instead).
    pub me: bool,
    /// The first reactors, at most `MAX_REACTION_USERS`.
    #[serde(default)]
    pub user_ids: Vec<UserId>,
}

/// `GET /messages/{id}/reads`: who of the current members (the sender aside) has read the
/// message, from their read cursors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageReads {
    pub message_id: String,
    pub read_by: Vec<UserId>,
    pub unread_by: Vec<UserId>,
}

/// One result of `GET /messages/search`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub message: Message,
    /// Up to 120 characters of the message around its first match (plain text).
    pub snippet: String,
    /// Where the query's words occur in `snippet`: `[start, length]` in characters.
    pub highlights: Vec<[usize; 2]>,
}

/// `GET /messages/search`: best match first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    pub items: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `PATCH /messages/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditMessage {
    /// The new text, 1..=8000 characters.
    pub content: String,
}

/// `POST /messages/read`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub conversation_id: crate::ConversationId,
    pub seq: i64,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`) in a PATCH body.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The `next_before` cursor of a page: the last item's id when the page is full.
pub fn next_before<T>(items: &[T], limit: i64, id: impl Fn(&T) -> &str) -> Option<String> {
    if items.len() as i64 == limit {
        items.last().map(|last| id(last).to_owned())
    } else {
        None
    }
}

/// `POST /groups/{id}/members`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    /// 1..=500 users; those already members are skipped.
    pub user_ids: Vec<UserId>,
}

/// `PATCH /groups/{id}`: only the fields present change; `null` clears announcement/avatar.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    /// 1..=100 characters.
    #[serde(default)]
    pub name: Option<String>,
    /// At most 2000 characters; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub announcement: Option<Option<String>>,
    /// An uploaded file's id; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub avatar_file_id: Option<Option<String>>,
}

/// `PUT /groups/{id}/members/{user_id}/role`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRole {
    /// `admin` or `member`.
    pub role: String,
}

/// `PUT /groups/{id}/members/{user_id}/mute`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MuteMember {
    /// 1..=2592000 (30 days); 0 unmutes.
    pub seconds: i64,
}

/// `PUT /groups/{id}/owner`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TransferOwnership {
    pub user_id: UserId,
}

/// One entry of the inbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: String,
    /// `group.added`, `group.removed`, `group.role_changed`, `group.muted`, `mention`, ...
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

/// `GET /notifications`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// `GET /notifications/unread-count`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCount {
    pub count: i64,
}

/// An uploaded file's metadata (`POST /files`, `GET /files/{id}`, and a file or image
/// message's `file`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    pub id: String,
    /// The client's file name, cleaned.
    pub filename: String,
    pub size: i64,
    /// Detected from the bytes.
    pub content_type: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    pub created_at: DateTime<Utc>,
}

/// `POST /broadcasts` (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBroadcast {
    /// 1..=200 characters.
    pub title: String,
    /// 1..=8000 characters.
    pub content: String,
}

/// A system broadcast: stored once, seen by every user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Broadcast {
    pub id: String,
    pub sender_id: Option<UserId>,
    pub title: String,
    pub content: String,
    /// The platform it was sent on.
    pub origin: String,
    pub created_at: DateTime<Utc>,
}

/// `202 {id}`: accepted, on its way through the bus.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    pub id: String,
}

/// A page of broadcasts or events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// `POST /events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportEvent {
    /// Dotted lowercase words, e.g. `camera.offline`; at most 100 characters.
    #[serde(rename = "type")]
    pub kind: String,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Any JSON object, at most 16 KiB serialised.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

/// A reported event.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub severity: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub reporter_id: Option<UserId>,
    pub origin: String,
    pub occurred_at: DateTime<Utc>,
}

/// Broker details a peer platform needs to reach this one (no secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MqInfo {
    pub host: String,
    pub port: u16,
    pub vhost: String,
    pub exchange: String,
}

/// SIP details of this platform (GB/T 28181 style).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SipInfo {
    pub server_id: String,
    pub domain: String,
    pub host: String,
    pub port: u16,
    /// `udp` or `tcp`.
    pub transport: String,
}

/// `GET /cascade/info`: this platform's identity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformInfo {
    /// The platform code (`INSTANT_PLATFORM_CODE`).
    pub platform_id: String,
    pub name: String,
    pub level: i32,
    pub mq: MqInfo,
    pub sip: SipInfo,
}

/// A peer platform: the parent (upper) or a child (lower).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Platform {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `parent` or `child`.
    pub relation: String,
    pub level: i32,
    pub api_url: Option<String>,
    pub enabled: bool,
    /// `online`, `offline` or `error`.
    pub status: String,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub forwarded_count: i64,
    pub dropped_count: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /cascade/platforms` (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePlatform {
    /// 20 digits (GB/T 28181 style) or 1..=32 of `a-z 0-9 _ -`.
    pub code: String,
    /// 1..=100 characters.
    pub name: String,
    /// `parent` or `child`.
    pub relation: String,
    #[serde(default)]
    pub level: i32,
    #[serde(default)]
    pub api_url: Option<String>,
    /// For a child: the token it must present to `POST /cascade/register` (stored hashed).
    #[serde(default)]
    pub registration_token: Option<String>,
}

/// `PATCH /cascade/platforms/{id}` (admins): only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePlatform {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub level: Option<i32>,
    #[serde(default)]
    pub api_url: Option<String>,
    /// `false` disables the link (nothing is forwarded to or from it).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `POST /cascade/register`: a child announcing itself to its parent (bearer: its token).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterPlatform {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub level: i32,
    #[serde(default)]
    pub api_url: Option<String>,
}

/// The parent's answer to a registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    /// The parent's own code: envelopes on the parent's side carry it in their path.
    pub parent_code: String,
    pub platform: Platform,
    /// Where the child's cascade-service connects.
    pub mq: MqInfo,
    /// The durable queue on the parent's broker the child consumes broadcasts from.
    pub down_queue: String,
}

/// A user as an admin sees it (`GET /admin/users`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// `user` or `admin`.
    pub role: String,
    pub created_at: DateTime<Utc>,
    /// When the user's last connection closed.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Set while the account is disabled.
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
}

/// `GET /admin/users`: a page by id; `next_cursor` continues it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserPage {
    pub items: Vec<AdminUser>,
    pub next_cursor: Option<String>,
}

/// `POST /admin/users/{id}/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DisableUser {
    /// 1..=500 characters, kept with the account and in the audit log.
    pub reason: String,
}

/// `PUT /admin/users/{id}/role`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetUserRole {
    /// `admin` or `user`.
    pub role: String,
}

/// One row of the audit log (`GET /admin/audit`): who did what to what, when, and its
/// link in the hash chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Absent for the system.
    pub actor_id: Option<UserId>,
    /// e.g. `user.disabled`, `user.enabled`, `user.logged_out`, `user.role_changed`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /admin/audit`: newest first; `next_cursor` continues it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// One signed-in device of the caller (`GET /users/me/sessions`): a login, kept alive by
/// its refresh token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub id: String,
    /// e.g. "Chrome on Linux", from the user agent.
    pub device: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// The session of the token that asked.
    pub current: bool,
}

/// `GET /admin/stats`: the platform at a glance, computed at most every 30 s.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminStats {
    pub users: UserCounts,
    pub conversations: ConversationCounts,
    /// The last 30 days, oldest first: `[{day: "2026-12-03", messages: 120}]`.
    pub messages_per_day: Vec<DayCount>,
    /// Users with a live WebSocket now (absent when Redis cannot say).
    pub online_now: Option<i64>,
    /// Every work queue and the dead-letter queue: ready messages (the backlog) and
    /// consumers (absent when RabbitMQ cannot say).
    pub queues: Option<Vec<QueueCount>>,
    pub computed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCounts {
    pub total: i64,
    pub disabled: i64,
    /// Seen (last connection closed) since midnight UTC / in the last 7 days.
    pub active_today: i64,
    pub active_7_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationCounts {
    pub direct: i64,
    pub group: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    pub day: String,
    pub messages: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueCount {
    pub name: String,
    pub messages: u32,
    pub consumers: u32,
}

/// One user the caller blocked (`GET /users/me/blocks`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockedUser {
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub blocked_at: DateTime<Utc>,
}

/// Push platforms a device may register as.
pub const PUSH_PLATFORMS: &[&str] = &["fcm", "apns", "web", "generic"];

/// `PUT /users/me/devices/{token}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    /// `fcm`, `apns`, `web` or `generic` (passed to the push provider as is).
    pub platform: String,
}

/// A device registered for offline push (`GET /users/me/devices`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub token: String,
    pub platform: String,
    pub created_at: DateTime<Utc>,
    /// The last `PUT` (devices beyond the limit are dropped oldest first).
    pub registered_at: DateTime<Utc>,
}

/// Do-not-disturb hours: no pushes between `start` and `end` (`"HH:MM"`, may wrap
/// midnight) at the user's UTC offset.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DoNotDisturb {
    #[cfg_attr(feature = "openapi", schema(example = "22:00"))]
    pub start: String,
    #[cfg_attr(feature = "openapi", schema(example = "07:00"))]
    pub end: String,
    /// Minutes east of UTC, -840..=840 (e.g. 60 for UTC+1).
    #[serde(default)]
    pub utc_offset_minutes: i16,
}

/// `GET`/`PUT /users/me/push-settings`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushSettings {
    /// `null` turns do-not-disturb off.
    pub do_not_disturb: Option<DoNotDisturb>,
}

/// `PUT /conversations/{id}/notifications`: silence this conversation's pushes (mentions
/// of you still push).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConversationNotifications {
    pub muted: bool,
    /// With `muted`: for this long (1..=31 622 400 s); absent mutes until unmuted.
    #[serde(default)]
    pub for_seconds: Option<u64>,
}

/// The answer to `PUT /conversations/{id}/notifications`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationMuteState {
    pub conversation_id: crate::ConversationId,
    /// Pushes are silenced until then (`null`: not muted).
    pub muted_until: Option<DateTime<Utc>>,
}

/// `POST /admin/users/{id}/reset-password`: a one-time token for the user, shown this once
/// (give it to them out of band); only its hash is stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetIssued {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /auth/reset-password`: a new password with the one-time token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPassword {
    pub token: String,
    pub password: String,
}

/// What a webhook can subscribe to: `message` (every message sent in its
/// `conversation_ids`, or everywhere when absent), `mention` (a message that mentions a
/// user of kind bot), `group` (a group changed: members, name, roles), `event` (an event
/// was reported), `broadcast` (a system broadcast).
pub const WEBHOOK_EVENTS: &[&str] = &["message", "mention", "group", "event", "broadcast"];

/// An outgoing webhook (`/admin/webhooks`). `secret` is shown when it is created (or
/// replaced) and never again.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_ids: Option<Vec<crate::ConversationId>>,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `POST /admin/webhooks`. Without `secret`, one is generated (256 bits, hex).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// http(s); not a private, loopback or link-local address unless the platform allows it.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 2048))]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub conversation_ids: Option<Vec<crate::ConversationId>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 16, max_length = 128))]
    pub secret: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `PATCH /admin/webhooks/{id}`: what is present changes. `conversation_ids: null` means
/// every conversation.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<i64>>))]
    pub conversation_ids: Option<Option<Vec<crate::ConversationId>>>,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// One delivery of one envelope to one webhook (`GET /admin/webhooks/{id}/deliveries`):
/// `pending` (retrying until `deadline_at`), `delivered`, or `dead` (gave up; redeliver it).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: i64,
    pub envelope_id: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub deadline_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}

/// `POST /admin/bots`: a bot account (role `bot`: marked as a bot in every user view).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBot {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A bot's API token, shown once (at creation and at each rotation). Exchange it for an
/// access token with `POST /auth/bot-token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotToken {
    pub bot: User,
    pub token: String,
}

/// `POST /auth/bot-token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BotTokenExchange {
    pub token: String,
}

/// A short-lived access token (no refresh token: a bot exchanges its API token again).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
}
