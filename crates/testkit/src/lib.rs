//! Test helpers shared by the services' integration tests: every test gets its own
//! database, Redis key prefix and AMQP name prefix, so tests run in parallel against the
//! one real MariaDB, Redis and RabbitMQ without seeing each other.

use std::{
    path::PathBuf,
    process::Command,
    sync::OnceLock,
    time::{Duration, Instant},
};

/// A unique, lowercase token for names.
pub fn unique() -> String {
    ulid::Ulid::generate().to_string().to_lowercase()
}

/// The server URL (no database) tests create their databases on.
pub fn mysql_server() -> String {
    std::env::var("INSTANT_TEST_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// A freshly created and migrated database, dropped by [`TestDb::drop_db`].
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let url = format!("{}/instant_t_{}", mysql_server(), unique());
        db::migrate::run(&url)
            .await
            .expect("create and migrate the test database");
        Self { url }
    }

    pub async fn drop_db(&self) {
        let _ = db::migrate::drop_database(&self.url).await;
    }
}

/// Paths of an Ed25519 key pair made once per test process with `openssl`.
pub struct Keys {
    pub private: String,
    pub public: String,
}

pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let dir: PathBuf =
            std::env::temp_dir().join(format!("instant-test-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("key dir");
        let private = dir.join("jwt_private.pem");
        let public = dir.join("jwt_public.pem");
        generate_keypair(&private, &public).expect("generate an Ed25519 key pair with openssl");
        Keys {
            private: private.display().to_string(),
            public: public.display().to_string(),
        }
    })
}

/// `openssl genpkey -algorithm ed25519` and its public half.
pub fn generate_keypair(private: &std::path::Path, public: &std::path::Path) -> anyhow::Result<()> {
    let ok = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(private)
        .status()?
        .success();
    anyhow::ensure!(ok, "openssl genpkey failed");
    let ok = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(private)
        .arg("-out")
        .arg(public)
        .status()?
        .success();
    anyhow::ensure!(ok, "openssl pkey -pubout failed");
    Ok(())
}

/// Polls `url` until it answers 200 or `secs` pass.
pub async fn wait_ready(url: &str, secs: u64) -> bool {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Ok(res) = client.get(url).send().await
            && res.status().is_success()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The error code of a contract error body.
pub fn error_code(body: &serde_json::Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// Times of one boot-and-stop run of a real binary.
#[derive(Debug)]
pub struct Lifecycle {
    pub ready_after: Duration,
    pub stopped_after: Duration,
}

/// Starts `bin` with `env` (plus `INSTANT_LISTEN` on a free port), waits until `/ready`
/// answers 200, sends SIGTERM and asserts exit status 0 within 10 s.
pub async fn boot_and_stop(bin: &str, env: &[(&str, String)]) -> Lifecycle {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .env("INSTANT_LISTEN", format!("127.0.0.1:{port}"))
        .env("INSTANT_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the binary");
    let ready_url = format!("http://127.0.0.1:{port}/ready");
    let client = reqwest::Client::new();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{bin} exited before it was ready: {status}");
        }
        if let Ok(res) = client.get(&ready_url).send().await
            && res.status().is_success()
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{bin} never became ready"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ready_after = started.elapsed();
    let health = reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .expect("health");
    assert!(health.status().is_success());
    let metrics = metrics(&format!("http://127.0.0.1:{port}")).await;
    assert!(
        metrics.contains("# TYPE"),
        "Prometheus text from {bin}: {metrics}"
    );
    let pid = child.id().expect("pid").to_string();
    let stop = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap_or_else(|_| panic!("{bin} did not exit within 10 s of SIGTERM"))
        .expect("wait");
    assert!(status.success(), "{bin} exited with {status}");
    let stopped_after = stop.elapsed();
    eprintln!("{bin}: ready after {ready_after:?}, stopped {stopped_after:?} after SIGTERM");
    Lifecycle {
        ready_after,
        stopped_after,
    }
}

/// Environment for a binary: a fresh database, a Redis prefix and an AMQP prefix, plus
/// the test key pair.
pub async fn service_env() -> (TestDb, Vec<(&'static str, String)>) {
    let db = TestDb::new().await;
    let keys = keys();
    let env = vec![
        ("INSTANT_DATABASE_URL", db.url.clone()),
        ("INSTANT_REDIS_PREFIX", format!("t{}:", unique())),
        ("INSTANT_AMQP_PREFIX", amqp_prefix()),
        ("INSTANT_QUEUE_TYPE", "classic".into()),
        ("INSTANT_JWT_PRIVATE_KEY_FILE", keys.private.clone()),
        ("INSTANT_JWT_PUBLIC_KEY_FILE", keys.public.clone()),
    ];
    (db, env)
}

/// A user row made directly in the database (no password login needed), and an access
/// token for it signed with the test key, as auth would sign it.
pub async fn user_with_token(db_url: &str, username: &str, role: &str) -> (i64, String) {
    let pool = db::pool::pool(&db::DbSettings {
        url: db_url.to_owned(),
        pool_size: 1,
    })
    .expect("pool");
    let mut conn = db::pool::conn(&pool).await.expect("connection");
    let user = db::users::insert(
        &mut conn,
        db::users::NewUser {
            username,
            password_hash: "not-a-login",
            display_name: username,
            role,
        },
    )
    .await
    .expect("insert user");
    (user.id, token_for(user.id, role))
}

/// An access token for `user_id` signed with the test key.
pub fn token_for(user_id: i64, role: &str) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let now = chrono::Utc::now().timestamp();
    let claims = kit::auth::Claims {
        iss: "instant-auth".into(),
        aud: "instant".into(),
        sub: user_id.to_string(),
        role: role.into(),
        iat: now,
        exp: now + 3600,
        jti: unique(),
        sid: None,
    };
    let key = EncodingKey::from_ed_pem(&std::fs::read(&keys().private).expect("key")).expect("pem");
    encode(&Header::new(Algorithm::EdDSA), &claims, &key).expect("sign")
}

/// A fresh AMQP name prefix for one test.
pub fn amqp_prefix() -> String {
    format!("t{}.", unique())
}

/// Deletes the contract's queues and exchanges under `prefix` (call at the end of a test:
/// every left-over quorum queue is a Raft cluster the broker keeps running).
pub async fn drop_amqp(prefix: &str) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    let url = std::env::var("INSTANT_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let Ok(conn) = lapin::Connection::connect(&url, lapin::ConnectionProperties::default()).await
    else {
        return;
    };
    let Ok(ch) = conn.create_channel().await else {
        return;
    };
    let mut queues: Vec<String> = common_proto::bus::QUEUE_BINDINGS
        .iter()
        .map(|(q, _)| format!("{prefix}{q}"))
        .collect();
    queues.push(format!("{prefix}{}", common_proto::bus::DEAD_LETTER_QUEUE));
    for q in queues {
        let _ = ch
            .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for e in [
        common_proto::bus::EXCHANGE,
        common_proto::bus::DEAD_LETTER_EXCHANGE,
    ] {
        let _ = ch
            .exchange_delete(
                format!("{prefix}{e}").as_str().into(),
                ExchangeDeleteOptions::default(),
            )
            .await;
    }
    let _ = conn.close(200, "test done".into()).await;
}

/// The virtualenv of test tools (moto, yamllint, kubernetes-validate) that
/// `scripts/test.sh` prepares; `INSTANT_TOOLS_VENV` overrides.
pub fn tools_venv() -> PathBuf {
    if let Ok(dir) = std::env::var("INSTANT_TOOLS_VENV") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache")
        });
    cache.join("instant").join("tools-venv")
}

