//! file-service against the real MariaDB, with local-directory storage and with an
//! S3-compatible server on loopback (moto): the upload corpus, downloads with ranges, who
//! may see a file, and the cleanup of unreferenced uploads.

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};
use testkit::TestDb;

const LIMIT: usize = 64 * 1024;

struct Stack {
    base: String,
    db: TestDb,
    root: PathBuf,
    users: Vec<(i64, String)>,
    client: Client,
}

async fn spawn(users: usize, storage: Option<(&str, &str)>, extra: &[&str]) -> Stack {
    kit::telemetry::init_for_tests();
    let db = TestDb::new().await;
    let keys = testkit::keys();
    // A fresh storage root inside a fresh parent: anything written outside the root would
    // show up in the parent.
    let parent = std::env::temp_dir().join(format!("instant-files-{}", testkit::unique()));
    let root = parent.join("root");
    let location = match storage {
        Some((bucket, _)) => format!("s3://{bucket}/uploads"),
        None => root.display().to_string(),
    };
    let limit = LIMIT.to_string();
    let mut args = vec![
        "file-service",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--jwt-public-key-file",
        &keys.public,
        "--storage",
        &location,
        "--max-file-bytes",
        &limit,
    ];
    if let Some((_, endpoint)) = storage {
        args.extend_from_slice(&[
            "--s3-endpoint",
            endpoint,
            "--s3-access-key-id",
            "test",
            "--s3-secret-access-key",
            "test",
        ]);
    }
    args.extend_from_slice(extra);
    let service = file_service::build(file_service::Settings::parse_from(args))
        .await
        .expect("file-service");
    let base = format!("http://127.0.0.1:{}", service.port);
    tokio::spawn(service.run_until(std::future::pending()));
    let mut made = Vec::new();
    for i in 0..users {
        made.push(testkit::user_with_token(&db.url, &format!("f{i}"), "user").await);
    }
    Stack {
        base,
        db,
        root,
        users: made,
        client: Client::new(),
    }
}

/// One multipart part: (field name, raw filename, declared type, bytes).
type Part<'a> = (&'a str, Option<&'a [u8]>, Option<&'a str>, &'a [u8]);

