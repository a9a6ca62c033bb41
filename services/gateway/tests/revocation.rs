//! An admin's disable takes effect on every gateway replica within
//! `INSTANT_REVOCATION_MAX_SECS`: two gateways in front of one auth (real MariaDB, Redis
//! and RabbitMQ), the user's sockets on both are closed with 4003 and their token is
//! refused by both. Also measures the time from the disable's answer to the last socket
//! closing and to the first 401.

use clap::Parser;
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use testkit::TestDb;
use tokio_tungstenite::{connect_async, tungstenite::Message as Ws};

async fn gateway(keys: &testkit::Keys, auth_url: &str, amqp: &str, redis: &str) -> String {
    let gateway = gateway::build(gateway::Settings::parse_from([
        "gateway",
        "--listen",
        "127.0.0.1:0",
        "--jwt-public-key-file",
        &keys.public,
        "--auth-url",
        auth_url,
        "--amqp-prefix",
        amqp,
        "--queue-type",
        "classic",
        "--redis-prefix",
        redis,
        "--revocation-poll-ms",
        "200",
    ]))
    .await
    .expect("gateway");
    let gw = format!("127.0.0.1:{}", gateway.port);
    tokio::spawn(gateway.run_until(std::future::pending()));
    assert!(testkit::wait_ready(&format!("http://{gw}/ready"), 10).await);
    gw
}

async fn call(
    gw: &str,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("http://{gw}/api/v1{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Reads until the server closes; the close code and when.
async fn closed(
    mut socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> (Option<u16>, Instant) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Ws::Close(frame)))) => {
                return (frame.map(|f| u16::from(f.code)), Instant::now());
            }
            Ok(Some(Ok(_))) => {}
            Ok(_) => return (None, Instant::now()),
            Err(_) => panic!("socket still open 10 s after the disable"),
        }
    }
}

