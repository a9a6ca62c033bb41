//! Offline push: the consumer of `offline_push_queue`. [`Push`](crate::push::Push) emits
//! a job when a message or notification reaches members with no live socket; this decides
//! per member whether and what to push, then hands each device's payload to a
//! [`PushSender`](crate::sender::PushSender).
//!
//! Per job, a handful of bulk queries whatever the number of recipients: devices (most
//! users without one drop out first), who silenced the conversation (a `message` push
//! only; mentions break through), who is in do-not-disturb hours, and the badge (unread
//! messages over all conversations). Then one Redis `SET NX EX` per member and
//! conversation coalesces: at most one push per conversation per window, whatever the
//! traffic — which also makes a redelivered job a no-op.

use crate::sender::{Outcome, PushSender};
use bus::{Handler, HandlerError, Incoming};
use chrono::Utc;
use common_proto::{
    ConversationId, UserId,
    bus::{BusEvent, PushRequested},
    rest::{Message, Notification},
};
use kit::redis::redis;
use serde_json::{Value, json};
use std::{collections::HashMap, time::Duration};

/// What one push says, before it is addressed to a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub title: String,
    pub body: String,
    /// `message`, `mention`, `group.added`, ...
    pub kind: String,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<String>,
    pub seq: Option<i64>,
}

/// The longest body preview, in characters.
const PREVIEW_CHARS: usize = 120;

/// What a message says in a push: its text (cut at [`PREVIEW_CHARS`]) or what it carries.
pub fn preview(message: &Message) -> String {
    match message.kind.as_str() {
        "image" => "[image]".to_owned(),
        "file" => match &message.file {
            Some(f) => format!("[file] {}", f.filename),
            None => "[file]".to_owned(),
        },
        _ => {
            let text = message.content.trim();
            if text.chars().count() > PREVIEW_CHARS {
                let cut: String = text.chars().take(PREVIEW_CHARS).collect();
                format!("{cut}…")
            } else {
                text.to_owned()
            }
        }
    }
}

/// The conversation and sender a push names.
pub struct Names {
    /// `Some(name)` for a group.
    pub group: Option<String>,
    pub sender: String,
}

/// A message push: in a group titled with the group and prefixed with the sender, in a
/// direct chat titled with the sender. With `hide_content` the body only says there is
/// a new message (the lock screen shows who, never what).
pub fn message_content(message: &Message, names: &Names, hide_content: bool) -> Content {
    let text = if hide_content {
        "New message".to_owned()
    } else {
        preview(message)
    };
    let (title, body) = match &names.group {
        Some(group) if hide_content => (group.clone(), text),
        Some(group) => (group.clone(), format!("{}: {text}", names.sender)),
        None => (names.sender.clone(), text),
    };
    Content {
        title,
        body,
        kind: "message".to_owned(),
        conversation_id: Some(message.conversation_id),
        message_id: Some(message.id.clone()),
        seq: Some(message.seq),
    }
}

/// A notification push (never any message text: a mention says who, not what).
pub fn notification_content(n: &Notification, names: &Names) -> Content {
    let conversation_id = n.payload["conversation_id"].as_i64();
    let title = names
        .group
        .clone()
        .unwrap_or_else(|| match n.kind.as_str() {
            "mention" => names.sender.clone(),
            _ => "instant".to_owned(),
        });
    let body = match n.kind.as_str() {
        "mention" => format!("{} mentioned you", names.sender),
        "group.added" => "You were added to the group".to_owned(),
        "group.removed" => "You were removed from the group".to_owned(),
        "group.role_changed" => "Your role in the group changed".to_owned(),
        "group.muted" => "An admin muted you in the group".to_owned(),
        "group.owner_changed" => "The group has a new owner".to_owned(),
        _ => "You have a new notification".to_owned(),
    };
    Content {
        title,
        body,
        kind: n.kind.clone(),
        conversation_id,
        message_id: n.payload["message_id"].as_str().map(str::to_owned),
        seq: n.payload["seq"].as_i64(),
    }
}

