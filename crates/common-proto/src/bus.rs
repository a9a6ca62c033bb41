//! The bus contract: exchange, queues, bindings, routing keys and the envelope.
//!
//! These names are public: platform teams bind their own queues to `instant_exchange` and
//! read these envelopes without any of our code, so nothing here is ever renamed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The one topic exchange every service publishes to.
pub const EXCHANGE: &str = "instant_exchange";
/// Where rejected (poison) and over-delivered messages go.
pub const DEAD_LETTER_EXCHANGE: &str = "instant_dead_letter_exchange";
/// The queue that keeps dead letters for inspection.
pub const DEAD_LETTER_QUEUE: &str = "instant_dead_letter_queue";

pub const PERSISTENCE_QUEUE: &str = "persistence_queue";
pub const REALTIME_PUSH_QUEUE: &str = "realtime_push_queue";
pub const BROADCAST_PROCESS_QUEUE: &str = "broadcast_process_queue";
pub const EVENT_PROCESS_QUEUE: &str = "event_process_queue";
/// The audit log's copy for a SIEM (`system.audit`): nothing of ours consumes it; it is
/// bounded (`AUDIT_QUEUE_MAX_LENGTH`, oldest dropped first) so an absent consumer cannot
/// fill the broker — the database keeps the whole log.
pub const AUDIT_QUEUE: &str = "audit_queue";
/// What outgoing webhooks are made of (chat-api consumes it: one delivery row per
/// subscribed webhook, then its own retries).
pub const WEBHOOK_QUEUE: &str = "webhook_queue";
/// Push jobs for members with no live socket (push-worker emits them, its sender
/// delivers them to the push provider).
pub const OFFLINE_PUSH_QUEUE: &str = "offline_push_queue";
/// Messages `AUDIT_QUEUE` keeps at most.
pub const AUDIT_QUEUE_MAX_LENGTH: i64 = 1_000_000;

/// The contract's work queues and the routing-key patterns bound to each.
pub const QUEUE_BINDINGS: &[(&str, &[&str])] = &[
    (
        PERSISTENCE_QUEUE,
        &["chat.message.#", "system.event", "system.broadcast"],
    ),
    (
        REALTIME_PUSH_QUEUE,
        // chat.read.# (read cursors) and chat.typing.# (typing) are additions to the contract.
        &[
            "chat.message.#",
            "chat.read.#",
            "chat.typing.#",
            "user.status.#",
            "system.notification.#",
        ],
    ),
    (BROADCAST_PROCESS_QUEUE, &["system.broadcast"]),
    (EVENT_PROCESS_QUEUE, &["system.event"]),
    (AUDIT_QUEUE, &[routing::SYSTEM_AUDIT]),
    (OFFLINE_PUSH_QUEUE, &["push.offline.#"]),
    (
        WEBHOOK_QUEUE,
        &[
            "chat.message.#",
            "system.event",
            "system.broadcast",
            "system.notification.conversation.#",
        ],
    ),
];

/// AMQP header carrying the request id, so one trace follows a message across services.
pub const HEADER_REQUEST_ID: &str = "x-request-id";
/// AMQP header carrying a W3C `traceparent`, when the request had one.
pub const HEADER_TRACEPARENT: &str = "traceparent";

/// Routing keys of the contract.
pub mod routing {
    use crate::{ConversationId, UserId};

    pub const SYSTEM_BROADCAST: &str = "system.broadcast";
    pub const SYSTEM_EVENT: &str = "system.event";
    /// Every audit-log row, in chain order (kind `AUDIT_RECORDED`).
    pub const SYSTEM_AUDIT: &str = "system.audit";

