//! `/api/v1/realtime/ws`: WebSocket delivery.
//!
//! Each gateway node has its own delivery queue (`gateway.<node>`, bound to
//! `deliver.gateway.<node>`); push-worker publishes a frame once per node with the list of
//! recipients on it, and [`hub::Hub`] hands it to their sockets. Presence is a Redis lease
//! per connection ([`kit::presence`]); a user's first connection publishes
//! `user.status.online.<id>`, the last one's close (or lease expiry, found by the reaper)
//! `user.status.offline.<id>`.

pub mod connection;
pub mod hub;

use actix_web::{HttpRequest, HttpResponse, web};
use bus::{Bus, ExtraQueue, Handler, HandlerError, Incoming};
use common_proto::{
    UserId,
    bus::{Envelope, PresenceChanged, TypingStarted, kind, routing},
    error::ErrorCode,
    ws::Delivery,
};
use kit::{ApiError, auth::Verifier, lifecycle::ShutdownSignal, presence::Presence};
use lapin::types::{AMQPValue, FieldTable, LongString};
use std::{sync::Arc, time::Duration};
use tokio::sync::{Notify, mpsc};

/// Limits of one connection.
#[derive(Debug, Clone)]
pub struct WsLimits {
    pub max_frame_bytes: usize,
    pub frames_per_second: f64,
    pub connections_per_user: usize,
    pub outbound_queue: usize,
    pub idle: Duration,
    pub heartbeat: Duration,
    /// How long one write may wait for a client that stopped reading.
    pub write_timeout: Duration,
}

/// Shared by every connection of this node.
pub struct Realtime {
    pub hub: Arc<hub::Hub>,
    pub presence: Presence,
    pub bus: Bus,
    /// Presence and typing envelopes from this platform.
    pub publisher: bus::Publisher,
    /// This node's id: its delivery queue's name and its presence entries.
    pub node: String,
    pub verifier: Verifier,
    pub origins: Vec<String>,
    pub chat_url: String,
    pub limits: WsLimits,
    pub shutdown: ShutdownSignal,
}

impl Realtime {
    /// The node's delivery queue: classic, removed a minute after its gateway is gone.
    pub fn delivery_queue(node: &str) -> ExtraQueue {
        let mut args = FieldTable::default();
        args.insert(
            "x-queue-type".into(),
            AMQPValue::LongString(LongString::from(b"classic".to_vec())),
        );
        args.insert("x-expires".into(), AMQPValue::LongInt(60_000));
        args.insert("x-max-length".into(), AMQPValue::LongInt(100_000));
        ExtraQueue {
            name: format!("gateway.{node}"),
            args,
            bindings: vec![
                routing::gateway_delivery(node),
                routing::GATEWAY_DELIVER_ALL.to_owned(),
            ],
        }
    }

    /// Presence and typing are news, not state: best effort.
    async fn publish(&self, routing_key: String, kind: &str, data: impl serde::Serialize) {
        let out = self.publisher.outgoing(
            routing_key,
            kind,
            ulid::Ulid::generate().to_string(),
            data,
            Some(kit::trace::Trace::start()),
        );
        self.publisher.send_best_effort(out, kind).await;
    }

    async fn publish_presence(&self, user: UserId, online: bool) {
        let (key, kind, status) = if online {
            (routing::user_online(user), kind::USER_ONLINE, "online")
        } else {
            (routing::user_offline(user), kind::USER_OFFLINE, "offline")
        };
        self.publish(
            key,
            kind,
            PresenceChanged {
                user_id: user,
                status: status.into(),
            },
        )
        .await;
    }

    pub async fn presence_connected(&self, user: UserId, conn: &str) {
        match self.presence.connect(user, &self.node, conn).await {
            Ok(true) => self.publish_presence(user, true).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "presence unavailable at connect"),
        }
    }

    pub async fn presence_disconnected(&self, user: UserId, conn: &str) {
        match self.presence.disconnect(user, &self.node, conn).await {
            Ok(true) => self.publish_presence(user, false).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "presence unavailable at disconnect"),
        }
    }

    pub async fn publish_typing(&self, user: UserId, conversation_id: i64) {
        self.publish(
            routing::chat_typing(conversation_id),
            kind::TYPING_STARTED,
            TypingStarted {
                conversation_id,
                user_id: user,
            },
        )
        .await;
    }
}

/// The upgrade: Origin allowlist, token from `?token=` or the bearer header, the per-user
/// connection cap, then the connection task.
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    rt: web::Data<Realtime>,
    client: web::Data<awc::Client>,
) -> Result<HttpResponse, ApiError> {
    if let Some(origin) = req.headers().get("origin")
        && !origin_allowed(
            origin.as_bytes(),
            req.headers().get("host").map(|h| h.as_bytes()),
            &rt.origins,
        )
    {
        return Err(ApiError::forbidden("origin not allowed"));
    }
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
    let token = match query.get("token") {
        Some(t) => t.clone(),
        None => kit::auth::bearer_token(&req)
            .ok_or_else(|| ApiError::unauthorized("missing token"))?
            .to_owned(),
    };
    let claims = rt.verifier.verify(&token)?;
    let user: UserId = claims
        .sub
        .parse()
        .map_err(|_| ApiError::unauthorized("invalid subject"))?;
    let id = ulid::Ulid::generate().to_string();
    let (tx, rx) = mpsc::channel(rt.limits.outbound_queue);
    let overflow = Arc::new(Notify::new());
    let revoked = Arc::new(Notify::new());
    let handle = hub::ConnHandle {
        id: id.clone(),
        tx,
        overflow: overflow.clone(),
        revoked: revoked.clone(),
        issued_ms: kit::revocation::issued_ms(&claims.jti).unwrap_or(claims.iat * 1000),
        sid: claims.sid.clone(),
    };
    rt.hub
        .register(user, handle, rt.limits.connections_per_user)
        .map_err(|_| {
            ApiError::new(ErrorCode::RateLimited, "too many connections for this user")
                .with_field("token")
        })?;
    let (response, session, stream) = match actix_ws::handle(&req, body) {
        Ok(parts) => parts,
        Err(e) => {
            rt.hub.unregister(user, &id);
            return Err(ApiError::bad_request(format!(
                "not a WebSocket upgrade: {e}"
            )));
        }
    };
    let conn = connection::Conn {
        rt: rt.clone(),
        client,
        user,
        token,
        token_exp: claims.exp,
        id,
        session,
        rx,
        overflow,
        revoked,
    };
    actix_web::rt::spawn(connection::run(conn, stream));
    Ok(response)
}

