//! Setting up users, conversations and sockets, and driving the load.

use crate::{
    Args,
    changes::{ChangeRecord, Changer, Late},
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::mpsc;
use tokio_tungstenite::{connect_async, tungstenite::Message as Ws};

pub struct User {
    pub id: i64,
    pub token: String,
}

pub struct Conversation {
    pub id: i64,
    pub members: Vec<usize>,
}

/// Users, their conversations, and one WebSocket writer per user.
pub struct World {
    pub http: reqwest::Client,
    pub users: Vec<User>,
    pub conversations: Vec<Conversation>,
    pub writers: Vec<mpsc::UnboundedSender<String>>,
    pub record: Arc<Record>,
}

/// One send as the tool saw it.
#[derive(Debug, Clone)]
pub struct Send {
    pub sender: usize,
    pub conversation: i64,
    pub at: Instant,
    /// (message id, seq, when the ack came).
    pub ack: Option<(String, i64, Instant)>,
    pub error: Option<String>,
}

/// One `message.new` as a user's socket received it.
#[derive(Debug, Clone)]
pub struct Got {
    pub user: usize,
    pub conversation: i64,
    pub seq: i64,
    pub id: String,
    pub client_msg_id: String,
    pub at: Instant,
}

#[derive(Default)]
pub struct Record {
    pub sends: Mutex<HashMap<String, Send>>,
    pub got: Mutex<Vec<Got>>,
    pub acks: AtomicU64,
    pub errors: AtomicU64,
    pub delivered: AtomicU64,
    /// Sockets that closed during the run (their users are not "connected for the whole run").
    pub closed: Mutex<Vec<usize>>,
    /// Closed-loop senders waiting for the answer (ack or error) to their send, by
    /// client_msg_id.
    pub waiting: Mutex<HashMap<String, tokio::sync::oneshot::Sender<()>>>,
    /// `--changes`: follow every device's state and record the changes.
    pub track_state: bool,
    pub changes: ChangeRecord,
}

impl Record {
    /// Wakes the closed-loop sender waiting on `cmid`, if any.
    fn answered(&self, cmid: &str) {
        if let Some(tx) = self.waiting.lock().ok().and_then(|mut w| w.remove(cmid)) {
            let _ = tx.send(());
        }
    }

    fn start(&self, cmid: &str, sender: usize, conversation: i64) {
        if let Ok(mut sends) = self.sends.lock() {
            sends.insert(
                cmid.to_owned(),
                Send {
                    sender,
                    conversation,
                    at: Instant::now(),
                    ack: None,
                    error: None,
                },
            );
        }
    }
}

pub struct Stats {
    pub sent: u64,
    pub elapsed: Duration,
    pub record: Arc<Record>,
}

impl Stats {
    pub fn acked(&self) -> u64 {
        self.record.acks.load(Ordering::Relaxed)
    }

    /// From the first send to the last ack.
    pub fn ack_span(&self) -> Option<Duration> {
        let sends = self.record.sends.lock().ok()?;
        let first = sends.values().map(|s| s.at).min()?;
        let last = sends
            .values()
            .filter_map(|s| s.ack.as_ref().map(|a| a.2))
            .max()?;
        Some(last.duration_since(first))
    }
}

pub(crate) fn ws_url(gateway: &str) -> String {
    gateway
        .replacen("http://", "ws://", 1)
        .replacen("https://", "wss://", 1)
}

pub(crate) async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "{status}: {body}");
    Ok(body)
}

