//! Three platforms on one machine — top, middle, bottom — each with its own database, its
//! own AMQP name prefix (its own exchange and queues), persistence-worker and
//! cascade-service; middle is top's child, bottom is middle's child. Broadcasts flow down,
//! events up, chat messages nowhere; a cut link buffers and heals without duplicates; a
//! cyclic configuration still yields one copy per platform.

use clap::Parser;
use common_proto::{
    bus::{Envelope, kind, routing},
    rest::{Broadcast, Event},
};
use std::time::{Duration, Instant};
use testkit::TestDb;
use tokio::sync::oneshot;

const ENROL: &str = "enrolment-token-0123456789";

struct Platform {
    code: String,
    db: TestDb,
    prefix: String,
    bus: bus::Bus,
    /// cascade-service's base URL and the switch that stops it.
    url: String,
    stop: Option<oneshot::Sender<()>>,
}

fn bus_settings(prefix: &str) -> bus::BusSettings {
    bus::BusSettings {
        prefix: prefix.to_owned(),
        queue_type: bus::QueueType::Classic,
        ..Default::default()
    }
}

/// Starts cascade-service for `p` (with `parent` as its upper platform, if any).
async fn start_cascade(p: &mut Platform, parent: Option<&Platform>) {
    let keys = testkit::keys();
    let mut args = vec![
        "cascade-service".to_owned(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--database-url".into(),
        p.db.url.clone(),
        "--amqp-prefix".into(),
        p.prefix.clone(),
        "--queue-type".into(),
        "classic".into(),
        "--jwt-public-key-file".into(),
        keys.public.clone(),
        "--platform-code".into(),
        p.code.clone(),
        "--cascade-registration-token".into(),
        ENROL.into(),
        "--cascade-heartbeat-secs".into(),
        "1".into(),
    ];
    if let Some(parent) = parent {
        args.extend([
            "--cascade-parent-url".into(),
            parent.url.clone(),
            "--cascade-parent-token".into(),
            ENROL.into(),
            "--cascade-parent-amqp-url".into(),
            "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
        ]);
    }
    let service = cascade_service::build(cascade_service::Settings::parse_from(args))
        .await
        .expect("cascade-service");
    p.url = format!("http://127.0.0.1:{}", service.port);
    let (tx, rx) = oneshot::channel();
    p.stop = Some(tx);
    tokio::spawn(service.run_until(async {
        let _ = rx.await;
    }));
    assert!(testkit::wait_ready(&format!("{}/ready", p.url), 10).await);
}

async fn platform(code: &str) -> Platform {
    let db = TestDb::new().await;
    let prefix = testkit::amqp_prefix();
    let worker = persistence_worker::build(persistence_worker::Settings::parse_from([
        "persistence-worker",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &prefix,
        "--queue-type",
        "classic",
        "--platform-code",
        code,
    ]))
    .await
    .expect("persistence-worker");
    tokio::spawn(worker.run_until(std::future::pending()));
    let bus = bus::Bus::new(&bus_settings(&prefix), "test");
    Platform {
        code: code.into(),
        db,
        prefix,
        bus,
        url: String::new(),
        stop: None,
    }
}

async fn count(p: &Platform, table: &str, id: &str) -> i64 {
    let from = if id.is_empty() {
        table.to_owned()
    } else {
        format!("{table} WHERE id = '{id}'")
    };
    testkit::count_rows(&p.db.url, &from).await
}

/// Waits until `table` holds the row `id` on `p`; returns how many copies it holds.
async fn arrives(p: &Platform, table: &str, id: &str, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let n = count(p, table, id).await;
        if n > 0 || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn broadcast(p: &Platform, title: &str) -> String {
    let b = Broadcast {
        id: ulid::Ulid::generate().to_string(),
        sender_id: None,
        title: title.into(),
        content: "to everyone below".into(),
        origin: p.code.clone(),
        created_at: chrono::Utc::now(),
    };
    let env = Envelope::new(b.id.clone(), kind::BROADCAST_SENT, &p.code, &b);
    let out = bus::Outgoing::envelope(routing::SYSTEM_BROADCAST, &env, None).expect("out");
    p.bus.publish(&out).await.expect("publish broadcast");
    b.id
}

async fn event(p: &Platform, event_type: &str) -> String {
    let e = Event {
        id: ulid::Ulid::generate().to_string(),
        kind: event_type.into(),
        severity: "warning".into(),
        payload: serde_json::json!({"from": p.code}),
        reporter_id: None,
        origin: p.code.clone(),
        occurred_at: chrono::Utc::now(),
    };
    let env = Envelope::new(e.id.clone(), kind::EVENT_REPORTED, &p.code, &e);
    let out = bus::Outgoing::envelope(routing::SYSTEM_EVENT, &env, None).expect("out");
    p.bus.publish(&out).await.expect("publish event");
    e.id
}

/// Waits until `parent` lists `child` as an online child.
async fn registered(parent: &Platform, child: &Platform) {
    link_status(parent, child, "online").await
}

/// Waits until `parent`'s registry shows `child` with `status`.
async fn link_status(parent: &Platform, child: &Platform, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pool = db::pool::pool(&db::DbSettings {
            url: parent.db.url.clone(),
            pool_size: 1,
        })
        .expect("pool");
        let mut conn = db::pool::conn(&pool).await.expect("conn");
        if let Ok(Some(row)) = db::cascade::by_code(&mut conn, &child.code).await
            && row.status == status
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} never registered with {}",
            child.code,
            parent.code
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A counter from `/metrics` (the services of this test process share one registry).
async fn counter(p: &Platform, name: &str, direction: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", p.url))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    // `name{...labels...} value`, whatever other labels (e.g. `service`) it carries.
    let label = format!("direction=\"{direction}\"");
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| {
            l.split_once('}')
                .is_some_and(|(labels, _)| labels.split([',', '{']).any(|x| x == label))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn broadcasts_down_events_up_once_through_cuts_and_cycles() {
    kit::telemetry::init_for_tests();
    let mut top = platform("top").await;
    let mut mid = platform("mid").await;
    let mut bot = platform("bot").await;
    start_cascade(&mut top, None).await;
    start_cascade(&mut mid, Some(&top)).await;
    start_cascade(&mut bot, Some(&mid)).await;
    registered(&top, &mid).await;
    registered(&mid, &bot).await;

    // Down: a broadcast on top reaches both lower levels, once each.
    let b = broadcast(&top, "from the top").await;
    for p in [&top, &mid, &bot] {
        assert_eq!(
            arrives(p, "broadcasts", &b, 20).await,
            1,
            "broadcast on {}",
            p.code
        );
    }
    // Up: an event at the bottom reaches the top, once each.
    let e = event(&bot, "camera.offline").await;
    for p in [&bot, &mid, &top] {
        assert_eq!(arrives(p, "events", &e, 20).await, 1, "event on {}", p.code);
    }
    // Chat never crosses: a message published at the bottom stays there.
    let m = common_proto::rest::Message {
        id: ulid::Ulid::generate().to_string(),
        conversation_id: 1,
        seq: 1,
        sender_id: 1,
        kind: "text".into(),
        content: "local".into(),
        file_id: None,
        reply_to: None,
        created_at: chrono::Utc::now(),
        client_msg_id: "c1".into(),
        file: None,
        ..Default::default()
    };
    let env = Envelope::new(m.id.clone(), kind::MESSAGE_SENT, "bot", &m);
    let out = bus::Outgoing::envelope(routing::chat_message(1), &env, None).expect("out");
    bot.bus.publish(&out).await.expect("publish message");

    // A cut link buffers: with bottom's cascade-service stopped, broadcasts wait in its
    // down queue on the middle platform's broker, and arrive once it is back.
    if let Some(stop) = bot.stop.take() {
        let _ = stop.send(());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut during = Vec::new();
    for i in 0..3 {
        during.push(broadcast(&top, &format!("during the cut {i}")).await);
    }
    for id in &during {
        assert_eq!(arrives(&mid, "broadcasts", id, 20).await, 1);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for id in &during {
        assert_eq!(count(&bot, "broadcasts", id).await, 0, "the link is cut");
    }
    // Three missed heartbeats (1 s each here): the parent marks it offline.
    link_status(&mid, &bot, "offline").await;
    start_cascade(&mut bot, Some(&mid)).await;
    for id in &during {
        assert_eq!(
            arrives(&bot, "broadcasts", id, 20).await,
            1,
            "healed, exactly once"
        );
    }
    assert_eq!(
        count(&top, "messages", "").await,
        0,
        "chat stays on its platform"
    );
    assert_eq!(
        count(&mid, "messages", "").await,
        0,
        "chat stays on its platform"
    );

    // A cycle: top also takes bottom as its parent. Each platform still gets one copy.
    if let Some(stop) = top.stop.take() {
        let _ = stop.send(());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    start_cascade(&mut top, Some(&bot)).await;
    registered(&bot, &top).await;
    let forwarded = (
        counter(&top, "cascade_forwarded_total", "down").await,
        counter(&top, "cascade_forwarded_total", "up").await,
    );
    let b2 = broadcast(&top, "around the cycle").await;
    let e2 = event(&bot, "disk.full").await;
    for p in [&top, &mid, &bot] {
        assert_eq!(
            arrives(p, "broadcasts", &b2, 20).await,
            1,
            "broadcast on {}",
            p.code
        );
        assert_eq!(
            arrives(p, "events", &e2, 20).await,
            1,
            "event on {}",
            p.code
        );
    }
    // Let anything still circling land, then count again: still one each.
    tokio::time::sleep(Duration::from_secs(2)).await;
    // And it did not circle: each crossed exactly the two links before its origin, where
    // the path stopped it (receivers' idempotence alone would hide a loop in the counts).
    assert_eq!(
        counter(&top, "cascade_forwarded_total", "down").await - forwarded.0,
        2.0
    );
    assert_eq!(
        counter(&top, "cascade_forwarded_total", "up").await - forwarded.1,
        2.0
    );
    for p in [&top, &mid, &bot] {
        assert_eq!(count(p, "broadcasts", &b2).await, 1, "{}", p.code);
        assert_eq!(count(p, "events", &e2).await, 1, "{}", p.code);
        assert_eq!(
            count(p, "broadcasts", "").await,
            5,
            "{}: every broadcast once",
            p.code
        );
        assert_eq!(
            count(p, "events", "").await,
            2,
            "{}: every event once",
            p.code
        );
    }

    for p in [&mut top, &mut mid, &mut bot] {
        if let Some(stop) = p.stop.take() {
            let _ = stop.send(());
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for p in [&top, &mid, &bot] {
        p.bus.close().await;
        p.db.drop_db().await;
        testkit::drop_amqp(&p.prefix).await;
    }
}
