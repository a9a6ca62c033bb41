//! The invariants, checked against history (REST), what the sockets received, and the
//! broker's queues.

use crate::{
    Args,
    changes::{Held, Late},
    client::{Stats, World},
};
use common_proto::rest::Message;
use lapin::{Connection, ConnectionProperties, options::QueueDeclareOptions, types::FieldTable};
use serde_json::Value;
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::{Duration, Instant},
};

#[derive(Debug, Default)]
pub struct Verdict {
    pub violations: Vec<String>,
    /// Messages a member got only by `sync`, not by push.
    pub synced: u64,
    /// Raw duplicate `message.new` frames (dropped by the client by id).
    pub duplicates: u64,
    /// Send-to-deliver latency to the other members, milliseconds.
    pub latencies_ms: Vec<f64>,
    pub dead_letters: Option<u32>,
    /// `--changes`: what the change mix did and what the devices ended with.
    pub changes: Option<ChangeSummary>,
}

/// The change mix's figures.
#[derive(Debug, Default)]
pub struct ChangeSummary {
    /// (kind, status) -> count.
    pub answers: BTreeMap<(&'static str, u16), u64>,
    /// Change requested -> the first other member's device holding that rev, milliseconds.
    pub latencies_ms: Vec<f64>,
    /// Live devices compared with history, and the messages they held.
    pub devices: usize,
    pub messages_compared: u64,
    /// The late device: messages it got by `sync` as new, and changes replayed.
    pub late_new: u64,
    pub late_updated: u64,
    /// Live `message.updated` frames that came before their message's `message.new`.
    pub overtaking: u64,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
    fn violation(&mut self, text: String) {
        if self.violations.len() < 50 {
            self.violations.push(text);
        } else if self.violations.len() == 50 {
            self.violations
                .push("... (more violations not shown)".into());
        }
    }
}

/// The whole history of a conversation in its current state, by seq.
async fn history(
    args: &Args,
    world: &World,
    conversation: i64,
    token: &str,
) -> anyhow::Result<BTreeMap<i64, Message>> {
    let mut out = BTreeMap::new();
    let mut after = 0;
    loop {
        let url = format!(
            "{}/api/v1/messages?conversation_id={conversation}&after_seq={after}&limit=200",
            args.gateway
        );
        let page: Value = world
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        let items: Vec<Message> = serde_json::from_value(page["items"].clone())?;
        let n = items.len();
        for m in items {
            let seq = m.seq;
            after = after.max(seq);
            if out.insert(seq, m).is_some() {
                anyhow::bail!("history of {conversation} returned seq {seq} twice");
            }
        }
        if n < 200 {
            return Ok(out);
        }
    }
}

pub async fn check(
    args: &Args,
    world: &World,
    stats: &Stats,
    late: Option<&mut Late>,
) -> anyhow::Result<Verdict> {
    let mut v = Verdict::default();
    let sends = stats
        .record
        .sends
        .lock()
        .map(|s| s.clone())
        .unwrap_or_default();
    let got = stats
        .record
        .got
        .lock()
        .map(|g| g.clone())
        .unwrap_or_default();
    let closed: HashSet<usize> = stats
        .record
        .closed
        .lock()
        .map(|c| c.iter().copied().collect())
        .unwrap_or_default();

    // Persistence is asynchronous: give history a moment to catch up with the acks.
    let mut histories = HashMap::new();
    let acked_per_conv = |conv: i64| {
        sends
            .values()
            .filter(|s| s.conversation == conv && s.ack.is_some())
            .count()
    };
    // One deadline for all of them: a run that lost messages fails in 30 s, not 30 s
    // per conversation.
    let deadline = Instant::now() + Duration::from_secs(30);
    for conv in &world.conversations {
        let token = &world.users[conv.members[0]].token;
        let h = loop {
            let h = history(args, world, conv.id, token).await?;
            if h.len() >= acked_per_conv(conv.id) || Instant::now() > deadline {
                break h;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        histories.insert(conv.id, h);
    }

    // 1 and 2: every ack in history exactly once with its seq; seqs unique; per-sender order.
    let mut seen_ids: HashMap<String, (i64, i64)> = HashMap::new();
    let mut by_sender: HashMap<(usize, i64), Vec<(Instant, i64)>> = HashMap::new();
    for (cmid, send) in &sends {
        let Some((id, seq, _)) = &send.ack else {
            continue;
        };
        match histories.get(&send.conversation).and_then(|h| h.get(seq)) {
            Some(m) if m.id == *id && m.client_msg_id == *cmid => {}
            Some(m) => v.violation(format!(
                "{cmid}: acked as {id} seq {seq}, history has {} at that seq",
                m.id
            )),
            None => v.violation(format!("{cmid}: acked with seq {seq} but not in history")),
        }
        if let Some(prev) = seen_ids.insert(id.clone(), (send.conversation, *seq)) {
            v.violation(format!("message id {id} acked twice ({prev:?} and {seq})"));
        }
        by_sender
            .entry((send.sender, send.conversation))
            .or_default()
            .push((send.at, *seq));
    }
    let mut acked_seqs: HashMap<(i64, i64), &str> = HashMap::new();
    for send in sends.values() {
        if let Some((id, seq, _)) = &send.ack
            && let Some(other) = acked_seqs.insert((send.conversation, *seq), id)
            && other != id
        {
            v.violation(format!(
                "conversation {} seq {seq} acked for two messages",
                send.conversation
            ));
        }
    }
    for ((sender, conv), mut list) in by_sender {
        list.sort_by_key(|(at, _)| *at);
        if list.windows(2).any(|w| w[1].1 <= w[0].1) {
            v.violation(format!(
                "user {sender} in conversation {conv}: acked seqs not increasing in send order"
            ));
        }
    }

    // 3: every member connected throughout got every acked message once (push or sync).
    let mut received: HashMap<(usize, i64), HashMap<i64, String>> = HashMap::new();
    for g in &got {
        let slot = received.entry((g.user, g.conversation)).or_default();
        match slot.get(&g.seq) {
            Some(id) if *id == g.id => v.duplicates += 1,
            Some(id) => v.violation(format!(
                "user {} got two messages with seq {} ({} and {})",
                g.user, g.seq, id, g.id
            )),
            None => {
                slot.insert(g.seq, g.id.clone());
            }
        }
        if let Some(send) = sends.get(&g.client_msg_id)
            && send.sender != g.user
        {
            v.latencies_ms
                .push(g.at.duration_since(send.at).as_secs_f64() * 1000.0);
        }
    }
    for conv in &world.conversations {
        let Some(history) = histories.get(&conv.id) else {
            continue;
        };
        let acked: Vec<(i64, &str)> = sends
            .values()
            .filter(|s| s.conversation == conv.id)
            .filter_map(|s| s.ack.as_ref().map(|(id, seq, _)| (*seq, id.as_str())))
            .collect();
        for member in &conv.members {
            if closed.contains(member) {
                continue;
            }
            let got = received.get(&(*member, conv.id));
            for (seq, id) in &acked {
                match got.and_then(|g| g.get(seq)) {
                    Some(gid) if gid == id => {}
                    Some(gid) => v.violation(format!(
                        "user {member} got {gid} as seq {seq}, acked was {id}"
                    )),
                    // Missed by push: what a client does on reconnect, `sync`, must return it.
                    None => match history.get(seq) {
                        Some(m) if m.id == *id => v.synced += 1,
                        _ => {
                            v.violation(format!("user {member} never got seq {seq} of {}", conv.id))
                        }
                    },
                }
            }
        }
    }

    // 5 (--changes): every device ends in the state of history.
    if stats.record.track_state {
        v.changes = Some(check_states(args, world, stats, &closed, late, &mut v).await?);
    }

    // 4: queues drain and nothing was dead-lettered.
    if !args.amqp_url.is_empty() {
        let conn = Connection::connect(&args.amqp_url, ConnectionProperties::default()).await?;
        let ch = conn.create_channel().await?;
        let passive = QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        for queue in [
            "persistence_queue",
            "realtime_push_queue",
            "broadcast_process_queue",
            "event_process_queue",
        ] {
            let name = format!("{}{queue}", args.amqp_prefix);
            if queue.starts_with("broadcast") || queue.starts_with("event") {
                continue; // their workers arrive with the broadcasts/events features
            }
            loop {
                let depth = ch
                    .queue_declare(name.as_str().into(), passive, FieldTable::default())
                    .await?
                    .message_count();
                if depth == 0 {
                    break;
                }
                if Instant::now() > deadline {
                    v.violation(format!(
                        "{name} still holds {depth} messages 60 s after the load"
                    ));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        let dlq = format!("{}instant_dead_letter_queue", args.amqp_prefix);
        let dead = ch
            .queue_declare(dlq.as_str().into(), passive, FieldTable::default())
            .await?
            .message_count();
        v.dead_letters = Some(dead);
        if dead > 0 {
            v.violation(format!("{dead} messages in the dead-letter queue"));
        }
        let _ = conn.close(200, "done".into()).await;
    }
    Ok(v)
}

/// Answers a change may get besides 200: 404 while the message is not yet stored (changes
/// pick messages acked 300 ms before; persistence is asynchronous) and 422 when it was
/// recalled first. Anything else is a violation.
fn expected_refusal(status: u16) -> bool {
    matches!(status, 404 | 422)
}

/// Invariant 5: the changes were answered as the rules say, every live device holds
/// every message it was told of in history's current state (waiting up to 20 s for
/// pushes in flight), and the late device, after its `sync`, holds all of history.
async fn check_states(
    args: &Args,
    world: &World,
    stats: &Stats,
    closed: &HashSet<usize>,
    late: Option<&mut Late>,
    v: &mut Verdict,
) -> anyhow::Result<ChangeSummary> {
    let changes = &stats.record.changes;
    let mut summary = ChangeSummary {
        overtaking: changes
            .overtaking
            .load(std::sync::atomic::Ordering::Relaxed),
        ..Default::default()
    };
    let done = changes.done.lock().map(|d| d.clone()).unwrap_or_default();
    for d in &done {
        *summary.answers.entry((d.kind, d.status)).or_default() += 1;
        if d.status != 200 && !expected_refusal(d.status) {
            v.violation(format!(
                "{} of {} answered {} {}",
                d.kind, d.message, d.status, d.error
            ));
        }
    }
    // Latency: from a change's request to the first other device holding its rev.
    let updates = changes
        .updates
        .lock()
        .map(|u| u.clone())
        .unwrap_or_default();
    let mut by_message: HashMap<&str, Vec<(usize, i64, Instant)>> = HashMap::new();
    for u in &updates {
        by_message
            .entry(u.message.as_str())
            .or_default()
            .push((u.user, u.rev, u.at));
    }
    for d in &done {
        if let Some(rev) = d.rev
            && let Some(seen) = by_message.get(d.message.as_str())
            && let Some(first) = seen
                .iter()
                .filter(|(user, r, at)| *user != d.actor && *r >= rev && *at >= d.at)
                .map(|(_, _, at)| *at)
                .min()
        {
            summary
                .latencies_ms
                .push(first.duration_since(d.at).as_secs_f64() * 1000.0);
        }
    }

    let token = |conv: &crate::client::Conversation| world.users[conv.members[0]].token.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut stale = Vec::new();
        summary.devices = 0;
        summary.messages_compared = 0;
        let held = changes.held.lock().map(|h| h.clone()).unwrap_or_default();
        for conv in &world.conversations {
            let history = history(args, world, conv.id, &token(conv)).await?;
            for member in conv.members.iter().filter(|m| !closed.contains(m)) {
                summary.devices += 1;
                let Some(device) = held.get(member) else {
                    continue;
                };
                for m in history.values() {
                    // A message push never brought is the sync check's (invariant 3).
                    if let Some(h) = device.get(&m.id) {
                        summary.messages_compared += 1;
                        let want = Held::of(m);
                        if *h != want {
                            stale.push(format!(
                                "user {member}'s device holds {} at rev {} ({:?}), history has rev {} ({:?})",
                                m.id, h.rev, h, want.rev, want
                            ));
                        }
                    }
                }
            }
        }
        if stale.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            for s in stale.into_iter().take(10) {
                v.violation(s);
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    summary.devices = world
        .conversations
        .iter()
        .flat_map(|c| c.members.iter())
        .filter(|m| !closed.contains(m))
        .collect::<HashSet<_>>()
        .len();

    if let Some(late) = late {
        let caught = late.catch_up(args, world).await?;
        summary.late_new = caught.new;
        summary.late_updated = caught.updated;
        for s in caught.violations {
            v.violation(s);
        }
        for conv in world
            .conversations
            .iter()
            .filter(|c| c.members.contains(&late.user))
        {
            let history = history(args, world, conv.id, &token(conv)).await?;
            for m in history.values() {
                match caught.held.get(&m.id) {
                    Some(h) if *h == Held::of(m) => {}
                    Some(h) => v.violation(format!(
                        "late device after sync holds {} as {h:?}, history has {:?}",
                        m.id,
                        Held::of(m)
                    )),
                    None => v.violation(format!(
                        "late device after sync lacks seq {} of {}",
                        m.seq, conv.id
                    )),
                }
            }
        }
    }
    Ok(summary)
}