pub async fn setup(args: &Args) -> anyhow::Result<World> {
    let http = reqwest::Client::new();
    let prefix = if args.user_prefix.is_empty() {
        format!(
            "lc{}",
            &ulid::Ulid::generate().to_string().to_lowercase()[18..]
        )
    } else {
        args.user_prefix.clone()
    };
    let api = format!("{}/api/v1", args.gateway);
    eprintln!(
        "setup: {} users ({prefix}_*), mode {}",
        args.users, args.mode
    );
    let mut users = Vec::with_capacity(args.users);
    for i in 0..args.users {
        let username = format!("{prefix}_{i}");
        let creds = json!({"username": username, "password": "loadcheck password"});
        // Registering an existing name is fine (a rerun with --user-prefix).
        let _ = post(&http, format!("{api}/auth/register"), None, creds.clone()).await;
        let tokens = post(&http, format!("{api}/auth/login"), None, creds)
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "login {username}: {e} (raise INSTANT_RATE_LIMIT_AUTH_PER_MINUTE for load runs)"
                )
            })?;
        let token = tokens["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let me = http
            .get(format!("{api}/users/me"))
            .bearer_auth(&token)
            .send()
            .await?
            .json::<Value>()
            .await?;
        users.push(User {
            id: me["id"].as_i64().unwrap_or_default(),
            token,
        });
    }
    let mut conversations = Vec::new();
    if args.mode == "direct" {
        for pair in (0..args.users - 1).step_by(2) {
            let body = json!({"type": "direct", "member_ids": [users[pair + 1].id]});
            let c = post(
                &http,
                format!("{api}/conversations"),
                Some(&users[pair].token),
                body,
            )
            .await?;
            conversations.push(Conversation {
                id: c["id"].as_i64().unwrap_or_default(),
                members: vec![pair, pair + 1],
            });
        }
    } else {
        let others: Vec<i64> = users[1..].iter().map(|u| u.id).collect();
        let body = json!({"type": "group", "name": format!("{prefix} load"), "member_ids": others});
        let c = post(
            &http,
            format!("{api}/conversations"),
            Some(&users[0].token),
            body,
        )
        .await?;
        conversations.push(Conversation {
            id: c["id"].as_i64().unwrap_or_default(),
            members: (0..users.len()).collect(),
        });
    }
    let record = Arc::new(Record {
        track_state: args.changes > 0.0,
        ..Default::default()
    });
    let mut writers = Vec::with_capacity(users.len());
    for (i, user) in users.iter().enumerate() {
        let url = format!(
            "{}/api/v1/realtime/ws?token={}",
            ws_url(&args.gateway),
            user.token
        );
        let (socket, _) = connect_async(url).await?;
        let (mut sink, mut stream) = socket.split();
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                if sink.send(Ws::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let rec = record.clone();
        tokio::spawn(async move {
            let mut why = String::from("the connection ended");
            while let Some(next) = stream.next().await {
                match next {
                    Ok(Ws::Text(text)) => handle_frame(&rec, i, &text),
                    Ok(Ws::Close(frame)) => {
                        why = format!("closed by the server: {frame:?}");
                    }
                    Ok(_) => {}
                    Err(e) => {
                        why = format!("socket error: {e}");
                        break;
                    }
                }
            }
            eprintln!("user {i}'s socket: {why}");
            if let Ok(mut closed) = rec.closed.lock() {
                closed.push(i);
            }
        });
        writers.push(tx);
    }
    eprintln!(
        "setup: {} conversations, {} sockets",
        conversations.len(),
        writers.len()
    );
    Ok(World {
        http,
        users,
        conversations,
        writers,
        record,
    })
}

