//! Running the organisation, against the real MariaDB and Redis: disable / enable /
//! sign out / role with their effect on live tokens within the revocation poll, the last
//! admin, authorization before validation, sign out everywhere, and the audit log's hash
//! chain catching an edited row.

use clap::Parser;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use testkit::{TestDb, error_code};

struct App {
    base: String,
    client: Client,
    db: TestDb,
    settings: auth::Settings,
}

async fn spawn() -> App {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    let prefix = format!("t{}:", testkit::unique());
    let settings = auth::Settings::parse_from([
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
        &prefix,
        "--revocation-poll-ms",
        "100",
        "--amqp-prefix",
        &testkit::amqp_prefix(),
        "--queue-type",
        "classic",
        "--audit-relay-ms",
        "100",
        // Many logins from one address: auth's own per-IP throttle is tested in api.rs.
        "--rate-limit-auth-per-minute",
        "100000",
    ]);
    let service = auth::build(settings.clone()).await.expect("build auth");
    let base = format!("http://127.0.0.1:{}", service.port);
    tokio::spawn(service.run_until(std::future::pending()));
    App {
        base,
        client: Client::new(),
        db,
        settings,
    }
}

impl App {
    async fn cleanup(&self) {
        self.db.drop_db().await;
        testkit::drop_amqp(&self.settings.bus.prefix).await;
    }
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Registers and logs in `name`; (user id, access token, refresh token).
    async fn user(&self, name: &str) -> (i64, String, String) {
        let creds = json!({"username": name, "password": "correct horse"});
        let (_, reg) = self
            .call(
                Method::POST,
                "/api/v1/auth/register",
                None,
                Some(creds.clone()),
            )
            .await;
        let (status, t) = self.login(name).await;
        assert_eq!(status, StatusCode::OK, "{t}");
        (
            reg["id"].as_i64().expect("id"),
            t["access_token"].as_str().expect("access").to_owned(),
            t["refresh_token"].as_str().expect("refresh").to_owned(),
        )
    }

    async fn login(&self, name: &str) -> (StatusCode, Value) {
        let creds = json!({"username": name, "password": "correct horse"});
        self.call(Method::POST, "/api/v1/auth/login", None, Some(creds))
            .await
    }

    async fn admin(&self, name: &str) -> (i64, String) {
        auth::admin::create_admin(&self.settings, name, "correct horse".into())
            .await
            .expect("create admin");
        let (status, t) = self.login(name).await;
        assert_eq!(status, StatusCode::OK, "{t}");
        let token = t["access_token"].as_str().expect("access").to_owned();
        let (_, me) = self
            .call(Method::GET, "/api/v1/users/me", Some(&token), None)
            .await;
        (me["id"].as_i64().expect("id"), token)
    }

