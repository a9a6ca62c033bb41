//! Broadcasts and events against the real MariaDB and RabbitMQ: chat-api, the
//! persistence-worker and the event-worker. A broadcast costs one row whatever the number
//! of users; a critical event notifies every admin exactly once, even redelivered.

mod common;

use clap::Parser;
use common::{Stack, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn count(s: &Stack, table: &str) -> i64 {
    testkit::count_rows(&s.db.url, table).await
}

/// Polls `path` as `who` until `ok` holds for the JSON body (15 s at most).
async fn until(s: &Stack, who: usize, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, body) = s.get(path, who).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        if ok(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} never satisfied: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broadcast_is_one_row_and_in_every_inbox() {
    // users 0..30; 30 is the admin.
    let mut s = spawn(30).await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "boss", "admin").await);
    let admin = 30;
    let body = json!({"title": "Maintenance", "content": "Tonight at 22:00."});
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/broadcasts",
            Some(0),
            Some(body.clone())
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.as_user(Method::POST, "/api/v1/broadcasts", None, Some(body.clone()))
            .await,
        StatusCode::UNAUTHORIZED
    );
    // Authorization before validation: a user's malformed body is a 403 too, not a 400/422.
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/broadcasts",
            Some(0),
            Some(json!({"title": 5}))
        )
        .await,
        StatusCode::FORBIDDEN
    );
    for (bad, field) in [
        (json!({"title": " ", "content": "x"}), "title"),
        (json!({"title": "x".repeat(201), "content": "x"}), "title"),
        (
            json!({"title": "x", "content": "x".repeat(8001)}),
            "content",
        ),
    ] {
        let (status, err) = s.post("/api/v1/broadcasts", admin, bad.clone()).await;
        assert_eq!(
            (status, err["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{bad}"
        );
    }
    let (status, accepted) = s.post("/api/v1/broadcasts", admin, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let id = accepted["id"].as_str().unwrap_or_default().to_owned();
    until(&s, 0, "/api/v1/broadcasts", |b| {
        b["items"][0]["id"] == id.as_str()
    })
    .await;

    for who in 0..30 {
        let inbox = until(&s, who, "/api/v1/notifications", |b| {
            b["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
        let item = &inbox["items"][0];
        assert_eq!(
            (
                item["kind"].clone(),
                item["id"].clone(),
                item["read"].clone()
            ),
            (json!("broadcast"), json!(id), json!(false))
        );
        assert_eq!(item["payload"]["title"], "Maintenance");
        let (_, unread) = s.get("/api/v1/notifications/unread-count", who).await;
        assert_eq!(unread["count"], 1, "user{who}");
    }
    // O(1): one broadcast row, no per-user notification rows, no cursor rows yet.
    assert_eq!(count(&s, "broadcasts").await, 1);
    assert_eq!(count(&s, "notifications").await, 0);
    assert_eq!(count(&s, "broadcast_read_cursors").await, 0);

    // Reading it moves only that user's cursor.
    assert_eq!(
        s.as_user(
            Method::POST,
            &format!("/api/v1/notifications/{id}/read"),
            Some(0),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, unread) = s.get("/api/v1/notifications/unread-count", 0).await;
    assert_eq!(unread["count"], 0);
    let (_, unread) = s.get("/api/v1/notifications/unread-count", 1).await;
    assert_eq!(unread["count"], 1);
    let (_, only_unread) = s.get("/api/v1/notifications?unread_only=true", 0).await;
    assert_eq!(only_unread["items"], json!([]));
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/notifications/read-all",
            Some(1),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, unread) = s.get("/api/v1/notifications/unread-count", 1).await;
    assert_eq!(unread["count"], 0);
    assert_eq!(count(&s, "broadcast_read_cursors").await, 2);

    // An account made after the broadcast does not inherit it.
    s.users
        .push(testkit::user_with_token(&s.db.url, "newcomer", "user").await);
    let (_, inbox) = s.get("/api/v1/notifications", 31).await;
    assert_eq!(inbox["items"], json!([]), "{inbox}");
    let (_, list) = s.get("/api/v1/broadcasts?limit=1", 31).await;
    assert_eq!(
        list["items"][0]["id"],
        id.as_str(),
        "the list itself is for everyone"
    );
    s.cleanup().await;
}

async fn event_worker(s: &Stack) {
    let worker = event_worker::build(event_worker::Settings::parse_from([
        "event-worker",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &s.db.url,
        "--amqp-prefix",
        &s.amqp_prefix,
        "--queue-type",
        "classic",
    ]))
    .await
    .expect("event-worker");
    tokio::spawn(worker.run_until(std::future::pending()));
}

#[tokio::test(flavor = "multi_thread")]
async fn events_are_validated_stored_filtered_and_critical_ones_reach_admins_once() {
    let mut s = spawn(2).await;
    for name in ["admin_a", "admin_b"] {
        s.users
            .push(testkit::user_with_token(&s.db.url, name, "admin").await);
    }
    event_worker(&s).await;
    let report = |t: &str, sev: &str| json!({"type": t, "severity": sev, "payload": {"camera": 7}});
    for (bad, field, status) in [
        (report("Bad Type", "info"), "type", 422),
        (report(&"a".repeat(101), "info"), "type", 422),
        (report("a..b", "info"), "type", 422),
        (report("disk.full", "urgent"), "severity", 422),
        (
            json!({"type": "x", "severity": "info", "payload": [1]}),
            "payload",
            422,
        ),
        (
            json!({"type": "x", "severity": "info", "payload": {"blob": "x".repeat(17 * 1024)}}),
            "payload",
            413,
        ),
    ] {
        let (got, err) = s.post("/api/v1/events", 0, bad.clone()).await;
        assert_eq!(
            (got.as_u16(), err["error"]["field"].clone()),
            (status, json!(field)),
            "{err}"
        );
    }
    let (status, info) = s
        .post("/api/v1/events", 0, report("camera.offline", "info"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{info}");
    let (status, critical) = s
        .post("/api/v1/events", 1, report("disk.full", "critical"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{critical}");

    // Stored once each; a user sees their own, an admin all, filters apply.
    let mine = until(&s, 0, "/api/v1/events", |b| {
        b["items"].as_array().is_some_and(|i| i.len() == 1)
    })
    .await;
    assert_eq!(mine["items"][0]["id"], info["id"]);
    let all = until(&s, 2, "/api/v1/events", |b| {
        b["items"].as_array().is_some_and(|i| i.len() == 2)
    })
    .await;
    assert_eq!(all["items"][0]["id"], critical["id"], "newest first");
    let (_, filtered) = s
        .get("/api/v1/events?severity=critical&type=disk.full", 2)
        .await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
    let (_, none) = s.get("/api/v1/events?since=2999-01-01T00:00:00Z", 2).await;
    assert_eq!(none["items"], json!([]));
    let (status, _) = s
        .get(&format!("/api/v1/events?reporter={}", s.id(1)), 0)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "others' events are for admins"
    );
    let (status, body) = s.get("/api/v1/events?since=yesterday", 2).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The critical one notified both admins, nobody else; the info one nobody.
    for admin in [2, 3] {
        let inbox = until(&s, admin, "/api/v1/notifications", |b| {
            b["items"].as_array().is_some_and(|i| !i.is_empty())
        })
        .await;
        let items = inbox["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "{inbox}");
        assert_eq!(items[0]["kind"], "event.critical");
        assert_eq!(items[0]["payload"]["event_id"], critical["id"]);
    }
    for user in [0, 1] {
        let (_, inbox) = s.get("/api/v1/notifications", user).await;
        assert_eq!(inbox["items"], json!([]));
    }

    // The same envelope delivered again (a redelivery after a crash) changes nothing.
    let (_, stored) = s.get("/api/v1/events?type=disk.full", 2).await;
    let event: common_proto::rest::Event =
        serde_json::from_value(stored["items"][0].clone()).expect("event");
    let bus = bus::Bus::new(
        &bus::BusSettings {
            prefix: s.amqp_prefix.clone(),
            queue_type: bus::QueueType::Classic,
            ..Default::default()
        },
        "test",
    );
    let envelope = common_proto::bus::Envelope::new(
        event.id.clone(),
        common_proto::bus::kind::EVENT_REPORTED,
        "main",
        &event,
    );
    let out = bus::Outgoing::envelope(common_proto::bus::routing::SYSTEM_EVENT, &envelope, None)
        .expect("out");
    bus.publish(&out).await.expect("republish");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(count(&s, "events").await, 2, "stored once");
    assert_eq!(count(&s, "notifications").await, 2, "one per admin, still");
    bus.close().await;
    s.cleanup().await;
}

/// `GET /admin/stats` counts what exists (users, conversations, today's messages, the
/// queues) for admins only, and serves one computation for 30 s.
#[tokio::test(flavor = "multi_thread")]
async fn admin_statistics_count_what_exists_for_admins_only() {
    let mut s = spawn(3).await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "boss", "admin").await);
    let admin = 3;
    let g = s.group(0, &[1, 2]).await;
    for n in 0..4 {
        let (status, body) = s.send(n % 3, g, &format!("st{n}"), "counted").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    s.history_when(0, g, 4).await;
    assert_eq!(
        s.as_user(Method::GET, "/api/v1/admin/stats", Some(0), None)
            .await,
        StatusCode::FORBIDDEN
    );
    let (status, stats) = s.get("/api/v1/admin/stats", admin).await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["users"]["total"], 4, "{stats}");
    assert_eq!(stats["conversations"]["group"], 1, "{stats}");
    let days = stats["messages_per_day"].as_array().expect("days");
    assert_eq!(days.len(), 30);
    assert!(days[29]["messages"].as_i64().unwrap_or(0) >= 4, "{stats}");
    let queues = stats["queues"].as_array().expect("queues");
    assert!(
        queues.iter().any(|q| q["name"]
            .as_str()
            .unwrap_or("")
            .ends_with("persistence_queue")),
        "{stats}"
    );
    // Served from the last computation: a new message does not show for 30 s.
    s.send(0, g, "st-late", "later").await;
    s.history_when(0, g, 5).await;
    let (_, again) = s.get("/api/v1/admin/stats", admin).await;
    assert_eq!(again["computed_at"], stats["computed_at"]);
}
