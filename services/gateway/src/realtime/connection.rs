//! One WebSocket connection: reads client frames (rate limited), writes queued deliveries,
//! keeps the presence lease alive, closes on idle, token expiry, overflow or shutdown.

use super::Realtime;
use actix_web::web;
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use common_proto::{
    UserId,
    rest::{Items, Message},
    ws::{ClientFrame, ServerFrame},
};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{Notify, mpsc};

/// Everything a connection task owns.
pub struct Conn {
    pub rt: web::Data<Realtime>,
    pub client: web::Data<awc::Client>,
    pub user: UserId,
    pub token: String,
    pub token_exp: i64,
    pub id: String,
    pub session: Session,
    pub rx: mpsc::Receiver<Arc<str>>,
    pub overflow: Arc<Notify>,
    /// The user's sessions were ended (`Hub::revoke`).
    pub revoked: Arc<Notify>,
}

/// A token bucket: `rate` frames per second, bursts up to `burst`.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    fn new(rate: f64) -> Self {
        Self {
            tokens: rate * 2.0,
            rate,
            burst: rate * 2.0,
            at: Instant::now(),
        }
    }
    fn take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Frames over the rate limit tolerated (each answered by an `error`) before closing.
const MAX_VIOLATIONS: u32 = 20;

pub async fn run(mut c: Conn, stream: actix_ws::MessageStream) {
    let rt = c.rt.clone();
    let max = rt.limits.max_frame_bytes;
    let mut stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    // Every await that talks to Redis or the broker is boxed: inline, the largest of those
    // futures would set the size of every connection's task for its whole life (8 KiB per
    // idle socket, measured with massif; boxed, it is allocated only while it runs).
    Box::pin(rt.presence_connected(c.user, &c.id)).await;
    let mut shutdown = rt.shutdown.clone();
    let mut tick = tokio::time::interval(rt.limits.heartbeat);
    tick.reset();
    let mut last_seen = Instant::now();
    let mut bucket = Bucket::new(rt.limits.frames_per_second);
    let mut violations = 0u32;
    let mut typing: HashMap<i64, Instant> = HashMap::new();
    let remaining = (c.token_exp - chrono::Utc::now().timestamp()).max(0) as u64;
    let expires = tokio::time::Instant::now() + Duration::from_secs(remaining);

    let reason: Option<CloseReason> = loop {
        tokio::select! {
            _ = shutdown.wait() => break Some(close(CloseCode::Away, "server shutting down")),
            _ = tokio::time::sleep_until(expires) => break Some(close(CloseCode::Other(4001), "access token expired; reconnect with a new one")),
            _ = c.revoked.notified() => break Some(close(CloseCode::Other(4003), "session ended: sign in again")),
            _ = c.overflow.notified() => {
                metrics::counter!("ws_slow_consumer_closes_total").increment(1);
                let frame = ServerFrame::error("resync", "too many undelivered frames: reconnect and sync");
                let _ = Box::pin(tokio::time::timeout(rt.limits.write_timeout, c.session.text(frame.to_text()))).await;
                break Some(close(CloseCode::Policy, "client too slow"));
            }
            out = c.rx.recv() => match out {
                // A client that stopped reading blocks this write: its queue overflowing or
                // the write timeout drops the connection (it reconnects and syncs).
                Some(text) => tokio::select! {
                    sent = c.session.text(&*text) => if sent.is_err() { break None },
                    _ = c.overflow.notified() => {
                        metrics::counter!("ws_slow_consumer_closes_total").increment(1);
                        break None;
                    }
                    _ = tokio::time::sleep(rt.limits.write_timeout) => {
                        metrics::counter!("ws_write_timeouts_total").increment(1);
                        break None;
                    }
                },
                None => break None,
            },
            _ = tick.tick() => {
                if last_seen.elapsed() > rt.limits.idle {
                    break Some(close(CloseCode::Normal, "idle"));
                }
                if let Err(e) = Box::pin(rt.presence.refresh(c.user, &rt.node, &c.id)).await {
                    tracing::warn!(error = %e, "presence refresh failed");
                }
                if c.session.ping(b"").await.is_err() { break None }
            }
            msg = stream.recv() => match msg {
                None => break None,
                Some(Err(ProtocolError::Overflow)) => break Some(close(CloseCode::Size, "frame larger than 64 KiB")),
                Some(Err(_)) => break Some(close(CloseCode::Protocol, "protocol error")),
                Some(Ok(AggregatedMessage::Text(text))) => {
                    last_seen = Instant::now();
                    if !bucket.take() {
                        violations += 1;
                        if violations > MAX_VIOLATIONS {
                            break Some(close(CloseCode::Policy, "frame rate limit exceeded"));
                        }
                        let _ = c.session.text(ServerFrame::error("rate_limited", "too many frames; slow down").to_text()).await;
                        continue;
                    }
                    // Boxed: the HTTP round trips a frame may make are a large future, and
                    // inline it would sit in every idle connection's task.
                    if Box::pin(handle_text(&mut c, &text, &mut typing)).await.is_err() { break None }
                }
                Some(Ok(AggregatedMessage::Binary(_))) => {
                    last_seen = Instant::now();
                    let _ = c.session.text(ServerFrame::error("bad_frame", "binary frames are not supported").to_text()).await;
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    last_seen = Instant::now();
                    if c.session.pong(&bytes).await.is_err() { break None }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => last_seen = Instant::now(),
                Some(Ok(AggregatedMessage::Close(_))) => break None,
            },
        }
    };
    rt.hub.unregister(c.user, &c.id);
    Box::pin(rt.presence_disconnected(c.user, &c.id)).await;
    let _ = Box::pin(tokio::time::timeout(
        rt.limits.write_timeout,
        c.session.close(reason),
    ))
    .await;
}

fn close(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}

/// Answers one text frame. `Err` means the socket is gone.
async fn handle_text(
    c: &mut Conn,
    text: &str,
    typing: &mut HashMap<i64, Instant>,
) -> Result<(), actix_ws::Closed> {
    let frame = match serde_json::from_str::<ClientFrame>(text) {
        Ok(f) => f,
        Err(e) => {
            return c
                .session
                .text(ServerFrame::error("bad_frame", format!("not a client frame: {e}")).to_text())
                .await;
        }
    };
    metrics::counter!("ws_frames_in_total").increment(1);
    match frame {
        ClientFrame::Ping => c.session.text(ServerFrame::Pong.to_text()).await,
        ClientFrame::Typing { conversation_id } => {
            // At most one typing event per conversation every 2 s; never persisted.
            let now = Instant::now();
            let recent = typing
                .get(&conversation_id)
                .is_some_and(|at| now.duration_since(*at) < Duration::from_secs(2));
            if !recent {
                if typing.len() > 256 {
                    typing.clear();
                }
                typing.insert(conversation_id, now);
                c.rt.publish_typing(c.user, conversation_id).await;
            }
            Ok(())
        }
        ClientFrame::MessageSend { message } => {
            let cmid = message.client_msg_id.clone();
            let url = format!("{}/api/v1/messages", c.rt.chat_url);
            // Each frame is a unit of work of its own: a new trace, as for a REST send.
            let trace = kit::trace::Trace::start();
            tracing::debug!(trace_id = %trace.trace_id(), "message.send frame");
            let reply = match c
                .client
                .post(url)
                .bearer_auth(&c.token)
                .insert_header(("x-request-id", trace.request_id.clone()))
                .insert_header((kit::trace::TRACEPARENT, trace.traceparent()))
                .send_json(&message)
                .await
            {
                Ok(mut res) if res.status().is_success() => match res.json::<Message>().await {
                    Ok(m) => ServerFrame::Ack {
                        client_msg_id: m.client_msg_id,
                        id: m.id,
                        seq: m.seq,
                        conversation_id: m.conversation_id,
                    },
                    Err(e) => error_frame(
                        "internal",
                        format!("bad reply from chat-api: {e}"),
                        Some(cmid),
                    ),
                },
                Ok(mut res) => {
                    let (code, message) = upstream_error(&mut res, "send failed").await;
                    error_frame(&code, message, Some(cmid))
                }
                Err(e) => error_frame("upstream_unavailable", format!("chat-api: {e}"), Some(cmid)),
            };
            c.session.text(reply.to_text()).await
        }
        ClientFrame::Sync {
            conversation_id,
            after_seq,
            limit,
            after_rev,
        } => sync(c, conversation_id, after_seq.max(0), limit, after_rev).await,
    }
}

/// `sync`: the messages after `after_seq` as `message.new` (in their current state), then,
/// with `after_rev`, the messages the device already holds (seq <= after_seq) that changed
/// after that rev as `message.updated`, in rev order; then `sync.done`. `last_rev` is the
/// rev to ask after next time: the newest rev sent, or the last change's when the page of
/// changes was full (the rest comes next time).
async fn sync(
    c: &mut Conn,
    conversation_id: i64,
    after_seq: i64,
    limit: Option<i64>,
    after_rev: Option<i64>,
) -> Result<(), actix_ws::Closed> {
    let limit = limit.unwrap_or(200).clamp(1, 200);
    let base = format!(
        "{}/api/v1/messages?conversation_id={conversation_id}&limit={limit}",
        c.rt.chat_url
    );
    let new = match fetch(c, format!("{base}&after_seq={after_seq}")).await {
        Ok(page) => page,
        Err(frame) => return c.session.text(frame.to_text()).await,
    };
    let changed = match after_rev {
        Some(rev) => match fetch(
            c,
            format!("{base}&after_rev={}&up_to_seq={after_seq}", rev.max(0)),
        )
        .await
        {
            Ok(page) => page,
            Err(frame) => return c.session.text(frame.to_text()).await,
        },
        None => Vec::new(),
    };
    let more_new = new.len() as i64 == limit;
    let more_changed = changed.len() as i64 == limit;
    let last_seq = new.last().map(|m| m.seq).unwrap_or(after_seq);
    let last_rev = after_rev.map(|rev| {
        if more_changed {
            changed.last().map(|m| m.rev).unwrap_or(rev)
        } else {
            new.iter()
                .chain(&changed)
                .map(|m| m.rev)
                .fold(rev, i64::max)
        }
    });
    for message in new {
        c.session
            .text(ServerFrame::MessageNew { message }.to_text())
            .await?;
    }
    for message in changed {
        let frame = ServerFrame::MessageUpdated {
            message,
            change: None,
        };
        c.session.text(frame.to_text()).await?;
    }
    let done = ServerFrame::SyncDone {
        conversation_id,
        last_seq,
        has_more: more_new || more_changed,
        last_rev,
    };
    c.session.text(done.to_text()).await
}

/// One page of chat-api's history as the socket's user, or the `error` frame to send.
async fn fetch(c: &Conn, url: String) -> Result<Vec<Message>, ServerFrame> {
    match c.client.get(url).bearer_auth(&c.token).send().await {
        Ok(mut res) if res.status().is_success() => res
            .json::<Items<Message>>()
            .limit(32 * 1024 * 1024)
            .await
            .map(|page| page.items)
            .map_err(|e| error_frame("internal", format!("bad reply: {e}"), None)),
        Ok(mut res) => {
            let (code, message) = upstream_error(&mut res, "sync failed").await;
            Err(error_frame(&code, message, None))
        }
        Err(e) => Err(error_frame(
            "upstream_unavailable",
            format!("chat-api: {e}"),
            None,
        )),
    }
}

/// The contract's error body of a failed chat-api call, decoded once; anything else (a
/// proxy's HTML, a cut-off body) becomes `upstream_unavailable` with `fallback`.
async fn upstream_error<S>(res: &mut awc::ClientResponse<S>, fallback: &str) -> (String, String)
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>> + Unpin,
{
    match res.json::<common_proto::error::ErrorBody>().await {
        Ok(body) => (body.error.code.as_str().to_owned(), body.error.message),
        Err(_) => ("upstream_unavailable".to_owned(), fallback.to_owned()),
    }
}

fn error_frame(code: &str, message: String, client_msg_id: Option<String>) -> ServerFrame {
    ServerFrame::Error {
        code: code.to_owned(),
        message,
        client_msg_id,
    }
}
