//! Outgoing webhooks against real local HTTP receivers: signed deliveries a receiver can
//! verify, a receiver that answers 500 then 200 (retried, then delivered), one that times
//! out (retried with backoff until the deadline, then a dead letter with its error), a
//! redelivery once it recovers, the conversation filter, the admin-only API, and URLs on
//! the platform's own network refused unless allowed.

mod common;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

/// One request a receiver got: its path, headers and body.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Got>>,
    /// `/slow` answers at once when set (it has "recovered").
    slow_recovered: AtomicBool,
}

impl Receiver {
    fn count(&self, path: &str) -> usize {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .filter(|g| g.path == path)
            .count()
    }
    fn first(&self, path: &str) -> Option<Got> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .find(|g| g.path == path)
            .cloned()
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Receiver>) -> HttpResponse {
    let path = req.path().to_owned();
    let before = rx.count(&path);
    rx.got.lock().expect("lock").push(Got {
        path: path.clone(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    match path.as_str() {
        "/flaky" if before == 0 => HttpResponse::InternalServerError().body("try later"),
        "/slow" if !rx.slow_recovered.load(Ordering::SeqCst) => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            HttpResponse::Ok().finish()
        }
        _ => HttpResponse::Ok().finish(),
    }
}

/// A receiver on a free port; its base URL.
fn start_receiver(rx: Arc<Receiver>) -> String {
    let data = web::Data::from(rx);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(receive))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}")
}

