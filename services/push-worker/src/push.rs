//! Routing one event to the sockets that should see it: who (members or contacts, from
//! MySQL, cached), where (their gateway nodes, ONE Redis round trip for all of them), then
//! ONE publish per gateway node carrying the frame once with its recipients.

use bus::{Handler, HandlerError, Incoming, PublishError};
use chrono::Utc;
use common_proto::{
    ConversationId, UserId,
    bus::{BusEvent, HEADER_MEMBERS_VERSION, PushRequested, UserNotification, kind, routing},
    ws::{Delivery, ServerFrame},
};
use kit::presence::Presence;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// conversation -> (fetched at, membership version, member ids).
pub type MemberCache = HashMap<ConversationId, (Instant, i64, Arc<Vec<UserId>>)>;

pub struct Push {
    pub pool: db::Pool,
    pub presence: Presence,
    /// Envelopes from this platform onto the bus.
    pub publisher: bus::Publisher,
    pub cache_ttl: Duration,
    /// conversation -> (fetched at, version, member ids). Refreshed when a message carries
    /// a newer membership version than the entry (every replica, at once), when this
    /// replica sees the change itself, and after `cache_ttl` at the latest.
    pub members: Mutex<MemberCache>,
    /// Emit push jobs for members with no live socket (offline push is configured).
    pub offline_push: bool,
}

fn retry(e: impl std::fmt::Display) -> HandlerError {
    HandlerError::Retry(e.to_string())
}

impl Push {
    /// The current members; `at_least` is the membership version the event was sent
    /// under (a cached list older than it is stale: someone joined or left since).
    async fn members(
        &self,
        conversation: ConversationId,
        at_least: Option<i64>,
    ) -> Result<Arc<Vec<UserId>>, HandlerError> {
        if let Ok(cache) = self.members.lock()
            && let Some((at, version, ids)) = cache.get(&conversation)
            && at.elapsed() < self.cache_ttl
            && at_least.is_none_or(|v| *version >= v)
        {
            return Ok(ids.clone());
        }
        let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
        let (version, ids) = db::groups::members_versioned(&mut conn, conversation)
            .await
            .map_err(retry)?;
        let ids = Arc::new(ids);
        if let Ok(mut cache) = self.members.lock() {
            if cache.len() > 100_000 {
                cache.clear();
            }
            cache.insert(conversation, (Instant::now(), version, ids.clone()));
        }
        Ok(ids)
    }

    /// Everyone on either side of a block with `user`, sorted: not shown `user`'s typing
    /// or presence, nor shown to them. Read per event (two primary-key lookups), so a block
    /// takes effect with the next event.
    async fn hidden_from(&self, user: UserId) -> Result<Vec<UserId>, HandlerError> {
        let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
        db::blocks::hidden_from(&mut conn, user)
            .await
            .map_err(retry)
    }

    fn forget_members(&self, conversation: ConversationId) {
        if let Ok(mut cache) = self.members.lock() {
            cache.remove(&conversation);
        }
    }

