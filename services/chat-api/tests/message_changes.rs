//! The message lifecycle against the real MariaDB and RabbitMQ: who may edit, recall,
//! react and pin, the windows and limits, delete for me, and the changes found by rev.

mod common;

use common::Stack;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn sent(s: &Stack, who: usize, conversation: i64, cmid: &str, text: &str) -> String {
    let (status, body) = s.send(who, conversation, cmid, text).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().expect("id").to_owned();
    // Changes apply to stored messages: wait for the persistence worker.
    let seq = body["seq"].as_i64().expect("seq") as usize;
    s.history_when(who, conversation, seq).await;
    id
}

async fn direct(s: &Stack, a: usize, b: usize) -> i64 {
    let (status, body) = s
        .post(
            "/api/v1/conversations",
            a,
            json!({"type": "direct", "member_ids": [s.id(b)]}),
        )
        .await;
    assert!(status.is_success(), "{body}");
    body["id"].as_i64().expect("id")
}

async fn patch(s: &Stack, who: usize, id: &str, content: &str) -> (StatusCode, Value) {
    s.call(
        Method::PATCH,
        &format!("/api/v1/messages/{id}"),
        who,
        Some(json!({"content": content})),
    )
    .await
}

async fn react(s: &Stack, who: usize, id: &str, emoji: &str, add: bool) -> (StatusCode, Value) {
    let path = format!("/api/v1/messages/{id}/reactions/{}", percent_encode(emoji));
    let method = if add { Method::PUT } else { Method::DELETE };
    s.call(method, &path, who, None).await
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn history(items: &[Value], id: &str) -> Value {
    items
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_sender_edits_text_within_the_window_and_new_mentions_notify() {
    let s = common::spawn_with(3, &["--message-edit-window-secs", "2"]).await;
    let g = s.group(0, &[1]).await;
    let id = sent(&s, 0, g, "e1", "hello").await;

    let (status, body) = patch(&s, 0, &id, "hello @user1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["content"], "hello @user1");
    assert!(body["edited_at"].is_string(), "{body}");
    let rev = body["rev"].as_i64().expect("rev");
    assert!(rev > 0);
    // The edit added a mention: user1 is notified once.
    let (_, inbox) = s.get("/api/v1/notifications", 1).await;
    let mentions: Vec<&Value> = inbox["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["kind"] == "mention" && n["payload"]["message_id"] == id)
        .collect();
    assert_eq!(mentions.len(), 1, "{inbox}");
    // Removing the mention does not un-notify; the same content again changes nothing.
    let (status, body) = patch(&s, 0, &id, "hello").await;
    assert_eq!(status, StatusCode::OK);
    let (status, same) = patch(&s, 0, &id, "hello").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same["rev"], body["rev"], "a no-op takes no rev");

    assert_eq!(patch(&s, 1, &id, "not mine").await.0, StatusCode::FORBIDDEN);
    assert_eq!(patch(&s, 2, &id, "stranger").await.0, StatusCode::NOT_FOUND);
    let (status, body) = patch(&s, 0, &id, "   ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "content");
    let long = "x".repeat(8001);
    assert_eq!(
        patch(&s, 0, &id, &long).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        patch(&s, 0, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "x").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(patch(&s, 0, "nope", "x").await.0, StatusCode::NOT_FOUND);

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let (status, body) = patch(&s, 0, &id, "too late").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn recall_by_the_sender_in_time_or_by_a_group_admin_leaves_a_tombstone() {
    let s = common::spawn_with(4, &["--message-recall-window-secs", "2"]).await;
    let g = s.group(0, &[1, 2]).await;
    let mine = sent(&s, 1, g, "r1", "oops").await;
    let late = sent(&s, 1, g, "r2", "keep").await;
    let other = sent(&s, 2, g, "r3", "someone else's").await;

    let recall = |who: usize, id: String| {
        let s = &s;
        async move {
            s.call(
                Method::POST,
                &format!("/api/v1/messages/{id}/recall"),
                who,
                None,
            )
            .await
        }
    };
    let (status, body) = recall(1, mine.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recalled"], true);
    assert_eq!(body["recalled_by"], s.id(1));
    assert_eq!(body["content"], "");
    // A member cannot recall another's message; a stranger does not see it.
    assert_eq!(recall(1, other.clone()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(recall(3, other.clone()).await.0, StatusCode::NOT_FOUND);
    // A recalled message cannot be edited or recalled again.
    assert_eq!(
        patch(&s, 1, &mine, "again").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(recall(1, late.clone()).await.0, StatusCode::FORBIDDEN);
    // The owner recalls anyone's message at any time.
    let (status, body) = recall(0, late.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["recalled_by"], s.id(0));

    // History keeps the seqs, with tombstones, for everyone.
    let items = s.history_when(2, g, 3).await;
    let tomb = history(&items, &mine);
    assert_eq!(tomb["recalled"], true, "{tomb}");
    assert_eq!(tomb["content"], "");
    assert_eq!(history(&items, &other)["content"], "someone else's");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_for_me_hides_it_from_my_history_only() {
    let s = common::spawn(3).await;
    let d = direct(&s, 0, 1).await;
    let id = sent(&s, 1, d, "h1", "private").await;
    let path = format!("/api/v1/messages/{id}");
    assert_eq!(
        s.as_user(Method::DELETE, &path, Some(2), None).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.as_user(Method::DELETE, &path, Some(0), None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.as_user(Method::DELETE, &path, Some(0), None).await,
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    let mine = history(&s.history_when(0, d, 1).await, &id);
    assert_eq!(mine["hidden"], true, "{mine}");
    assert_eq!(mine["content"], "");
    let theirs = history(&s.history_when(1, d, 1).await, &id);
    assert_eq!(theirs["content"], "private");
    assert!(theirs.get("hidden").is_none());
    let (status, one) = s.get(&path, 0).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["hidden"], true);
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reactions_are_idempotent_counted_and_bounded() {
    let s = common::spawn_with(4, &["--max-reactions-per-message", "2"]).await;
    let g = s.group(0, &[1, 2]).await;
    let id = sent(&s, 0, g, "x1", "react to me").await;

    let (status, body) = react(&s, 1, &id, "👍", true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["reactions"],
        json!([{"emoji": "👍", "count": 1, "me": true, "user_ids": [s.id(1)]}])
    );
    let rev = body["rev"].clone();
    let (_, again) = react(&s, 1, &id, "👍", true).await;
    assert_eq!(again["rev"], rev, "the same reaction twice is one");
    let (_, body) = react(&s, 2, &id, "👍", true).await;
    assert_eq!(body["reactions"][0]["count"], 2);
    assert_eq!(body["reactions"][0]["me"], true);
    // `me` is per reader.
    let (_, as_owner) = s.get(&format!("/api/v1/messages/{id}"), 0).await;
    assert_eq!(as_owner["reactions"][0]["me"], false);
    assert_eq!(as_owner["reactions"][0]["count"], 2);

    assert_eq!(react(&s, 1, &id, "🎉", true).await.0, StatusCode::OK);
    let (status, body) = react(&s, 1, &id, "🔥", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "emoji");
    // An emoji already there is still fine at the limit.
    assert_eq!(react(&s, 0, &id, "🎉", true).await.0, StatusCode::OK);
    let (status, body) = react(&s, 1, &id, "a b", true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        react(&s, 1, &id, &"x".repeat(17), true).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(react(&s, 3, &id, "👍", true).await.0, StatusCode::NOT_FOUND);

    let (status, body) = react(&s, 1, &id, "👍", false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["reactions"][0]["count"], 1);
    assert_eq!(body["reactions"][0]["me"], false);
    let (_, again) = react(&s, 1, &id, "👍", false).await;
    assert_eq!(again["rev"], body["rev"], "removing twice is removing once");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pins_by_group_managers_or_either_side_of_a_direct_chat() {
    let s = common::spawn(3).await;
    let g = s.group(0, &[1]).await;
    let id = sent(&s, 1, g, "p1", "pin me").await;
    let pin_path = format!("/api/v1/conversations/{g}/pins/{id}");
    assert_eq!(
        s.as_user(Method::PUT, &pin_path, Some(1), None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.as_user(Method::PUT, &pin_path, Some(2), None).await,
        StatusCode::NOT_FOUND
    );
    let (status, body) = s.call(Method::PUT, &pin_path, 0, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["pinned_by"], s.id(0));
    let (status, pins) = s.get(&format!("/api/v1/conversations/{g}/pins"), 1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pins["items"][0]["id"], id.as_str());
    // The message must be in the conversation of the path.
    let d = direct(&s, 0, 1).await;
    assert_eq!(
        s.as_user(
            Method::PUT,
            &format!("/api/v1/conversations/{d}/pins/{id}"),
            Some(0),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let (status, body) = s.call(Method::DELETE, &pin_path, 0, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("pinned_at").is_none(), "{body}");
    let (_, pins) = s.get(&format!("/api/v1/conversations/{g}/pins"), 1).await;
    assert_eq!(pins["items"], json!([]));

    let dm = sent(&s, 0, d, "p2", "direct").await;
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/conversations/{d}/pins/{dm}"),
            1,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_message_is_for_members_only_and_a_removed_member_sees_up_to_the_removal() {
    let s = common::spawn(3).await;
    let g = s.group(0, &[1]).await;
    let before = sent(&s, 0, g, "m1", "before").await;
    let (status, _) = s.get(&format!("/api/v1/messages/{before}"), 1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get(&format!("/api/v1/messages/{before}"), 2).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.as_user(
            Method::DELETE,
            &format!("/api/v1/groups/{g}/members/{}", s.id(1)),
            Some(0),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let after = sent(&s, 0, g, "m2", "after").await;
    assert_eq!(
        s.get(&format!("/api/v1/messages/{before}"), 1).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get(&format!("/api/v1/messages/{after}"), 1).await.0,
        StatusCode::NOT_FOUND
    );
    // And a removed member changes nothing any more.
    assert_eq!(
        react(&s, 1, &before, "👍", true).await.0,
        StatusCode::NOT_FOUND
    );
    s.cleanup().await;
}

/// A device that knows the conversation up to rev R asks for what changed after it and
/// ends in exactly the state history shows; each changed message comes once, in rev order.
#[tokio::test(flavor = "multi_thread")]
async fn changes_are_found_by_rev_once_each_in_their_current_state() {
    let s = common::spawn(2).await;
    let g = s.group(0, &[1]).await;
    let a = sent(&s, 0, g, "a", "first").await;
    let b = sent(&s, 0, g, "b", "second").await;
    let c = sent(&s, 1, g, "c", "third").await;
    // The device's view before the changes.
    let (_, seen) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev=0"),
            1,
        )
        .await;
    assert_eq!(seen["items"], json!([]), "nothing changed yet");

    assert_eq!(patch(&s, 0, &a, "first, edited").await.0, StatusCode::OK);
    assert_eq!(react(&s, 1, &b, "👀", true).await.0, StatusCode::OK);
    assert_eq!(
        patch(&s, 0, &a, "first, edited twice").await.0,
        StatusCode::OK
    );
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{c}/recall"),
            1,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, changed) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev=0&up_to_seq=100"),
            1,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let items = changed["items"].as_array().expect("items");
    let ids: Vec<&str> = items
        .iter()
        .map(|m| m["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        vec![b.as_str(), a.as_str(), c.as_str()],
        "rev order, once each"
    );
    let revs: Vec<i64> = items
        .iter()
        .map(|m| m["rev"].as_i64().unwrap_or(0))
        .collect();
    assert!(revs.windows(2).all(|w| w[0] < w[1]), "{revs:?}");
    // Applying them to the device's old copies gives exactly today's history.
    let now = s.history_when(1, g, 3).await;
    for m in items {
        assert_eq!(&history(&now, m["id"].as_str().unwrap_or("")), m);
    }
    // After the last rev: nothing; after the first: the rest.
    let last = revs.last().copied().unwrap_or(0);
    let (_, none) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev={last}"),
            1,
        )
        .await;
    assert_eq!(none["items"], json!([]));
    let (_, rest) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev={}", revs[0]),
            1,
        )
        .await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(2));

    let (status, body) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev=0&after_seq=1"),
            1,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "after_rev");
    let (status, _) = s
        .get(
            &format!("/api/v1/messages?conversation_id={g}&after_rev=-1"),
            1,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forward_copies_what_the_sender_can_read_files_included() {
    let s = common::spawn(3).await;
    let from = s.group(0, &[1]).await;
    let to = s.group(1, &[2]).await;
    let text = sent(&s, 0, from, "f1", "worth sharing").await;
    let forward = |who: usize, cmid: &str, source: &str, extra: Value| {
        let mut body = json!({"conversation_id": to, "client_msg_id": cmid, "forward_of": source});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let s = &s;
        async move { s.post("/api/v1/messages", who, body).await }
    };
    let (status, copy) = forward(1, "fw1", &text, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["content"], "worth sharing");
    assert_eq!(copy["type"], "text");
    assert_eq!(copy["forwarded_from"], text.as_str());
    let items = s.history_when(2, to, 1).await;
    assert_eq!(
        history(&items, copy["id"].as_str().unwrap_or(""))["forwarded_from"],
        text.as_str()
    );

    // Someone who cannot read the source learns nothing; a forward brings no content of
    // its own; recalled messages stay recalled.
    let (status, body) = forward(2, "fw2", &text, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "forward_of");
    let (status, body) = forward(1, "fw3", &text, json!({"content": "mine"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "forward_of");
    let gone = sent(&s, 0, from, "f2", "oops").await;
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{gone}/recall"),
            0,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        forward(1, "fw4", &gone, json!({})).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A file travels with its message: the target conversation may read it from now on.
    let file = s.file_row(0, "application/pdf").await;
    let (status, m) = s
        .post(
            "/api/v1/messages",
            0,
            json!({"conversation_id": from, "client_msg_id": "f3", "type": "file", "content": "", "file_id": file}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let source = m["id"].as_str().expect("id").to_owned();
    s.history_when(1, from, m["seq"].as_i64().unwrap_or(0) as usize)
        .await;
    let attached = |conversation: i64| {
        let (url, file) = (s.db.url.clone(), file.clone());
        async move {
            testkit::count_rows(
                &url,
                &format!(
                    "file_attachments WHERE file_id = '{file}' AND conversation_id = {conversation}"
                ),
            )
            .await
        }
    };
    assert_eq!(attached(to).await, 0);
    let (status, copy) = forward(1, "fw5", &source, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{copy}");
    assert_eq!(copy["file_id"], file.as_str());
    assert_eq!(copy["file"]["content_type"], "application/pdf");
    assert_eq!(
        attached(to).await,
        1,
        "readable by the new conversation's members"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn who_has_read_a_message_comes_from_the_read_cursors() {
    let s = common::spawn(4).await;
    let g = s.group(0, &[1, 2]).await;
    let id = sent(&s, 0, g, "rd1", "did you read this").await;
    let path = format!("/api/v1/messages/{id}/reads");
    let (status, reads) = s.get(&path, 0).await;
    assert_eq!(status, StatusCode::OK, "{reads}");
    assert_eq!(reads["read_by"], json!([]));
    let mut unread: Vec<i64> = reads["unread_by"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    unread.sort();
    assert_eq!(
        unread,
        vec![s.id(1), s.id(2)],
        "the sender is in neither list"
    );
    let (status, _) = s
        .post(
            "/api/v1/messages/read",
            1,
            json!({"conversation_id": g, "seq": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, reads) = s.get(&path, 2).await;
    assert_eq!(reads["read_by"], json!([s.id(1)]));
    assert_eq!(reads["unread_by"], json!([s.id(2)]));
    assert_eq!(s.get(&path, 3).await.0, StatusCode::NOT_FOUND);
    s.cleanup().await;
}

/// Polls the search until `want` ids come back (the indexer works from the bus).
async fn search_until(s: &Stack, who: usize, q: &str, want: usize) -> Value {
    let path = format!("/api/v1/messages/search?q={}", percent_encode(q));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, body) = s.get(&path, who).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let n = body["items"].as_array().map(Vec::len).unwrap_or(0);
        if n == want || std::time::Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn found(page: &Value) -> Vec<String> {
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| h["message"]["content"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_chinese_and_english_only_in_what_the_reader_can_read() {
    let s = common::spawn(3).await;
    let g = s.group(0, &[1]).await;
    for (i, text) in [
        "明天下午三点开会讨论部署方案",
        "部署已经完成，请大家检查",
        "Deployment finished: please check the dashboards",
        "The deploy window is Thursday",
        "unrelated chatter about lunch",
    ]
    .iter()
    .enumerate()
    {
        sent(&s, 0, g, &format!("s{i}"), text).await;
    }
    // A phrase in Chinese; a partial word; any case.
    let page = search_until(&s, 1, "部署", 2).await;
    assert_eq!(
        found(&page),
        vec!["明天下午三点开会讨论部署方案", "部署已经完成，请大家检查"]
    );
    let hit = &page["items"][0];
    let [at, len] = [
        hit["highlights"][0][0].as_u64(),
        hit["highlights"][0][1].as_u64(),
    ]
    .map(|x| x.unwrap_or(0) as usize);
    let snippet = hit["snippet"].as_str().unwrap_or("");
    assert_eq!(
        snippet.chars().skip(at).take(len).collect::<String>(),
        "部署"
    );
    assert_eq!(found(&search_until(&s, 1, "三点开会", 1).await).len(), 1);
    assert!(
        found(&search_until(&s, 1, "开会三点", 0).await).is_empty(),
        "pairs in order"
    );
    assert_eq!(
        found(&search_until(&s, 1, "DEPLOY", 2).await).len(),
        2,
        "prefix, any case"
    );
    assert_eq!(
        found(&search_until(&s, 1, "deploy thursday", 1).await),
        vec!["The deploy window is Thursday"]
    );
    // Strangers find nothing.
    assert!(found(&search_until(&s, 2, "部署", 0).await).is_empty());

    // An edit is searchable by its new words only; a recall and a delete-for-me hide.
    let lunch = sent(&s, 0, g, "s9", "lunch at noon").await;
    search_until(&s, 1, "lunch", 2).await;
    assert_eq!(
        patch(&s, 0, &lunch, "dinner at eight").await.0,
        StatusCode::OK
    );
    assert_eq!(found(&search_until(&s, 1, "dinner", 1).await).len(), 1);
    assert_eq!(found(&search_until(&s, 1, "lunch", 1).await).len(), 1);
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{lunch}/recall"),
            0,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found(&search_until(&s, 1, "dinner", 0).await).is_empty(),
        "recalled"
    );
    let page = search_until(&s, 1, "thursday", 1).await;
    let id = page["items"][0]["message"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let hidden = s
        .as_user(
            Method::DELETE,
            &format!("/api/v1/messages/{id}"),
            Some(1),
            None,
        )
        .await;
    assert_eq!(hidden, StatusCode::NO_CONTENT);
    assert!(
        found(&search_until(&s, 1, "thursday", 0).await).is_empty(),
        "deleted for me"
    );
    assert_eq!(
        found(&search_until(&s, 0, "thursday", 1).await).len(),
        1,
        "not for others"
    );

    // A removed member finds what they could read, not what came after.
    assert_eq!(
        s.as_user(
            Method::DELETE,
            &format!("/api/v1/groups/{g}/members/{}", s.id(1)),
            Some(0),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    sent(&s, 0, g, "s10", "部署之后的消息").await;
    search_until(&s, 0, "部署", 3).await;
    assert_eq!(found(&search_until(&s, 1, "部署", 2).await).len(), 2);

    // Bad queries are 422 naming the field.
    for (q, field) in [("", "q"), ("?!", "q")] {
        let (status, body) = s
            .get(
                &format!("/api/v1/messages/search?q={}", percent_encode(q)),
                0,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {body}");
        assert_eq!(body["error"]["field"], field);
    }
    let (status, body) = s.get("/api/v1/messages/search?q=x&cursor=nope", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "cursor");
    let long = "字".repeat(101);
    assert_eq!(
        s.get(
            &format!("/api/v1/messages/search?q={}", percent_encode(&long)),
            0
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    s.cleanup().await;
}

/// `chat-api search-rebuild` brings back an index that was lost, recalls included.
#[tokio::test(flavor = "multi_thread")]
async fn the_search_index_is_rebuilt_from_the_messages() {
    let s = common::spawn(2).await;
    let g = s.group(0, &[1]).await;
    sent(&s, 0, g, "r1", "rebuild me please").await;
    let gone = sent(&s, 0, g, "r2", "rebuild me not").await;
    search_until(&s, 1, "rebuild", 2).await;
    let (status, _) = s
        .call(
            Method::POST,
            &format!("/api/v1/messages/{gone}/recall"),
            0,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    testkit::exec_sql(&s.db.url, "DELETE FROM message_search").await;
    assert!(found(&search_until(&s, 1, "rebuild", 0).await).is_empty());
    let pool = db::pool::pool(&db::DbSettings {
        url: s.db.url.clone(),
        pool_size: 1,
    })
    .expect("pool");
    let mut conn = db::pool::conn(&pool).await.expect("conn");
    assert_eq!(db::search::rebuild(&mut conn, 1).await.expect("rebuild"), 2);
    assert_eq!(
        found(&search_until(&s, 1, "rebuild", 1).await),
        vec!["rebuild me please"]
    );
    s.cleanup().await;
}

/// Sends and changes in one conversation at once: each change takes the conversation's
/// lock only at its end, and sends lock the counter without a shared lock first, so none
/// of them deadlocks (they did: 500s under `loadcheck --changes`). Every change gets its
/// own rev.
#[tokio::test(flavor = "multi_thread")]
async fn sends_and_changes_at_once_all_succeed_each_change_taking_one_rev() {
    use futures_util::future::join_all;
    let s = common::spawn(4).await;
    let g = s.group(0, &[1, 2, 3]).await;
    let id = sent(&s, 0, g, "target", "react to me").await;
    let emoji = ["👍", "🎉", "❤️", "🚀", "👀"];
    let changes = join_all((0..4).flat_map(|who| {
        let (s, id) = (&s, &id);
        emoji.iter().map(move |e| react(s, who, id, e, true))
    }));
    let sends = join_all((0..40).map(|n| {
        let s = &s;
        async move { s.send(n % 4, g, &format!("c{n}"), "busy").await }
    }));
    let (changes, sends) = tokio::join!(changes, sends);
    for (status, body) in &sends {
        assert_eq!(*status, StatusCode::CREATED, "{body}");
    }
    for (status, body) in &changes {
        assert_eq!(*status, StatusCode::OK, "{body}");
    }
    // The conversation's revs come from these 20 changes alone: one each, none lost to
    // a rollback, so the message ends at rev 20. (An answer shows the message as it is
    // when read back, possibly after a later change, so answers may repeat a rev.)
    let (_, now) = s.get(&format!("/api/v1/messages/{id}"), 1).await;
    assert_eq!(now["rev"].as_i64(), Some(20), "{now}");
    let counts: Vec<i64> = now["reactions"]
        .as_array()
        .expect("reactions")
        .iter()
        .map(|r| r["count"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(counts, vec![4; 5], "{now}");
}
