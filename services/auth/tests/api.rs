//! auth against the real MariaDB: one fresh database per test.

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use testkit::{TestDb, error_code};

struct App {
    base: String,
    client: Client,
    db: TestDb,
    amqp: String,
}

fn settings(db: &TestDb) -> auth::Settings {
    // Many logins from one address per test: the per-IP throttle is tested on its own.
    settings_with(db, &["--rate-limit-auth-per-minute", "100000"])
}

fn settings_with(db: &TestDb, extra: &[&str]) -> auth::Settings {
    let keys = testkit::keys();
    let redis_prefix = format!("t{}:", testkit::unique());
    let amqp = testkit::amqp_prefix();
    let mut args = vec![
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
        &redis_prefix,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
    ];
    args.extend_from_slice(extra);
    auth::Settings::parse_from(args)
}

async fn spawn() -> App {
    spawn_with(&["--rate-limit-auth-per-minute", "100000"]).await
}

async fn spawn_with(extra: &[&str]) -> App {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let settings = settings_with(&db, extra);
    let amqp = settings.bus.prefix.clone();
    let service = auth::build(settings).await.expect("build auth");
    let base = format!("http://127.0.0.1:{}", service.port);
    tokio::spawn(service.run_until(std::future::pending()));
    App {
        base,
        client: Client::new(),
        db,
        amqp,
    }
}

