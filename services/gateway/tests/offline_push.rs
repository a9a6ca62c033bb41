//! Offline push end to end against a real local HTTP receiver standing in for the push
//! provider: a member with no live socket gets a signed, FCM/APNs-shaped push (title, body
//! preview, badge = unread), a member online gets none, a silenced conversation pushes only
//! mentions, do-not-disturb hours push nothing, a burst is coalesced to one push per
//! conversation per window, and a token the provider calls gone (410) is forgotten.

mod common;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{Duration as Span, Timelike, Utc};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

const SECRET: &str = "push gateway secret for tests";

/// Every push the receiver got: (payload, signature valid).
#[derive(Default)]
struct Provider {
    got: Mutex<Vec<(Value, bool)>>,
}

impl Provider {
    fn for_token(&self, token: &str) -> Vec<Value> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p["token"] == token)
            .map(|(p, _)| p.clone())
            .collect()
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, rx: web::Data<Provider>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let timestamp: i64 = header("x-instant-timestamp").parse().unwrap_or(0);
    let valid = header("x-instant-signature") == kit::signing::signature(SECRET, timestamp, &body);
    let payload: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let gone = payload["token"]
        .as_str()
        .is_some_and(|t| t.starts_with("gone-"));
    rx.got.lock().expect("lock").push((payload, valid));
    if gone {
        HttpResponse::Gone().finish()
    } else {
        HttpResponse::Ok().finish()
    }
}

fn start_provider(rx: Arc<Provider>) -> String {
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
    format!("http://127.0.0.1:{port}/push")
}

