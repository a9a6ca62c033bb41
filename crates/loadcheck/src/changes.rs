//! `--changes F`: edits, reactions and recalls mixed into the send load (F changes per
//! send, on the same schedule), and the device model behind the invariant "every
//! device's final state equals history".
//!
//! A device holds each message it was told of at the highest rev it has seen: a
//! `message.new` or `message.updated` frame carries the message's whole state at its rev,
//! so the newest rev wins whatever order frames arrive in (a change may overtake its
//! message's `message.new`: push-worker handles deliveries concurrently). Besides the
//! live sockets, one *late* device of user 0 goes offline after a third of the sends and,
//! after the load, catches up the way a client does on reconnect — `sync {after_seq,
//! after_rev}` from what it holds — which must bring every change exactly once, in rev
//! order.

use crate::{
    Args,
    client::{World, ws_url},
};
use common_proto::rest::Message;
use futures_util::{SinkExt, StreamExt};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_tungstenite::{connect_async, tungstenite::Message as Ws};

/// What a device shows of one message; `me` of reactions is left out (a live frame
/// serves every member and carries no `me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub conversation: i64,
    pub seq: i64,
    pub rev: i64,
    pub content: String,
    pub recalled: bool,
    pub edited: bool,
    pub reactions: BTreeMap<String, i64>,
}

impl Held {
    pub fn of(m: &Message) -> Self {
        Self {
            conversation: m.conversation_id,
            seq: m.seq,
            rev: m.rev,
            content: m.content.clone(),
            recalled: m.recalled,
            edited: m.edited_at.is_some(),
            reactions: m
                .reactions
                .iter()
                .map(|r| (r.emoji.clone(), r.count))
                .collect(),
        }
    }
}

/// Holds `m` unless the device already holds it at the same or a newer rev.
pub fn hold(held: &mut HashMap<String, Held>, m: &Message) {
    match held.get(&m.id) {
        Some(h) if h.rev >= m.rev => {}
        _ => {
            held.insert(m.id.clone(), Held::of(m));
        }
    }
}

/// One change request and its answer.
#[derive(Debug, Clone)]
pub struct ChangeDone {
    pub kind: &'static str,
    pub message: String,
    /// The user who made it.
    pub actor: usize,
    pub at: Instant,
    /// HTTP status (0: no answer).
    pub status: u16,
    /// The message's rev in the answer (200 only).
    pub rev: Option<i64>,
    pub error: String,
}

/// One `message.updated` as a live socket received it.
#[derive(Debug, Clone)]
pub struct UpdateGot {
    pub user: usize,
    pub message: String,
    pub rev: i64,
    pub at: Instant,
}

/// What the change driver and the devices recorded.
#[derive(Default)]
pub struct ChangeRecord {
    /// Acked messages in ack order: (ack time, conversation, id, sender).
    pub acked: Mutex<Vec<(Instant, i64, String, usize)>>,
    /// Every device's messages, by user.
    pub held: Mutex<HashMap<usize, HashMap<String, Held>>>,
    pub done: Mutex<Vec<ChangeDone>>,
    pub updates: Mutex<Vec<UpdateGot>>,
    pub in_flight: AtomicU64,
    /// `message.updated` frames that reached a device before the message's `message.new`
    /// (a client that drops those shows a stale message until its next sync).
    pub overtaking: AtomicU64,
}

impl ChangeRecord {
    /// A `message.new` or `message.updated` frame reached `user`'s live socket.
    pub fn frame(&self, user: usize, frame: &Value, updated: bool, at: Instant) {
        let Ok(m) = serde_json::from_value::<Message>(frame["message"].clone()) else {
            return;
        };
        if updated && let Ok(mut u) = self.updates.lock() {
            u.push(UpdateGot {
                user,
                message: m.id.clone(),
                rev: m.rev,
                at,
            });
        }
        if let Ok(mut held) = self.held.lock() {
            let device = held.entry(user).or_default();
            if updated && !device.contains_key(&m.id) {
                self.overtaking.fetch_add(1, Ordering::Relaxed);
            }
            hold(device, &m);
        }
    }
}

/// Decides which ticks carry a change and what it is, and sends it without waiting.
pub struct Changer {
    rng: StdRng,
    per_send: f64,
    owed: f64,
    limit: Arc<tokio::sync::Semaphore>,
}

