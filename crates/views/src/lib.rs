//! How stored rows look to clients and on the bus: `db`'s rows turned into
//! `common-proto`'s REST types ([`ToPublic`]) and, for the rows a worker stores from an
//! envelope, back again. Neither `db` (queries only) nor `common-proto` (the contract only)
//! knows the other; this is the one place that knows both, shared by every service that
//! answers with a row.

use chrono::{NaiveDateTime, TimeZone, Utc};
use common_proto::rest;

/// A row's public shape (never a secret column: a user's view has no password hash, a
/// platform's no token hash).
pub trait ToPublic {
    type Public;
    fn to_public(&self) -> Self::Public;
}

impl ToPublic for db::users::UserRow {
    type Public = rest::User;
    /// The public view (no password hash).
    fn to_public(&self) -> Self::Public {
        rest::User {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            avatar_file_id: self.avatar_file_id.clone(),
            bio: self.bio.clone(),
            role: self.role.clone(),
            created_at: Utc.from_utc_datetime(&self.created_at),
            online: None,
            last_seen_at: self.last_seen_at.map(|t| Utc.from_utc_datetime(&t)),
        }
    }
}

impl ToPublic for db::conversations::MemberRow {
    type Public = rest::Member;
    fn to_public(&self) -> Self::Public {
        rest::Member {
            user_id: self.user_id,
            role: self.role.clone(),
            last_read_seq: self.last_read_seq,
            joined_at: Utc.from_utc_datetime(&self.joined_at),
            muted_until: self
                .muted_until
                .filter(|t| *t > Utc::now().naive_utc())
                .map(|t| Utc.from_utc_datetime(&t)),
        }
    }
}

impl ToPublic for db::messages::MessageRow {
    type Public = rest::Message;
    fn to_public(&self) -> Self::Public {
        rest::Message {
            id: self.id.clone(),
            conversation_id: self.conversation_id,
            seq: self.seq,
            sender_id: self.sender_id,
            kind: self.kind.clone(),
            content: self.content.clone(),
            file_id: self.file_id.clone(),
            reply_to: self.reply_to.clone(),
            created_at: Utc.from_utc_datetime(&self.created_at),
            client_msg_id: self.client_msg_id.clone(),
            file: None,
            forwarded_from: self.forwarded_from.clone(),
            ..Default::default()
        }
    }
}

/// A message with its lifecycle state (without what depends on the reader: reactions and
/// hiding are added per caller).
impl ToPublic for db::lifecycle::Stored {
    type Public = rest::Message;
    fn to_public(&self) -> Self::Public {
        let (row, state) = self;
        let at = |t: &chrono::NaiveDateTime| Utc.from_utc_datetime(t);
        rest::Message {
            rev: state.rev,
            edited_at: state.edited_at.as_ref().map(at),
            recalled: state.recalled_at.is_some(),
            recalled_by: state.recalled_by,
            pinned_at: state.pinned_at.as_ref().map(at),
            pinned_by: state.pinned_by,
            ..row.to_public()
        }
    }
}

impl ToPublic for db::notifications::NotificationRow {
    type Public = rest::Notification;
    fn to_public(&self) -> Self::Public {
        rest::Notification {
            id: self.id.clone(),
            kind: self.kind.clone(),
            payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
            read: self.read_at.is_some(),
            created_at: Utc.from_utc_datetime(&self.created_at),
        }
    }
}

impl ToPublic for db::events::EventRow {
    type Public = rest::Event;
    fn to_public(&self) -> Self::Public {
        rest::Event {
            id: self.id.clone(),
            kind: self.kind.clone(),
            severity: self.severity.clone(),
            payload: serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null),
            reporter_id: self.reporter_id,
            origin: self.origin.clone(),
            occurred_at: Utc.from_utc_datetime(&self.occurred_at),
        }
    }
}

impl ToPublic for db::broadcasts::BroadcastRow {
    type Public = rest::Broadcast;
    fn to_public(&self) -> Self::Public {
        rest::Broadcast {
            id: self.id.clone(),
            sender_id: self.sender_id,
            title: self.title.clone(),
            content: self.content.clone(),
            origin: self.origin.clone(),
            created_at: Utc.from_utc_datetime(&self.created_at),
        }
    }
}

impl ToPublic for db::files::FileRow {
    type Public = rest::FileInfo;
    fn to_public(&self) -> Self::Public {
        rest::FileInfo {
            id: self.id.clone(),
            filename: self.filename.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            sha256: self.sha256.clone(),
            width: self.width,
            height: self.height,
            created_at: Utc.from_utc_datetime(&self.created_at),
        }
    }
}

