//! cascade-service against the real MariaDB: this platform's identity, the peer registry
//! (admins only) and the registration a child makes with its token.

use clap::Parser;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use testkit::TestDb;

const ENROL: &str = "enrolment-token-0123456789";

struct Stack {
    base: String,
    db: TestDb,
    amqp: String,
    admin: String,
    user: String,
    client: Client,
}

async fn spawn() -> Stack {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    let amqp = testkit::amqp_prefix();
    let service = cascade_service::build(cascade_service::Settings::parse_from([
        "cascade-service",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
        "--jwt-public-key-file",
        &keys.public,
        "--platform-code",
        "44000000002000000001",
        "--platform-name",
        "Province",
        "--sip-server-id",
        "44000000002000000001",
        "--cascade-registration-token",
        ENROL,
    ]))
    .await
    .expect("cascade-service");
    let base = format!("http://127.0.0.1:{}", service.port);
    tokio::spawn(service.run_until(std::future::pending()));
    let (_, admin) = testkit::user_with_token(&db.url, "root", "admin").await;
    let (_, user) = testkit::user_with_token(&db.url, "someone", "user").await;
    Stack {
        base,
        db,
        amqp,
        admin,
        user,
        client: Client::new(),
    }
}

impl Stack {
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
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_registry_and_registration() {
    let s = spawn().await;
    let (status, info) = s
        .call(Method::GET, "/api/v1/cascade/info", Some(&s.user), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["platform_id"], "44000000002000000001");
    assert_eq!(info["name"], "Province");
    assert_eq!(info["sip"]["server_id"], "44000000002000000001");
    assert!(
        info["mq"]["exchange"]
            .as_str()
            .is_some_and(|e| e.ends_with("instant_exchange"))
    );
    assert!(
        !info.to_string().contains(ENROL) && !info.to_string().contains("guest"),
        "no secret: {info}"
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/cascade/info", None, None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );

    // The registry: admins only.
    let parent = json!({"code": "national", "name": "Nation", "relation": "parent", "api_url": "https://nation.example"});
    for (method, path, body) in [
        (Method::GET, "/api/v1/cascade/platforms", None),
        (
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(parent.clone()),
        ),
        (Method::GET, "/api/v1/cascade/platforms/1", None),
        (
            Method::PATCH,
            "/api/v1/cascade/platforms/1",
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, "/api/v1/cascade/platforms/1", None),
        // Bad bodies too: authorization comes before validation (a 422 would tell a
        // non-admin the endpoint accepts their call).
        (
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(json!({"code": 5})),
        ),
        (
            Method::PATCH,
            "/api/v1/cascade/platforms/1",
            Some(json!({"enabled": "maybe"})),
        ),
        (
            Method::POST,
            "/api/v1/cascade/platforms/1/sync",
            Some(json!({"nonsense": true})),
        ),
    ] {
        let (status, _) = s
            .call(method.clone(), path, Some(&s.user), body.clone())
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} as a user");
        let (status, _) = s.call(method.clone(), path, None, body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} anonymous"
        );
    }
    let (status, p) = s
        .call(
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(&s.admin),
            Some(parent.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(
        (
            p["relation"].clone(),
            p["status"].clone(),
            p["enabled"].clone()
        ),
        (json!("parent"), json!("offline"), json!(true))
    );
    let second = json!({"code": "other", "name": "Other", "relation": "parent"});
    assert_eq!(
        s.call(
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(&s.admin),
            Some(second)
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "one parent"
    );
    let city = json!({"code": "44010000002000000001", "name": "City", "relation": "child", "level": 1, "registration_token": "city-token-0123456789"});
    let (status, c) = s
        .call(
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(&s.admin),
            Some(city.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert!(
        c.get("registration_token").is_none() && !c.to_string().contains("city-token"),
        "{c}"
    );
    assert_eq!(
        s.call(
            Method::POST,
            "/api/v1/cascade/platforms",
            Some(&s.admin),
            Some(city)
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "same code"
    );
    for (bad, field) in [
        (
            json!({"code": "Bad Code", "name": "x", "relation": "child"}),
            "code",
        ),
        (
            json!({"code": "44000000002000000001", "name": "me", "relation": "child"}),
            "code",
        ),
        (
            json!({"code": "ok", "name": "", "relation": "child"}),
            "name",
        ),
        (
            json!({"code": "ok", "name": "x", "relation": "sibling"}),
            "relation",
        ),
        (
            json!({"code": "ok", "name": "x", "relation": "child", "api_url": "ftp://x"}),
            "api_url",
        ),
        (
            json!({"code": "ok", "name": "x", "relation": "child", "registration_token": "short"}),
            "registration_token",
        ),
    ] {
        let (status, err) = s
            .call(
                Method::POST,
                "/api/v1/cascade/platforms",
                Some(&s.admin),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(
            (status, err["error"]["field"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!(field)),
            "{bad}"
        );
    }
    let pid = p["id"].as_i64().unwrap_or_default();
    let (status, patched) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/cascade/platforms/{pid}"),
            Some(&s.admin),
            Some(json!({"enabled": false, "name": "Nation 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        (patched["enabled"].clone(), patched["name"].clone()),
        (json!(false), json!("Nation 2"))
    );
    let (_, list) = s
        .call(
            Method::GET,
            "/api/v1/cascade/platforms",
            Some(&s.admin),
            None,
        )
        .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        s.call(
            Method::GET,
            "/api/v1/cascade/platforms/999",
            Some(&s.admin),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.call(
            Method::DELETE,
            &format!("/api/v1/cascade/platforms/{pid}"),
            Some(&s.admin),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(
            Method::GET,
            &format!("/api/v1/cascade/platforms/{pid}"),
            Some(&s.admin),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Registration: the child's own token, or the enrolment token for a new child.
    let register = |code: &str| json!({"code": code, "name": "City", "level": 1});
    let path = "/api/v1/cascade/register";
    assert_eq!(
        s.call(
            Method::POST,
            path,
            None,
            Some(register("44010000002000000001"))
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, first) = s
        .call(
            Method::POST,
            path,
            Some("city-token-0123456789"),
            Some(register("44010000002000000001")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "an admin-added child: {first}");
    assert_eq!(first["platform"]["status"], "online");
    assert!(
        first["down_queue"]
            .as_str()
            .is_some_and(|q| q.ends_with("cascade.down.44010000002000000001"))
    );
    let (status, again) = s
        .call(
            Method::POST,
            path,
            Some("city-token-0123456789"),
            Some(register("44010000002000000001")),
        )
        .await;
    assert_eq!(
        (status, again["platform"]["id"].clone()),
        (StatusCode::OK, first["platform"]["id"].clone()),
        "idempotent"
    );
    assert_eq!(
        s.call(
            Method::POST,
            path,
            Some("another-token-0123456789"),
            Some(register("44010000002000000001"))
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        s.call(
            Method::POST,
            path,
            Some("not-the-enrolment-token"),
            Some(register("district"))
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, enrolled) = s
        .call(Method::POST, path, Some(ENROL), Some(register("district")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    let (status, _) = s
        .call(Method::POST, path, Some(ENROL), Some(register("district")))
        .await;
    assert_eq!(status, StatusCode::OK, "registering again is idempotent");
    assert_eq!(
        s.call(Method::POST, path, Some(ENROL), Some(register("Bad Code")))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Every change to the registry is in the audit log, in order, refusals not.
    let audited = |action: &'static str| {
        let url = s.db.url.clone();
        async move {
            testkit::count_rows(
                &url,
                &format!(
                    "audit_log WHERE action = '{action}' AND target_type = 'cascade_platform'"
                ),
            )
            .await
        }
    };
    assert_eq!(
        audited("cascade.platform_added").await,
        2,
        "parent and city"
    );
    assert_eq!(audited("cascade.platform_changed").await, 1);
    assert_eq!(audited("cascade.platform_removed").await, 1);
    assert_eq!(
        audited("cascade.child_enrolled").await,
        1,
        "once, not per heartbeat"
    );
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}
