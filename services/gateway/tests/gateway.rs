//! The gateway in front of a real auth service (fresh database), with the other upstreams
//! pointing at a closed port, and its own Redis key prefix.

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use testkit::{TestDb, error_code};

struct Stack {
    base: String,
    client: Client,
    db: TestDb,
    amqp: String,
}

/// A port nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

async fn spawn(extra: &[&str]) -> Stack {
    kit::telemetry::init_for_tests();
    let keys = testkit::keys();
    let db = TestDb::new().await;
    let amqp = testkit::amqp_prefix();
    let auth_settings = auth::Settings::parse_from([
        "auth",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--jwt-private-key-file",
        &keys.private,
        "--jwt-public-key-file",
        &keys.public,
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
        // Many logins from one address: auth's own per-IP throttle is tested in api.rs.
        "--rate-limit-auth-per-minute",
        "100000",
    ]);
    let auth = auth::build(auth_settings).await.expect("auth");
    let auth_url = format!("http://127.0.0.1:{}", auth.port);
    tokio::spawn(auth.run_until(std::future::pending()));
    let dead = dead_url();
    let prefix = format!("t{}:", testkit::unique());
    let mut args = vec![
        "gateway",
        "--listen",
        "127.0.0.1:0",
        "--jwt-public-key-file",
        &keys.public,
        "--auth-url",
        &auth_url,
        "--chat-api-url",
        &dead,
        "--file-service-url",
        &dead,
        "--cascade-service-url",
        &dead,
        "--redis-prefix",
        &prefix,
        "--cors-origins",
        "https://app.example",
        "--amqp-prefix",
        &amqp,
        "--queue-type",
        "classic",
    ];
    args.extend_from_slice(extra);
    let gateway = gateway::build(gateway::Settings::parse_from(args))
        .await
        .expect("gateway");
    let base = format!("http://127.0.0.1:{}", gateway.port);
    tokio::spawn(gateway.run_until(std::future::pending()));
    Stack {
        base,
        client: Client::new(),
        db,
        amqp,
    }
}

