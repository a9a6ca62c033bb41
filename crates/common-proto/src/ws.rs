//! WebSocket frames of the contract (`/api/v1/realtime/ws`): text frames, one JSON object
//! each, tagged by `type`. Extensions beyond the contract: `sync.done` closes a `sync`
//! reply, `error` may carry the `client_msg_id` it answers.

use crate::{
    ConversationId, UserId,
    rest::{Message, SendMessage},
};
use serde::{Deserialize, Serialize};

/// Client to server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientFrame {
    #[serde(rename = "ping")]
    Ping,
    #[serde(rename = "typing")]
    Typing { conversation_id: ConversationId },
    #[serde(rename = "message.send")]
    MessageSend { message: SendMessage },
    /// Replays messages after `after_seq` in order, at most `limit` (default and maximum
    /// 200); `sync.done` says whether more remain.
    #[serde(rename = "sync")]
    Sync {
        conversation_id: ConversationId,
        after_seq: i64,
        #[serde(default)]
        limit: Option<i64>,
        /// The highest `rev` the device has seen in this conversation: the messages it
        /// holds (seq <= after_seq) that changed since come as `message.updated`.
        #[serde(default)]
        after_rev: Option<i64>,
    },
}

/// Server to client.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type")]
pub enum ServerFrame {
    #[serde(rename = "pong")]
    Pong,
    #[serde(rename = "ack")]
    Ack {
        client_msg_id: String,
        id: String,
        seq: i64,
        conversation_id: ConversationId,
    },
    #[serde(rename = "message.new")]
    MessageNew { message: Message },
    /// A message's new state (edited, recalled, reacted to, pinned, hidden for you); drop
    /// it when the message you hold has this `rev` or a higher one.
    #[serde(rename = "message.updated")]
    MessageUpdated {
        message: Message,
        /// What changed (absent when replayed by `sync`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        change: Option<crate::bus::MessageChange>,
    },
    /// A conversation's pins changed: reread `GET /conversations/{id}/pins`.
    #[serde(rename = "pins.updated")]
    PinsUpdated {
        conversation_id: ConversationId,
        message_id: String,
        pinned: bool,
    },
    #[serde(rename = "typing")]
    Typing {
        conversation_id: ConversationId,
        user_id: UserId,
    },
    #[serde(rename = "presence")]
    Presence { user_id: UserId, status: String },
    #[serde(rename = "read")]
    Read {
        conversation_id: ConversationId,
        user_id: UserId,
        seq: i64,
    },
    #[serde(rename = "notification")]
    Notification { notification: serde_json::Value },
    #[serde(rename = "conversation.updated")]
    ConversationUpdated { conversation: serde_json::Value },
    #[serde(rename = "broadcast")]
    Broadcast { broadcast: serde_json::Value },
    #[serde(rename = "sync.done")]
    SyncDone {
        conversation_id: ConversationId,
        last_seq: i64,
        has_more: bool,
        /// With `after_rev`: the rev to ask after next time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_rev: Option<i64>,
    },
    #[serde(rename = "error")]
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<String>,
    },
}

impl ServerFrame {
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Self::Error {
            code: code.into(),
            message: message.into(),
            client_msg_id: None,
        }
    }

    pub fn to_text(&self) -> String {
        // Serialising these plain structs cannot fail.
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"type":"error","code":"internal","message":"frame"}"#.into())
    }
}

/// `data` of a delivery request from push-worker to one gateway node: the frame once,
/// with the users of that node who should get it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub recipients: Vec<UserId>,
    pub frame: ServerFrame,
    /// Every socket of the node, whoever it belongs to (system broadcasts); `recipients`
    /// is then empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub everyone: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_snapshots() {
        let cases = [
            (ServerFrame::Pong, r#"{"type":"pong"}"#),
            (
                ServerFrame::Ack {
                    client_msg_id: "c1".into(),
                    id: "m".into(),
                    seq: 3,
                    conversation_id: 9,
                },
                r#"{"type":"ack","client_msg_id":"c1","id":"m","seq":3,"conversation_id":9}"#,
            ),
            (
                ServerFrame::Typing {
                    conversation_id: 1,
                    user_id: 2,
                },
                r#"{"type":"typing","conversation_id":1,"user_id":2}"#,
            ),
            (
                ServerFrame::Presence {
                    user_id: 2,
                    status: "online".into(),
                },
                r#"{"type":"presence","user_id":2,"status":"online"}"#,
            ),
            (
                ServerFrame::Read {
                    conversation_id: 1,
                    user_id: 2,
                    seq: 5,
                },
                r#"{"type":"read","conversation_id":1,"user_id":2,"seq":5}"#,
            ),
            (
                ServerFrame::PinsUpdated {
                    conversation_id: 1,
                    message_id: "m".into(),
                    pinned: true,
                },
                r#"{"type":"pins.updated","conversation_id":1,"message_id":"m","pinned":true}"#,
            ),
            (
                ServerFrame::SyncDone {
                    conversation_id: 1,
                    last_seq: 9,
                    has_more: false,
                    last_rev: Some(4),
                },
                r#"{"type":"sync.done","conversation_id":1,"last_seq":9,"has_more":false,"last_rev":4}"#,
            ),
            (
                ServerFrame::error("bad_frame", "x"),
                r#"{"type":"error","code":"bad_frame","message":"x"}"#,
            ),
        ];
        for (frame, json) in cases {
            assert_eq!(frame.to_text(), json);
        }
    }

    #[test]
    fn client_frames_parse() {
        let f: ClientFrame =
            serde_json::from_str(r#"{"type":"sync","conversation_id":4,"after_seq":10}"#)
                .expect("sync");
        assert!(matches!(
            f,
            ClientFrame::Sync {
                conversation_id: 4,
                after_seq: 10,
                limit: None,
                after_rev: None
            }
        ));
        let f: ClientFrame = serde_json::from_str(
            r#"{"type":"sync","conversation_id":4,"after_seq":10,"after_rev":7}"#,
        )
        .expect("sync with a rev");
        assert!(matches!(
            f,
            ClientFrame::Sync {
                after_rev: Some(7),
                ..
            }
        ));
        let f: ClientFrame = serde_json::from_str(
            r#"{"type":"message.send","message":{"conversation_id":1,"client_msg_id":"a","type":"text","content":"hi"}}"#,
        )
        .expect("send");
        assert!(matches!(f, ClientFrame::MessageSend { .. }));
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"nope"}"#).is_err());
    }
}