/// One device's payload, shaped like an FCM/APNs notification: `notification` (title,
/// body, badge), `data` (string values, as FCM requires), a `collapse_key` per
/// conversation so the phone replaces rather than stacks.
pub fn payload(id: &str, device: &db::push::DeviceRow, content: &Content, badge: i64) -> Value {
    let collapse = match content.conversation_id {
        Some(c) => format!("conversation.{c}"),
        None => content.kind.clone(),
    };
    let mut data = serde_json::Map::new();
    data.insert("kind".into(), json!(content.kind));
    if let Some(c) = content.conversation_id {
        data.insert("conversation_id".into(), json!(c.to_string()));
    }
    if let Some(m) = &content.message_id {
        data.insert("message_id".into(), json!(m));
    }
    if let Some(s) = content.seq {
        data.insert("seq".into(), json!(s.to_string()));
    }
    json!({
        "id": id,
        "token": device.token,
        "platform": device.platform,
        "user_id": device.user_id,
        "notification": {"title": content.title, "body": content.body, "badge": badge},
        "data": data,
        "collapse_key": collapse,
    })
}

pub struct Offline<S> {
    pub pool: db::Pool,
    pub redis: deadpool_redis::Pool,
    pub redis_prefix: String,
    pub sender: S,
    pub hide_content: bool,
    /// One push per member and conversation per this window.
    pub coalesce: Duration,
}

fn retry(e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Retry(e.to_string())
}

/// The members to push to, with their devices, after the mute and do-not-disturb rules.
struct Plan {
    content: Content,
    devices: HashMap<UserId, Vec<db::push::DeviceRow>>,
    badges: HashMap<UserId, i64>,
}

impl<S: PushSender> Offline<S> {
    async fn plan(&self, job: &PushRequested) -> Result<Option<Plan>, HandlerError> {
        let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
        let mut devices: HashMap<UserId, Vec<db::push::DeviceRow>> = HashMap::new();
        for d in db::push::devices_of(&mut conn, &job.recipients)
            .await
            .map_err(retry)?
        {
            devices.entry(d.user_id).or_default().push(d);
        }
        if devices.is_empty() {
            return Ok(None);
        }
        let (conversation, sender, is_message) = match (&job.message, &job.notification) {
            (Some(m), _) => (Some(m.conversation_id), Some(m.sender_id), true),
            (None, Some(n)) => (
                n.payload["conversation_id"].as_i64(),
                n.payload["sender_id"].as_i64(),
                false,
            ),
            (None, None) => return Ok(None),
        };
        let users: Vec<UserId> = devices.keys().copied().collect();
        if is_message && let Some(c) = conversation {
            for muted in db::push::muted_in(&mut conn, c, &users)
                .await
                .map_err(retry)?
            {
                devices.remove(&muted);
            }
        }
        let now = Utc::now();
        for (user, dnd) in db::push::dnd_of(&mut conn, &users).await.map_err(retry)? {
            if dnd.covers(now) {
                devices.remove(&user);
            }
        }
        if devices.is_empty() {
            metrics::counter!("push_offline_skipped_total").increment(1);
            return Ok(None);
        }
        let group = match conversation {
            Some(c) => db::conversations::by_id(&mut conn, c)
                .await
                .map_err(retry)?
                .filter(|row| row.kind == "group")
                .map(|row| row.name.unwrap_or_else(|| "Group".to_owned())),
            None => None,
        };
        let sender = match sender {
            Some(id) => db::users::by_id(&mut conn, id)
                .await
                .map_err(retry)?
                .map(|u| u.display_name)
                .unwrap_or_else(|| "Someone".to_owned()),
            None => "instant".to_owned(),
        };
        let names = Names { group, sender };
        let content = match (&job.message, &job.notification) {
            (Some(m), _) => message_content(m, &names, self.hide_content),
            (None, Some(n)) => notification_content(n, &names),
            (None, None) => return Ok(None),
        };
        let users: Vec<UserId> = devices.keys().copied().collect();
        let pending = job.message.as_ref().map(|m| (m.conversation_id, m.seq));
        let badges = db::push::unread_totals(&mut conn, &users, pending)
            .await
            .map_err(retry)?;
        Ok(Some(Plan {
            content,
            devices,
            badges,
        }))
    }

    /// Takes the member's push slot for the conversation; `false` while one was sent
    /// within the window (the job's repeat included).
    async fn take_slot(&self, user: UserId, key: &str) -> Result<bool, HandlerError> {
        let mut c = self.redis.get().await.map_err(retry)?;
        let set: Option<String> = redis::cmd("SET")
            .arg(format!("{}push:slot:{user}:{key}", self.redis_prefix))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(self.coalesce.as_secs().max(1))
            .query_async(&mut c)
            .await
            .map_err(retry)?;
        Ok(set.is_some())
    }

