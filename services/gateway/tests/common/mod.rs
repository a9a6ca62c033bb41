//! The stack the gateway's realtime tests share: gateway + chat-api + persistence-worker +
//! push-worker (+ broadcast-worker) in one process against the real MariaDB, Redis and
//! RabbitMQ, a fresh database, Redis prefix and AMQP prefix per test, and users with tokens;
//! plus WebSocket helpers.
#![allow(dead_code)]

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use testkit::TestDb;
use tokio_tungstenite::{connect_async, tungstenite::Message as Ws};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct Stack {
    pub gw: String,
    pub db: TestDb,
    pub amqp: String,
    pub redis: String,
    pub users: Vec<(i64, String)>,
}

pub async fn spawn(users: usize) -> Stack {
    spawn_with(users, 1, &[]).await
}

/// [`spawn_with`] with extra push-worker arguments (offline push settings).
pub async fn spawn_with(users: usize, push_workers: usize, gateway_extra: &[&str]) -> Stack {
    spawn_full(users, push_workers, gateway_extra, &[]).await
}

/// [`spawn`] with several push-worker replicas (each with its own member cache).
pub async fn spawn_full(
    users: usize,
    push_workers: usize,
    gateway_extra: &[&str],
    push_extra: &[&str],
) -> Stack {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    let amqp = testkit::amqp_prefix();
    let redis = format!("t{}:", testkit::unique());
    let chat = chat_api::build(chat_api::Settings::parse_from([
        "chat-api",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
        "--redis-prefix",
        &redis,
        "--jwt-public-key-file",
        &keys.public,
    ]))
    .await
    .expect("chat-api");
    let chat_url = format!("http://127.0.0.1:{}", chat.port);
    tokio::spawn(chat.run_until(std::future::pending()));
    let persist = persistence_worker::build(persistence_worker::Settings::parse_from([
        "persistence-worker",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
    ]))
    .await
    .expect("persistence");
    tokio::spawn(persist.run_until(std::future::pending()));
    for _ in 0..push_workers {
        let mut args = vec![
            "push-worker",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
            "--amqp-prefix",
            &amqp,
            "--queue-type",
            "classic",
            "--redis-prefix",
            &redis,
            // One delivery at a time per replica, so consecutive messages spread over both.
            "--prefetch",
            "1",
        ];
        args.extend_from_slice(push_extra);
        let push = push_worker::build(push_worker::Settings::parse_from(args))
            .await
            .expect("push");
        tokio::spawn(push.run_until(std::future::pending()));
    }
    let fan_out = broadcast_worker::build(broadcast_worker::Settings::parse_from([
        "broadcast-worker",
        "--listen",
        "127.0.0.1:0",
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
    ]))
    .await
    .expect("broadcast-worker");
    tokio::spawn(fan_out.run_until(std::future::pending()));
    let mut gateway_args = vec![
        "gateway",
        "--listen",
        "127.0.0.1:0",
        "--jwt-public-key-file",
        &keys.public,
        "--chat-api-url",
        &chat_url,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
        "--redis-prefix",
        &redis,
        "--cors-origins",
        "https://app.example",
        "--ws-frames-per-second",
        "50",
    ];
    gateway_args.extend_from_slice(gateway_extra);
    let gateway = gateway::build(gateway::Settings::parse_from(gateway_args))
        .await
        .expect("gateway");
    let gw = format!("127.0.0.1:{}", gateway.port);
    tokio::spawn(gateway.run_until(std::future::pending()));
    assert!(testkit::wait_ready(&format!("http://{gw}/ready"), 10).await);
    let mut made = Vec::new();
    for i in 0..users {
        // The last user of a stack is an admin (broadcasts).
        let role = if i + 1 == users && users > 1 {
            "admin"
        } else {
            "user"
        };
        made.push(testkit::user_with_token(&db.url, &format!("ws{i}"), role).await);
    }
    Stack {
        gw,
        db,
        users: made,
        amqp,
        redis,
    }
}

impl Stack {
    pub async fn socket(&self, who: usize) -> Socket {
        let url = format!(
            "ws://{}/api/v1/realtime/ws?token={}",
            self.gw, self.users[who].1
        );
        let (socket, _) = connect_async(url).await.expect("connect");
        socket
    }
    pub async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        who: usize,
        body: Value,
    ) -> (StatusCode, Value) {
        let res = reqwest::Client::new()
            .request(method, format!("http://{}{path}", self.gw))
            .bearer_auth(&self.users[who].1)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

pub async fn send(socket: &mut Socket, frame: Value) {
    socket
        .send(Ws::text(frame.to_string()))
        .await
        .expect("send");
}

/// The next text frame whose `type` is `kind` (other frames are skipped), within 5 s.
pub async fn expect(socket: &mut Socket, kind: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let next = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no {kind} frame within 5 s"));
        match next {
            Some(Ok(Ws::Text(text))) => {
                let v: Value = serde_json::from_str(&text).expect("json frame");
                if v["type"] == kind {
                    return v;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("socket ended while waiting for {kind}: {other:?}"),
        }
    }
}

/// Asserts no frame of `kind` arrives within `ms`.
pub async fn expect_none(socket: &mut Socket, kind: &str, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Ws::Text(text) = msg {
            let v: Value = serde_json::from_str(&text).expect("json");
            assert_ne!(v["type"], kind, "unexpected {kind}: {v}");
        }
    }
}

/// Asserts no frame of `kind` about `user` arrives within `ms` (others may).
pub async fn no_frame_from(socket: &mut Socket, kind: &str, user: i64, ms: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, socket.next()).await {
        if let Ws::Text(text) = msg {
            let v: Value = serde_json::from_str(&text).expect("json");
            assert!(
                !(v["type"] == kind && v["user_id"] == user),
                "unexpected {kind} of {user}: {v}"
            );
        }
    }
}

/// Skips frames until `message.new` of the message `id` (5 s at most).
pub async fn expect_message(socket: &mut Socket, id: &Value) -> Value {
    loop {
        let frame = expect(socket, "message.new").await;
        if frame["message"]["id"] == *id {
            return frame;
        }
    }
}