fn handle_frame(rec: &Record, user: usize, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let now = Instant::now();
    match frame["type"].as_str() {
        Some("ack") => {
            let cmid = frame["client_msg_id"].as_str().unwrap_or_default();
            if let Ok(mut sends) = rec.sends.lock()
                && let Some(send) = sends.get_mut(cmid)
                && send.ack.is_none()
            {
                send.ack = Some((
                    frame["id"].as_str().unwrap_or_default().to_owned(),
                    frame["seq"].as_i64().unwrap_or(-1),
                    now,
                ));
                rec.acks.fetch_add(1, Ordering::Relaxed);
                if rec.track_state
                    && let Ok(mut acked) = rec.changes.acked.lock()
                {
                    let id = frame["id"].as_str().unwrap_or_default().to_owned();
                    acked.push((now, send.conversation, id, send.sender));
                }
            }
            rec.answered(cmid);
        }
        Some("error") => {
            if let Some(cmid) = frame["client_msg_id"].as_str()
                && let Ok(mut sends) = rec.sends.lock()
                && let Some(send) = sends.get_mut(cmid)
            {
                send.error = Some(frame["code"].as_str().unwrap_or("error").to_owned());
            }
            if let Some(cmid) = frame["client_msg_id"].as_str() {
                rec.answered(cmid);
            }
            rec.errors.fetch_add(1, Ordering::Relaxed);
        }
        Some("message.new") => {
            let m = &frame["message"];
            let got = Got {
                user,
                conversation: m["conversation_id"].as_i64().unwrap_or_default(),
                seq: m["seq"].as_i64().unwrap_or(-1),
                id: m["id"].as_str().unwrap_or_default().to_owned(),
                client_msg_id: m["client_msg_id"].as_str().unwrap_or_default().to_owned(),
                at: now,
            };
            if let Ok(mut all) = rec.got.lock() {
                all.push(got);
            }
            rec.delivered.fetch_add(1, Ordering::Relaxed);
            if rec.track_state {
                rec.changes.frame(user, &frame, false, now);
            }
        }
        Some("message.updated") if rec.track_state => {
            rec.changes.frame(user, &frame, true, now);
        }
        _ => {}
    }
}

/// Sends on a fixed schedule for `duration` (with `--changes`, that many changes per send
/// go out beside the sends, and the late device goes offline after a third of them), then
/// waits until every acked message reached every member (or `drain_secs` pass). Prints
/// progress each second.
pub async fn drive(
    args: &Args,
    world: &World,
    mut late: Option<&mut Late>,
) -> anyhow::Result<Stats> {
    let mut changer = Changer::new(args);
    let content = "x".repeat(args.size.max(1));
    let total = (args.rate * args.duration as f64).round() as u64;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / args.rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let rec = &world.record;
    for n in 0..total {
        tick.tick().await;
        let conv = &world.conversations[n as usize % world.conversations.len()];
        let sender = conv.members[(n as usize / world.conversations.len()) % conv.members.len()];
        let cmid = format!("lc{n}");
        rec.start(&cmid, sender, conv.id);
        let _ = world.writers[sender].send(send_frame(conv.id, &cmid, &content));
        for _ in 0..changer.due() {
            changer.spawn(args, world);
        }
        if n == total / 3
            && let Some(late) = late.as_mut()
        {
            late.go_offline();
        }
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            progress(started, n + 1, rec);
        }
    }
    let elapsed = started.elapsed();
    drain(args, world, total, started, elapsed).await
}

fn send_frame(conversation: i64, cmid: &str, content: &str) -> String {
    json!({"type": "message.send", "message": {"conversation_id": conversation, "client_msg_id": cmid, "type": "text", "content": content}}).to_string()
}

/// Closed loop (`--mode closed`): `--senders` members of ONE group each send, wait for the
/// answer (ack or error), and send again at once, for `--duration` seconds: the
/// throughput of one busy conversation, bounded by how fast its sends are serialised.
pub async fn drive_closed(args: &Args, world: &World) -> anyhow::Result<Stats> {
    let content = "x".repeat(args.size.max(1));
    let conv = &world.conversations[0];
    let senders = args.senders.clamp(1, conv.members.len());
    let started = Instant::now();
    let until = started + Duration::from_secs(args.duration);
    let mut loops = Vec::with_capacity(senders);
    for s in 0..senders {
        let sender = conv.members[s];
        let (rec, writer, content) = (
            world.record.clone(),
            world.writers[sender].clone(),
            content.clone(),
        );
        let conversation = conv.id;
        loops.push(tokio::spawn(async move {
            let mut sent = 0u64;
            while Instant::now() < until {
                let cmid = format!("lc{s}-{sent}");
                let (tx, rx) = tokio::sync::oneshot::channel();
                if let Ok(mut w) = rec.waiting.lock() {
                    w.insert(cmid.clone(), tx);
                }
                rec.start(&cmid, sender, conversation);
                if writer
                    .send(send_frame(conversation, &cmid, &content))
                    .is_err()
                {
                    break;
                }
                sent += 1;
                // An unanswered send is left to the checks; the loop goes on.
                let _ = tokio::time::timeout(Duration::from_secs(10), rx).await;
            }
            sent
        }));
    }
    let mut last_progress = Instant::now();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let sent = world.record.sends.lock().map(|s| s.len()).unwrap_or(0);
            progress(started, sent as u64, &world.record);
        }
    }
    let mut total = 0;
    for l in loops {
        total += l.await.unwrap_or(0);
    }
    let elapsed = started.elapsed();
    drain(args, world, total, started, elapsed).await
}