/// An S3-compatible server on loopback for one test (moto's `moto_server`) with one
/// bucket; killed when dropped.
pub struct S3Server {
    pub endpoint: String,
    child: std::process::Child,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn s3_server(bucket: &str) -> S3Server {
    let bin = tools_venv().join("bin").join("moto_server");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/test.sh once (it installs the test tools) or set INSTANT_TOOLS_VENV",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto_server");
    let server = S3Server {
        endpoint: format!("http://127.0.0.1:{port}"),
        child,
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(res) = client
            .put(format!("{}/{bucket}", server.endpoint))
            .send()
            .await
            && res.status().is_success()
        {
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "moto_server did not start within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// `SELECT COUNT(*) FROM <from>` on the database at `db_url` (`from` may carry a `WHERE`).
pub async fn count_rows(db_url: &str, from: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let pool = db::pool::pool(&db::DbSettings {
        url: db_url.to_owned(),
        pool_size: 1,
    })
    .expect("pool");
    let mut conn = db::pool::conn(&pool).await.expect("connection");
    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {from}"))
        .get_result::<N>(&mut conn)
        .await
        .expect("count")
        .n
}

/// Runs one SQL statement on the database at `db_url` (to stage a test's situation).
pub async fn exec_sql(db_url: &str, sql: &str) -> usize {
    use diesel_async::RunQueryDsl;
    let pool = db::pool::pool(&db::DbSettings {
        url: db_url.to_owned(),
        pool_size: 1,
    })
    .expect("pool");
    let mut conn = db::pool::conn(&pool).await.expect("connection");
    diesel::sql_query(sql)
        .execute(&mut conn)
        .await
        .expect("statement")
}

/// The Prometheus text a service at `base` (`http://host:port`) exports.
pub async fn metrics(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text")
}

/// Takes messages from the queue `<prefix><queue>` (acking each) until `want` were taken
/// or `secs` passed; their bodies as JSON, in queue order.
pub async fn drain_queue(
    prefix: &str,
    queue: &str,
    want: usize,
    secs: u64,
) -> Vec<serde_json::Value> {
    use lapin::options::BasicGetOptions;
    let url = std::env::var("INSTANT_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into());
    let conn = lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
        .await
        .expect("connect to RabbitMQ");
    let ch = conn.create_channel().await.expect("channel");
    let name = format!("{prefix}{queue}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut got = Vec::new();
    while got.len() < want && std::time::Instant::now() < deadline {
        match ch
            .basic_get(name.as_str().into(), BasicGetOptions { no_ack: true })
            .await
        {
            Ok(Some(m)) => got.push(serde_json::from_slice(&m.delivery.data).expect("json body")),
            _ => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    let _ = conn.close(200, "drained".into()).await;
    got
}
