//! `--mode trace`: one REST send with a `traceparent` of our own, received by the other
//! member's WebSocket; prints the trace id so a script can find that one send in every
//! service's log (gateway, chat-api, persistence-worker, push-worker, delivery).

use crate::{
    Args,
    client::{post, ws_url},
};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::{connect_async, tungstenite::Message as Ws};

/// `Ok(true)` when the traced message reached the recipient's socket.
pub async fn one_traced_send(args: &Args) -> anyhow::Result<bool> {
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", args.gateway);
    let prefix = format!(
        "tr{}",
        &ulid::Ulid::generate().to_string().to_lowercase()[18..]
    );
    let mut users = Vec::new();
    for name in ["sender", "receiver"] {
        let creds =
            json!({"username": format!("{prefix}_{name}"), "password": "loadcheck password"});
        post(&http, format!("{api}/auth/register"), None, creds.clone()).await?;
        let tokens = post(&http, format!("{api}/auth/login"), None, creds).await?;
        let token = tokens["access_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let me: Value = http
            .get(format!("{api}/users/me"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        users.push((me["id"].as_i64().unwrap_or_default(), token));
    }
    let conversation = post(
        &http,
        format!("{api}/conversations"),
        Some(&users[0].1),
        json!({"type": "direct", "member_ids": [users[1].0]}),
    )
    .await?["id"]
        .as_i64()
        .unwrap_or_default();
    let url = format!(
        "{}/api/v1/realtime/ws?token={}",
        ws_url(&args.gateway),
        users[1].1
    );
    let (mut socket, _) = connect_async(url).await?;
    // Presence is published on connect: give the socket's lease a moment to be seen.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let trace_id = format!("{:032x}", rand::random::<u128>() | 1);
    let traceparent = format!("00-{trace_id}-{:016x}-01", rand::random::<u64>() | 1);
    let cmid = format!("{prefix}-traced");
    let res = http
        .post(format!("{api}/messages"))
        .bearer_auth(&users[0].1)
        .header("traceparent", &traceparent)
        .json(&json!({"conversation_id": conversation, "client_msg_id": cmid, "type": "text", "content": "traced"}))
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "send: {}", res.status());
    let delivered = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = socket.next().await {
            if let Ws::Text(text) = frame {
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if v["type"] == "message.new" && v["message"]["client_msg_id"] == cmid.as_str() {
                    return true;
                }
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    println!("trace_id {trace_id}");
    println!("delivered {delivered}");
    Ok(delivered)
}