impl Stack {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let res = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn token(&self, username: &str) -> String {
        let (s, _) = self
            .post(
                "/api/v1/auth/register",
                json!({"username": username, "password": "password one"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (s, t) = self
            .post(
                "/api/v1/auth/login",
                json!({"username": username, "password": "password one"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        t["access_token"].as_str().expect("token").to_owned()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn routes_the_auth_flow_through_the_gateway() {
    let stack = spawn(&[]).await;
    let token = stack.token("alice").await;
    let res = stack
        .client
        .get(stack.url("/api/v1/users/me"))
        .bearer_auth(&token)
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-1"),
        "request id in and out"
    );
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["username"], "alice");
    let res = stack
        .client
        .get(stack.url("/api/v1/users/search?q=ali"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("search");
    let found: Value = res.json().await.expect("json");
    assert_eq!(found["items"][0]["username"], "alice");
    let res = stack
        .client
        .get(stack.url("/api/v1/users/me"))
        .send()
        .await
        .expect("no token");
    assert!(
        res.headers().get("x-request-id").is_some(),
        "a request id is generated"
    );
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_down_upstream_is_503_and_edge_auth_comes_first() {
    let stack = spawn(&[]).await;
    let res = stack
        .client
        .get(stack.url("/api/v1/conversations"))
        .send()
        .await
        .expect("request");
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "verified at the edge before routing"
    );
    let token = stack.token("bob").await;
    for path in [
        "/api/v1/conversations",
        "/api/v1/files/x",
        "/api/v1/cascade/info",
    ] {
        let started = std::time::Instant::now();
        let res = stack
            .client
            .get(stack.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "no hang"
        );
        let body: Value = res.json().await.expect("json");
        assert_eq!(error_code(&body), "upstream_unavailable");
    }
    let res = stack
        .client
        .get(stack.url("/api/v1/nothing-here"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(&res.json().await.expect("json")), "not_found");
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_flood_gets_429_with_retry_after() {
    let stack = spawn(&["--rate-limit-auth-per-minute", "5"]).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..8 {
        let res = stack
            .client
            .post(stack.url("/api/v1/auth/login"))
            .json(&json!({"username": "x", "password": "wrong password"}))
            .send()
            .await
            .expect("login");
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: Value = res.json().await.expect("json");
            assert_eq!(error_code(&body), "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    let retry_after = retry_after.expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_malformed_bodies() {
    let stack = spawn(&["--max-body-bytes", "1024"]).await;
    let big = json!({"username": "x".repeat(2000), "password": "password one"});
    let (status, body) = stack.post("/api/v1/auth/register", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
    // Chunked, no Content-Length: counted on the way.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![b' '; 100])).collect();
    let res = stack
        .client
        .post(stack.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let res = stack
        .client
        .post(stack.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(&res.json().await.expect("json")), "bad_request");
    let (status, body) = stack
        .post("/api/v1/auth/login", json!({"username": 5}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(&body), "validation_failed");
    assert_eq!(body["error"]["field"], "username", "{body}");
    // A request line past the limit: 414 in the error shape (not an empty 400).
    let res = stack
        .client
        .get(stack.url(&format!("/api/v1/users/search?q={}", "a".repeat(20_000))))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::URI_TOO_LONG);
    assert_eq!(error_code(&res.json().await.expect("json")), "uri_too_long");
    // Methods the API does not have: 405 in the error shape, with Allow.
    for method in ["TRACE", "PROPFIND"] {
        let res = stack
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                stack.url("/api/v1/users/me"),
            )
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert!(res.headers().contains_key("allow"), "{method}");
        assert_eq!(
            error_code(&res.json().await.expect("json")),
            "method_not_allowed"
        );
    }
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_allowlist() {
    let stack = spawn(&[]).await;
    let preflight = |origin: &'static str| {
        stack
            .client
            .request(reqwest::Method::OPTIONS, stack.url("/api/v1/auth/login"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = preflight("https://app.example").await.expect("preflight");
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example")
    );
    let denied = preflight("https://evil.example").await.expect("preflight");
    assert!(
        denied
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn openapi_and_docs_work_offline() {
    let stack = spawn(&[]).await;
    let spec: Value = stack
        .client
        .get(stack.url("/openapi.json"))
        .send()
        .await
        .expect("spec")
        .json()
        .await
        .expect("json");
    assert_eq!(spec["info"]["title"], "instant");
    assert!(
        spec["paths"]["/api/v1/auth/register"]["post"].is_object(),
        "auth's paths merged"
    );
    assert!(spec["components"]["schemas"]["TokenPair"].is_object());
    assert!(
        spec["info"]["description"]
            .as_str()
            .unwrap_or("")
            .contains("chat-api"),
        "down services are named"
    );
    let html = stack
        .client
        .get(stack.url("/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(html.status(), StatusCode::OK);
    assert!(html.text().await.expect("text").contains("swagger"));
    let js = stack
        .client
        .get(stack.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("bundle");
    assert_eq!(js.status(), StatusCode::OK, "vendored assets, no CDN");
    let init = stack
        .client
        .get(stack.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("init")
        .text()
        .await
        .expect("text");
    assert!(init.contains("/openapi.json"));
    // The bus: linked from the API's description (shown on /docs), served beside it.
    assert!(
        spec["info"]["description"]
            .as_str()
            .unwrap_or("")
            .contains("(/asyncapi.json)")
    );
    let bus: Value = stack
        .client
        .get(stack.url("/asyncapi.json"))
        .send()
        .await
        .expect("asyncapi")
        .json()
        .await
        .expect("json");
    assert_eq!(bus["asyncapi"], "3.0.0");
    assert_eq!(
        bus["channels"]["chatMessage"]["address"],
        "chat.message.conversation.{conversationId}"
    );
    assert_eq!(
        bus["components"]["messages"]["chat_message_sent"]["payload"]["properties"]["data"]["$ref"],
        "#/components/schemas/Message"
    );
    assert!(bus["components"]["schemas"]["Message"]["properties"]["seq"].is_object());
    let ready: Value = stack
        .client
        .get(stack.url("/ready"))
        .send()
        .await
        .expect("ready")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["checks"]["redis"], "up");
    stack.db.drop_db().await;
    testkit::drop_amqp(&stack.amqp).await;
}

/// The web client's files: `/` and client routes get `index.html` with the CSP and
/// `no-cache`; hashed assets are immutable; a missing asset and an unknown API path stay
/// JSON 404s; the API keeps working beside it.
#[tokio::test(flavor = "multi_thread")]
async fn serves_the_web_client_with_its_headers() {
    let dir = std::env::temp_dir().join(format!("instant-web-{}", testkit::unique()));
    std::fs::create_dir_all(dir.join("assets")).expect("mkdir");
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><div id=\"app\"></div><script src=/assets/index-abc123.js></script>",
    )
    .expect("index");
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log(1)").expect("asset");
    let web_dir = dir.to_string_lossy().into_owned();
    let stack = spawn(&["--web-dir", &web_dir]).await;
    let get = |path: &str| stack.client.get(stack.url(path)).send();

    for path in ["/", "/c/42", "/settings/profile"] {
        let res = get(path).await.expect("page");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers().clone();
        assert_eq!(h["cache-control"], "no-cache", "{path}");
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.starts_with("default-src 'self'") && csp.contains("connect-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "no unsafe-inline/eval: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(res.text().await.expect("body").contains("id=\"app\""));
    }
    let res = get("/assets/index-abc123.js").await.expect("asset");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .contains("javascript")
    );
    let res = get("/assets/missing-1.js").await.expect("missing");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body: Value = res.json().await.expect("json");
    assert_eq!(error_code(&body), "not_found");
    let res = get("/api/v1/nope").await.expect("api");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("application/json")
    );
    // Traversal out of the directory is refused.
    let res = get("/assets/..%2f..%2fetc%2fpasswd")
        .await
        .expect("traversal");
    assert_ne!(res.status(), StatusCode::OK);
    let res = get("/health").await.expect("health");
    assert_eq!(res.status(), StatusCode::OK);
    std::fs::remove_dir_all(&dir).ok();
}

/// Without a built client, `/` says how to build it instead of a bare 404.
#[tokio::test(flavor = "multi_thread")]
async fn explains_a_missing_web_client() {
    let stack = spawn(&["--web-dir", "/nonexistent/instant-web"]).await;
    let res = stack.client.get(stack.url("/")).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("body").contains("scripts/up.sh"));
}
