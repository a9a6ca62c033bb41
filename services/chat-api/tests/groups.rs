//! Group administration and the notification inbox against the real MariaDB and RabbitMQ:
//! the permission matrix (owner, admin, member, removed member, stranger, anonymous) over
//! every endpoint with a conversation, group or notification id, ownership hand-over,
//! mutes, the size limit, system messages in history, mentions.

mod common;

use common::{Stack, spawn, spawn_with};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const OWNER: usize = 0;
const ADMIN: usize = 1;
const MEMBER: usize = 2;
const REMOVED: usize = 3;
const STRANGER: usize = 4;

/// Who calls, in the order of every row of the matrix; `None` is anonymous.
const CALLERS: [(Option<usize>, &str); 6] = [
    (Some(OWNER), "owner"),
    (Some(ADMIN), "admin"),
    (Some(MEMBER), "member"),
    (Some(REMOVED), "removed member"),
    (Some(STRANGER), "stranger"),
    (None, "anonymous"),
];

fn code(n: u16) -> StatusCode {
    StatusCode::from_u16(n).expect("status")
}

/// Calls `path` as each caller (in `order`, so state-changing rows run the allowed caller
/// last) and asserts the exact status.
async fn row(
    s: &Stack,
    method: Method,
    path: &str,
    body: Option<Value>,
    expected: [u16; 6],
    order: &[usize],
) {
    for &i in order {
        let (who, name) = CALLERS[i];
        let got = s.as_user(method.clone(), path, who, body.clone()).await;
        assert_eq!(
            got,
            code(expected[i]),
            "{method} {path} as {name}: expected {}, got {got}",
            expected[i]
        );
    }
}

const ALL: &[usize] = &[0, 1, 2, 3, 4, 5];
/// Refused callers first, then the admin, then the owner.
const OWNER_LAST: &[usize] = &[5, 4, 3, 2, 1, 0];

async fn member_role(s: &Stack, conversation: i64, who: usize, user: i64) -> Option<String> {
    let (status, body) = s
        .get(&format!("/api/v1/conversations/{conversation}"), who)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["members"]
        .as_array()?
        .iter()
        .find(|m| m["user_id"] == user)
        .map(|m| m["role"].as_str().unwrap_or_default().to_owned())
}