/// auth and two gateways in front of it: (database, AMQP prefix, gateway a, gateway b).
async fn two_gateways() -> (TestDb, String, String, String) {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    let amqp = testkit::amqp_prefix();
    let redis = format!("t{}:", testkit::unique());
    let auth = auth::build(auth::Settings::parse_from([
        "auth",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--jwt-private-key-file",
        &keys.private,
        "--jwt-public-key-file",
        &keys.public,
        "--redis-prefix",
        &redis,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
        "--rate-limit-auth-per-minute",
        "100000",
    ]))
    .await
    .expect("auth");
    let auth_url = format!("http://127.0.0.1:{}", auth.port);
    tokio::spawn(auth.run_until(std::future::pending()));
    let a = gateway(keys, &auth_url, &amqp, &redis).await;
    let b = gateway(keys, &auth_url, &amqp, &redis).await;
    (db, amqp, a, b)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disable_closes_the_sockets_and_ends_the_token_on_every_gateway() {
    let (db, amqp, a, b) = two_gateways().await;
    let (_, admin) = testkit::user_with_token(&db.url, "boss", "admin").await;
    let (mut to_401, mut to_close) = (Vec::new(), Vec::new());
    for trial in 0..20 {
        let (first, last) = trial_once(&db, &a, &b, &admin, trial).await;
        to_401.push(first);
        to_close.push(last);
    }
    to_401.sort();
    to_close.sort();
    println!(
        "disable -> first 401: p50 {:?} max {:?}; -> last socket closed: p50 {:?} max {:?} (20 trials, 2 gateways, poll 200 ms)",
        to_401[10], to_401[19], to_close[10], to_close[19]
    );
    assert!(to_close[19] < Duration::from_secs(5), "{to_close:?}");
    db.drop_db().await;
    testkit::drop_amqp(&amqp).await;
}

/// One user with a socket on each gateway, disabled through `a`: (time to the first 401,
/// time to the last socket closed with 4003), from the disable's answer.
async fn trial_once(
    db: &TestDb,
    a: &str,
    b: &str,
    admin: &str,
    trial: usize,
) -> (Duration, Duration) {
    let (id, token) = testkit::user_with_token(&db.url, &format!("leaver{trial}"), "user").await;
    let ws = |gw: &str| format!("ws://{gw}/api/v1/realtime/ws?token={token}");
    let (on_a, _) = connect_async(ws(a)).await.expect("socket on a");
    let (on_b, _) = connect_async(ws(b)).await.expect("socket on b");
    for gw in [a, b] {
        let (status, _) = call(gw, Method::GET, "/users/me", &token, None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let watch_a = tokio::spawn(closed(on_a));
    let watch_b = tokio::spawn(closed(on_b));

    let (status, body) = call(
        a,
        Method::POST,
        &format!("/admin/users/{id}/disable"),
        admin,
        Some(json!({"reason": "left"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let disabled = Instant::now();
    let mut first_401 = None;
    while first_401.is_none() {
        for gw in [a, b] {
            let (status, _) = call(gw, Method::GET, "/users/me", &token, None).await;
            if status == StatusCode::UNAUTHORIZED && first_401.is_none() {
                first_401 = Some(disabled.elapsed());
            }
        }
        assert!(
            disabled.elapsed() < Duration::from_secs(5),
            "token still accepted after 5 s"
        );
    }
    // Both gateways refuse it now (each has its own copy of the revocations).
    let deadline = Instant::now() + Duration::from_secs(5);
    for gw in [a, b] {
        loop {
            let (status, _) = call(gw, Method::GET, "/users/me", &token, None).await;
            if status == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(Instant::now() < deadline, "{gw} still accepts the token");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (code_a, at_a) = watch_a.await.expect("watch a");
    let (code_b, at_b) = watch_b.await.expect("watch b");
    assert_eq!((code_a, code_b), (Some(4003), Some(4003)));
    let last_close = at_a.max(at_b).duration_since(disabled);
    (first_401.unwrap_or_default(), last_close)
}

#[tokio::test(flavor = "multi_thread")]
async fn ending_one_session_closes_that_devices_socket_only() {
    let (db, amqp, a, b) = two_gateways().await;
    let creds = json!({"username": "traveller", "password": "correct horse"});
    let client = reqwest::Client::new();
    let register = client
        .post(format!("http://{a}/api/v1/auth/register"))
        .json(&creds)
        .send()
        .await
        .expect("register");
    assert!(register.status().is_success());
    // Two devices: two logins, two sessions.
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let pair: Value = client
            .post(format!("http://{a}/api/v1/auth/login"))
            .json(&creds)
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        tokens.push(pair["access_token"].as_str().expect("token").to_owned());
    }
    let ws = |gw: &str, token: &str| format!("ws://{gw}/api/v1/realtime/ws?token={token}");
    let (phone, _) = connect_async(ws(&b, &tokens[0]))
        .await
        .expect("phone socket");
    let (mut laptop, _) = connect_async(ws(&b, &tokens[1]))
        .await
        .expect("laptop socket");
    let (status, sessions) = call(&a, Method::GET, "/users/me/sessions", &tokens[1], None).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let phone_session = sessions["items"]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["current"] == false)
        .expect("the other session")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let watch_phone = tokio::spawn(closed(phone));
    let (status, _) = call(
        &a,
        Method::DELETE,
        &format!("/users/me/sessions/{phone_session}"),
        &tokens[1],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ended = Instant::now();
    let (code, at) = watch_phone.await.expect("watch");
    assert_eq!(
        code,
        Some(4003),
        "the phone's socket on the other gateway closed"
    );
    assert!(at.duration_since(ended) < Duration::from_secs(5));
    // The laptop's socket and token are untouched.
    use futures_util::SinkExt;
    laptop
        .send(Ws::text(json!({"type": "ping"}).to_string()))
        .await
        .expect("send");
    let pong = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match laptop.next().await {
                Some(Ok(Ws::Text(t))) if t.contains("pong") => return true,
                Some(Ok(Ws::Text(_))) => {}
                _ => return false,
            }
        }
    })
    .await;
    assert_eq!(pong, Ok(true), "the laptop's socket stays open");
    assert_eq!(
        call(&b, Method::GET, "/users/me", &tokens[1], None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&b, Method::GET, "/users/me", &tokens[0], None).await.0,
        StatusCode::UNAUTHORIZED
    );
    db.drop_db().await;
    testkit::drop_amqp(&amqp).await;
}