/// Waits until every acked message reached every member (or `drain_secs` pass).
async fn drain(
    args: &Args,
    world: &World,
    total: u64,
    started: Instant,
    elapsed: Duration,
) -> anyhow::Result<Stats> {
    let rec = &world.record;
    let mut last_progress = Instant::now();
    let expected: u64 = world
        .conversations
        .iter()
        .map(|c| c.members.len() as u64)
        .sum::<u64>()
        / world.conversations.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(args.drain_secs);
    while Instant::now() < deadline {
        let acked = rec.acks.load(Ordering::Relaxed);
        let errors = rec
            .sends
            .lock()
            .map(|s| s.values().filter(|x| x.error.is_some()).count() as u64)
            .unwrap_or(0);
        let delivered = rec.delivered.load(Ordering::Relaxed);
        let changing = rec.changes.in_flight.load(Ordering::Relaxed);
        if acked + errors >= total && delivered >= acked * expected && changing == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            progress(started, total, rec);
        }
    }
    progress(started, total, rec);
    Ok(Stats {
        sent: total,
        elapsed,
        record: world.record.clone(),
    })
}

fn progress(started: Instant, sent: u64, rec: &Record) {
    eprintln!(
        "[{:>5.1}s] sent {sent}  acked {}  delivered {}  errors {}",
        started.elapsed().as_secs_f64(),
        rec.acks.load(Ordering::Relaxed),
        rec.delivered.load(Ordering::Relaxed),
        rec.errors.load(Ordering::Relaxed),
    );
}

/// Idle mode: `--idle-connections` sockets over `--users` users, held for `--duration`
/// seconds while answering the server's pings; prints how many were open at the end.
pub async fn hold_idle(args: &Args) -> anyhow::Result<bool> {
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", args.gateway);
    let prefix = format!(
        "idle{}",
        &ulid::Ulid::generate().to_string().to_lowercase()[18..]
    );
    let mut tokens = Vec::new();
    for i in 0..args.users {
        let creds = json!({"username": format!("{prefix}_{i}"), "password": "loadcheck password"});
        let _ = post(&http, format!("{api}/auth/register"), None, creds.clone()).await;
        let t = post(&http, format!("{api}/auth/login"), None, creds).await?;
        tokens.push(t["access_token"].as_str().unwrap_or_default().to_owned());
    }
    let open = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(args.idle_connections);
    for n in 0..args.idle_connections {
        let url = format!(
            "{}/api/v1/realtime/ws?token={}",
            ws_url(&args.gateway),
            tokens[n % tokens.len()]
        );
        let (socket, _) = connect_async(url)
            .await
            .map_err(|e| anyhow::anyhow!("connection {n}: {e}"))?;
        open.fetch_add(1, Ordering::Relaxed);
        let counter = open.clone();
        tasks.push(tokio::spawn(async move {
            // Reading answers the server's pings (tungstenite replies with pongs).
            let (_sink, mut stream) = socket.split();
            while let Some(Ok(_)) = stream.next().await {}
            counter.fetch_sub(1, Ordering::Relaxed);
        }));
        if (n + 1) % 2000 == 0 {
            eprintln!(
                "[{:>5.1}s] {} connections open",
                started.elapsed().as_secs_f64(),
                open.load(Ordering::Relaxed)
            );
        }
    }
    println!(
        "idle: {} connections open after {:.1} s; holding {} s",
        open.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        args.duration
    );
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let still = open.load(Ordering::Relaxed);
    println!(
        "idle: {still} of {} connections still open after holding",
        args.idle_connections
    );
    Ok(still as usize == args.idle_connections)
}