    pub fn chat_message(conversation_id: ConversationId) -> String {
        format!("chat.message.conversation.{conversation_id}")
    }
    pub fn user_online(user_id: UserId) -> String {
        format!("user.status.online.{user_id}")
    }
    pub fn user_offline(user_id: UserId) -> String {
        format!("user.status.offline.{user_id}")
    }
    /// Someone is typing (ephemeral; never persisted).
    pub fn chat_typing(conversation_id: ConversationId) -> String {
        format!("chat.typing.conversation.{conversation_id}")
    }
    /// Frames for the users connected to one gateway node.
    pub fn gateway_delivery(node: &str) -> String {
        format!("deliver.gateway.{node}")
    }
    /// Bound by every gateway's delivery queue: one publish reaches every node.
    pub const GATEWAY_DELIVER_ALL: &str = "deliver.all";
    /// A peer platform's link status changed.
    pub fn cascade_status(code: &str) -> String {
        format!("system.notification.cascade.{code}")
    }
    /// Notifications about events (push-worker sends them to their owners).
    pub const EVENT_NOTIFICATION: &str = "system.notification.event";
    /// A member's read cursor moved (push-worker tells the other members and devices).
    pub fn chat_read(conversation_id: ConversationId) -> String {
        format!("chat.read.conversation.{conversation_id}")
    }
    pub fn conversation_notification(conversation_id: ConversationId) -> String {
        format!("system.notification.conversation.{conversation_id}")
    }
    /// A push job for offline members (of a conversation, or `0` for none).
    pub fn push_offline(conversation_id: ConversationId) -> String {
        format!("push.offline.conversation.{conversation_id}")
    }
}

/// Dotted kinds of envelopes: past-tense facts.
pub mod kind {
    pub const MESSAGE_SENT: &str = "chat.message_sent";
    /// A message was edited, recalled, reacted to, pinned or unpinned (or hidden by one
    /// user): its new state, on `chat.message.conversation.{id}`.
    pub const MESSAGE_CHANGED: &str = "chat.message_changed";
    pub const READ_MOVED: &str = "chat.read_moved";
    pub const TYPING_STARTED: &str = "chat.typing_started";
    pub const DELIVERY_REQUESTED: &str = "realtime.delivery_requested";
    pub const USER_ONLINE: &str = "user.went_online";
    pub const USER_OFFLINE: &str = "user.went_offline";
    pub const BROADCAST_SENT: &str = "system.broadcast_sent";
    pub const EVENT_REPORTED: &str = "system.event_reported";
    pub const CONVERSATION_UPDATED: &str = "system.conversation_updated";
    pub const NOTIFICATIONS_CREATED: &str = "system.notifications_created";
    pub const CASCADE_STATUS_CHANGED: &str = "system.cascade_status_changed";
    /// `data` is the audit row ([`AuditRecorded`](super::AuditRecorded)); the envelope
    /// id is `audit-<row id>`, so a consumer drops a repeat.
    pub const AUDIT_RECORDED: &str = "system.audit_recorded";
    /// `data` is a [`PushRequested`](super::PushRequested): members with no live socket
    /// to notify through their devices.
    pub const PUSH_REQUESTED: &str = "push.offline_requested";

    /// Every kind above (the AsyncAPI document describes each).
    pub const ALL: &[&str] = &[
        MESSAGE_SENT,
        MESSAGE_CHANGED,
        READ_MOVED,
        TYPING_STARTED,
        DELIVERY_REQUESTED,
        USER_ONLINE,
        USER_OFFLINE,
        BROADCAST_SENT,
        EVENT_REPORTED,
        CONVERSATION_UPDATED,
        NOTIFICATIONS_CREATED,
        CASCADE_STATUS_CHANGED,
        AUDIT_RECORDED,
        PUSH_REQUESTED,
    ];
}

/// The current envelope version.
pub const ENVELOPE_VERSION: u32 = 1;

/// Every message on the bus: `{id, kind, version, occurred_at, origin, data}`.
///
/// `id` is unique per event and is what consumers deduplicate on; `origin` is the code of
/// the platform where the event happened (see the cascade).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Envelope<T = serde_json::Value> {
    pub id: String,
    pub kind: String,
    pub version: u32,
    pub occurred_at: DateTime<Utc>,
    pub origin: String,
    pub data: T,
    /// Cascade: the platform codes this envelope has been on, origin first (empty until it
    /// first crosses a link). A platform never forwards it to a peer on this path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// Cascade: links crossed so far (bounded by the hop limit).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub hops: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl<T> Envelope<T> {
    /// A version-1 envelope that happened now.
    pub fn new(
        id: impl Into<String>,
        kind: impl Into<String>,
        origin: impl Into<String>,
        data: T,
    ) -> Self {
        Self {
            id: id.into(),
            kind: kind.into(),
            version: ENVELOPE_VERSION,
            occurred_at: Utc::now(),
            origin: origin.into(),
            data,
            path: Vec::new(),
            hops: 0,
        }
    }

    /// The platforms this envelope has been on (at least its origin).
    pub fn visited(&self) -> Vec<String> {
        if self.path.is_empty() {
            vec![self.origin.clone()]
        } else {
            self.path.clone()
        }
    }
}

