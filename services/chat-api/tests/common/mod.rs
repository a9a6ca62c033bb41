//! The test stack shared by chat-api's integration tests: chat-api and the
//! persistence-worker in-process against the real MariaDB, Redis and RabbitMQ, a fresh
//! database and AMQP prefix per test, and users with tokens.
#![allow(dead_code)]

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use testkit::TestDb;

pub struct Stack {
    pub base: String,
    pub client: Client,
    pub db: TestDb,
    pub amqp_prefix: String,
    pub users: Vec<(i64, String)>,
}

pub async fn spawn(users: usize) -> Stack {
    spawn_with(users, &[]).await
}

/// [`spawn`] with extra chat-api arguments (e.g. a smaller group size limit).
pub async fn spawn_with(users: usize, extra: &[&str]) -> Stack {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    let amqp_prefix = testkit::amqp_prefix();
    let redis_prefix = format!("t{}:", testkit::unique());
    let mut args = vec![
        "chat-api",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &amqp_prefix,
        "--queue-type",
        "classic",
        "--redis-prefix",
        &redis_prefix,
        "--jwt-public-key-file",
        &keys.public,
    ];
    args.extend_from_slice(extra);
    let chat = chat_api::build(chat_api::Settings::parse_from(args))
        .await
        .expect("chat-api");
    let base = format!("http://127.0.0.1:{}", chat.port);
    tokio::spawn(chat.run_until(std::future::pending()));
    let worker = persistence_worker::build(persistence_worker::Settings::parse_from([
        "persistence-worker",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &amqp_prefix,
        "--queue-type",
        "classic",
    ]))
    .await
    .expect("persistence-worker");
    tokio::spawn(worker.run_until(std::future::pending()));
    let mut made = Vec::new();
    for i in 0..users {
        made.push(testkit::user_with_token(&db.url, &format!("user{i}"), "user").await);
    }
    Stack {
        base,
        client: Client::new(),
        db,
        users: made,
        amqp_prefix,
    }
}

impl Stack {
    pub async fn cleanup(&self) {
        self.db.drop_db().await;
        testkit::drop_amqp(&self.amqp_prefix).await;
    }
    pub fn token(&self, i: usize) -> &str {
        &self.users[i].1
    }
    pub fn id(&self, i: usize) -> i64 {
        self.users[i].0
    }
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        who: usize,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token(who));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
    pub async fn post(&self, path: &str, who: usize, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, who, Some(body))
            .await
    }
    /// A request without a token, or with the token of user `who`.
    pub async fn as_user(
        &self,
        method: reqwest::Method,
        path: &str,
        who: Option<usize>,
        body: Option<Value>,
    ) -> StatusCode {
        match who {
            Some(who) => self.call(method, path, who, body).await.0,
            None => {
                let mut req = self.client.request(method, format!("{}{path}", self.base));
                if let Some(body) = body {
                    req = req.json(&body);
                }
                req.send().await.expect("request").status()
            }
        }
    }
    pub async fn get(&self, path: &str, who: usize) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, who, None).await
    }
    pub async fn group(&self, owner: usize, members: &[usize]) -> i64 {
        let ids: Vec<i64> = members.iter().map(|m| self.id(*m)).collect();
        let (status, body) = self
            .post(
                "/api/v1/conversations",
                owner,
                json!({"type": "group", "name": "team", "member_ids": ids}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_i64().expect("id")
    }
    pub async fn send(
        &self,
        who: usize,
        conversation: i64,
        cmid: &str,
        text: &str,
    ) -> (StatusCode, Value) {
        self.post("/api/v1/messages", who, json!({"conversation_id": conversation, "client_msg_id": cmid, "type": "text", "content": text})).await
    }
    /// Waits until history holds `n` messages (the persistence worker is asynchronous).
    pub async fn history_when(&self, who: usize, conversation: i64, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (status, body) = self
                .get(
                    &format!("/api/v1/messages?conversation_id={conversation}&limit=200"),
                    who,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= n || Instant::now() > deadline {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }
    /// A file row as file-service would have written it (the bytes are not needed here).
    pub async fn file_row(&self, uploader: usize, content_type: &str) -> String {
        let pool = db::pool::pool(&db::DbSettings {
            url: self.db.url.clone(),
            pool_size: 1,
        })
        .expect("pool");
        let mut conn = db::pool::conn(&pool).await.expect("conn");
        let id = ulid::Ulid::generate().to_string();
        let image = content_type.starts_with("image/");
        db::files::insert(
            &mut conn,
            &db::files::FileRow {
                id: id.clone(),
                uploader_id: self.id(uploader),
                filename: "f".into(),
                storage_key: format!("2026/11/{id}"),
                size: 10,
                content_type: content_type.into(),
                sha256: "0".repeat(64),
                width: image.then_some(800),
                height: image.then_some(600),
                conversation_id: None,
                is_avatar: false,
                referenced_at: None,
                created_at: chrono::Utc::now().naive_utc(),
            },
        )
        .await
        .expect("file row");
        id
    }
}
