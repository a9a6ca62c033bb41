//! Blocking against the real MariaDB and RabbitMQ: the blocked user cannot open a direct
//! chat with, or send into the one shared with, the blocker (403 `blocked`); the blocker
//! still can; groups are unaffected; unblocking restores it; the list, its limits and
//! idempotency. And the sequencer's exactness: a send waiting on the conversation's lock
//! while a block (or a group removal) holds it is refused once that commits.

mod common;

use common::Stack;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;
use testkit::error_code;

async fn direct(s: &Stack, a: usize, b: usize) -> (StatusCode, serde_json::Value) {
    s.post(
        "/api/v1/conversations",
        a,
        json!({"type": "direct", "member_ids": [s.id(b)]}),
    )
    .await
}

async fn set_block(s: &Stack, who: usize, other: i64, on: bool) -> StatusCode {
    let method = if on { Method::PUT } else { Method::DELETE };
    s.call(
        method,
        &format!("/api/v1/users/me/blocks/{other}"),
        who,
        None,
    )
    .await
    .0
}

#[tokio::test]
async fn a_blocked_user_cannot_open_or_send_into_a_direct_chat_but_groups_and_the_blocker_can() {
    let s = common::spawn(3).await;
    let (status, body) = direct(&s, 0, 1).await;
    assert!(status.is_success(), "{body}");
    let dm = body["id"].as_i64().expect("test step");
    let group = s.group(0, &[1, 2]).await;
    assert_eq!(s.send(1, dm, "before", "hi").await.0, StatusCode::CREATED);

    // user0 blocks user1 (twice: idempotent).
    assert_eq!(
        set_block(&s, 0, s.id(1), true).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        set_block(&s, 0, s.id(1), true).await,
        StatusCode::NO_CONTENT
    );

    let (status, body) = s.send(1, dm, "after", "still there?").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "blocked");
    // Also on the path that reads references first (a reply).
    let (status, body) = s
        .post(
            "/api/v1/messages",
            1,
            json!({"conversation_id": dm, "client_msg_id": "reply", "type": "text",
                   "content": "re", "reply_to": "01JAAAAAAAAAAAAAAAAAAAAAAA"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "blocked");
    let (status, body) = direct(&s, 1, 0).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(error_code(&body), "blocked");

    // Nor react, edit or pin there; taking back stays possible.
    let mine = s.history_when(1, dm, 1).await[0]["id"]
        .as_str()
        .expect("test step")
        .to_owned();
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{mine}/reactions/%F0%9F%91%8D"),
            1,
            None,
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "blocked"),
        "{body}"
    );
    let (status, body) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/messages/{mine}"),
            1,
            Some(json!({"content": "edited"})),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "blocked"),
        "{body}"
    );
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/conversations/{dm}/pins/{mine}"),
            1,
            None,
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "blocked"),
        "{body}"
    );
    // The blocker may still write; groups are unaffected; a third user is unaffected.
    assert_eq!(s.send(0, dm, "mine", "bye").await.0, StatusCode::CREATED);
    assert_eq!(
        s.send(1, group, "g1", "in the group").await.0,
        StatusCode::CREATED
    );
    assert!(direct(&s, 2, 0).await.0.is_success());
    // The blocked user still reads the history they had.
    assert_eq!(s.history_when(1, dm, 2).await.len(), 2);

    // The list.
    let (status, list) = s.get("/api/v1/users/me/blocks", 0).await;
    assert_eq!(status, StatusCode::OK);
    let list = list["items"].as_array().expect("test step");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["user_id"], s.id(1));
    assert_eq!(list[0]["username"], "user1");
    assert!(list[0]["blocked_at"].is_string());
    assert_eq!(
        s.get("/api/v1/users/me/blocks", 1).await.1,
        json!({"items": []})
    );

    // Unblocking restores sending; a second unblock is 404.
    assert_eq!(
        set_block(&s, 0, s.id(1), false).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        set_block(&s, 0, s.id(1), false).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(s.send(1, dm, "again", "ok?").await.0, StatusCode::CREATED);
    assert!(direct(&s, 1, 0).await.0.is_success());
    s.cleanup().await;
}

#[tokio::test]
async fn a_block_made_before_the_direct_chat_exists_holds_in_it() {
    let s = common::spawn(2).await;
    assert_eq!(
        set_block(&s, 0, s.id(1), true).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(direct(&s, 1, 0).await.0, StatusCode::FORBIDDEN);
    // The blocker opens it: the flag is set from the block as the members are created.
    let (status, body) = direct(&s, 0, 1).await;
    assert!(status.is_success(), "{body}");
    let dm = body["id"].as_i64().expect("test step");
    let (status, body) = s.send(1, dm, "x", "let me in").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "blocked")
    );
    assert_eq!(s.send(0, dm, "y", "no").await.0, StatusCode::CREATED);
    // Both block each other: each unblock lifts one side only.
    assert_eq!(
        set_block(&s, 1, s.id(0), true).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.send(0, dm, "z", "hm").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        set_block(&s, 0, s.id(1), false).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.send(1, dm, "w", "free").await.0, StatusCode::CREATED);
    assert_eq!(s.send(0, dm, "v", "not me").await.0, StatusCode::FORBIDDEN);
    s.cleanup().await;
}