async fn until<F: Fn() -> bool>(what: &str, secs: u64, f: F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn deliveries(s: &common::Stack, admin: usize, hook: i64) -> Vec<Value> {
    let (status, page) = s
        .get(&format!("/api/v1/admin/webhooks/{hook}/deliveries"), admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn deliveries_until(
    s: &common::Stack,
    admin: usize,
    hook: i64,
    secs: u64,
    what: &str,
    f: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let items = deliveries(s, admin, hook).await;
        if f(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a receiver does (the README's recipe): HMAC-SHA256 over "{timestamp}.{body}".
fn verify(secret: &str, got: &Got) -> bool {
    let ts = &got.headers["x-instant-timestamp"];
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{ts}.{}", got.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    got.headers["x-instant-signature"] == format!("v1={expected}")
}

#[tokio::test(flavor = "multi_thread")]
async fn deliveries_are_signed_retried_dead_lettered_and_redelivered() {
    let mut s = common::spawn_with(
        3,
        &[
            "--webhook-allow-private",
            "--webhook-timeout-ms",
            "300",
            "--webhook-retry-for-secs",
            "4",
        ],
    )
    .await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "boss", "admin").await);
    let admin = 3;
    let rx = Arc::new(Receiver::default());
    let base = start_receiver(rx.clone());
    let watched = s.group(0, &[1]).await;
    let other = s.group(0, &[2]).await;

    let create = |url: String, conversations: Option<Vec<i64>>| {
        let mut body = json!({"url": url, "events": ["message"]});
        if let Some(c) = conversations {
            body["conversation_ids"] = json!(c);
        }
        body
    };
    let (status, ok_hook) = s
        .post(
            "/api/v1/admin/webhooks",
            admin,
            create(format!("{base}/ok"), Some(vec![watched])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ok_hook}");
    let secret = ok_hook["secret"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert_eq!(secret.len(), 64, "256 bits, hex");
    let (_, flaky) = s
        .post(
            "/api/v1/admin/webhooks",
            admin,
            create(format!("{base}/flaky"), None),
        )
        .await;
    let (_, slow) = s
        .post(
            "/api/v1/admin/webhooks",
            admin,
            create(format!("{base}/slow"), None),
        )
        .await;
    let (status, listed) = s.get("/api/v1/admin/webhooks", admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(3));
    assert!(
        listed["items"][0].get("secret").is_none(),
        "the secret is never shown again"
    );

    let (status, sent) = s.send(1, watched, "hook-1", "ticket #42 is on fire").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");

    // Signed, and the body is the bus envelope.
    until("the ok receiver", 10, || rx.count("/ok") == 1).await;
    let got = rx.first("/ok").expect("delivery");
    assert!(verify(&secret, &got), "signature verifies: {got:?}");
    assert!(!verify("another secret of 16+", &got));
    let envelope: Value = serde_json::from_str(&got.body).expect("json");
    assert_eq!(envelope["kind"], "chat.message_sent");
    assert_eq!(envelope["data"]["id"], sent["id"]);
    assert_eq!(got.headers["x-instant-event"], "chat.message_sent");
    assert_eq!(got.headers["content-type"], "application/json");
    assert!(got.headers.contains_key("traceparent"));

    // 500, then 200: retried after a backoff, delivered on the second attempt.
    let flaky_id = flaky["id"].as_i64().expect("id");
    let items = deliveries_until(&s, admin, flaky_id, 15, "the flaky delivery", |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;
    assert_eq!(items[0]["attempts"], 2, "{items:?}");
    assert_eq!(items[0]["last_status"], 200);
    assert_eq!(rx.count("/flaky"), 2);

    // Times out every time: retried until the 4 s deadline, then dead, with the error.
    let slow_id = slow["id"].as_i64().expect("id");
    let items = deliveries_until(&s, admin, slow_id, 20, "the dead letter", |d| {
        d.first().is_some_and(|d| d["status"] == "dead")
    })
    .await;
    let dead = &items[0];
    assert!(dead["attempts"].as_i64().unwrap_or(0) >= 2, "{dead}");
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("timed out after 300 ms"),
        "{dead}"
    );
    let (status, only_dead) = s
        .get(
            &format!("/api/v1/admin/webhooks/{slow_id}/deliveries?status=dead"),
            admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(only_dead["items"].as_array().map(Vec::len), Some(1));
    let attempts_when_dead = rx.count("/slow");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        rx.count("/slow"),
        attempts_when_dead,
        "a dead letter is not retried"
    );

    // The receiver recovers; an admin redelivers the dead letter.
    rx.slow_recovered.store(true, Ordering::SeqCst);
    let dead_id = dead["id"].as_i64().expect("id");
    let (status, _) = s
        .post(
            &format!("/api/v1/admin/webhooks/{slow_id}/deliveries/{dead_id}/redeliver"),
            admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    deliveries_until(&s, admin, slow_id, 10, "the redelivery", |d| {
        d.first().is_some_and(|d| d["status"] == "delivered")
    })
    .await;

    // The conversation filter: a message elsewhere reaches the unfiltered webhook only.
    let (status, _) = s.send(2, other, "hook-2", "elsewhere").await;
    assert_eq!(status, StatusCode::CREATED);
    until("the flaky receiver's second message", 10, || {
        rx.count("/flaky") == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.count("/ok"), 1, "not subscribed to that conversation");

    // Disabled: nothing more is delivered to it.
    let ok_id = ok_hook["id"].as_i64().expect("id");
    let (status, _) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/webhooks/{ok_id}"),
            admin,
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.send(1, watched, "hook-3", "after disabling").await;
    assert_eq!(status, StatusCode::CREATED);
    until("the flaky receiver's third message", 10, || {
        rx.count("/flaky") == 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.count("/ok"), 1, "a disabled webhook gets nothing");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_is_for_admins_and_refuses_private_urls_and_bad_input() {
    let mut s = common::spawn(1).await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "boss", "admin").await);
    let admin = 1;
    let ok = json!({"url": "http://127.0.0.1:9/hook", "events": ["message"]});
    // A non-admin learns nothing, whatever the body.
    for body in [ok.clone(), json!({"nonsense": true})] {
        let (status, _) = s.post("/api/v1/admin/webhooks", 0, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        s.get("/api/v1/admin/webhooks", 0).await.0,
        StatusCode::FORBIDDEN
    );
    // The platform's own network, without INSTANT_WEBHOOK_ALLOW_PRIVATE.
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.5/x",
        "http://[::1]:9/x",
    ] {
        let (status, err) = s
            .post(
                "/api/v1/admin/webhooks",
                admin,
                json!({"url": url, "events": ["message"]}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {err}");
        assert_eq!(err["error"]["field"], "url", "{url}: {err}");
    }
    for (body, field) in [
        (
            json!({"url": "ftp://example.com/x", "events": ["message"]}),
            "url",
        ),
        (
            json!({"url": "https://u:p@example.com/x", "events": ["message"]}),
            "url",
        ),
        (
            json!({"url": "https://example.com/x", "events": []}),
            "events",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["everything"]}),
            "events",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["message"], "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "https://example.com/x", "events": ["message"], "conversation_ids": []}),
            "conversation_ids",
        ),
    ] {
        let (status, err) = s.post("/api/v1/admin/webhooks", admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    let (status, _) = s
        .call(
            Method::PATCH,
            "/api/v1/admin/webhooks/999",
            admin,
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        s.get("/api/v1/admin/webhooks/999/deliveries", admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mention_webhook_fires_when_a_message_names_a_bot_member() {
    let mut s = common::spawn_with(2, &["--webhook-allow-private"]).await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "ticketbot", "bot").await);
    s.users
        .push(testkit::user_with_token(&s.db.url, "boss", "admin").await);
    let (bot, admin) = (2, 3);
    let rx = Arc::new(Receiver::default());
    let base = start_receiver(rx.clone());
    let with_bot = s.group(0, &[1, bot]).await;
    let (status, hook) = s
        .post(
            "/api/v1/admin/webhooks",
            admin,
            json!({"url": format!("{base}/mention"), "events": ["mention"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{hook}");
    // Not a mention of a bot: a person named, nobody named.
    s.send(0, with_bot, "m-1", "hello @user1").await;
    s.send(0, with_bot, "m-2", "hello all").await;
    let (status, sent) = s.send(1, with_bot, "m-3", "@ticketbot open a ticket").await;
    assert_eq!(status, StatusCode::CREATED);
    until("the mention", 10, || rx.count("/mention") == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.count("/mention"), 1, "only the message naming the bot");
    let got = rx.first("/mention").expect("delivery");
    let envelope: Value = serde_json::from_str(&got.body).expect("json");
    assert_eq!(envelope["data"]["id"], sent["id"]);
    s.cleanup().await;
}