async fn until<F: Fn() -> bool>(what: &str, secs: u64, f: F) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn register(s: &Stack, who: usize, token: &str) {
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/users/me/devices/{token}"),
            who,
            json!({"platform": "fcm"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token"], token);
}

async fn say(s: &Stack, conversation: i64, text: &str) -> Value {
    let (status, sent) = s
        .rest(
            Method::POST,
            "/api/v1/messages",
            0,
            json!({"conversation_id": conversation, "client_msg_id": ulid::Ulid::generate().to_string(), "type": "text", "content": text}),
        )
        .await;
    assert!(status.is_success(), "{status} {sent}");
    sent
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_members_get_one_signed_push_per_window_within_their_rules() {
    let rx = Arc::new(Provider::default());
    let url = start_provider(rx.clone());
    // ws0 sends; ws1 is offline; ws2 is online; ws3 is offline and silenced the group;
    // ws4 is offline in do-not-disturb hours.
    let s = spawn_full(
        5,
        1,
        &[],
        &[
            "--push-webhook-url",
            &url,
            "--push-webhook-secret",
            SECRET,
            "--push-coalesce-secs",
            "2",
        ],
    )
    .await;
    let ids: Vec<i64> = s.users.iter().map(|u| u.0).collect();

    // Device registration: validated, listed, removable.
    let (status, body) = s
        .rest(
            Method::PUT,
            "/api/v1/users/me/devices/tok-x",
            1,
            json!({"platform": "sms"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "platform", "{body}");
    let long = "t".repeat(300);
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/users/me/devices/{long}"),
            1,
            json!({"platform": "fcm"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "token", "{body}");
    for (who, token) in [
        (1, "tok-1"),
        (1, "gone-1"),
        (2, "tok-2"),
        (3, "tok-3"),
        (4, "tok-4"),
        (4, "tok-4b"),
    ] {
        register(&s, who, token).await;
    }
    let (status, _) = s
        .rest(
            Method::DELETE,
            "/api/v1/users/me/devices/tok-4b",
            4,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s
        .rest(
            Method::DELETE,
            "/api/v1/users/me/devices/tok-1",
            4,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not ws4's device");

    // Do-not-disturb around now for ws4 (validated first).
    let (status, body) = s
        .rest(
            Method::PUT,
            "/api/v1/users/me/push-settings",
            4,
            json!({"do_not_disturb": {"start": "25:00", "end": "07:00"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "start", "{body}");
    let hm = |t: chrono::DateTime<Utc>| format!("{:02}:{:02}", t.hour(), t.minute());
    let now = Utc::now();
    let dnd = json!({"do_not_disturb": {"start": hm(now - Span::hours(1)), "end": hm(now + Span::hours(1)), "utc_offset_minutes": 0}});
    let (status, body) = s
        .rest(
            Method::PUT,
            "/api/v1/users/me/push-settings",
            4,
            dnd.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, dnd);

    let (status, conv) = s
        .rest(
            Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "group", "name": "ops", "member_ids": [ids[1], ids[2], ids[3], ids[4]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conv}");
    let conversation = conv["id"].as_i64().expect("id");
    let (status, muted) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/conversations/{conversation}/notifications"),
            3,
            json!({"muted": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{muted}");
    let (_, seen) = s
        .rest(
            Method::GET,
            &format!("/api/v1/conversations/{conversation}"),
            3,
            Value::Null,
        )
        .await;
    assert!(seen["notifications_muted_until"].is_string(), "{seen}");
    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/conversations/{conversation}/notifications"),
            3,
            json!({"muted": true, "for_seconds": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let mut online = s.socket(2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = say(&s, conversation, "deploy at noon @ws3").await;
    // ws2 had a live socket when it was routed: the frame came, so no push.
    expect_message(&mut online, &first["id"]).await;
    until("ws1's push", 10, || !rx.for_token("tok-1").is_empty()).await;
    until("ws3's mention push", 10, || {
        !rx.for_token("tok-3").is_empty()
    })
    .await;
    until("the push to the gone token", 10, || {
        !rx.for_token("gone-1").is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(700)).await;

    let pushed = rx.for_token("tok-1");
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    let p = &pushed[0];
    assert_eq!(p["notification"]["title"], "ops");
    assert_eq!(p["notification"]["body"], "ws0: deploy at noon @ws3");
    assert_eq!(p["notification"]["badge"], 1);
    assert_eq!(p["data"]["kind"], "message");
    assert_eq!(p["data"]["conversation_id"], conversation.to_string());
    assert_eq!(p["data"]["message_id"], first["id"]);
    assert!(
        rx.got.lock().expect("lock").iter().all(|(_, valid)| *valid),
        "every push is signed"
    );
    let muted_pushes = rx.for_token("tok-3");
    assert_eq!(muted_pushes.len(), 1, "{muted_pushes:?}");
    assert_eq!(muted_pushes[0]["data"]["kind"], "mention");
    assert_eq!(muted_pushes[0]["notification"]["body"], "ws0 mentioned you");
    assert!(rx.for_token("tok-2").is_empty(), "online: no push");
    assert!(rx.for_token("tok-4").is_empty(), "do not disturb: no push");
    // The provider said 410: the device is forgotten.
    let (_, devices) = s
        .rest(Method::GET, "/api/v1/users/me/devices", 1, Value::Null)
        .await;
    let tokens: Vec<&str> = devices["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|d| d["token"].as_str())
        .collect();
    assert_eq!(tokens, ["tok-1"]);

    // A burst inside the window: coalesced into the push already sent.
    say(&s, conversation, "second").await;
    say(&s, conversation, "third").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.for_token("tok-1").len(), 1, "coalesced");

    // After the window, with ws3 unmuted: the next message pushes to both, and ws1's
    // badge counts everything unread.
    let (status, body) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/conversations/{conversation}/notifications"),
            3,
            json!({"muted": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["muted_until"], Value::Null);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    say(&s, conversation, "fourth").await;
    until("ws1's second push", 10, || rx.for_token("tok-1").len() == 2).await;
    let second = &rx.for_token("tok-1")[1];
    assert_eq!(second["notification"]["body"], "ws0: fourth");
    assert_eq!(second["notification"]["badge"], 4);
    until("ws3's message push", 10, || {
        rx.for_token("tok-3")
            .iter()
            .any(|p| p["data"]["kind"] == "message")
    })
    .await;
    assert!(rx.for_token("tok-4").is_empty(), "still do not disturb");
    assert!(rx.for_token("tok-2").is_empty(), "still online");
    s.db.drop_db().await;
}