const EMOJI: [&str; 3] = ["👍", "🎉", "❤️"];

impl Changer {
    pub fn new(args: &Args) -> Self {
        Self {
            rng: StdRng::seed_from_u64(args.seed),
            per_send: args.changes,
            owed: 0.0,
            limit: Arc::new(tokio::sync::Semaphore::new(64)),
        }
    }

    /// Called once per send: how many changes go out with it.
    pub fn due(&mut self) -> usize {
        self.owed += self.per_send;
        let n = self.owed.floor();
        self.owed -= n;
        n as usize
    }

    /// Picks a message acked at least 300 ms ago (one of the newest 200) and a change to
    /// it — a reaction added (50 %) or removed (15 %) by any member, an edit (25 %) or a
    /// recall (10 %) by its sender — and sends it on its own task.
    pub fn spawn(&mut self, args: &Args, world: &World) {
        let target = {
            let Ok(acked) = world.record.changes.acked.lock() else {
                return;
            };
            let cutoff = Instant::now() - Duration::from_millis(300);
            let eligible = acked.partition_point(|(at, ..)| *at <= cutoff);
            if eligible == 0 {
                return;
            }
            let pick = eligible - 1 - self.rng.random_range(0..eligible.min(200));
            acked[pick].clone()
        };
        let (_, conversation, id, sender) = target;
        let Some(conv) = world.conversations.iter().find(|c| c.id == conversation) else {
            return;
        };
        let roll = self.rng.random_range(0..100);
        let api = format!("{}/api/v1/messages/{id}", args.gateway);
        let emoji = EMOJI[self.rng.random_range(0..EMOJI.len())];
        let reactor = conv.members[self.rng.random_range(0..conv.members.len())];
        let n = self.rng.random_range(0..1_000_000u32);
        let http = &world.http;
        let (kind, actor, request) = match roll {
            0..50 => (
                "reaction_added",
                reactor,
                http.put(format!("{api}/reactions/{}", encode(emoji))),
            ),
            50..65 => (
                "reaction_removed",
                reactor,
                http.delete(format!("{api}/reactions/{}", encode(emoji))),
            ),
            65..90 => (
                "edited",
                sender,
                http.patch(api.clone())
                    .json(&json!({"content": format!("edited {n}")})),
            ),
            _ => ("recalled", sender, http.post(format!("{api}/recall"))),
        };
        let request = request.bearer_auth(&world.users[actor].token);
        let record = world.record.clone();
        let limit = self.limit.clone();
        record.changes.in_flight.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let at = Instant::now();
            let mut done = ChangeDone {
                kind,
                message: id,
                actor,
                at,
                status: 0,
                rev: None,
                error: String::new(),
            };
            match request.timeout(Duration::from_secs(30)).send().await {
                Ok(res) => {
                    done.status = res.status().as_u16();
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    if done.status == 200 {
                        done.rev = body["rev"].as_i64().or(Some(0));
                    } else {
                        done.error = body["error"]["message"]
                            .as_str()
                            .or(body["message"].as_str())
                            .unwrap_or_default()
                            .to_owned();
                    }
                }
                Err(e) => done.error = e.to_string(),
            }
            if let Ok(mut all) = record.changes.done.lock() {
                all.push(done);
            }
            record.changes.in_flight.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

/// Percent-encodes an emoji for a path segment.
fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The device of user 0 that misses the middle of the run and syncs afterwards.
pub struct Late {
    pub user: usize,
    held: Arc<Mutex<HashMap<String, Held>>>,
    reader: Option<JoinHandle<()>>,
}

/// What the late device's catch-up found.
#[derive(Debug, Default)]
pub struct CatchUp {
    pub new: u64,
    pub updated: u64,
    pub violations: Vec<String>,
    pub held: HashMap<String, Held>,
}

impl Late {
    /// Connects the device and holds what it is told live until [`Late::go_offline`].
    pub async fn connect(args: &Args, world: &World, user: usize) -> anyhow::Result<Self> {
        let url = format!(
            "{}/api/v1/realtime/ws?token={}",
            ws_url(&args.gateway),
            world.users[user].token
        );
        let (socket, _) = connect_async(url).await?;
        let (_sink, mut stream) = socket.split();
        let held = Arc::new(Mutex::new(HashMap::new()));
        let into = held.clone();
        let reader = tokio::spawn(async move {
            let _sink = _sink; // closing it would end the session early
            while let Some(Ok(msg)) = stream.next().await {
                if let Ws::Text(text) = msg
                    && let Ok(frame) = serde_json::from_str::<Value>(&text)
                    && matches!(
                        frame["type"].as_str(),
                        Some("message.new" | "message.updated")
                    )
                    && let Ok(m) = serde_json::from_value::<Message>(frame["message"].clone())
                    && let Ok(mut h) = into.lock()
                {
                    hold(&mut h, &m);
                }
            }
        });
        Ok(Self {
            user,
            held,
            reader: Some(reader),
        })
    }

    /// Drops the socket: what happens from now on reaches this device only by `sync`.
    pub fn go_offline(&mut self) {
        if let Some(r) = self.reader.take() {
            r.abort();
        }
    }

    /// Reconnects and syncs each conversation from what the device holds (`after_seq` =
    /// the last seq held without a gap, `after_rev` = 0: it never finished a sync, and
    /// live changes do not move the rev), page after page; every replayed change must
    /// come once, in rev order.
    pub async fn catch_up(&mut self, args: &Args, world: &World) -> anyhow::Result<CatchUp> {
        self.go_offline();
        let mut out = CatchUp {
            held: self.held.lock().map(|h| h.clone()).unwrap_or_default(),
            ..Default::default()
        };
        let url = format!(
            "{}/api/v1/realtime/ws?token={}",
            ws_url(&args.gateway),
            world.users[self.user].token
        );
        let (socket, _) = connect_async(url).await?;
        let (mut sink, mut stream) = socket.split();
        let (tx, mut frames) = mpsc::unbounded_channel::<Value>();
        let reader = tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Ws::Text(text) = msg
                    && let Ok(frame) = serde_json::from_str::<Value>(&text)
                    && tx.send(frame).is_err()
                {
                    break;
                }
            }
        });
        for conv in world
            .conversations
            .iter()
            .filter(|c| c.members.contains(&self.user))
        {
            let mut after_seq = 0;
            while out
                .held
                .values()
                .any(|h| h.conversation == conv.id && h.seq == after_seq + 1)
            {
                after_seq += 1;
            }
            let mut after_rev = 0;
            let mut replayed: HashSet<String> = HashSet::new();
            let mut last_replayed_rev = 0;
            for _page in 0..10_000 {
                let ask = json!({"type": "sync", "conversation_id": conv.id,
                    "after_seq": after_seq, "after_rev": after_rev, "limit": 200});
                sink.send(Ws::text(ask.to_string())).await?;
                let done = loop {
                    let frame = tokio::time::timeout(Duration::from_secs(30), frames.recv())
                        .await
                        .map_err(|_| anyhow::anyhow!("late device: no sync.done in 30 s"))?
                        .ok_or_else(|| anyhow::anyhow!("late device: socket closed"))?;
                    let kind = frame["type"].as_str().unwrap_or_default();
                    if kind == "sync.done" && frame["conversation_id"].as_i64() == Some(conv.id) {
                        break frame;
                    }
                    if kind == "error" {
                        anyhow::bail!("late device: sync answered {frame}");
                    }
                    let Ok(m) = serde_json::from_value::<Message>(frame["message"].clone()) else {
                        continue;
                    };
                    // A replayed change carries no `change`; a live one does.
                    if kind == "message.updated" && frame.get("change").is_none() {
                        out.updated += 1;
                        if !replayed.insert(m.id.clone()) {
                            out.violations.push(format!(
                                "late device: sync replayed {} twice in conversation {}",
                                m.id, conv.id
                            ));
                        }
                        if m.rev <= last_replayed_rev {
                            out.violations.push(format!(
                                "late device: replayed rev {} after rev {last_replayed_rev}",
                                m.rev
                            ));
                        }
                        last_replayed_rev = m.rev;
                    } else if kind == "message.new" {
                        out.new += 1;
                    }
                    hold(&mut out.held, &m);
                };
                after_seq = done["last_seq"].as_i64().unwrap_or(after_seq);
                after_rev = done["last_rev"].as_i64().unwrap_or(after_rev);
                if !done["has_more"].as_bool().unwrap_or(false) {
                    break;
                }
            }
        }
        reader.abort();
        Ok(out)
    }
}