    /// Gives a slot back when nothing could be delivered, so the next message tries again.
    async fn release_slot(&self, user: UserId, key: &str) {
        if let Ok(mut c) = self.redis.get().await {
            let _: Result<i64, _> = redis::cmd("DEL")
                .arg(format!("{}push:slot:{user}:{key}", self.redis_prefix))
                .query_async(&mut c)
                .await;
        }
    }
}

impl<S: PushSender> Handler for Offline<S> {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let (envelope, event) = msg.event()?;
        let Some(BusEvent::PushRequested(job)) = event else {
            return Ok(());
        };
        let Some(plan) = self.plan(&job).await? else {
            return Ok(());
        };
        let key = match plan.content.conversation_id {
            Some(c) => c.to_string(),
            None => plan.content.kind.clone(),
        };
        for (user, devices) in &plan.devices {
            if !self.take_slot(*user, &key).await? {
                metrics::counter!("push_offline_coalesced_total").increment(1);
                continue;
            }
            let badge = plan.badges.get(user).copied().unwrap_or(0);
            let mut delivered = false;
            for device in devices {
                let id = format!("{}.{}", envelope.id, user);
                let body = payload(&id, device, &plan.content, badge);
                let outcome = self.sender.send(device, &body).await;
                metrics::counter!("push_offline_sent_total", "outcome" => outcome.label())
                    .increment(1);
                match outcome {
                    Outcome::Sent => delivered = true,
                    Outcome::Unregistered => {
                        // The provider says the app is gone: stop pushing to it.
                        if let Ok(mut conn) = db::pool::conn(&self.pool).await {
                            let _ = db::push::forget_token(&mut conn, &device.token).await;
                        }
                    }
                    Outcome::Rejected(e) | Outcome::Failed(e) => {
                        tracing::warn!(user, platform = %device.platform, error = %e, "push not delivered");
                    }
                }
            }
            if !delivered {
                self.release_slot(*user, &key).await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn message(kind: &str, content: &str) -> Message {
        serde_json::from_value(json!({
            "id": "01M", "conversation_id": 7, "seq": 12, "sender_id": 1, "type": kind,
            "content": content, "file_id": null, "reply_to": null,
            "created_at": Utc::now(), "client_msg_id": "c1",
        }))
        .expect("message")
    }

    #[test]
    fn message_pushes_show_or_hide_content() {
        let group = Names {
            group: Some("Ops".into()),
            sender: "Ann".into(),
        };
        let m = message("text", "the build is green");
        let shown = message_content(&m, &group, false);
        assert_eq!(
            (shown.title.as_str(), shown.body.as_str()),
            ("Ops", "Ann: the build is green")
        );
        let hidden = message_content(&m, &group, true);
        assert_eq!(
            (hidden.title.as_str(), hidden.body.as_str()),
            ("Ops", "New message")
        );
        assert!(!hidden.body.contains("green"));
        let direct = Names {
            group: None,
            sender: "Ann".into(),
        };
        assert_eq!(message_content(&m, &direct, false).title, "Ann");
        let long = message("text", &"é".repeat(500));
        assert_eq!(preview(&long).chars().count(), PREVIEW_CHARS + 1);
        assert_eq!(preview(&message("image", "")), "[image]");
    }

    #[test]
    fn payload_is_shaped_like_a_provider_notification() {
        let device = db::push::DeviceRow {
            token: "tok-1".into(),
            user_id: 5,
            platform: "fcm".into(),
            created_at: Utc::now().naive_utc(),
            registered_at: Utc::now().naive_utc(),
        };
        let content = message_content(
            &message("text", "hi"),
            &Names {
                group: None,
                sender: "Ann".into(),
            },
            false,
        );
        let p = payload("env.5", &device, &content, 3);
        assert_eq!(p["token"], "tok-1");
        assert_eq!(p["notification"]["badge"], 3);
        assert_eq!(p["notification"]["body"], "hi");
        assert_eq!(p["data"]["conversation_id"], "7");
        assert_eq!(p["data"]["seq"], "12");
        assert_eq!(p["collapse_key"], "conversation.7");
    }
}