/// A browser's `Origin` may open a socket when it is on the allowlist, or when it is the
/// gateway's own origin (the web client it serves): its host equals the request's `Host`.
/// Either way a page elsewhere cannot ride a user's session (cross-site WebSocket
/// hijacking), since the token is not a cookie and the browser sets `Origin` itself.
pub fn origin_allowed(origin: &[u8], host: Option<&[u8]>, allowlist: &[String]) -> bool {
    if allowlist.iter().any(|o| o.as_bytes() == origin) {
        return true;
    }
    let Some(host) = host else { return false };
    let authority = origin
        .strip_prefix(b"https://")
        .or_else(|| origin.strip_prefix(b"http://"));
    authority.is_some_and(|a| !host.is_empty() && a.eq_ignore_ascii_case(host))
}

/// Consumes this node's delivery queue into the hub.
pub struct Deliver {
    pub hub: Arc<hub::Hub>,
}

impl Handler for Deliver {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let envelope: Envelope<Delivery> = msg.envelope()?;
        let text: Arc<str> = envelope.data.frame.to_text().into();
        let delivered = if envelope.data.everyone {
            self.hub.deliver_all(&text)
        } else {
            self.hub.deliver(&envelope.data.recipients, &text)
        };
        metrics::counter!("ws_frames_out_total").increment(delivered as u64);
        Ok(())
    }
}

/// Every heartbeat: re-registers this node's leases if Redis lost them (and asks those
/// clients to resync), and reaps leases of dead gateways, publishing their users offline.
pub async fn keep_presence(rt: web::Data<Realtime>, mut shutdown: ShutdownSignal) {
    let mut tick = tokio::time::interval(rt.limits.heartbeat);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait() => return,
        }
        match rt.presence.node_marker_present(&rt.node).await {
            Ok(false) if !rt.hub.is_empty() => {
                tracing::warn!("presence leases lost (Redis flushed or restarted); re-registering");
                for (user, conn) in rt.hub.all() {
                    let _ = rt.presence.refresh(user, &rt.node, &conn).await;
                }
                let users: Vec<UserId> = rt.hub.all().into_iter().map(|(u, _)| u).collect();
                let frame = common_proto::ws::ServerFrame::error(
                    "resync",
                    "realtime state was lost: sync your conversations",
                );
                rt.hub.deliver(&users, &Arc::from(frame.to_text()));
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "presence check failed"),
        }
        match rt.presence.reap_expired(&rt.node, 500).await {
            Ok(gone) => {
                for user in gone {
                    rt.publish_presence(user, false).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "presence reaper failed"),
        }
    }
}

/// Closes the sockets of users whose sessions were ended (all of them, or one device's),
/// as this node's copy of the
/// revocations learns of them (`kit::revocation`; within one poll of the change).
pub async fn close_revoked(
    revocations: kit::revocation::Revocations,
    hub: Arc<hub::Hub>,
    mut shutdown: ShutdownSignal,
) {
    let mut news = revocations.subscribe();
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            next = news.recv() => match next {
                Ok(kit::revocation::Revoked::User(user, before)) => {
                    let closed = hub.revoke(user, before);
                    if closed > 0 {
                        tracing::info!(user, closed, "sessions ended: sockets closed");
                        metrics::counter!("ws_revoked_closes_total").increment(closed as u64);
                    }
                }
                Ok(kit::revocation::Revoked::Session(sid)) => {
                    let closed = hub.end_session(&sid);
                    if closed > 0 {
                        tracing::info!(closed, "one session ended: its sockets closed");
                        metrics::counter!("ws_revoked_closes_total").increment(closed as u64);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin_allowed;

    #[test]
    fn origins() {
        let list = vec!["https://app.example".to_owned()];
        let host = Some(&b"127.0.0.1:8080"[..]);
        assert!(origin_allowed(b"https://app.example", host, &list));
        assert!(origin_allowed(b"http://127.0.0.1:8080", host, &list));
        assert!(origin_allowed(b"https://127.0.0.1:8080", host, &list));
        assert!(!origin_allowed(b"http://127.0.0.1:8081", host, &list));
        assert!(!origin_allowed(b"http://evil.example", host, &list));
        assert!(!origin_allowed(b"null", host, &list));
        assert!(!origin_allowed(b"http://127.0.0.1:8080", None, &list));
        assert!(!origin_allowed(b"127.0.0.1:8080", host, &list));
    }
}