#[tokio::test]
async fn blocking_rules_yourself_strangers_and_the_limit() {
    let s = common::spawn(2).await;
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/users/me/blocks/{}", s.id(0)),
            0,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "user_id");
    assert_eq!(set_block(&s, 0, 999_999, true).await, StatusCode::NOT_FOUND);
    let (status, body) = s
        .call(Method::PUT, "/api/v1/users/me/blocks/abc", 0, None)
        .await;
    assert!(
        status.is_client_error() && body["error"]["code"].is_string(),
        "{status} {body}"
    );
    assert_eq!(
        s.as_user(Method::GET, "/api/v1/users/me/blocks", None, None)
            .await,
        StatusCode::UNAUTHORIZED
    );
    // The limit, checked against the real rows (filled directly: 1 000 accounts).
    let url = s.db.url.clone();
    let rows: Vec<String> = (0..1000)
        .map(|i| format!("('filler{i}', 'x', 'f', 'user', NOW(6), NOW(6))"))
        .collect();
    testkit::exec_sql(
        &url,
        &format!(
            "INSERT INTO users (username, password_hash, display_name, role, created_at, updated_at) VALUES {}",
            rows.join(",")
        ),
    )
    .await;
    testkit::exec_sql(
        &url,
        &format!(
            "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) \
             SELECT {}, id, NOW(6) FROM users WHERE username LIKE 'filler%'",
            s.id(0)
        ),
    )
    .await;
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/users/me/blocks/{}", s.id(1)),
            0,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("test step")
            .contains("1000"),
        "{body}"
    );
    assert_eq!(
        s.get("/api/v1/users/me/blocks", 0).await.1["items"]
            .as_array()
            .expect("test step")
            .len(),
        1000
    );
    s.cleanup().await;
}

/// A send whose batch waits for the conversation's lock while another transaction that
/// holds it makes the sender unable to send: once that commits, the send is refused.
async fn send_waiting_on(
    s: &Stack,
    conversation: i64,
    sender: i64,
    change: impl AsyncFnOnce(&mut AsyncMysqlConnection),
) -> db::messages::Taken {
    let mut holder = AsyncMysqlConnection::establish(&s.db.url)
        .await
        .expect("test step");
    diesel::sql_query("BEGIN")
        .execute(&mut holder)
        .await
        .expect("test step");
    db::messages::lock_counter(&mut holder, conversation)
        .await
        .expect("test step");
    let url = s.db.url.clone();
    let waiting = tokio::spawn(async move {
        let mut c = AsyncMysqlConnection::establish(&url)
            .await
            .expect("test step");
        let claim = db::messages::Claim {
            conversation,
            sender,
            client_msg_id: "waiting".into(),
            message_id: ulid::Ulid::generate().to_string(),
            mentioned: Vec::new(),
            attach: None,
        };
        db::messages::take_seqs(&mut c, &[claim])
            .await
            .expect("test step")
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "the send did not wait for the lock");
    change(&mut holder).await;
    diesel::sql_query("COMMIT")
        .execute(&mut holder)
        .await
        .expect("test step");
    waiting.await.expect("test step").pop().expect("test step")
}

#[tokio::test]
async fn a_send_waiting_on_the_lock_sees_the_block_or_removal_that_held_it() {
    let s = common::spawn(3).await;
    let dm = direct(&s, 0, 1).await.1["id"].as_i64().expect("test step");
    let (blocked, blocker) = (s.id(1), s.id(0));
    let taken = send_waiting_on(&s, dm, blocked, async |c| {
        diesel::sql_query(format!(
            "INSERT INTO user_blocks VALUES ({blocker}, {blocked}, NOW(6))"
        ))
        .execute(c)
        .await
        .expect("test step");
        diesel::sql_query(format!(
            "UPDATE conversation_members SET peer_blocked = TRUE \
             WHERE conversation_id = {dm} AND user_id = {blocked}"
        ))
        .execute(c)
        .await
        .expect("test step");
    })
    .await;
    assert!(matches!(taken, db::messages::Taken::Blocked), "{taken:?}");

    let group = s.group(0, &[1, 2]).await;
    let removed = s.id(2);
    let taken = send_waiting_on(&s, group, removed, async |c| {
        db::groups::depart(c, group, removed, 1, chrono::Utc::now().naive_utc())
            .await
            .expect("test step");
    })
    .await;
    assert!(matches!(taken, db::messages::Taken::NotMember), "{taken:?}");
    s.cleanup().await;
}