impl ToPublic for db::cascade::PlatformRow {
    type Public = rest::Platform;
    fn to_public(&self) -> Self::Public {
        let t = |d: &NaiveDateTime| Utc.from_utc_datetime(d);
        rest::Platform {
            id: self.id,
            code: self.code.clone(),
            name: self.name.clone(),
            relation: self.relation.clone(),
            level: self.level,
            api_url: self.api_url.clone(),
            enabled: self.enabled,
            status: self.status.clone(),
            last_heartbeat_at: self.last_heartbeat_at.as_ref().map(t),
            forwarded_count: self.forwarded_count,
            dropped_count: self.dropped_count,
            last_error: self.last_error.clone(),
            created_at: t(&self.created_at),
            updated_at: t(&self.updated_at),
        }
    }
}

/// New inbox rows as the bus carries them: each with its owner, for push-worker to route.
pub fn user_notifications(
    rows: &[db::notifications::NotificationRow],
) -> Vec<common_proto::bus::UserNotification> {
    rows.iter()
        .map(|n| common_proto::bus::UserNotification {
            user_id: n.user_id,
            notification: n.to_public(),
        })
        .collect()
}

/// The row the persistence-worker stores from a `message.sent` envelope.
pub fn message_row(m: &rest::Message) -> db::messages::MessageRow {
    db::messages::MessageRow {
        id: m.id.clone(),
        conversation_id: m.conversation_id,
        seq: m.seq,
        sender_id: m.sender_id,
        client_msg_id: m.client_msg_id.clone(),
        kind: m.kind.clone(),
        content: m.content.clone(),
        file_id: m.file_id.clone(),
        reply_to: m.reply_to.clone(),
        created_at: m.created_at.naive_utc(),
        forwarded_from: m.forwarded_from.clone(),
    }
}

/// The search-index entry of a message at its rev (`recalled`: no terms, so a late copy of
/// an older state cannot bring the text back).
pub fn search_entry(m: &rest::Message, recalled: bool) -> db::search::Entry {
    db::search::Entry {
        message_id: m.id.clone(),
        conversation_id: m.conversation_id,
        seq: m.seq,
        rev: m.rev,
        created_at: m.created_at.naive_utc(),
        terms: if recalled {
            String::new()
        } else {
            db::search::terms(&m.content)
        },
    }
}

/// The row the persistence-worker stores from an `event.reported` envelope.
pub fn event_row(x: &rest::Event) -> db::events::EventRow {
    db::events::EventRow {
        id: x.id.clone(),
        kind: x.kind.clone(),
        severity: x.severity.clone(),
        payload: x.payload.to_string(),
        reporter_id: x.reporter_id,
        origin: x.origin.clone(),
        occurred_at: x.occurred_at.naive_utc(),
    }
}

/// The row the persistence-worker stores from a `broadcast.sent` envelope.
pub fn broadcast_row(x: &rest::Broadcast) -> db::broadcasts::BroadcastRow {
    db::broadcasts::BroadcastRow {
        id: x.id.clone(),
        sender_id: x.sender_id,
        title: x.title.clone(),
        content: x.content.clone(),
        origin: x.origin.clone(),
        created_at: x.created_at.naive_utc(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{SubsecRound, Utc};

    #[test]
    fn a_message_survives_the_trip_to_the_wire_and_back() {
        let row = db::messages::MessageRow {
            id: "01J0000000000000000000000A".into(),
            conversation_id: 7,
            seq: 42,
            sender_id: 3,
            client_msg_id: "c-1".into(),
            kind: "text".into(),
            content: "你好".into(),
            file_id: Some("01J0000000000000000000000F".into()),
            reply_to: None,
            created_at: Utc::now().naive_utc().trunc_subsecs(6),
            forwarded_from: Some("01J0000000000000000000000B".into()),
        };
        let wire = row.to_public();
        assert_eq!(wire.created_at.naive_utc(), row.created_at);
        let back = message_row(&wire);
        assert_eq!(format!("{back:?}"), format!("{row:?}"));
    }

    #[test]
    fn a_users_view_has_no_password_hash() {
        let row = db::users::UserRow {
            id: 1,
            username: "ada".into(),
            password_hash: "$argon2id$secret".into(),
            display_name: "Ada".into(),
            avatar_file_id: None,
            bio: None,
            role: "user".into(),
            last_seen_at: None,
            created_at: Utc::now().naive_utc(),
            disabled_at: None,
            disabled_reason: None,
        };
        let json = serde_json::to_string(&row.to_public()).expect("json");
        assert!(!json.contains("argon2"), "{json}");
        assert!(json.contains("\"username\":\"ada\""), "{json}");
    }
}