/// A multipart body written by hand, so file names can hold any bytes (NUL, RTL marks).
fn form(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = format!("b{}", testkit::unique());
    let mut body = Vec::new();
    for (name, filename, ctype, bytes) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(f) = filename {
            body.extend_from_slice(b"; filename=\"");
            body.extend_from_slice(f);
            body.extend_from_slice(b"\"");
        }
        body.extend_from_slice(b"\r\n");
        if let Some(t) = ctype {
            body.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

impl Stack {
    fn id(&self, i: usize) -> i64 {
        self.users[i].0
    }
    async fn upload_parts(&self, who: usize, parts: &[Part<'_>]) -> (StatusCode, Value) {
        let (boundary, body) = form(parts);
        let res = self
            .client
            .post(format!("{}/api/v1/files", self.base))
            .bearer_auth(&self.users[who].1)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
    async fn upload(&self, who: usize, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
        self.upload_parts(
            who,
            &[(
                "file",
                Some(name.as_bytes()),
                Some("application/octet-stream"),
                bytes,
            )],
        )
        .await
    }
    async fn get(&self, who: Option<usize>, path: &str, range: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(w) = who {
            req = req.bearer_auth(&self.users[w].1);
        }
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send().await.expect("get")
    }
    async fn group(&self, owner: usize, members: &[usize]) -> i64 {
        let pool = db::pool::pool(&db::DbSettings {
            url: self.db.url.clone(),
            pool_size: 1,
        })
        .expect("pool");
        let mut conn = db::pool::conn(&pool).await.expect("conn");
        let others: Vec<i64> = members.iter().map(|m| self.id(*m)).collect();
        db::conversations::create_group(&mut conn, self.id(owner), "files", &others)
            .await
            .expect("group")
            .id
    }
    async fn remove(&self, group: i64, who: usize) {
        let pool = db::pool::pool(&db::DbSettings {
            url: self.db.url.clone(),
            pool_size: 1,
        })
        .expect("pool");
        let mut conn = db::pool::conn(&pool).await.expect("conn");
        // The membership end as chat-api records a kick: the member leaves at a new seq.
        let seq = db::messages::next_seq(&mut conn, group).await.expect("seq");
        let now = chrono::Utc::now().naive_utc();
        db::groups::depart(&mut conn, group, self.id(who), seq, now)
            .await
            .expect("remove");
    }
    async fn cleanup(&self) {
        self.db.drop_db().await;
        if let Some(parent) = self.root.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[0u8; 64]);
    b
}

/// Every file under `dir`, relative.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(dir) {
                out.push(rel.display().to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_corpus_stays_inside_the_storage_root() {
    let s = spawn(1, None, &[]).await;
    let pattern = |key: &str| {
        let parts: Vec<&str> = key.split('/').collect();
        parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[2].len() == 26
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'/')
    };

    let (status, body) = s.upload(0, "empty.txt", b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "empty: {body}");
    assert_eq!(body["error"]["field"], "file");

    let exact = vec![b'a'; LIMIT];
    let (status, body) = s.upload(0, "exact.txt", &exact).await;
    assert_eq!(status, StatusCode::CREATED, "exactly the limit: {body}");
    assert_eq!(body["size"], LIMIT as i64);
    assert_eq!(body["sha256"], sha256(&exact));

    let over = vec![b'a'; LIMIT + 1];
    let (status, body) = s.upload(0, "over.txt", &over).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "one byte over: {body}"
    );
    assert_eq!(body["error"]["code"], "payload_too_large");

    // The declared type is ignored: the bytes decide.
    let (status, body) = s
        .upload_parts(
            0,
            &[(
                "file",
                Some(b"photo.png"),
                Some("image/png"),
                b"just text, not a picture",
            )],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["content_type"], "text/plain; charset=utf-8");
    let image = png(640, 480);
    let (status, body) = s
        .upload_parts(
            0,
            &[("file", Some(b"page.html"), Some("text/html"), &image)],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["content_type"].clone(), body["filename"].clone()),
        ("image/png".into(), "page.html".into())
    );
    assert_eq!(
        (body["width"].clone(), body["height"].clone()),
        (640.into(), 480.into()),
        "images carry their size"
    );
    let res = s
        .get(
            Some(0),
            &format!(
                "/api/v1/files/{}/content",
                body["id"].as_str().unwrap_or("")
            ),
            None,
        )
        .await;
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    // Hostile names: cleaned for display, never a path.
    let long = "長".repeat(10_000);
    let names: Vec<(Vec<u8>, Option<&str>)> = vec![
        (b"../../../../etc/passwd".to_vec(), Some("passwd")),
        (b"..\\..\\windows\\system.ini".to_vec(), None),
        (b"evil\0name.txt".to_vec(), None),
        (
            "invoice\u{202E}fdp.exe".as_bytes().to_vec(),
            Some("invoicefdp.exe"),
        ),
        (long.as_bytes().to_vec(), None),
        (b"/".to_vec(), Some("file")),
    ];
    for (raw, expected) in &names {
        let (status, body) = s
            .upload_parts(0, &[("file", Some(raw), None, b"content")])
            .await;
        match status {
            StatusCode::CREATED => {
                let name = body["filename"].as_str().unwrap_or_default();
                if let Some(e) = expected {
                    assert_eq!(name, *e, "{raw:?}");
                }
                assert!(!name.contains(['/', '\\', '\0', '\u{202E}']), "{name:?}");
                assert!(name.len() <= 255, "{} bytes", name.len());
            }
            // A name the multipart parser refuses is a clear 400, never a 500.
            StatusCode::BAD_REQUEST => assert_eq!(body["error"]["code"], "bad_request", "{body}"),
            other => panic!("{raw:?}: {other} {body}"),
        }
    }
    let (status, _) = s.upload_parts(0, &[("other", None, None, b"x")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no file part");
    let (status, _) = s
        .upload_parts(
            0,
            &[
                ("file", Some(b"a"), None, b"x"),
                ("file", Some(b"b"), None, b"y"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "two files");

    // Many small uploads at once.
    let uploads = (0..40).map(|i| {
        let s = &s;
        async move {
            let bytes = format!("small file number {i}").into_bytes();
            let (status, body) = s.upload(0, &format!("small-{i}.txt"), &bytes).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["sha256"], sha256(&bytes));
            body["id"].as_str().unwrap_or_default().to_owned()
        }
    });
    let mut ids = futures_util::future::join_all(uploads).await;
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);

    // Nothing outside the root; inside, only generated keys, one per accepted upload.
    let parent = s.root.parent().expect("parent").to_path_buf();
    let outside: Vec<String> = files_under(&parent)
        .into_iter()
        .filter(|p| !p.starts_with("root/"))
        .collect();
    assert!(
        outside.is_empty(),
        "written outside the storage root: {outside:?}"
    );
    let stored = files_under(&s.root);
    assert!(
        stored.iter().all(|k| pattern(k)),
        "unexpected storage keys: {stored:?}"
    );
    let accepted = testkit::count_rows(&s.db.url, "files").await;
    assert_eq!(
        stored.len() as i64,
        accepted,
        "refused uploads leave no bytes behind"
    );
    s.cleanup().await;
}

async fn ranges_and_headers(s: &Stack) {
    let bytes: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let (status, file) = s.upload(0, "naïve data.bin", &bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let id = file["id"].as_str().unwrap_or_default().to_owned();
    let path = format!("/api/v1/files/{id}/content");
    let res = s.get(Some(0), &path, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-length"], "50000");
    assert_eq!(h["cache-control"], "private, max-age=3600");
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"na_ve data.bin\"; filename*=UTF-8''na%C3%AFve%20data.bin"
    );
    assert_eq!(res.bytes().await.expect("body").as_ref(), &bytes[..]);
    for (range, want) in [
        ("bytes=0-99", 0..100),
        ("bytes=49900-", 49_900..50_000),
        ("bytes=-10", 49_990..50_000),
        ("bytes=100-99999", 100..50_000),
    ] {
        let res = s.get(Some(0), &path, Some(range)).await;
        assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            res.headers()["content-range"],
            format!("bytes {}-{}/50000", want.start, want.end - 1)
        );
        assert_eq!(
            res.headers()["content-length"],
            (want.end - want.start).to_string()
        );
        assert_eq!(
            res.bytes().await.expect("body").as_ref(),
            &bytes[want],
            "{range}"
        );
    }
    let res = s.get(Some(0), &path, Some("bytes=50000-")).await;
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(res.headers()["content-range"], "bytes */50000");
    let res = s.get(Some(0), &path, Some("bytes=0-1,5-9")).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "several ranges: the whole file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_with_ranges_from_a_local_directory() {
    let s = spawn(1, None, &[]).await;
    ranges_and_headers(&s).await;
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_through_an_s3_compatible_store() {
    let bucket = format!("t{}", testkit::unique());
    let s3 = testkit::s3_server(&bucket).await;
    let s = spawn(1, Some((&bucket, &s3.endpoint)), &[]).await;
    ranges_and_headers(&s).await;
    let (status, body) = s.upload(0, "over.bin", &vec![0u8; LIMIT + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    // The bytes really are in the bucket, under the prefix, by generated key only.
    let listing = reqwest::get(format!("{}/{bucket}?list-type=2", s3.endpoint))
        .await
        .expect("list")
        .text()
        .await
        .expect("listing");
    let keys: Vec<&str> = listing
        .split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next())
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "one object (the refused upload left nothing): {listing}"
    );
    assert!(
        keys[0].starts_with("uploads/") && keys[0].len() == "uploads/".len() + 34,
        "{keys:?}"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn who_may_see_a_file() {
    // 0 uploader, 1 member, 2 removed member, 3 stranger.
    let s = spawn(4, None, &[]).await;
    let g = s.group(0, &[1, 2]).await;
    let shared = s
        .upload_parts(
            0,
            &[
                ("conversation_id", None, None, g.to_string().as_bytes()),
                ("file", Some(b"plan.txt"), None, b"the plan"),
            ],
        )
        .await;
    assert_eq!(shared.0, StatusCode::CREATED, "{}", shared.1);
    let private = s.upload(0, "mine.txt", b"only mine").await;
    let avatar = s
        .upload_parts(
            1,
            &[
                ("purpose", None, None, b"avatar"),
                ("file", Some(b"me.png"), None, &png(32, 32)),
            ],
        )
        .await;
    assert_eq!(avatar.0, StatusCode::CREATED, "{}", avatar.1);
    s.remove(g, 2).await;

    let cases = [
        (&shared.1, [200, 200, 404, 404]),
        (&private.1, [200, 404, 404, 404]),
        (&avatar.1, [200, 200, 200, 200]),
    ];
    for (file, expected) in cases {
        let id = file["id"].as_str().unwrap_or_default();
        for (who, want) in expected.iter().enumerate() {
            for path in [
                format!("/api/v1/files/{id}"),
                format!("/api/v1/files/{id}/content"),
            ] {
                let res = s.get(Some(who), &path, None).await;
                assert_eq!(res.status().as_u16(), *want, "{path} as user {who}");
            }
        }
        assert_eq!(
            s.get(None, &format!("/api/v1/files/{id}"), None)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    for bad in ["nope", "../../etc/passwd", "01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
        assert_eq!(
            s.get(Some(0), &format!("/api/v1/files/{bad}"), None)
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    // Sharing with a conversation you are not in: 404, and nothing kept.
    let (status, _) = s
        .upload_parts(
            3,
            &[
                ("conversation_id", None, None, g.to_string().as_bytes()),
                ("file", Some(b"x.txt"), None, b"x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = s
        .upload_parts(
            3,
            &[
                ("purpose", None, None, b"avatar"),
                ("file", Some(b"x.txt"), None, b"not an image"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(s.upload(3, "anon", b"x").await.0, StatusCode::CREATED);
    let res = s
        .client
        .post(format!("{}/api/v1/files", s.base))
        .body("x")
        .send()
        .await
        .expect("anon");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unreferenced_uploads_are_cleaned_up() {
    let s = spawn(
        2,
        None,
        &[
            "--unreferenced-file-ttl-secs",
            "1",
            "--file-cleanup-interval-secs",
            "1",
        ],
    )
    .await;
    let g = s.group(0, &[1]).await;
    let (_, lonely) = s.upload(0, "lonely.txt", b"nobody will ever send me").await;
    let (_, kept) = s
        .upload_parts(
            0,
            &[
                ("conversation_id", None, None, g.to_string().as_bytes()),
                ("file", Some(b"kept.txt"), None, b"sent"),
            ],
        )
        .await;
    let lonely = lonely["id"].as_str().unwrap_or_default().to_owned();
    let kept = kept["id"].as_str().unwrap_or_default().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = s
            .get(Some(0), &format!("/api/v1/files/{lonely}"), None)
            .await
            .status();
        if status == StatusCode::NOT_FOUND {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the unreferenced upload was not cleaned up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        files_under(&s.root).len(),
        1,
        "its bytes are gone too; the referenced file's stay"
    );
    let res = s
        .get(Some(1), &format!("/api/v1/files/{kept}/content"), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.expect("body").as_ref(), b"sent");
    s.cleanup().await;
}
