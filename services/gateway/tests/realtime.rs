//! WebSocket delivery end to end, all in one process against the real MariaDB, Redis and
//! RabbitMQ: gateway + chat-api + persistence-worker + push-worker.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message as Ws, client::IntoClientRequest},
};

#[tokio::test(flavor = "multi_thread")]
async fn group_changes_reach_sockets_and_a_removed_member_stops_receiving_at_once() {
    use reqwest::Method;
    // Two push-worker replicas: the one that handles a removal is not always the one that
    // routes the next message, so only the membership version can make removal immediate.
    let s = spawn_with(3, 2, &[]).await;
    let (owner_id, other_id, victim_id) = (s.users[0].0, s.users[1].0, s.users[2].0);
    let (status, conv) = s
        .rest(
            Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "group", "name": "g", "member_ids": [other_id, victim_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conv}");
    let g = conv["id"].as_i64().expect("id");
    let mut owner = s.socket(0).await;
    let mut other = s.socket(1).await;
    let mut victim = s.socket(2).await;
    for socket in [&mut owner, &mut other, &mut victim] {
        send(socket, json!({"type": "ping"})).await;
        expect(socket, "pong").await;
    }

    // A role change: everybody's sockets hear of it, the promoted user gets a notification.
    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/groups/{g}/members/{other_id}/role"),
            0,
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for socket in [&mut owner, &mut victim] {
        let updated = expect(socket, "conversation.updated").await;
        assert_eq!(
            updated["conversation"]["change"]["action"], "role_changed",
            "{updated}"
        );
    }
    expect(&mut other, "conversation.updated").await;
    let note = expect(&mut other, "notification").await;
    assert_eq!(note["notification"]["kind"], "group.role_changed", "{note}");
    assert_eq!(note["notification"]["payload"]["role"], "admin");

    let message = |cmid: String| json!({"conversation_id": g, "client_msg_id": cmid, "type": "text", "content": "x"});
    for round in 0..4 {
        // Both replicas route (and cache the members of) the group, victim included.
        for k in 0..2 {
            let (status, m) = s
                .rest(
                    Method::POST,
                    "/api/v1/messages",
                    0,
                    message(format!("warm-{round}-{k}")),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{m}");
            expect_message(&mut victim, &m["id"]).await;
        }
        let (status, _) = s
            .rest(
                Method::DELETE,
                &format!("/api/v1/groups/{g}/members/{victim_id}"),
                0,
                Value::Null,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let updated = expect(&mut victim, "conversation.updated").await;
        assert_eq!(
            updated["conversation"]["change"]["action"], "member_removed",
            "{updated}"
        );
        assert_eq!(
            updated["conversation"]["change"]["user_ids"],
            json!([victim_id])
        );
        let note = expect(&mut victim, "notification").await;
        assert_eq!(note["notification"]["kind"], "group.removed", "{note}");
        assert_eq!(note["notification"]["payload"]["conversation_id"], g);

        // Sent right after the 204: the others get it, the removed member never does.
        let (status, m) = s
            .rest(
                Method::POST,
                "/api/v1/messages",
                0,
                message(format!("after-{round}")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        expect_message(&mut other, &m["id"]).await;
        expect_none(&mut victim, "message.new", 300).await;
        let (status, body) = s
            .rest(
                Method::POST,
                "/api/v1/messages",
                2,
                message(format!("victim-{round}")),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a removed member cannot send: {body}"
        );

        let (status, _) = s
            .rest(
                Method::POST,
                &format!("/api/v1/groups/{g}/members"),
                1,
                json!({"user_ids": [victim_id]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "the admin adds them back");
        let updated = expect(&mut victim, "conversation.updated").await;
        assert_eq!(
            updated["conversation"]["change"]["action"], "members_added",
            "{updated}"
        );
        assert_eq!(updated["conversation"]["change"]["actor_id"], other_id);
        let note = expect(&mut victim, "notification").await;
        assert_eq!(note["notification"]["kind"], "group.added", "{note}");
    }
    let _ = owner_id;
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_dropped_and_the_others_get_everything() {
    let s = spawn_with(
        2,
        1,
        &[
            "--ws-outbound-queue",
            "8",
            "--ws-write-timeout-secs",
            "2",
            "--rate-limit-user-per-minute",
            "1000000",
        ],
    )
    .await;
    let (status, conv) = s
        .rest(
            reqwest::Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "direct", "member_ids": [s.users[1].0]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{conv}");
    let conv = conv["id"].as_i64().expect("id");
    let mut fast = s.socket(0).await;
    // The slow client: a 4 KiB receive buffer, and it never reads until the end.
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = tcp
        .connect(s.gw.parse().expect("addr"))
        .await
        .expect("connect");
    let url = format!("ws://{}/api/v1/realtime/ws?token={}", s.gw, s.users[1].1);
    let (mut slow, _) =
        tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .expect("upgrade");
    send(&mut slow, json!({"type": "ping"})).await;
    expect(&mut slow, "pong").await;

    let total = 300;
    // 32 KiB per frame (8 000 four-byte characters): 9.6 MB in all, more than the kernel
    // buffers between the gateway and a client that does not read.
    let content = "😀".repeat(8000);
    // The fast client reads all along.
    let reader = tokio::spawn(async move {
        let mut seen = 0;
        while seen < total {
            expect(&mut fast, "message.new").await;
            seen += 1;
        }
        seen
    });
    for batch in 0..(total / 20) {
        let sends = (0..20).map(|i| {
            let body = json!({"conversation_id": conv, "client_msg_id": format!("f{batch}-{i}"), "type": "text", "content": content});
            s.rest(reqwest::Method::POST, "/api/v1/messages", 0, body)
        });
        for (status, body) in futures_util::future::join_all(sends).await {
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
    }
    // Everyone else gets everything, however stuck the slow one is.
    assert_eq!(reader.await.expect("reader"), total);
    // The gateway gave up on the slow client: reading now ends well before all 300 frames.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut got = 0;
    let ended = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(Ok(frame)) = slow.next().await {
            if let Ws::Text(text) = frame
                && text.contains("\"message.new\"")
            {
                got += 1;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the slow connection was never closed");
    assert!(
        got < total,
        "the slow client was cut off, not fed forever: got {got} of {total}"
    );
    // It reconnects and catches up with sync.
    let mut again = s.socket(1).await;
    send(
        &mut again,
        json!({"type": "sync", "conversation_id": conv, "after_seq": 0}),
    )
    .await;
    let done = expect(&mut again, "sync.done").await;
    assert_eq!(done["has_more"], true, "{done}");
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broadcast_reaches_every_connected_socket_once() {
    let s = spawn(4).await;
    let admin = 3;
    // Four users, five sockets (user 1 has two devices); none shares a conversation.
    let mut sockets = [
        s.socket(0).await,
        s.socket(1).await,
        s.socket(1).await,
        s.socket(2).await,
        s.socket(admin).await,
    ];
    for socket in sockets.iter_mut() {
        send(socket, json!({"type": "ping"})).await;
        expect(socket, "pong").await;
    }
    let (status, accepted) = s
        .rest(
            reqwest::Method::POST,
            "/api/v1/broadcasts",
            admin,
            json!({"title": "Fire drill", "content": "At noon."}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    for socket in sockets.iter_mut() {
        let frame = expect(socket, "broadcast").await;
        assert_eq!(frame["broadcast"]["id"], accepted["id"]);
        assert_eq!(frame["broadcast"]["title"], "Fire drill");
    }
    for socket in sockets.iter_mut() {
        expect_none(socket, "broadcast", 300).await;
    }
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_typing_read_presence_and_sync_over_websocket() {
    let s = spawn(3).await;
    let (status, conv) = s
        .rest(
            reqwest::Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "group", "name": "rt", "member_ids": [s.users[1].0]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let conv = conv["id"].as_i64().expect("id");

    let mut bob = s.socket(1).await;
    let mut alice = s.socket(0).await;
    let online = expect(&mut bob, "presence").await;
    assert_eq!(
        online,
        json!({"type": "presence", "user_id": s.users[0].0, "status": "online"})
    );

    send(&mut alice, json!({"type": "ping"})).await;
    expect(&mut alice, "pong").await;

    send(&mut alice, json!({"type": "message.send", "message": {"conversation_id": conv, "client_msg_id": "w1", "type": "text", "content": "hi bob"}})).await;
    let ack = expect(&mut alice, "ack").await;
    assert_eq!(ack["client_msg_id"], "w1");
    assert_eq!(ack["seq"], 1);
    let got = expect(&mut bob, "message.new").await;
    assert_eq!(got["message"]["content"], "hi bob");
    assert_eq!(got["message"]["id"], ack["id"]);
    let own = expect(&mut alice, "message.new").await;
    assert_eq!(own["message"]["seq"], 1, "the sender's devices get it too");

    send(
        &mut alice,
        json!({"type": "typing", "conversation_id": conv}),
    )
    .await;
    let typing = expect(&mut bob, "typing").await;
    assert_eq!(
        typing,
        json!({"type": "typing", "conversation_id": conv, "user_id": s.users[0].0})
    );
    expect_none(&mut alice, "typing", 300).await;

    let (status, _) = s
        .rest(
            reqwest::Method::POST,
            "/api/v1/messages/read",
            1,
            json!({"conversation_id": conv, "seq": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let read = expect(&mut alice, "read").await;
    assert_eq!(
        read,
        json!({"type": "read", "conversation_id": conv, "user_id": s.users[1].0, "seq": 1})
    );

    // A bad send is answered by an error frame naming the send; the socket stays open.
    send(&mut alice, json!({"type": "message.send", "message": {"conversation_id": conv, "client_msg_id": "w2", "type": "text", "content": ""}})).await;
    let err = expect(&mut alice, "error").await;
    assert_eq!(err["code"], "validation_failed");
    assert_eq!(err["client_msg_id"], "w2");
    send(&mut alice, json!({"type": "nonsense"})).await;
    assert_eq!(expect(&mut alice, "error").await["code"], "bad_frame");
    send(&mut alice, json!({"type": "ping"})).await;
    expect(&mut alice, "pong").await;

    // A stranger's typing reaches nobody.
    let mut carol = s.socket(2).await;
    send(
        &mut carol,
        json!({"type": "typing", "conversation_id": conv}),
    )
    .await;
    expect_none(&mut bob, "typing", 300).await;

    // Sync replays in order and says where it stopped.
    for i in 2..=4 {
        send(&mut alice, json!({"type": "message.send", "message": {"conversation_id": conv, "client_msg_id": format!("s{i}"), "type": "text", "content": format!("m{i}")}})).await;
        expect(&mut alice, "ack").await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // persisted
    let mut late = s.socket(1).await;
    send(
        &mut late,
        json!({"type": "sync", "conversation_id": conv, "after_seq": 1, "limit": 2}),
    )
    .await;
    let seqs = [
        expect(&mut late, "message.new").await["message"]["seq"].clone(),
        expect(&mut late, "message.new").await["message"]["seq"].clone(),
    ];
    assert_eq!(seqs, [json!(2), json!(3)]);
    assert_eq!(
        expect(&mut late, "sync.done").await,
        json!({"type": "sync.done", "conversation_id": conv, "last_seq": 3, "has_more": true})
    );
    send(
        &mut carol,
        json!({"type": "sync", "conversation_id": conv, "after_seq": 0}),
    )
    .await;
    assert_eq!(
        expect(&mut carol, "error").await["code"],
        "not_found",
        "strangers cannot sync"
    );

    // Closing every socket of a user tells their contacts.
    drop(late);
    alice.close(None).await.expect("close");
    let offline = expect(&mut bob, "presence").await;
    assert_eq!(
        offline,
        json!({"type": "presence", "user_id": s.users[0].0, "status": "offline"})
    );
    // push-worker recorded the time before telling the contacts.
    let pool = db::pool::pool(&db::DbSettings {
        url: s.db.url.clone(),
        pool_size: 1,
    })
    .expect("pool");
    let mut conn = db::pool::conn(&pool).await.expect("conn");
    let alice = db::users::by_id(&mut conn, s.users[0].0)
        .await
        .expect("query")
        .expect("user");
    assert!(
        alice.last_seen_at.is_some(),
        "last_seen_at recorded on the way offline"
    );
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upgrade_rules_and_frame_limits() {
    let s = spawn(1).await;
    let bad = connect_async(format!("ws://{}/api/v1/realtime/ws?token=nope", s.gw)).await;
    match bad {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
    let mut req = format!("ws://{}/api/v1/realtime/ws?token={}", s.gw, s.users[0].1)
        .into_client_request()
        .expect("request");
    req.headers_mut()
        .insert("origin", "https://evil.example".parse().expect("header"));
    match connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403),
        other => panic!("expected 403, got {other:?}"),
    }
    let mut ok = format!("ws://{}/api/v1/realtime/ws?token={}", s.gw, s.users[0].1)
        .into_client_request()
        .expect("request");
    ok.headers_mut()
        .insert("origin", "https://app.example".parse().expect("header"));
    let (mut socket, _) = connect_async(ok).await.expect("allowed origin");
    // A frame over 64 KiB closes with 1009.
    socket
        .send(Ws::text("x".repeat(70 * 1024)))
        .await
        .expect("send");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let code = loop {
        match tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("close in time")
        {
            Some(Ok(Ws::Close(Some(frame)))) => break u16::from(frame.code),
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, 1009);
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

/// The lifecycle over the socket: a connected device sees each change live as
/// `message.updated` (pins also as `pins.updated`); a device that was away while a message
/// was edited, reacted to and recalled asks `sync {after_seq, after_rev}` and ends in
/// exactly the state `GET /messages` shows, each changed message once, in rev order.
#[tokio::test(flavor = "multi_thread")]
async fn an_offline_device_catches_up_on_edits_reactions_and_recalls_by_rev() {
    use reqwest::Method;
    let s = spawn(3).await;
    let (_, conv) = s
        .rest(
            Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "group", "name": "lc", "member_ids": [s.users[1].0]}),
        )
        .await;
    let conv = conv["id"].as_i64().expect("id");
    let mut ids = Vec::new();
    for i in 0..3 {
        let (status, m) = s
            .rest(Method::POST, "/api/v1/messages", 0, json!({"conversation_id": conv, "client_msg_id": format!("l{i}"), "type": "text", "content": format!("text {i}")}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        ids.push(m["id"].as_str().expect("id").to_owned());
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // persisted

    // Bob's phone knew everything up to seq 3, rev 0, and went away; his laptop stays.
    let mut laptop = s.socket(1).await;
    expect_none(&mut laptop, "message.updated", 200).await;
    let edit = |id: &str, text: &str| {
        let (id, text) = (id.to_owned(), text.to_owned());
        let s = &s;
        async move {
            s.rest(
                Method::PATCH,
                &format!("/api/v1/messages/{id}"),
                0,
                json!({"content": text}),
            )
            .await
        }
    };
    assert_eq!(edit(&ids[0], "text 0, edited").await.0, StatusCode::OK);
    let live = expect(&mut laptop, "message.updated").await;
    assert_eq!(live["message"]["content"], "text 0, edited");
    assert_eq!(live["change"]["kind"], "edited");
    assert_eq!(live["change"]["user_id"], s.users[0].0);
    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/messages/{}/reactions/%F0%9F%91%8D", ids[1]),
            0,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let live = expect(&mut laptop, "message.updated").await;
    assert_eq!(live["change"]["kind"], "reaction_added");
    assert_eq!(live["change"]["emoji"], "👍");
    assert_eq!(live["message"]["reactions"][0]["count"], 1);
    assert_eq!(
        live["message"]["reactions"][0]["me"], false,
        "live frames carry no `me`"
    );
    let (status, _) = s
        .rest(
            Method::PUT,
            &format!("/api/v1/conversations/{conv}/pins/{}", ids[1]),
            0,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pins = expect(&mut laptop, "pins.updated").await;
    assert_eq!(
        pins,
        json!({"type": "pins.updated", "conversation_id": conv, "message_id": ids[1], "pinned": true})
    );
    assert_eq!(
        edit(&ids[0], "text 0, edited twice").await.0,
        StatusCode::OK
    );
    let (status, _) = s
        .rest(
            Method::POST,
            &format!("/api/v1/messages/{}/recall", ids[2]),
            0,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // One new message after the changes: the phone gets it as new, in its current state.
    let (_, newest) = s
        .rest(Method::POST, "/api/v1/messages", 0, json!({"conversation_id": conv, "client_msg_id": "l3", "type": "text", "content": "newest"}))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Bob deletes one message for himself: his laptop hears it, nobody else does.
    let (status, _) = s
        .rest(
            Method::DELETE,
            &format!("/api/v1/messages/{}", ids[1]),
            1,
            Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    loop {
        let frame = expect(&mut laptop, "message.updated").await;
        if frame["change"]["kind"] == "hidden" {
            assert_eq!(frame["message"]["hidden"], true);
            break;
        }
    }

    // The phone comes back.
    let mut phone = s.socket(1).await;
    send(
        &mut phone,
        json!({"type": "sync", "conversation_id": conv, "after_seq": 3, "after_rev": 0}),
    )
    .await;
    let new = expect(&mut phone, "message.new").await;
    assert_eq!(new["message"]["id"], newest["id"]);
    let mut updated = Vec::new();
    for _ in 0..3 {
        updated.push(expect(&mut phone, "message.updated").await["message"].clone());
    }
    let done = expect(&mut phone, "sync.done").await;
    assert_eq!(done["last_seq"], 4);
    assert_eq!(done["has_more"], false);
    let order: Vec<&str> = updated
        .iter()
        .map(|m| m["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        order,
        vec![ids[1].as_str(), ids[0].as_str(), ids[2].as_str()],
        "rev order, once each"
    );
    let last_rev = updated.iter().map(|m| m["rev"].as_i64().unwrap_or(0)).max();
    assert_eq!(done["last_rev"].as_i64(), last_rev);
    // Exactly the state history shows (history is per reader: the hidden stub is Bob's).
    let (_, history) = s
        .rest(
            Method::GET,
            &format!("/api/v1/messages?conversation_id={conv}"),
            1,
            Value::Null,
        )
        .await;
    for m in &updated {
        let stored = history["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|h| h["id"] == m["id"])
            .expect("in history");
        assert_eq!(stored, m);
    }
    assert_eq!(
        updated[0]["hidden"], true,
        "his own deletion, in his own sync"
    );
    assert_eq!(updated[2]["recalled"], true);
    // Nothing more after last_rev.
    send(
        &mut phone,
        json!({"type": "sync", "conversation_id": conv, "after_seq": 4, "after_rev": last_rev}),
    )
    .await;
    let done = loop {
        let next = tokio::time::timeout(Duration::from_secs(5), phone.next()).await;
        let Ok(Some(Ok(Ws::Text(text)))) = next else {
            panic!("no sync.done: {next:?}")
        };
        let frame: Value = serde_json::from_str(&text).expect("json");
        assert!(
            !["message.new", "message.updated"].contains(&frame["type"].as_str().unwrap_or("")),
            "{frame}"
        );
        if frame["type"] == "sync.done" {
            break frame;
        }
    };
    assert_eq!(done["last_rev"].as_i64(), last_rev);
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blocked_users_do_not_see_each_others_typing_or_presence() {
    let s = spawn(3).await;
    let (status, conv) = s
        .rest(
            reqwest::Method::POST,
            "/api/v1/conversations",
            0,
            json!({"type": "group", "name": "b", "member_ids": [s.users[1].0, s.users[2].0]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let conv = conv["id"].as_i64().expect("id");
    let path = format!("/api/v1/users/me/blocks/{}", s.users[0].0);
    let block = async |on: bool| {
        let method = if on {
            reqwest::Method::PUT
        } else {
            reqwest::Method::DELETE
        };
        s.rest(method, &path, 1, Value::Null).await
    };
    assert_eq!(
        block(true).await.0,
        StatusCode::NO_CONTENT,
        "through the gateway"
    );

    // Presence frames of others (bob's own arrival may reach carol late) are skipped.
    async fn presence_of(socket: &mut Socket, user: i64) {
        while expect(socket, "presence").await["user_id"] != user {}
    }
    let mut bob = s.socket(1).await;
    let mut carol = s.socket(2).await;
    presence_of(&mut bob, s.users[2].0).await;
    // carol hears alice come online, bob (who blocked her) does not — and alice does not
    // hear bob.
    let mut alice = s.socket(0).await;
    presence_of(&mut carol, s.users[0].0).await;
    no_frame_from(&mut bob, "presence", s.users[0].0, 300).await;
    no_frame_from(&mut alice, "presence", s.users[1].0, 100).await;

    let typing = json!({"type": "typing", "conversation_id": conv});
    send(&mut alice, typing.clone()).await;
    assert_eq!(expect(&mut carol, "typing").await["user_id"], s.users[0].0);
    expect_none(&mut bob, "typing", 300).await;
    send(&mut bob, typing.clone()).await;
    assert_eq!(expect(&mut carol, "typing").await["user_id"], s.users[1].0);
    expect_none(&mut alice, "typing", 300).await;
    // Messages in the group still reach everyone.
    send(&mut alice, json!({"type": "message.send", "message": {"conversation_id": conv, "client_msg_id": "b1", "type": "text", "content": "all"}})).await;
    let ack = expect(&mut alice, "ack").await;
    expect_message(&mut bob, &ack["id"]).await;

    // Unblocked: typing flows again (after the per-conversation 2 s typing throttle).
    assert_eq!(block(false).await.0, StatusCode::NO_CONTENT);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    send(&mut alice, typing).await;
    assert_eq!(expect(&mut bob, "typing").await["user_id"], s.users[0].0);
    s.db.drop_db().await;
    testkit::drop_amqp(&s.amqp).await;
}
