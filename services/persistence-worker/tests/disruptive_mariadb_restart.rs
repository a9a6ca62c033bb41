//! DISRUPTIVE (run alone by test.sh): stops the shared MariaDB while messages keep
//! arriving. The persistence-worker must pause and retry in place — nothing dead-lettered
//! — and, once MariaDB is back, store every message exactly once without being restarted.
//! A guard starts MariaDB again whatever happens.

use clap::Parser;
use common_proto::{
    bus::{Envelope, kind, routing},
    rest::Message,
};
use std::{
    process::Command,
    time::{Duration, Instant},
};

fn port_open() -> bool {
    std::net::TcpStream::connect_timeout(
        &"127.0.0.1:3306".parse().expect("addr"),
        Duration::from_millis(300),
    )
    .is_ok()
}

fn wait_port(open: bool, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if port_open() == open {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// Stops MariaDB; dropping it starts MariaDB again and waits for its port.
struct MariaDbGuard;

impl MariaDbGuard {
    fn stop() -> Self {
        let guard = MariaDbGuard;
        let ok = Command::new("mysqladmin")
            .args(["-uroot", "shutdown"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
            || Command::new("start-stop-daemon")
                .args([
                    "--stop",
                    "--oknodo",
                    "--retry",
                    "30",
                    "--exec",
                    "/usr/sbin/mariadbd",
                ])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
        assert!(ok && wait_port(false, 30), "could not stop MariaDB");
        guard
    }
}

impl Drop for MariaDbGuard {
    fn drop(&mut self) {
        let _ = Command::new("start-stop-daemon")
            .args([
                "--start",
                "--oknodo",
                "--background",
                "--exec",
                "/usr/sbin/mariadbd",
            ])
            .status();
        if !wait_port(true, 60) {
            eprintln!("MariaDB did not come back within 60 s");
        }
    }
}

fn message(conversation: i64, sender: i64, seq: i64) -> Message {
    Message {
        id: ulid::Ulid::generate().to_string(),
        conversation_id: conversation,
        seq,
        sender_id: sender,
        kind: "text".into(),
        content: format!("message {seq}"),
        file_id: None,
        reply_to: None,
        created_at: chrono::Utc::now(),
        client_msg_id: format!("c{seq}"),
        file: None,
        ..Default::default()
    }
}

async fn persisted(url: &str, conversation: i64) -> Option<i64> {
    let pool = db::pool::pool(&db::DbSettings {
        url: url.to_owned(),
        pool_size: 1,
    })
    .ok()?;
    let mut conn = db::pool::conn(&pool).await.ok()?;
    let rows = db::messages::history(&mut conn, conversation, Some(0), None, None, 200)
        .await
        .ok()?;
    let mut seqs: Vec<i64> = rows.iter().map(|(m, _)| m.seq).collect();
    seqs.dedup();
    assert_eq!(seqs.len(), rows.len(), "a seq stored twice");
    Some(rows.len() as i64)
}

async fn wait_persisted(url: &str, conversation: i64, n: i64, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let got = persisted(url, conversation).await.unwrap_or(-1);
        if got == n || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn disruptive_mariadb_restart_loses_and_duplicates_nothing() {
    kit::telemetry::init_for_tests();
    let test_db = testkit::TestDb::new().await;
    let prefix = testkit::amqp_prefix();
    let (owner, _) = testkit::user_with_token(&test_db.url, "dbowner", "user").await;
    let conversation = {
        let pool = db::pool::pool(&db::DbSettings {
            url: test_db.url.clone(),
            pool_size: 1,
        })
        .expect("pool");
        let mut conn = db::pool::conn(&pool).await.expect("conn");
        db::conversations::create_group(&mut conn, owner, "outage", &[])
            .await
            .expect("group")
            .id
    };
    let worker = persistence_worker::build(persistence_worker::Settings::parse_from([
        "persistence-worker",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &test_db.url,
        "--amqp-prefix",
        &prefix,
        "--queue-type",
        "classic",
    ]))
    .await
    .expect("persistence-worker");
    tokio::spawn(worker.run_until(std::future::pending()));
    let bus = bus::Bus::new(
        &bus::BusSettings {
            prefix: prefix.clone(),
            queue_type: bus::QueueType::Classic,
            ..Default::default()
        },
        "test",
    );
    let publish = async |seq: i64| {
        let m = message(conversation, owner, seq);
        let env = Envelope::new(m.id.clone(), kind::MESSAGE_SENT, "main", &m);
        let out =
            bus::Outgoing::envelope(routing::chat_message(conversation), &env, None).expect("out");
        bus.publish(&out).await.expect("publish (the broker is up)");
    };
    for seq in 1..=20 {
        publish(seq).await;
    }
    assert_eq!(wait_persisted(&test_db.url, conversation, 20, 30).await, 20);

    let guard = MariaDbGuard::stop();
    for seq in 21..=50 {
        publish(seq).await;
    }
    // Several retry rounds while the database is gone.
    tokio::time::sleep(Duration::from_secs(4)).await;
    drop(guard);
    let stored = wait_persisted(&test_db.url, conversation, 50, 60).await;
    assert_eq!(
        stored, 50,
        "every message stored once after MariaDB came back"
    );

    let dlq = Command::new("rabbitmqctl")
        .args(["list_queues", "-q", "name", "messages"])
        .output()
        .expect("rabbitmqctl");
    let listing = String::from_utf8_lossy(&dlq.stdout);
    let dead = listing
        .lines()
        .find(|l| l.starts_with(&format!("{prefix}instant_dead_letter_queue")))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<u64>().ok());
    assert_eq!(
        dead,
        Some(0),
        "nothing dead-lettered because MariaDB was down:\n{listing}"
    );
    bus.close().await;
    test_db.drop_db().await;
    testkit::drop_amqp(&prefix).await;
}