/// `system.notification.cascade.<code>`, kind `CASCADE_STATUS_CHANGED`: a peer's link
/// went online or offline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CascadeStatusChanged {
    pub code: String,
    pub status: String,
}

/// Every kind of envelope on the bus with its data type: a consumer decodes an envelope
/// once ([`BusEvent::decode`]) and matches on this, never on kind strings.
#[derive(Debug, Clone, PartialEq)]
pub enum BusEvent {
    MessageSent(MessageSent),
    MessageChanged(MessageChanged),
    ReadMoved(ReadMoved),
    TypingStarted(TypingStarted),
    DeliveryRequested(crate::ws::Delivery),
    /// `USER_ONLINE` or `USER_OFFLINE` (the status says which).
    PresenceChanged(PresenceChanged),
    BroadcastSent(crate::rest::Broadcast),
    EventReported(crate::rest::Event),
    ConversationUpdated(ConversationUpdated),
    NotificationsCreated(NotificationsCreated),
    CascadeStatusChanged(CascadeStatusChanged),
    AuditRecorded(AuditRecorded),
    PushRequested(PushRequested),
}

impl BusEvent {
    /// The data of `kind`, typed; `Ok(None)` for a kind this version does not know (kinds
    /// are added without breaking older consumers), `Err` for data that does not fit.
    pub fn decode(kind_name: &str, data: serde_json::Value) -> serde_json::Result<Option<Self>> {
        use serde_json::from_value as v;
        Ok(Some(match kind_name {
            kind::MESSAGE_SENT => Self::MessageSent(v(data)?),
            kind::MESSAGE_CHANGED => Self::MessageChanged(v(data)?),
            kind::READ_MOVED => Self::ReadMoved(v(data)?),
            kind::TYPING_STARTED => Self::TypingStarted(v(data)?),
            kind::DELIVERY_REQUESTED => Self::DeliveryRequested(v(data)?),
            kind::USER_ONLINE | kind::USER_OFFLINE => Self::PresenceChanged(v(data)?),
            kind::BROADCAST_SENT => Self::BroadcastSent(v(data)?),
            kind::EVENT_REPORTED => Self::EventReported(v(data)?),
            kind::CONVERSATION_UPDATED => Self::ConversationUpdated(v(data)?),
            kind::NOTIFICATIONS_CREATED => Self::NotificationsCreated(v(data)?),
            kind::CASCADE_STATUS_CHANGED => Self::CascadeStatusChanged(v(data)?),
            kind::AUDIT_RECORDED => Self::AuditRecorded(v(data)?),
            kind::PUSH_REQUESTED => Self::PushRequested(v(data)?),
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_snapshot() {
        let mut env = Envelope::new(
            "01J0",
            kind::MESSAGE_SENT,
            "local",
            serde_json::json!({"a": 1}),
        );
        env.occurred_at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(
            serde_json::to_string(&env).expect("serialise"),
            r#"{"id":"01J0","kind":"chat.message_sent","version":1,"occurred_at":"2026-01-02T03:04:05Z","origin":"local","data":{"a":1}}"#
        );
    }

    #[test]
    fn routing_keys_match_bindings() {
        assert_eq!(routing::chat_message(7), "chat.message.conversation.7");
        assert_eq!(routing::user_offline(3), "user.status.offline.3");
        assert_eq!(
            routing::conversation_notification(9),
            "system.notification.conversation.9"
        );
        let persistence = QUEUE_BINDINGS
            .iter()
            .find(|(q, _)| *q == PERSISTENCE_QUEUE)
            .expect("queue");
        assert!(persistence.1.contains(&"system.broadcast"));
    }
}

/// `data` of a `system.audit_recorded` envelope: one audit-log row with its hash-chain
/// link, so a SIEM can check the chain on its own copy.
pub type AuditRecorded = crate::rest::AuditEntry;

/// `data` of a `chat.message_sent` envelope: the message, exactly as acknowledged.
pub type MessageSent = crate::rest::Message;

/// `data` of a `chat.message_changed` envelope: the message in its new state (its `rev`
/// orders it; a consumer that has a higher rev for it already drops it) and what changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageChanged {
    pub message: crate::rest::Message,
    pub change: MessageChange,
    /// Set when only this user is to hear of it (they deleted it for themselves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only: Option<crate::UserId>,
}

/// What a change was: `edited`, `recalled`, `reaction_added`, `reaction_removed`,
/// `pinned`, `unpinned` or `hidden`, by whom (and which emoji).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageChange {
    pub kind: String,
    pub user_id: crate::UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

/// AMQP header on `chat.message.*`: the conversation's membership version the sender saw
/// (push-worker refreshes a cached member list older than it).
pub const HEADER_MEMBERS_VERSION: &str = "x-members-version";

/// A notification for one user (part of [`ConversationUpdated`] and [`NotificationsCreated`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserNotification {
    pub user_id: crate::UserId,
    pub notification: crate::rest::Notification,
}

/// `system.notification.conversation.{id}`, kind `CONVERSATION_UPDATED`: a group changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationUpdated {
    pub conversation_id: crate::ConversationId,
    /// What every member's socket receives as `conversation.updated`.
    pub conversation: serde_json::Value,
    /// Users who left with this change: they get the frame too.
    #[serde(default)]
    pub departed: Vec<crate::UserId>,
    #[serde(default)]
    pub notifications: Vec<UserNotification>,
}

/// `system.notification.conversation.{id}`, kind `NOTIFICATIONS_CREATED` (mentions).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationsCreated {
    pub notifications: Vec<UserNotification>,
}