    /// Waits until `token` is refused (401); how long it took.
    async fn refused_within(&self, token: &str, secs: u64) -> Duration {
        let started = Instant::now();
        loop {
            let (status, _) = self
                .call(Method::GET, "/api/v1/users/me", Some(token), None)
                .await;
            if status == StatusCode::UNAUTHORIZED {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "token still accepted after {secs} s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_user_is_out_at_once_cannot_log_in_or_refresh_until_enabled() {
    let app = spawn().await;
    let (_, root) = app.admin("root").await;
    let (id, token, refresh) = app.user("leaver").await;
    let (status, _) = app
        .call(Method::GET, "/api/v1/users/me", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let path = format!("/api/v1/admin/users/{id}/disable");
    let (status, body) = app
        .call(
            Method::POST,
            &path,
            Some(&root),
            Some(json!({"reason": "left the company"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["disabled_at"].is_string(), "{body}");
    assert_eq!(body["disabled_reason"], "left the company");
    let took = app.refused_within(&token, 5).await;
    assert!(took < Duration::from_secs(2), "{took:?}");

    let (status, body) = app.login("leaver").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "account_disabled");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert!(
        status.is_client_error(),
        "refresh of a disabled user: {status}"
    );

    // Pages by id: two users (root, leaver) come one at a time.
    let (status, first) = app
        .call(
            Method::GET,
            "/api/v1/admin/users?limit=1",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, second) = app
        .call(
            Method::GET,
            &format!("/api/v1/admin/users?limit=1&cursor={cursor}&q=lea"),
            Some(&root),
            None,
        )
        .await;
    assert_eq!(second["items"][0]["username"], "leaver", "{second}");
    let (status, page) = app
        .call(
            Method::GET,
            "/api/v1/admin/users?status=disabled",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let ids: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["id"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(ids, vec![id]);

    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{id}/enable"),
            Some(&root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, fresh) = app.login("leaver").await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let fresh = fresh["access_token"].as_str().expect("access");
    let (status, _) = app
        .call(Method::GET, "/api/v1/users/me", Some(fresh), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a token issued after the revocation works"
    );

    let (status, audit) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?action=user.disabled",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{audit}");
    assert_eq!(audit["items"][0]["target_id"], id.to_string());
    assert_eq!(audit["items"][0]["detail"]["reason"], "left the company");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_endpoints_refuse_non_admins_before_reading_the_body() {
    let app = spawn().await;
    let (_, root) = app.admin("root").await;
    let (id, user, _) = app.user("mallory").await;
    for (method, path, body) in [
        (
            Method::GET,
            "/api/v1/admin/users?limit=oops".to_owned(),
            None,
        ),
        (
            Method::GET,
            "/api/v1/admin/audit?since=nope".to_owned(),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{id}/disable"),
            Some(json!({"bad": 1})),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{id}/enable"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/admin/users/{id}/logout"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{id}/role"),
            Some(json!({"role": 7})),
        ),
    ] {
        let (status, answer) = app
            .call(method.clone(), &path, Some(&user), body.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        // The admin gets the validation answer for the same bad input.
        if body_is_bad(&path) {
            let (status, _) = app.call(method.clone(), &path, Some(&root), body).await;
            assert!(
                status.is_client_error() && status != StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
    app.cleanup().await;
}

fn body_is_bad(path: &str) -> bool {
    path.contains("oops")
        || path.contains("nope")
        || path.ends_with("disable")
        || path.ends_with("role")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_admin_stays_and_a_role_change_ends_the_old_tokens() {
    let app = spawn().await;
    let (root_id, root) = app.admin("root").await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/users/{root_id}/role"),
            Some(&root),
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{root_id}/disable"),
            Some(&root),
            Some(json!({"reason": "oops"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (id, token, _) = app.user("helper").await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/users/{id}/role"),
            Some(&root),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], "admin");
    // The old token said "user": it ends; a new login carries "admin".
    app.refused_within(&token, 5).await;
    let (_, t) = app.login("helper").await;
    let helper = t["access_token"].as_str().expect("access").to_owned();
    let (status, _) = app
        .call(Method::GET, "/api/v1/admin/users", Some(&helper), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Now root is not the last admin and may step down.
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/users/{root_id}/role"),
            Some(&root),
            Some(json!({"role": "user"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_everywhere_ends_every_session_of_the_caller_only() {
    let app = spawn().await;
    let (_, laptop, laptop_refresh) = app.user("traveller").await;
    let (_, t) = app.login("traveller").await;
    let phone = t["access_token"].as_str().expect("access").to_owned();
    let (_, other, _) = app.user("bystander").await;
    let (status, _) = app
        .call(Method::POST, "/api/v1/auth/logout-all", Some(&laptop), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.refused_within(&laptop, 5).await;
    app.refused_within(&phone, 5).await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": laptop_refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(Method::GET, "/api/v1/users/me", Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::OK, "another user is untouched");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_verify_accepts_the_chain_and_names_an_edited_row() {
    let app = spawn().await;
    let (_, root) = app.admin("root").await;
    let (id, _, _) = app.user("subject").await;
    for action in ["logout", "logout", "logout"] {
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/admin/users/{id}/{action}"),
                Some(&root),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_auth"))
            .arg("audit-verify")
            .env("INSTANT_DATABASE_URL", &app.db.url)
            .env("INSTANT_LOG", "error")
            .output()
            .expect("run auth audit-verify")
    };
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact: 4 rows"));
    // Someone with database access quietly rewrites what row 3 says.
    testkit::exec_sql(
        &app.db.url,
        "UPDATE audit_log SET detail = '{\"sessions_ended\":5}' WHERE id = 3",
    )
    .await;
    let caught = verify();
    assert!(!caught.status.success());
    let err = String::from_utf8_lossy(&caught.stderr);
    assert!(err.contains("broken at row 3"), "{err}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_list_each_device_and_ending_one_leaves_the_others() {
    let app = spawn().await;
    let (_, laptop, _) = app.user("owner").await;
    // A second login from a phone.
    let res = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"username": "owner", "password": "correct horse"}))
        .send()
        .await
        .expect("login");
    let phone: Value = res.json().await.expect("json");
    let phone_token = phone["access_token"].as_str().expect("access").to_owned();
    let phone_refresh = phone["refresh_token"].as_str().expect("refresh").to_owned();

    let (status, list) = app
        .call(
            Method::GET,
            "/api/v1/users/me/sessions",
            Some(&laptop),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2, "{list}");
    let current: Vec<&Value> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(
        current.len(),
        1,
        "exactly the asking session is current: {list}"
    );
    let phone_session = items
        .iter()
        .find(|s| s["ip"] == "203.0.113.7")
        .expect("the phone's session")
        .clone();
    assert_eq!(phone_session["current"], false);
    assert!(
        phone_session["device"]
            .as_str()
            .unwrap_or("")
            .contains("iOS")
            || phone_session["device"]
                .as_str()
                .unwrap_or("")
                .contains("iPhone"),
        "{phone_session}"
    );

    // Someone else cannot end it (404, as if it did not exist).
    let (_, stranger, _) = app.user("stranger").await;
    let path = format!(
        "/api/v1/users/me/sessions/{}",
        phone_session["id"].as_str().expect("id")
    );
    let (status, _) = app.call(Method::DELETE, &path, Some(&stranger), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The owner ends it from the laptop: the phone's tokens stop, the laptop's do not.
    let (status, _) = app.call(Method::DELETE, &path, Some(&laptop), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.refused_within(&phone_token, 5).await;
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": phone_refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, list) = app
        .call(
            Method::GET,
            "/api/v1/users/me/sessions",
            Some(&laptop),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the laptop's session lives on");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn security_events_are_audited_and_every_row_reaches_the_bus_in_chain_order() {
    let app = spawn().await;
    let (_, root) = app.admin("root").await;
    let (victim, _, refresh) = app.user("victim").await;
    // A burst of wrong passwords: recorded once, at the fifth.
    for _ in 0..7 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "victim", "password": "wrong guess"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // A refresh token used twice: the second is a theft signal — recorded, and the
    // session's access tokens end at once (not at expiry).
    let (status, pair) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let rotated_access = pair["access_token"].as_str().expect("access").to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.refused_within(&rotated_access, 5).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/users/{victim}/disable"),
            Some(&root),
            Some(json!({"reason": "compromised"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, page) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=100",
            Some(&root),
            None,
        )
        .await;
    let actions: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "user.disabled",
            "auth.refresh_reuse",
            "auth.login_failures",
            "audit.started"
        ],
        "newest first"
    );
    let burst = &page["items"][2];
    assert_eq!(burst["target_id"], victim.to_string());
    assert_eq!(burst["detail"]["failures"], 5);

    // The relay put every row on the bus, oldest first, each linked to the one before.
    let envelopes = testkit::drain_queue(
        &app.settings.bus.prefix,
        common_proto::bus::AUDIT_QUEUE,
        4,
        10,
    )
    .await;
    let ids: Vec<&str> = envelopes
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["audit-1", "audit-2", "audit-3", "audit-4"]);
    for pair in envelopes.windows(2) {
        assert_eq!(pair[0]["kind"], "system.audit_recorded");
        assert_eq!(pair[1]["data"]["prev_hash"], pair[0]["data"]["hash"]);
    }
    assert_eq!(envelopes[3]["data"]["action"], "user.disabled");
    assert_eq!(
        testkit::count_rows(&app.db.url, "audit_published WHERE last_id = 4").await,
        1,
        "the mark advanced past what was confirmed"
    );
    // Nothing more is published: each row once.
    assert!(
        testkit::drain_queue(
            &app.settings.bus.prefix,
            common_proto::bus::AUDIT_QUEUE,
            1,
            1
        )
        .await
        .is_empty()
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_relay_keeps_its_mark_while_the_broker_is_unreachable_then_catches_up() {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let prefix = testkit::amqp_prefix();
    let publisher_to = |url: &str| {
        let s = auth::Settings::parse_from([
            "auth",
            "--database-url",
            &db.url,
            "--amqp-url",
            url,
            "--amqp-prefix",
            &prefix,
            "--queue-type",
            "classic",
            "--publish-timeout-ms",
            "300",
        ]);
        let bus = bus::Bus::new(&s.bus, "relay-test");
        (bus::Publisher::new(bus.clone(), "local"), bus)
    };
    let pool = db::pool::pool(&db::DbSettings {
        url: db.url.clone(),
        pool_size: 2,
    })
    .expect("pool");
    // Nothing listens on port 1: every publish fails.
    let (down, _) = publisher_to("amqp://guest:guest@127.0.0.1:1/%2f");
    assert!(auth::audit_relay::relay_once(&pool, &down).await.is_err());
    assert_eq!(
        testkit::count_rows(&db.url, "audit_published WHERE last_id = 0").await,
        1,
        "nothing marked as published"
    );
    let url = std::env::var("INSTANT_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let (up, _) = publisher_to(&url);
    assert_eq!(
        auth::audit_relay::relay_once(&pool, &up)
            .await
            .expect("relay"),
        1
    );
    let got = testkit::drain_queue(&prefix, common_proto::bus::AUDIT_QUEUE, 1, 5).await;
    assert_eq!(got[0]["data"]["action"], "audit.started");
    assert_eq!(
        auth::audit_relay::relay_once(&pool, &up)
            .await
            .expect("relay"),
        0
    );
    db.drop_db().await;
    testkit::drop_amqp(&prefix).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_token_is_shown_once_works_once_and_ends_every_session() {
    let app = spawn().await;
    let (_, root) = app.admin("root").await;
    let (id, access, _) = app.user("forgetful").await;
    let (_, other) = app.admin("other").await;
    let issue = |token: String| {
        let path = format!("/api/v1/admin/users/{id}/reset-password");
        let app = &app;
        async move { app.call(Method::POST, &path, Some(&token), None).await }
    };
    // Admins only, before anything else; unknown users 404.
    assert_eq!(issue(access.clone()).await.0, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/admin/users/999999/reset-password",
            Some(&root),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, first) = issue(root.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    // A newer token replaces the first.
    let (_, second) = issue(other).await;
    let use_token = |token: &Value, password: &str| {
        let body = json!({"token": token, "password": password});
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/auth/reset-password",
                None,
                Some(body),
            )
            .await
        }
    };
    let (status, body) = use_token(&first["token"], "brand new pass").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "token");
    let (status, body) = use_token(&second["token"], "short").await;
    assert_eq!(body["error"]["field"], "password", "{status}");
    let (status, _) = use_token(&second["token"], "brand new pass").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Once only; the old password is gone, the new one works; the old session ended.
    assert_eq!(
        use_token(&second["token"], "another new pass").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.refused_within(&access, 5).await;
    assert_eq!(app.login("forgetful").await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "forgetful", "password": "brand new pass"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Audited, without the token.
    let (_, page) = app
        .call(
            Method::GET,
            "/api/v1/admin/audit?limit=10",
            Some(&root),
            None,
        )
        .await;
    let text = page.to_string();
    assert!(
        text.contains("user.password_reset_issued") && text.contains("\"user.password_reset\"")
    );
    for t in [&first["token"], &second["token"]] {
        assert!(!text.contains(t.as_str().expect("token")));
    }
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_has_a_revocable_token_no_password_and_is_marked_as_a_bot() {
    let app = spawn().await;
    let (_, admin) = app.admin("boss").await;
    let (_, person, _) = app.user("person").await;
    let create = json!({"username": "ticketbot", "display_name": "Ticket bot"});
    // Admins only, before the body is looked at.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/admin/bots",
            Some(&person),
            Some(create.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, made) = app
        .call(
            Method::POST,
            "/api/v1/admin/bots",
            Some(&admin),
            Some(create.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let bot_id = made["bot"]["id"].as_i64().expect("id");
    assert_eq!(made["bot"]["role"], "bot");
    let token = made["token"].as_str().expect("token shown once").to_owned();
    let (status, again) = app
        .call(
            Method::POST,
            "/api/v1/admin/bots",
            Some(&admin),
            Some(create),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    // The token buys an ordinary access token; the bot is marked in every user view.
    let exchange = |t: &str| json!({"token": t});
    let (status, access) = app
        .call(
            Method::POST,
            "/api/v1/auth/bot-token",
            None,
            Some(exchange(&token)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{access}");
    let bot_access = access["access_token"].as_str().expect("access").to_owned();
    let (status, me) = app
        .call(Method::GET, "/api/v1/users/me", Some(&bot_access), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "bot");
    let (_, seen) = app
        .call(
            Method::GET,
            &format!("/api/v1/users/{bot_id}"),
            Some(&person),
            None,
        )
        .await;
    assert_eq!(seen["role"], "bot");
    let (_, listed) = app
        .call(
            Method::GET,
            "/api/v1/admin/users?q=ticketbot",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(listed["items"][0]["role"], "bot", "{listed}");

    // No password logs a bot in, and its role cannot change.
    for password in ["correct horse", "!bot", ""] {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "ticketbot", "password": password})),
            )
            .await;
        assert_ne!(status, StatusCode::OK, "{password:?}");
    }
    let (status, err) = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/users/{bot_id}/role"),
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    // Rotation: the old token and the access tokens made from it stop at once.
    let (status, rotated) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/bots/{bot_id}/token"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    let new_token = rotated["token"].as_str().expect("token").to_owned();
    assert_ne!(new_token, token);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/bot-token",
            None,
            Some(exchange(&token)),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old token is dead");
    app.refused_within(&bot_access, 5).await;
    // Access tokens are issued in the same millisecond as the revocation at the finest:
    // let the next one be later than it.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (status, fresh) = app
        .call(
            Method::POST,
            "/api/v1/auth/bot-token",
            None,
            Some(exchange(&new_token)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let fresh = fresh["access_token"].as_str().expect("access").to_owned();
    let (status, _) = app
        .call(Method::GET, "/api/v1/users/me", Some(&fresh), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    // Revocation: no token at all; a person's id is not a bot's.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/bots/{bot_id}/token"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/bot-token",
            None,
            Some(exchange(&new_token)),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.refused_within(&fresh, 5).await;
    let (_, me) = app
        .call(Method::GET, "/api/v1/users/me", Some(&person), None)
        .await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/admin/bots/{}/token", me["id"]),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.cleanup().await;
}
