//! chat-api and persistence-worker together against the real MariaDB, Redis and RabbitMQ:
//! conversations, sends, idempotency, history, read state.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use testkit::error_code;

mod common;

use common::spawn;

#[tokio::test(flavor = "multi_thread")]
async fn direct_conversations_are_one_per_pair() {
    let s = spawn(3).await;
    let (status, first) = s
        .post(
            "/api/v1/conversations",
            0,
            json!({"type": "direct", "member_ids": [s.id(1)]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["type"], "direct");
    assert_eq!(first["members"].as_array().map(Vec::len), Some(2));
    let (status, again) = s
        .post(
            "/api/v1/conversations",
            0,
            json!({"type": "direct", "member_ids": [s.id(1)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    let (status, reverse) = s
        .post(
            "/api/v1/conversations",
            1,
            json!({"type": "direct", "member_ids": [s.id(0)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        reverse["id"], first["id"],
        "the same pair from the other side"
    );
    for (body, field) in [
        (
            json!({"type": "direct", "member_ids": [s.id(0)]}),
            "member_ids",
        ),
        (
            json!({"type": "direct", "member_ids": [999_999]}),
            "member_ids",
        ),
        (
            json!({"type": "direct", "member_ids": [s.id(1), s.id(2)]}),
            "member_ids",
        ),
        (json!({"type": "channel", "member_ids": []}), "type"),
        (
            json!({"type": "group", "member_ids": [], "name": ""}),
            "name",
        ),
        (
            json!({"type": "group", "member_ids": [999_999], "name": "x"}),
            "member_ids",
        ),
    ] {
        let (status, err) = s.post("/api/v1/conversations", 0, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(err["error"]["field"], field, "{body}");
    }
    // A stranger cannot see it: 404, not 403.
    let (status, _) = s
        .get(&format!("/api/v1/conversations/{}", first["id"]), 2)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn send_history_and_idempotency() {
    let s = spawn(3).await;
    let conv = s.group(0, &[1]).await;
    let (status, group) = s.get(&format!("/api/v1/conversations/{conv}"), 1).await;
    assert_eq!(status, StatusCode::OK);
    let roles: Vec<(i64, String)> = group["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["user_id"].as_i64().unwrap_or(0),
                m["role"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            (s.id(0), "owner".to_owned()),
            (s.id(1), "member".to_owned())
        ]
    );

    let mut seqs = Vec::new();
    for i in 0..3 {
        let (status, msg) = s
            .send(0, conv, &format!("m{i}"), &format!("hello {i}"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{msg}");
        assert_eq!(msg["sender_id"], s.id(0));
        seqs.push(msg["seq"].as_i64().expect("seq"));
    }
    assert_eq!(seqs, [1, 2, 3]);
    // The same client_msg_id again: the same message, not a new one.
    let (status, repeat) = s.send(0, conv, "m1", "hello 1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(repeat["seq"], 2);
    let items = s.history_when(1, conv, 3).await;
    let texts: Vec<&str> = items.iter().filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(
        texts,
        ["hello 0", "hello 1", "hello 2"],
        "exactly once each, ascending"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        s.history_when(1, conv, 4).await.len(),
        3,
        "the repeat was not stored twice"
    );

    let page = |q: &str| format!("/api/v1/messages?conversation_id={conv}&{q}");
    let seqs_of = |v: &Value| {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|m| m["seq"].as_i64().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs_of(&s.get(&page("after_seq=1"), 1).await.1), [2, 3]);
    assert_eq!(seqs_of(&s.get(&page("before_seq=3"), 1).await.1), [1, 2]);
    assert_eq!(
        seqs_of(&s.get(&page("before_seq=4&limit=1"), 1).await.1),
        [3],
        "newest page below before_seq"
    );
    assert_eq!(
        seqs_of(&s.get(&page("after_seq=1&before_seq=3"), 1).await.1),
        [2]
    );
    for bad in ["limit=0", "limit=201", "after_seq=-1", "before_seq=0"] {
        let (status, _) = s.get(&page(bad), 1).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (status, _) = s.get(&page(""), 2).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "strangers cannot read history"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn send_validation() {
    let s = spawn(3).await;
    let conv = s.group(0, &[1]).await;
    let cases = [
        (
            json!({"conversation_id": conv, "client_msg_id": "a", "type": "text", "content": "x".repeat(8001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("content"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "", "type": "text", "content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("client_msg_id"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "a".repeat(65), "type": "text", "content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("client_msg_id"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "a", "type": "sticker", "content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("type"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "a", "type": "text", "content": "x", "reply_to": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reply_to"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "a", "type": "text"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("content"),
        ),
        (
            json!({"conversation_id": conv, "type": "text", "content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("client_msg_id"),
        ),
        (
            json!({"conversation_id": 987_654, "client_msg_id": "a", "type": "text", "content": "x"}),
            StatusCode::NOT_FOUND,
            None,
        ),
        // The field holding a value of the wrong type is named, not the value.
        (
            json!({"conversation_id": 1.5, "client_msg_id": "a", "type": "text", "content": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("conversation_id"),
        ),
        (
            json!({"conversation_id": conv, "client_msg_id": "a", "type": "text", "content": 7}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("content"),
        ),
    ];
    for (body, status, field) in cases {
        let (got, err) = s.post("/api/v1/messages", 0, body.clone()).await;
        assert_eq!(got, status, "{body} -> {err}");
        if let Some(field) = field {
            assert_eq!(err["error"]["field"], field, "{body}");
        }
    }
    // Query parameters alike.
    let (status, err) = s.get("/api/v1/notifications?unread_only=maybe", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "unread_only", "{err}");
    let (status, err) = s.get("/api/v1/conversations?limit=1.5", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "limit", "{err}");
    let (status, err) = s.send(2, conv, "x", "intruder").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a non-member cannot send");
    assert_eq!(error_code(&err), "not_found");
    let (status, ok) = s.send(0, conv, &"字".repeat(64), &"字".repeat(8000)).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "limits are characters, not bytes: {ok}"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn read_state_and_conversation_list() {
    let s = spawn(3).await;
    let quiet = s.group(0, &[1]).await;
    let busy = s.group(0, &[1]).await;
    for i in 0..3 {
        s.send(0, busy, &format!("b{i}"), "news").await;
    }
    s.history_when(1, busy, 3).await;
    let (status, list) = s.get("/api/v1/conversations", 1).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(ids, [busy, quiet], "newest activity first");
    let first = &list["items"][0];
    assert_eq!(first["unread_count"], 3);
    assert_eq!(first["last_seq"], 3);
    assert_eq!(first["last_read_seq"], 0);
    assert_eq!(first["last_message"]["seq"], 3);
    // The sender's own cursor moved with each send.
    let (_, mine) = s.get("/api/v1/conversations", 0).await;
    assert_eq!(mine["items"][0]["unread_count"], 0);
    assert_eq!(mine["items"][0]["last_read_seq"], 3);

    let read = |seq: i64| json!({"conversation_id": busy, "seq": seq});
    let (status, _) = s.post("/api/v1/messages/read", 1, read(2)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s.post("/api/v1/messages/read", 1, read(1)).await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "moving back is accepted but ignored"
    );
    let (_, conv) = s.get(&format!("/api/v1/conversations/{busy}"), 1).await;
    assert_eq!(conv["last_read_seq"], 2, "cursors only move forward");
    assert_eq!(conv["unread_count"], 1);
    let (status, _) = s.post("/api/v1/messages/read", 1, read(1000)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, conv) = s.get(&format!("/api/v1/conversations/{busy}"), 1).await;
    assert_eq!(conv["last_read_seq"], 3, "never past the newest seq");
    let (status, _) = s.post("/api/v1/messages/read", 2, read(1)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.post("/api/v1/messages/read", 1, read(-1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Pagination.
    let (_, page1) = s.get("/api/v1/conversations?limit=1", 1).await;
    assert_eq!(page1["items"][0]["id"], busy);
    let cursor = page1["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, page2) = s
        .get(&format!("/api/v1/conversations?limit=1&cursor={cursor}"), 1)
        .await;
    assert_eq!(page2["items"][0]["id"], quiet);
    assert!(page2.get("next_cursor").is_none());
    let (status, _) = s.get("/api/v1/conversations?cursor=garbage", 1).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_sends_get_unique_increasing_seqs() {
    let s = spawn(2).await;
    let conv = s.group(0, &[1]).await;
    let sends = (0..40).map(|i| {
        let client = s.client.clone();
        let url = format!("{}/api/v1/messages", s.base);
        let token = s.token(i % 2).to_owned();
        async move {
            let body = json!({"conversation_id": conv, "client_msg_id": format!("c{i}"), "type": "text", "content": format!("n{i}")});
            let res = client.post(url).bearer_auth(token).json(&body).send().await.expect("send");
            assert_eq!(res.status(), StatusCode::CREATED);
            res.json::<Value>().await.expect("json")["seq"].as_i64().expect("seq")
        }
    });
    let mut seqs = futures_util::future::join_all(sends).await;
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=40).collect::<Vec<_>>(),
        "every seq once, no gaps"
    );
    let items = s.history_when(0, conv, 40).await;
    let stored: Vec<i64> = items.iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(stored, (1..=40).collect::<Vec<_>>());
    s.cleanup().await;
}

/// Group commit: many concurrent sends into three conversations, every one sent twice at
/// once (a client retrying), some mentioning a member. The batches must keep everything a
/// one-send transaction kept: each conversation's seqs 1..n once, a retry answered with the
/// same message, one mention notification per mentioning message, the sender's cursor at
/// their newest message; and batches really held several sends.
#[tokio::test(flavor = "multi_thread")]
async fn group_commit_keeps_seqs_repeats_mentions_and_cursors() {
    let s = spawn(4).await;
    let a = s.group(0, &[1, 2, 3]).await;
    let b = s.group(0, &[1]).await;
    let (_, direct) = s
        .post(
            "/api/v1/conversations",
            2,
            json!({"type": "direct", "member_ids": [s.id(3)]}),
        )
        .await;
    let d = direct["id"].as_i64().expect("direct id");
    // (conversation, senders) with 40 distinct sends each, each sent twice concurrently.
    let plan = [(a, vec![0, 1, 2, 3]), (b, vec![0, 1]), (d, vec![2, 3])];
    let mut sends = Vec::new();
    for (conv, senders) in &plan {
        for i in 0..40 {
            let who = senders[i % senders.len()];
            // Every fourth message in `a` mentions user1 (not its own sender).
            let content = if *conv == a && i % 4 == 0 && who != 1 {
                format!("ping @user1 #{i}")
            } else {
                format!("m{i}")
            };
            for _attempt in 0..2 {
                let client = s.client.clone();
                let url = format!("{}/api/v1/messages", s.base);
                let token = s.token(who).to_owned();
                let body = json!({"conversation_id": conv, "client_msg_id": format!("k{conv}-{i}"), "type": "text", "content": content});
                sends.push(async move {
                    let res = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&body)
                        .send()
                        .await
                        .expect("send");
                    let status = res.status();
                    let v = res.json::<Value>().await.expect("json");
                    assert!(
                        status == StatusCode::CREATED || status == StatusCode::OK,
                        "{status} {v}"
                    );
                    (
                        body["conversation_id"].as_i64().unwrap_or_default(),
                        body["client_msg_id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        v["id"].as_str().unwrap_or_default().to_owned(),
                        v["seq"].as_i64().unwrap_or_default(),
                    )
                });
            }
        }
    }
    let answers = futures_util::future::join_all(sends).await;
    let mut by_cmid: std::collections::HashMap<String, (String, i64)> = Default::default();
    for (_, cmid, id, seq) in &answers {
        let first = by_cmid.entry(cmid.clone()).or_insert((id.clone(), *seq));
        assert_eq!(
            first,
            &(id.clone(), *seq),
            "a retry of {cmid} got another message"
        );
    }
    for (conv, _) in &plan {
        let mut seqs: Vec<i64> = by_cmid
            .iter()
            .filter(|(k, _)| k.starts_with(&format!("k{conv}-")))
            .map(|(_, (_, seq))| *seq)
            .collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=40).collect::<Vec<_>>(),
            "conversation {conv}: every seq once"
        );
        let reader = if *conv == d { 2 } else { 0 };
        let stored = s.history_when(reader, *conv, 40).await;
        assert_eq!(stored.len(), 40, "conversation {conv} persisted once each");
    }
    // Mentions: one per mentioning message, to user1 only.
    let senders_of_a = &plan[0].1;
    let mentioning = (0..40)
        .filter(|i| i % 4 == 0 && senders_of_a[i % senders_of_a.len()] != 1)
        .count();
    assert!(mentioning > 0);
    let (status, inbox) = s.get("/api/v1/notifications?limit=100", 1).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    let mentions = inbox["items"]
        .as_array()
        .map(|v| v.iter().filter(|n| n["kind"] == "mention").count())
        .unwrap_or(0);
    assert_eq!(mentions, mentioning, "{inbox}");
    // The sender's cursor is at their newest message: nothing of their own is unread.
    let (status, list) = s.get("/api/v1/conversations", 2).await;
    assert_eq!(status, StatusCode::OK);
    let own_newest = |conv: i64, who: usize| {
        let senders = &plan.iter().find(|(c, _)| *c == conv).expect("planned").1;
        (0..40)
            .filter(|i| senders[i % senders.len()] == who)
            .map(|i| by_cmid[&format!("k{conv}-{i}")].1)
            .max()
            .unwrap_or(0)
    };
    for c in list["items"].as_array().expect("items") {
        let conv = c["id"].as_i64().expect("id");
        let unread = c["unread_count"].as_i64().expect("unread_count");
        assert_eq!(unread, 40 - own_newest(conv, 2), "{c}");
    }
    // And the batches were batches: on average more than one send per transaction.
    let metrics = testkit::metrics(&s.base).await;
    let value = |name: &str| -> f64 {
        metrics
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let (sum, count) = (
        value("chat_send_batch_size_sum"),
        value("chat_send_batch_size_count"),
    );
    assert!(
        count > 0.0 && sum > count,
        "batches of {sum} sends over {count} commits"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn file_and_image_messages_check_the_file() {
    let s = spawn(3).await;
    let g = s.group(0, &[1]).await;
    let pdf = s.file_row(0, "application/pdf").await;
    let png = s.file_row(0, "image/png").await;
    let theirs = s.file_row(2, "image/png").await;
    let send = |cmid: &str, kind: &str, file: Option<&str>| json!({"conversation_id": g, "client_msg_id": cmid, "type": kind, "content": "", "file_id": file});
    let (status, sent) = s
        .post("/api/v1/messages", 0, send("img", "image", Some(&png)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(
        (
            sent["file"]["width"].clone(),
            sent["file"]["height"].clone()
        ),
        (json!(800), json!(600))
    );
    let (status, sent) = s
        .post("/api/v1/messages", 0, send("doc", "file", Some(&pdf)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    for (body, field) in [
        (send("a", "image", Some(&pdf)), "type"),
        (send("b", "file", Some(&theirs)), "file_id"),
        (
            send("c", "file", Some("01ARZ3NDEKTSV4RRFFQ69G5FAV")),
            "file_id",
        ),
        (send("d", "file", Some("../x")), "file_id"),
        (send("e", "file", None), "file_id"),
        (
            json!({"conversation_id": g, "client_msg_id": "f", "type": "text", "content": "hi", "file_id": pdf}),
            "file_id",
        ),
    ] {
        let (status, err) = s.post("/api/v1/messages", 0, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert_eq!(err["error"]["field"], field, "{body} -> {err}");
    }
    // The member it was sent to may now forward it; history carries the file's metadata.
    let (status, fwd) = s
        .post("/api/v1/messages", 1, send("fwd", "image", Some(&png)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fwd}");
    let history = s.history_when(1, g, 3).await;
    assert_eq!(history[0]["file"]["id"], png);
    assert_eq!(history[0]["file"]["width"], 800);
    assert_eq!(history[1]["file"]["content_type"], "application/pdf");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bot_sends_where_it_is_a_member_and_nowhere_else() {
    let mut s = common::spawn(2).await;
    s.users
        .push(testkit::user_with_token(&s.db.url, "ticketbot", "bot").await);
    let bot = 2;
    let with_bot = s.group(0, &[bot]).await;
    let without = s.group(0, &[1]).await;
    let (status, sent) = s.send(bot, with_bot, "bot-1", "ticket #7 opened").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["sender_id"], s.id(bot));
    let (status, _) = s.send(bot, without, "bot-2", "not here").await;
    assert!(
        status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
        "{status}"
    );
    let history = s.history_when(0, with_bot, 1).await;
    assert_eq!(history[0]["content"], "ticket #7 opened");
    s.cleanup().await;
}