/// `data` of a `chat.read_moved` envelope (routing key `chat.read.conversation.{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadMoved {
    pub conversation_id: crate::ConversationId,
    pub user_id: crate::UserId,
    pub seq: i64,
}

/// `data` of a `chat.typing_started` envelope.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypingStarted {
    pub conversation_id: crate::ConversationId,
    pub user_id: crate::UserId,
}

/// `data` of `user.went_online` / `user.went_offline`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresenceChanged {
    pub user_id: crate::UserId,
    /// `online` or `offline`.
    pub status: String,
}

#[cfg(test)]
mod event_tests {
    use super::*;

    #[test]
    fn bus_events_decode_by_kind() {
        let read = serde_json::json!({"conversation_id": 3, "user_id": 4, "seq": 9});
        assert_eq!(
            BusEvent::decode(kind::READ_MOVED, read.clone()).expect("decode"),
            Some(BusEvent::ReadMoved(ReadMoved {
                conversation_id: 3,
                user_id: 4,
                seq: 9
            }))
        );
        assert_eq!(
            BusEvent::decode("chat.something_new", read.clone()).expect("unknown"),
            None
        );
        assert!(
            BusEvent::decode(kind::MESSAGE_SENT, read).is_err(),
            "wrong data is an error"
        );
        let presence = serde_json::json!({"user_id": 1, "status": "offline"});
        assert!(matches!(
            BusEvent::decode(kind::USER_OFFLINE, presence).expect("presence"),
            Some(BusEvent::PresenceChanged(p)) if p.status == "offline"
        ));
    }
}

/// `push.offline.conversation.{id}`, kind `PUSH_REQUESTED`: something reached members with
/// no live socket. The sender decides per member (devices, conversation muted, do not
/// disturb, coalescing) and what the push says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequested {
    pub recipients: Vec<crate::UserId>,
    /// The message that reached them (a `message` push).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<crate::rest::Message>,
    /// Or the notification (`mention`, `group.added`, ...; one recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification: Option<crate::rest::Notification>,
}