async fn notifications(s: &Stack, who: usize, query: &str) -> Vec<Value> {
    let (status, body) = s.get(&format!("/api/v1/notifications{query}"), who).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn permission_matrix_over_every_group_endpoint() {
    // 5..=8: members to promote, mute, kick; 9: to add.
    let s = spawn(10).await;
    let g = s.group(OWNER, &[ADMIN, MEMBER, REMOVED, 5, 6, 7, 8]).await;
    let put = |path: String, body: Value| (Method::PUT, path, Some(body));
    let (m, p, b) = put(
        format!("/api/v1/groups/{g}/members/{}/role", s.id(ADMIN)),
        json!({"role": "admin"}),
    );
    assert_eq!(s.as_user(m, &p, Some(OWNER), b).await, StatusCode::OK);
    let status = s
        .as_user(
            Method::DELETE,
            &format!("/api/v1/groups/{g}/members/{}", s.id(REMOVED)),
            Some(OWNER),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, after) = s
        .send(OWNER, g, "after-removal", "not for the removed")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{after}");

    // Reading: the removed member keeps history up to the removal only.
    row(
        &s,
        Method::GET,
        &format!("/api/v1/conversations/{g}"),
        None,
        [200, 200, 200, 404, 404, 401],
        ALL,
    )
    .await;
    row(
        &s,
        Method::GET,
        &format!("/api/v1/messages?conversation_id={g}"),
        None,
        [200, 200, 200, 200, 404, 401],
        ALL,
    )
    .await;
    let seen = s.history_when(REMOVED, g, 2).await;
    let last_seen = seen
        .iter()
        .filter_map(|m| m["seq"].as_i64())
        .max()
        .unwrap_or(0);
    assert!(
        last_seen < after["seq"].as_i64().unwrap_or(0),
        "the removed member must not read messages after the removal: {seen:?}"
    );
    assert_eq!(
        seen.last().map(|m| m["type"].clone()),
        Some(json!("system")),
        "the last thing they see is the system message of their removal"
    );
    let send = |cmid: &str| json!({"conversation_id": g, "client_msg_id": cmid, "type": "text", "content": "hi"});
    for (i, expected) in [201u16, 201, 201, 404, 404, 401].iter().enumerate() {
        let got = s
            .as_user(
                Method::POST,
                "/api/v1/messages",
                CALLERS[i].0,
                Some(send(&format!("m{i}"))),
            )
            .await;
        assert_eq!(got, code(*expected), "send as {}", CALLERS[i].1);
    }
    row(
        &s,
        Method::POST,
        "/api/v1/messages/read",
        Some(json!({"conversation_id": g, "seq": 1})),
        [204, 204, 204, 404, 404, 401],
        ALL,
    )
    .await;

    // Administration.
    row(
        &s,
        Method::POST,
        &format!("/api/v1/groups/{g}/members"),
        Some(json!({"user_ids": [s.id(9)]})),
        [200, 200, 403, 404, 404, 401],
        OWNER_LAST,
    )
    .await;
    row(
        &s,
        Method::PATCH,
        &format!("/api/v1/groups/{g}"),
        Some(json!({"announcement": "hello"})),
        [200, 200, 403, 404, 404, 401],
        OWNER_LAST,
    )
    .await;
    row(
        &s,
        Method::PUT,
        &format!("/api/v1/groups/{g}/members/{}/role", s.id(5)),
        Some(json!({"role": "admin"})),
        [200, 403, 403, 404, 404, 401],
        OWNER_LAST,
    )
    .await;
    row(
        &s,
        Method::PUT,
        &format!("/api/v1/groups/{g}/members/{}/mute", s.id(6)),
        Some(json!({"seconds": 60})),
        [200, 200, 403, 404, 404, 401],
        OWNER_LAST,
    )
    .await;
    // Admins act on members only: not on the owner, not on another admin.
    for path in [
        format!("/api/v1/groups/{g}/members/{}/mute", s.id(OWNER)),
        format!("/api/v1/groups/{g}/members/{}/mute", s.id(5)),
    ] {
        let got = s
            .as_user(
                Method::PUT,
                &path,
                Some(ADMIN),
                Some(json!({"seconds": 60})),
            )
            .await;
        assert_eq!(got, StatusCode::FORBIDDEN, "{path}");
    }
    for victim in [OWNER, 5] {
        let path = format!("/api/v1/groups/{g}/members/{}", s.id(victim));
        assert_eq!(
            s.as_user(Method::DELETE, &path, Some(ADMIN), None).await,
            StatusCode::FORBIDDEN
        );
    }
    // Kicks: the admin removes member 7, the owner removes member 8.
    let kick = |u: usize| format!("/api/v1/groups/{g}/members/{}", s.id(u));
    row(
        &s,
        Method::DELETE,
        &kick(7),
        None,
        [404, 204, 403, 404, 404, 401],
        &[5, 4, 3, 2, 1, 0],
    )
    .await;
    row(
        &s,
        Method::DELETE,
        &kick(8),
        None,
        [204, 0, 403, 404, 404, 401],
        &[5, 4, 3, 2, 0],
    )
    .await;
    // Unknown ids and bad bodies.
    assert_eq!(
        s.as_user(Method::DELETE, &kick(STRANGER), Some(OWNER), None)
            .await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/groups/999999/members",
            Some(OWNER),
            Some(json!({"user_ids": [s.id(9)]}))
        )
        .await,
        StatusCode::NOT_FOUND
    );
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/groups/{g}/members/{}/role", s.id(5)),
            OWNER,
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(
        (status, testkit::error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        "{body}"
    );
    let (status, body) = s
        .call(
            Method::PUT,
            &format!("/api/v1/groups/{g}/members/{}/mute", s.id(6)),
            OWNER,
            Some(json!({"seconds": 99_999_999})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/api/v1/groups/{g}/members"),
            OWNER,
            Some(json!({"user_ids": []})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Ownership: only the owner hands it over; the old owner becomes an admin.
    row(
        &s,
        Method::PUT,
        &format!("/api/v1/groups/{g}/owner"),
        Some(json!({"user_id": s.id(ADMIN)})),
        [200, 403, 403, 404, 404, 401],
        OWNER_LAST,
    )
    .await;
    assert_eq!(
        member_role(&s, g, OWNER, s.id(ADMIN)).await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        testkit::count_rows(
            &s.db.url,
            &format!(
                "audit_log WHERE action = 'group.owner_transferred' AND target_id = '{g}' \
                 AND actor_id = {} AND detail LIKE '%\"to\":{}%'",
                s.id(OWNER),
                s.id(ADMIN)
            ),
        )
        .await,
        1,
        "the transfer is audited"
    );
    assert_eq!(
        member_role(&s, g, OWNER, s.id(OWNER)).await.as_deref(),
        Some("admin")
    );

    // Notifications: each user sees only their own; another's id is a 404.
    let removed_inbox = notifications(&s, REMOVED, "").await;
    assert!(
        removed_inbox.iter().any(|n| n["kind"] == "group.removed"),
        "{removed_inbox:?}"
    );
    let theirs = removed_inbox[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (i, expected) in [404u16, 404, 404, 204, 404, 401].iter().enumerate() {
        let got = s
            .as_user(
                Method::POST,
                &format!("/api/v1/notifications/{theirs}/read"),
                CALLERS[i].0,
                None,
            )
            .await;
        assert_eq!(
            got,
            code(*expected),
            "read another's notification as {}",
            CALLERS[i].1
        );
    }
    for (who, _) in CALLERS.iter().take(5) {
        let who = who.unwrap_or_default();
        for n in notifications(&s, who, "").await {
            assert!(
                n["payload"]["conversation_id"] == g,
                "only notifications about this group exist here: {n}"
            );
        }
    }
    assert_eq!(
        s.as_user(Method::GET, "/api/v1/notifications", None, None)
            .await,
        StatusCode::UNAUTHORIZED
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn owner_leaving_hands_over_and_history_records_each_change() {
    let s = spawn(4).await;
    let g = s.group(0, &[1, 2, 3]).await;
    let role = |u: usize| format!("/api/v1/groups/{g}/members/{}/role", s.id(u));
    assert_eq!(
        s.as_user(
            Method::PUT,
            &role(2),
            Some(0),
            Some(json!({"role": "admin"}))
        )
        .await,
        StatusCode::OK
    );
    // The owner leaves: the longest-standing ADMIN takes over (2, although 1 joined as early).
    let leave = |u: usize| format!("/api/v1/groups/{g}/members/{}", s.id(u));
    assert_eq!(
        s.as_user(Method::DELETE, &leave(0), Some(0), None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        member_role(&s, g, 1, s.id(2)).await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        member_role(&s, g, 1, s.id(0)).await,
        None,
        "the old owner is gone"
    );
    // No admin left: the longest-standing member (1, joined before 3) takes over.
    assert_eq!(
        s.as_user(Method::DELETE, &leave(2), Some(2), None).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        member_role(&s, g, 1, s.id(1)).await.as_deref(),
        Some("owner")
    );
    // Each hand-over is in the audit log, written with the change.
    assert_eq!(
        testkit::count_rows(
            &s.db.url,
            &format!(
                "audit_log WHERE action = 'group.owner_transferred' AND target_id = '{g}' \
                 AND detail LIKE '%owner_left%'"
            ),
        )
        .await,
        2
    );
    let inbox = notifications(&s, 1, "").await;
    assert!(
        inbox
            .iter()
            .any(|n| n["kind"] == "group.role_changed" && n["payload"]["role"] == "owner"),
        "{inbox:?}"
    );
    // Re-adding a former member works and is recorded too.
    assert_eq!(
        s.as_user(
            Method::POST,
            &format!("/api/v1/groups/{g}/members"),
            Some(1),
            Some(json!({"user_ids": [s.id(0)]}))
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        member_role(&s, g, 1, s.id(0)).await.as_deref(),
        Some("member")
    );
    // Adding someone already in is not a change: no seq, no system message.
    assert_eq!(
        s.as_user(
            Method::POST,
            &format!("/api/v1/groups/{g}/members"),
            Some(1),
            Some(json!({"user_ids": [s.id(0)]}))
        )
        .await,
        StatusCode::OK
    );

    let history = s.history_when(1, g, 4).await;
    let actions: Vec<(i64, String)> = history
        .iter()
        .filter(|m| m["type"] == "system")
        .map(|m| {
            let change: Value =
                serde_json::from_str(m["content"].as_str().unwrap_or("{}")).unwrap_or_default();
            (
                m["seq"].as_i64().unwrap_or(0),
                change["action"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            (1, "role_changed".into()),
            (2, "member_left".into()),
            (3, "member_left".into()),
            (4, "members_added".into())
        ],
        "each change is a system message with its own seq, in order"
    );
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mutes_size_limit_and_updates() {
    let s = spawn_with(5, &["--group-max-members", "3"]).await;
    let g = s.group(0, &[1]).await;
    let mute = format!("/api/v1/groups/{g}/members/{}/mute", s.id(1));
    let (status, view) = s
        .call(Method::PUT, &mute, 0, Some(json!({"seconds": 600})))
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let muted = view["members"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["user_id"] == s.id(1)).cloned());
    assert!(
        muted.is_some_and(|m| m["muted_until"].is_string()),
        "{view}"
    );
    let (status, body) = s.send(1, g, "while-muted", "hello").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        s.as_user(Method::PUT, &mute, Some(0), Some(json!({"seconds": 0})))
            .await,
        StatusCode::OK
    );
    let (status, body) = s.send(1, g, "after-unmute", "hello").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // 2 members + 1 = 3 (the limit); + 2 more would be 4: refused whole, nobody added.
    let add = format!("/api/v1/groups/{g}/members");
    let (status, body) = s
        .call(
            Method::POST,
            &add,
            0,
            Some(json!({"user_ids": [s.id(2), s.id(3)]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "user_ids");
    assert_eq!(member_role(&s, g, 0, s.id(2)).await, None);
    assert_eq!(
        s.as_user(
            Method::POST,
            &add,
            Some(0),
            Some(json!({"user_ids": [s.id(2)]}))
        )
        .await,
        StatusCode::OK
    );

    let patch = format!("/api/v1/groups/{g}");
    let (status, view) = s
        .call(
            Method::PATCH,
            &patch,
            0,
            Some(json!({"name": "renamed", "announcement": "read me"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        (view["name"].clone(), view["announcement"].clone()),
        (json!("renamed"), json!("read me"))
    );
    let (status, view) = s
        .call(
            Method::PATCH,
            &patch,
            0,
            Some(json!({"announcement": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        (view["name"].clone(), view["announcement"].clone()),
        (json!("renamed"), Value::Null)
    );
    // An avatar is a file the actor can read; someone else's upload is "no such file",
    // the same answer as an id that does not exist.
    let theirs = s.file_row(4, "image/png").await;
    let mine = s.file_row(0, "image/png").await;
    let (status, err) = s
        .call(
            Method::PATCH,
            &patch,
            0,
            Some(json!({"avatar_file_id": theirs})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["message"], "avatar_file_id: no such file");
    let (status, view) = s
        .call(
            Method::PATCH,
            &patch,
            0,
            Some(json!({"avatar_file_id": mine})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(101)}), "name"),
        (json!({"name": "team\u{202E}maet"}), "name"),
        (json!({"announcement": "x".repeat(2001)}), "announcement"),
        (
            json!({"avatar_file_id": "../../etc/passwd"}),
            "avatar_file_id",
        ),
        (
            json!({"avatar_file_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            "avatar_file_id",
        ),
    ] {
        let (status, err) = s.call(Method::PATCH, &patch, 0, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert_eq!(err["error"]["field"], field, "{body} -> {err}");
    }
    // A direct conversation is not a group.
    let (_, direct) = s
        .post(
            "/api/v1/conversations",
            0,
            json!({"type": "direct", "member_ids": [s.id(4)]}),
        )
        .await;
    let d = direct["id"].as_i64().unwrap_or_default();
    let (status, body) = s
        .call(
            Method::PATCH,
            &format!("/api/v1/groups/{d}"),
            0,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    s.cleanup().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn inbox_mentions_pagination_and_read_state() {
    let s = spawn(4).await;
    let g = s.group(0, &[1, 2]).await;
    // user3 is not a member: naming them notifies nobody; naming yourself neither.
    let text = "hi @user1 and @user2, not @user3 nor @user0";
    let (status, sent) = s.send(0, g, "mention-1", text).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (status, _) = s.send(0, g, "mention-1", text).await;
    assert_eq!(status, StatusCode::OK, "a repeat");
    for who in [1, 2] {
        let mentions: Vec<Value> = notifications(&s, who, "")
            .await
            .into_iter()
            .filter(|n| n["kind"] == "mention")
            .collect();
        assert_eq!(
            mentions.len(),
            1,
            "exactly one mention for user{who}, repeat or not: {mentions:?}"
        );
        assert_eq!(mentions[0]["payload"]["message_id"], sent["id"]);
        assert_eq!(mentions[0]["payload"]["seq"], sent["seq"]);
    }
    assert!(notifications(&s, 3, "").await.is_empty());
    assert!(
        notifications(&s, 0, "")
            .await
            .iter()
            .all(|n| n["kind"] != "mention")
    );

    // Pagination and read state over 7 notifications of user1.
    for i in 0..6 {
        let (status, _) = s
            .send(0, g, &format!("m{i}"), &format!("@user1 number {i}"))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, count) = s.get("/api/v1/notifications/unread-count", 1).await;
    assert_eq!(count["count"], 7);
    let (_, page1) = s.get("/api/v1/notifications?limit=4", 1).await;
    let items1 = page1["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items1.len(), 4);
    let before = page1["next_before"].as_str().unwrap_or_default().to_owned();
    let (_, page2) = s
        .get(&format!("/api/v1/notifications?limit=4&before={before}"), 1)
        .await;
    let items2 = page2["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items2.len(), 3);
    assert!(page2.get("next_before").is_none(), "the last page: {page2}");
    let mut ids: Vec<Value> = items1
        .iter()
        .chain(&items2)
        .map(|n| n["id"].clone())
        .collect();
    let listed = ids.clone();
    ids.sort_by(|a, b| b.as_str().cmp(&a.as_str()));
    ids.dedup();
    assert_eq!(ids, listed, "newest first, no repeats across pages");

    let first = items1[0]["id"].as_str().unwrap_or_default();
    assert_eq!(
        s.as_user(
            Method::POST,
            &format!("/api/v1/notifications/{first}/read"),
            Some(1),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.as_user(
            Method::POST,
            &format!("/api/v1/notifications/{first}/read"),
            Some(1),
            None
        )
        .await,
        StatusCode::NO_CONTENT,
        "idempotent"
    );
    assert_eq!(notifications(&s, 1, "?unread_only=true").await.len(), 6);
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/notifications/read-all",
            Some(1),
            None
        )
        .await,
        StatusCode::NO_CONTENT
    );
    let (_, count) = s.get("/api/v1/notifications/unread-count", 1).await;
    assert_eq!(count["count"], 0);
    assert_eq!(
        notifications(&s, 2, "?unread_only=true").await.len(),
        1,
        "user2's inbox untouched"
    );
    for query in [
        "?limit=0",
        "?limit=101",
        "?before=nope",
        "?unread_only=maybe",
    ] {
        let (status, body) = s.get(&format!("/api/v1/notifications{query}"), 1).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
    }
    assert_eq!(
        s.as_user(
            Method::POST,
            "/api/v1/notifications/bad/read",
            Some(1),
            None
        )
        .await,
        StatusCode::NOT_FOUND
    );
    s.cleanup().await;
}