impl App {
    async fn cleanup(&self) {
        self.db.drop_db().await;
        testkit::drop_amqp(&self.amqp).await;
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn register(&self, username: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/auth/register",
                json!({"username": username, "password": "correct horse"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    async fn login(&self, username: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": "correct horse"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn register_and_duplicate_username() {
    let app = spawn().await;
    let user = app.register("alice").await;
    assert_eq!(user["username"], "alice");
    assert_eq!(user["display_name"], "alice");
    assert_eq!(user["role"], "user");
    assert!(user.get("password_hash").is_none() && !user.to_string().contains("argon2"));
    for name in ["alice", "ALICE"] {
        let (status, body) = app
            .post(
                "/api/v1/auth/register",
                json!({"username": name, "password": "another one"}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");
        assert_eq!(error_code(&body), "username_taken");
    }
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn validation_errors_name_the_field() {
    let app = spawn().await;
    let cases = [
        (json!({"username": "bob", "password": "short"}), "password"),
        (
            json!({"username": "bob", "password": "x".repeat(129)}),
            "password",
        ),
        (
            json!({"username": "b", "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "x".repeat(33), "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "long enough"}),
            "username",
        ),
        (json!({"password": "long enough"}), "username"),
        (json!({"username": "bob"}), "password"),
        (
            json!({"username": "bob", "password": "long enough", "display_name": ""}),
            "display_name",
        ),
        // A right-to-left override would show "Admin\u{202E}nimdA" as someone else.
        (
            json!({"username": "bob", "password": "long enough", "display_name": "Ann\u{202E}nnA"}),
            "display_name",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = app.post("/api/v1/auth/register", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_code(&err), "validation_failed");
        assert_eq!(err["error"]["field"], field, "{body} -> {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap_or("")
                .starts_with(field)
        );
    }
    // Malformed JSON is a 400 with the same error shape.
    let res = app
        .client
        .post(format!("{}/api/v1/auth/register", app.base))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.expect("json");
    assert_eq!(error_code(&body), "bad_request");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn().await;
    app.register("carol").await;
    let (s1, wrong) = app
        .post(
            "/api/v1/auth/login",
            json!({"username": "carol", "password": "not the one"}),
        )
        .await;
    let (s2, unknown) = app
        .post(
            "/api/v1/auth/login",
            json!({"username": "nobody", "password": "not the one"}),
        )
        .await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong, unknown, "same body for both");
    let tokens = app.login("carol").await;
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 900);
    let (status, me) = app
        .get(
            "/api/v1/users/me",
            tokens["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "carol");
    app.cleanup().await;
}

fn b64(v: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_tokens_are_rejected() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let app = spawn().await;
    let user = app.register("dave").await;
    let good = app.login("dave").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let now = chrono::Utc::now().timestamp();
    let claims = |exp: i64| json!({"iss": "instant-auth", "aud": "instant", "sub": user["id"].to_string(), "role": "admin", "iat": now - 100, "exp": exp, "jti": "x"});
    let key = EncodingKey::from_ed_pem(&std::fs::read(&testkit::keys().private).expect("key"))
        .expect("pem");
    let expired = encode(&Header::new(Algorithm::EdDSA), &claims(now - 60), &key).expect("sign");
    // Same claims signed by a key auth does not know.
    let dir = std::env::temp_dir().join(format!("instant-foreign-{}", testkit::unique()));
    std::fs::create_dir_all(&dir).expect("dir");
    testkit::generate_keypair(&dir.join("k.pem"), &dir.join("p.pem")).expect("keys");
    let foreign_key =
        EncodingKey::from_ed_pem(&std::fs::read(dir.join("k.pem")).expect("key")).expect("pem");
    let foreign = encode(
        &Header::new(Algorithm::EdDSA),
        &claims(now + 600),
        &foreign_key,
    )
    .expect("sign");
    // `alg: none`, unsigned.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims(now + 600))
    );
    // The good token with its payload swapped for one claiming admin.
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims(now + 600)), parts[2]);
    // Wrong audience, correctly signed.
    let mut wrong_aud = claims(now + 600);
    wrong_aud["aud"] = json!("someone-else");
    let wrong_aud = encode(&Header::new(Algorithm::EdDSA), &wrong_aud, &key).expect("sign");
    for (name, token) in [
        ("expired", expired),
        ("foreign", foreign),
        ("none", none),
        ("tampered", tampered),
        ("audience", wrong_aud),
        ("garbage", "abc".into()),
    ] {
        let (status, body) = app.get("/api/v1/users/me", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(error_code(&body), "unauthorized", "{name}");
    }
    let res = app
        .client
        .get(format!("{}/api/v1/users/me", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no token");
    let (status, _) = app.get("/api/v1/users/me", &good).await;
    assert_eq!(status, StatusCode::OK, "the real token still works");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn().await;
    app.register("erin").await;
    let first = app.login("erin").await;
    let r1 = first["refresh_token"].clone();
    let (status, second) = app
        .post("/api/v1/auth/refresh", json!({"refresh_token": r1}))
        .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].clone();
    assert_ne!(r1, r2, "rotated");
    let (status, _) = app
        .get(
            "/api/v1/users/me",
            second["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Replaying the spent token fails and revokes the family: r2 dies too.
    let (status, body) = app
        .post("/api/v1/auth/refresh", json!({"refresh_token": r1}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "invalid_refresh_token");
    let (status, _) = app
        .post("/api/v1/auth/refresh", json!({"refresh_token": r2}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "family revoked");
    // Another login is another family, unaffected.
    let other = app.login("erin").await;
    let (status, _) = app
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": other["refresh_token"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Logout ends a family, and only its owner can: auth checks the access token itself
    // (its own port is not behind the gateway's check).
    let third = app.login("erin").await;
    let logout = |bearer: Option<String>| {
        let mut req = app
            .client
            .post(format!("{}/api/v1/auth/logout", app.base))
            .json(&json!({"refresh_token": third["refresh_token"]}));
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let res = logout(None).await.expect("logout");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "no access token");
    app.register("mallory").await;
    let mallory = app.login("mallory").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = logout(Some(mallory)).await.expect("logout");
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "no oracle");
    let (status, refreshed) = app
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": third["refresh_token"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "another user's logout ends nothing");
    let third = refreshed;
    let own = third["access_token"].as_str().expect("token").to_owned();
    let res = app
        .client
        .post(format!("{}/api/v1/auth/logout", app.base))
        .bearer_auth(own)
        .json(&json!({"refresh_token": third["refresh_token"]}))
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, _) = app
        .post(
            "/api/v1/auth/refresh",
            json!({"refresh_token": third["refresh_token"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .post("/api/v1/auth/refresh", json!({"refresh_token": "made-up"}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_update_get_and_search() {
    let app = spawn().await;
    for name in ["frank", "franziska", "george", "fr_nk"] {
        app.register(name).await;
    }
    let token = app.login("frank").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let res = app
        .client
        .patch(format!("{}/api/v1/users/me", app.base))
        .bearer_auth(&token)
        .json(&json!({"display_name": "  Frank Zappa ", "bio": "composer"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["display_name"], "Frank Zappa");
    assert_eq!(me["bio"], "composer");
    // An avatar is a file the user can read: george's upload and a made-up id get the
    // same "no such file" (no existence oracle); frank's own upload is accepted.
    let file = |owner: &str, id: &str| {
        format!(
            "INSERT INTO files (id, uploader_id, filename, storage_key, size, content_type, sha256, \
             is_avatar, created_at) SELECT '{id}', id, 'a.png', 'k/{id}', 1, 'image/png', \
             REPEAT('0', 64), FALSE, NOW(6) FROM users WHERE username = '{owner}'"
        )
    };
    testkit::exec_sql(&app.db.url, &file("george", "01JGE0RGEAAAAAAAAAAAAAAAAA")).await;
    testkit::exec_sql(&app.db.url, &file("frank", "01JFRANKAAAAAAAAAAAAAAAAAA")).await;
    let mut answers = Vec::new();
    for id in [
        "01JGE0RGEAAAAAAAAAAAAAAAAA",
        "01JN0SUCHAAAAAAAAAAAAAAAAA",
        "01JFRANKAAAAAAAAAAAAAAAAAA",
    ] {
        let res = app
            .client
            .patch(format!("{}/api/v1/users/me", app.base))
            .bearer_auth(&token)
            .json(&json!({"avatar_file_id": id}))
            .send()
            .await
            .expect("patch");
        answers.push((res.status(), res.json::<Value>().await.expect("json")));
    }
    assert_eq!(
        answers[0], answers[1],
        "someone else's file reads as no such file"
    );
    assert_eq!(answers[0].0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answers[0].1["error"]["field"], "avatar_file_id");
    assert_eq!(answers[2].0, StatusCode::OK, "{}", answers[2].1);
    let res = app
        .client
        .patch(format!("{}/api/v1/users/me", app.base))
        .bearer_auth(&token)
        .json(&json!({"bio": "x".repeat(501)}))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .client
        .patch(format!("{}/api/v1/users/me", app.base))
        .bearer_auth(&token)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields (like role) are refused"
    );

    let (status, got) = app
        .get(&format!("/api/v1/users/{}", me["id"]), &token)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["display_name"], "Frank Zappa");
    let (status, _) = app.get("/api/v1/users/999999", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get("/api/v1/users/not-a-number", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, found) = app.get("/api/v1/users/search?q=fran", &token).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(
        names,
        ["frank", "franziska"],
        "prefix match on username or display name"
    );
    let (_, found) = app.get("/api/v1/users/search?q=fr_", &token).await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["username"].as_str())
        .collect();
    assert_eq!(names, ["fr_nk"], "`_` is literal, not a wildcard");
    let (_, found) = app.get("/api/v1/users/search?q=f&limit=1", &token).await;
    assert_eq!(found["items"].as_array().expect("items").len(), 1);
    for bad in [
        "/api/v1/users/search?q=",
        "/api/v1/users/search?q=a&limit=0",
        "/api/v1/users/search?q=a&limit=51",
        "/api/v1/users/search",
    ] {
        let (status, body) = app.get(bad, &token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(error_code(&body), "validation_failed");
    }
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create_admin_creates_and_promotes() {
    let app = spawn().await;
    let s = settings(&app.db);
    auth::admin::create_admin(&s, "root_admin", "admin password".into())
        .await
        .expect("create");
    let (status, tokens) = app
        .post(
            "/api/v1/auth/login",
            json!({"username": "root_admin", "password": "admin password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = app
        .get(
            "/api/v1/users/me",
            tokens["access_token"].as_str().expect("token"),
        )
        .await;
    assert_eq!(me["role"], "admin");
    app.register("henry").await;
    auth::admin::create_admin(&s, "henry", "new admin password".into())
        .await
        .expect("promote");
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            json!({"username": "henry", "password": "new admin password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        auth::admin::create_admin(&s, "x", "admin password".into())
            .await
            .is_err(),
        "username rules apply"
    );
    assert!(
        auth::admin::create_admin(&s, "shorty", "short".into())
            .await
            .is_err(),
        "password rules apply"
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn health_ready_metrics_and_openapi() {
    let app = spawn().await;
    let res = app
        .client
        .get(format!("{}/ready", app.base))
        .send()
        .await
        .expect("ready");
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["checks"]["mysql"], "up");
    app.register("ivan").await;
    let metrics = testkit::metrics(&app.base).await;
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    let spec: Value = app
        .client
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .expect("spec")
        .json()
        .await
        .expect("json");
    assert!(spec["paths"]["/api/v1/auth/login"]["post"].is_object());
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn online_status_and_last_seen_are_readable() {
    let db = TestDb::new().await;
    let s = settings(&db);
    let service = auth::build(s.clone()).await.expect("build auth");
    let base = format!("http://127.0.0.1:{}", service.port);
    tokio::spawn(service.run_until(std::future::pending()));
    let app = App {
        base,
        client: Client::new(),
        db,
        amqp: s.bus.prefix.clone(),
    };
    let user = app.register("olga").await;
    let token = app.login("olga").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let path = format!("/api/v1/users/{}", user["id"]);
    let (_, before) = app.get(&path, &token).await;
    assert_eq!(before["online"], false);
    assert_eq!(before["last_seen_at"], Value::Null);
    // A gateway's lease for this user, in the same Redis namespace.
    let redis = kit::redis::pool(&s.redis).expect("redis");
    let presence =
        kit::presence::Presence::new(redis, &s.redis.prefix, std::time::Duration::from_secs(20));
    let id = user["id"].as_i64().expect("id");
    assert!(
        presence
            .connect(id, "gw-test", "c1")
            .await
            .expect("connect"),
        "first connection"
    );
    let (_, during) = app.get(&path, &token).await;
    assert_eq!(during["online"], true);
    // Between two users of whom one blocked the other, presence is not shown.
    let pavel = app.register("pavel").await;
    let pavel_token = app.login("pavel").await["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_eq!(app.get(&path, &pavel_token).await.1["online"], true);
    testkit::exec_sql(
        &app.db.url,
        &format!(
            "INSERT INTO user_blocks VALUES ({id}, {}, NOW(6))",
            pavel["id"]
        ),
    )
    .await;
    let (status, hidden) = app.get(&path, &pavel_token).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(hidden["online"], Value::Null, "{hidden}");
    assert_eq!(
        app.get(&path, &token).await.1["online"],
        true,
        "to themselves"
    );
    assert!(
        presence
            .disconnect(id, "gw-test", "c1")
            .await
            .expect("disconnect"),
        "last connection"
    );
    let (_, after) = app.get(&path, &token).await;
    assert_eq!(after["online"], false);
    app.cleanup().await;
}

/// auth enforces its own login limits, so its port meets them without the gateway: per
/// client address (logins and registrations), and failed logins per username — unknown
/// names alike, so a 429 does not tell which names exist.
#[tokio::test(flavor = "multi_thread")]
async fn auth_throttles_logins_per_address_and_failures_per_username_itself() {
    let app = spawn_with(&[
        "--rate-limit-auth-per-minute",
        "100000",
        "--login-failures-per-account",
        "3",
    ])
    .await;
    app.register("ivan").await;
    app.register("judy").await;
    for name in ["ivan", "nobody_here"] {
        for _ in 0..3 {
            let (status, _) = app
                .post(
                    "/api/v1/auth/login",
                    json!({"username": name, "password": "wrong password 1"}),
                )
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name}");
        }
        let res = app
            .client
            .post(format!("{}/api/v1/auth/login", app.base))
            .json(&json!({"username": name, "password": "correct horse"}))
            .send()
            .await
            .expect("login");
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{name}");
        let retry: u64 = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("retry-after");
        assert!((1..=900).contains(&retry), "{retry}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(error_code(&body), "rate_limited");
    }
    // Another account is not affected.
    assert!(app.login("judy").await["access_token"].is_string());
    app.cleanup().await;

    let app = spawn_with(&["--rate-limit-auth-per-minute", "4"]).await;
    app.register("kim").await; // 1
    app.login("kim").await; // 2
    app.login("kim").await; // 3
    app.login("kim").await; // 4
    let (status, body) = app
        .post(
            "/api/v1/auth/login",
            json!({"username": "kim", "password": "correct horse"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, _) = app
        .post(
            "/api/v1/auth/register",
            json!({"username": "lee", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "registrations share the budget"
    );
    app.cleanup().await;
}