    /// Each notification to its owner's sockets.
    async fn notify(
        &self,
        notifications: &[UserNotification],
        trace: Option<kit::trace::Trace>,
    ) -> Result<(), HandlerError> {
        for n in notifications {
            let notification = serde_json::to_value(&n.notification)
                .map_err(|e| HandlerError::Poison(e.to_string()))?;
            let offline = self
                .deliver(
                    &[n.user_id],
                    ServerFrame::Notification { notification },
                    trace.clone(),
                )
                .await?;
            if !offline.is_empty() {
                let conversation = n.notification.payload["conversation_id"]
                    .as_i64()
                    .unwrap_or(0);
                let job = PushRequested {
                    recipients: offline,
                    message: None,
                    notification: Some(n.notification.clone()),
                };
                self.request_push(
                    conversation,
                    format!("push.{}", n.notification.id),
                    job,
                    &trace,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// A push job for members the event reached with no live socket (offline push on).
    async fn request_push(
        &self,
        conversation: ConversationId,
        id: String,
        job: PushRequested,
        trace: &Option<kit::trace::Trace>,
    ) -> Result<(), HandlerError> {
        if !self.offline_push {
            return Ok(());
        }
        metrics::counter!("push_offline_jobs_total").increment(1);
        let out = self.publisher.outgoing(
            routing::push_offline(conversation),
            kind::PUSH_REQUESTED,
            id,
            job,
            trace.clone(),
        );
        self.publisher.send(out).await.map_err(retry)
    }

    /// [`Self::deliver`] when nobody is pushed to offline.
    async fn fan_out(
        &self,
        recipients: &[UserId],
        frame: ServerFrame,
        trace: Option<kit::trace::Trace>,
    ) -> Result<(), HandlerError> {
        self.deliver(recipients, frame, trace).await.map(drop)
    }

    /// One publish per gateway node that holds any of `recipients`; the recipients with no
    /// live socket anywhere.
    async fn deliver(
        &self,
        recipients: &[UserId],
        frame: ServerFrame,
        trace: Option<kit::trace::Trace>,
    ) -> Result<Vec<UserId>, HandlerError> {
        let by_node = self.presence.nodes_of(recipients).await.map_err(retry)?;
        let offline = if by_node.is_empty() {
            recipients.to_vec()
        } else {
            let mut online: Vec<UserId> = by_node.values().flatten().copied().collect();
            online.sort_unstable();
            recipients
                .iter()
                .copied()
                .filter(|u| online.binary_search(u).is_err())
                .collect()
        };
        for (node, users) in by_node {
            let delivery = Delivery {
                recipients: users,
                frame: frame.clone(),
                everyone: false,
            };
            let out = self.publisher.outgoing(
                routing::gateway_delivery(&node),
                kind::DELIVERY_REQUESTED,
                ulid::Ulid::generate().to_string(),
                delivery,
                trace.clone(),
            );
            match self.publisher.send(out).await {
                Ok(()) => metrics::counter!("push_node_publishes_total").increment(1),
                // The node's queue is gone: that gateway died; its clients resync on reconnect.
                Err(PublishError::Unroutable(_)) => {
                    metrics::counter!("push_dead_node_total").increment(1)
                }
                Err(e) => return Err(retry(e)),
            }
        }
        Ok(offline)
    }
}

impl Handler for Push {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let (envelope, event) = msg.event()?;
        let trace = Some(msg.trace.clone());
        let Some(event) = event else {
            tracing::debug!(kind = %envelope.kind, "nothing to push");
            return Ok(());
        };
        match event {
            BusEvent::MessageSent(message) => {
                let version = msg.headers.get(HEADER_MEMBERS_VERSION).copied();
                let members = self.members(message.conversation_id, version).await?;
                let lag = (Utc::now() - message.created_at)
                    .num_microseconds()
                    .unwrap_or(0)
                    .max(0) as f64
                    / 1e6;
                metrics::histogram!("push_message_lag_seconds").record(lag);
                let (conversation, sender) = (message.conversation_id, message.sender_id);
                let frame = ServerFrame::MessageNew {
                    message: message.clone(),
                };
                let mut offline = self.deliver(&members, frame, trace.clone()).await?;
                offline.retain(|u| *u != sender);
                if offline.is_empty() {
                    return Ok(());
                }
                let job = PushRequested {
                    recipients: offline,
                    message: Some(message),
                    notification: None,
                };
                self.request_push(conversation, format!("{}.push", envelope.id), job, &trace)
                    .await
            }
            BusEvent::MessageChanged(changed) => {
                let message = changed.message;
                let conversation = message.conversation_id;
                let recipients = match changed.only {
                    Some(user) => Arc::new(vec![user]),
                    None => {
                        let version = msg.headers.get(HEADER_MEMBERS_VERSION).copied();
                        self.members(conversation, version).await?
                    }
                };
                let pin =
                    matches!(changed.change.kind.as_str(), "pinned" | "unpinned").then(|| {
                        ServerFrame::PinsUpdated {
                            conversation_id: conversation,
                            message_id: message.id.clone(),
                            pinned: changed.change.kind == "pinned",
                        }
                    });
                let frame = ServerFrame::MessageUpdated {
                    message,
                    change: Some(changed.change),
                };
                self.fan_out(&recipients, frame, trace.clone()).await?;
                match pin {
                    Some(frame) => self.fan_out(&recipients, frame, trace).await,
                    None => Ok(()),
                }
            }
            BusEvent::ReadMoved(read) => {
                let members = self.members(read.conversation_id, None).await?;
                let frame = ServerFrame::Read {
                    conversation_id: read.conversation_id,
                    user_id: read.user_id,
                    seq: read.seq,
                };
                self.fan_out(&members, frame, trace).await
            }
            BusEvent::TypingStarted(typing) => {
                let members = self.members(typing.conversation_id, None).await?;
                if !members.contains(&typing.user_id) {
                    return Ok(()); // not a member: nobody hears it
                }
                // Neither side of a block sees the other typing.
                let hidden = self.hidden_from(typing.user_id).await?;
                let others: Vec<UserId> = members
                    .iter()
                    .copied()
                    .filter(|u| *u != typing.user_id && hidden.binary_search(u).is_err())
                    .collect();
                let frame = ServerFrame::Typing {
                    conversation_id: typing.conversation_id,
                    user_id: typing.user_id,
                };
                self.fan_out(&others, frame, trace).await
            }
            BusEvent::PresenceChanged(change) => {
                let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
                if change.status == "offline" {
                    db::conversations::set_last_seen(
                        &mut conn,
                        change.user_id,
                        envelope.occurred_at.naive_utc(),
                    )
                    .await
                    .map_err(retry)?;
                }
                let mut contacts = db::conversations::contacts_of(&mut conn, change.user_id)
                    .await
                    .map_err(retry)?;
                drop(conn);
                // Nor their presence.
                let hidden = self.hidden_from(change.user_id).await?;
                contacts.retain(|u| hidden.binary_search(u).is_err());
                self.fan_out(
                    &contacts,
                    ServerFrame::Presence {
                        user_id: change.user_id,
                        status: change.status,
                    },
                    trace,
                )
                .await
            }
            BusEvent::ConversationUpdated(update) => {
                self.forget_members(update.conversation_id);
                let mut recipients: Vec<UserId> =
                    self.members(update.conversation_id, None).await?.to_vec();
                recipients.extend(update.departed.iter().copied());
                let frame = ServerFrame::ConversationUpdated {
                    conversation: update.conversation,
                };
                self.fan_out(&recipients, frame, trace.clone()).await?;
                self.notify(&update.notifications, trace).await
            }
            BusEvent::NotificationsCreated(created) => {
                self.notify(&created.notifications, trace).await
            }
            _ => {
                tracing::debug!(kind = %envelope.kind, "nothing to push");
                Ok(())
            }
        }
    }
}
