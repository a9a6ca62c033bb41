//! The system-traffic benchmarks of the broadcasts/events issue, through the gateway:
//!
//! * `--mode broadcast`: N WebSocket clients connected, one admin broadcast, the time until
//!   every client has its `broadcast` frame — beside the raw broker moving N messages of
//!   the same size in the same run;
//! * `--mode events`: `POST /events` at a fixed offered rate, then every accepted event
//!   must be listed exactly once by `GET /events` — beside raw lapin publishing the same
//!   number of messages.

use crate::{Args, baseline, client};
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio_tungstenite::connect_async;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn users(args: &Args, http: &reqwest::Client, api: &str) -> anyhow::Result<Vec<String>> {
    let prefix = format!(
        "sys{}",
        &ulid::Ulid::generate().to_string().to_lowercase()[18..]
    );
    let mut tokens = Vec::new();
    for i in 0..args.users {
        let creds = json!({"username": format!("{prefix}_{i}"), "password": "loadcheck password"});
        let _ = client::post(http, format!("{api}/auth/register"), None, creds.clone()).await;
        let t = client::post(http, format!("{api}/auth/login"), None, creds).await?;
        tokens.push(t["access_token"].as_str().unwrap_or_default().to_owned());
    }
    Ok(tokens)
}

pub async fn broadcast_reach(args: &Args) -> anyhow::Result<bool> {
    anyhow::ensure!(
        !args.admin_token.is_empty(),
        "--admin-token is required for --mode broadcast"
    );
    let http = reqwest::Client::new();
    let api = format!("{}/api/v1", args.gateway);
    let tokens = users(args, &http, &api).await?;
    let n = args.connections.max(1);
    let start = Instant::now();
    let sent_at = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let url = format!(
            "{}/api/v1/realtime/ws?token={}",
            client::ws_url(&args.gateway),
            tokens[i % tokens.len()]
        );
        let (socket, _) = connect_async(url)
            .await
            .map_err(|e| anyhow::anyhow!("connection {i}: {e}"))?;
        let (sent_at, latencies) = (sent_at.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let (_sink, mut stream) = socket.split();
            while let Some(Ok(frame)) = stream.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = frame
                    && t.contains("\"type\":\"broadcast\"")
                {
                    let at = start.elapsed().as_micros() as u64 - sent_at.load(Ordering::Acquire);
                    if let Ok(mut l) = latencies.lock() {
                        l.push(at as f64 / 1000.0);
                    }
                }
            }
        }));
        if (i + 1) % 2000 == 0 {
            eprintln!(
                "[{:>5.1}s] {} connections open",
                start.elapsed().as_secs_f64(),
                i + 1
            );
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let content = "x".repeat(args.size.max(1));
    sent_at.store(start.elapsed().as_micros() as u64, Ordering::Release);
    let sent = Instant::now();
    client::post(
        &http,
        format!("{api}/broadcasts"),
        Some(&args.admin_token),
        json!({"title": "loadcheck", "content": content}),
    )
    .await?;
    let deadline = sent + Duration::from_secs(args.drain_secs);
    while latencies.lock().map(|l| l.len()).unwrap_or(0) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut got = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    got.sort_by(f64::total_cmp);
    for t in tasks {
        t.abort();
    }
    println!(
        "broadcast: reached {} of {n} connected clients; send->deliver p50 {:.1} ms, p99 {:.1} ms, all by {:.1} ms (target: all within 2000 ms)",
        got.len(),
        percentile(&got, 0.5),
        percentile(&got, 0.99),
        got.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "broadcast: broker publishes for it: 1 (broadcast-worker, on deliver.all) + 1 delivery per gateway node"
    );
    if !args.no_baseline && !args.amqp_url.is_empty() {
        let b = baseline::measure(&args.amqp_url, n as u64, args.size, None).await?;
        println!(
            "baseline (same run): raw lapin moved {} messages of {} bytes in {:.1} ms ({:.0} msg/s)",
            b.count,
            args.size,
            b.count as f64 / b.per_second * 1000.0,
            b.per_second
        );
    }
    Ok(got.len() == n)
}

pub async fn event_storm(args: &Args) -> anyhow::Result<bool> {
    anyhow::ensure!(
        !args.admin_token.is_empty(),
        "--admin-token is required for --mode events (to list them)"
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let api = format!("{}/api/v1", args.gateway);
    let tokens = users(args, &http, &api).await?;
    let event_type = format!(
        "loadcheck.storm.r{}",
        &ulid::Ulid::generate().to_string().to_lowercase()[20..]
    );
    let total = (args.rate * args.duration as f64) as u64;
    let accepted = Arc::new(Mutex::new(HashSet::new()));
    let failed = Arc::new(AtomicU64::new(0));
    let limit = Arc::new(tokio::sync::Semaphore::new(512));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / args.rate);
        tokio::time::sleep_until(due.into()).await;
        let permit = limit.clone().acquire_owned().await?;
        let (http, api, token) = (
            http.clone(),
            api.clone(),
            tokens[i as usize % tokens.len()].clone(),
        );
        let (accepted, failed, event_type) = (accepted.clone(), failed.clone(), event_type.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"type": event_type, "severity": "info", "payload": {"n": i}});
            match client::post(&http, format!("{api}/events"), Some(&token), body).await {
                Ok(v) => {
                    if let (Some(id), Ok(mut a)) = (v["id"].as_str(), accepted.lock()) {
                        a.insert(id.to_owned());
                    }
                }
                Err(_) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
            }
            drop(permit);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let took = start.elapsed();
    let accepted = accepted.lock().map(|a| a.clone()).unwrap_or_default();
    println!(
        "events: offered {total} at {:.0}/s; accepted {} (202) in {:.1} s = {:.0}/s; refused or failed {}",
        args.rate,
        accepted.len(),
        took.as_secs_f64(),
        accepted.len() as f64 / took.as_secs_f64(),
        failed.load(Ordering::Relaxed)
    );
    // Every accepted event must be stored exactly once (ids are the primary key).
    let deadline = Instant::now() + Duration::from_secs(args.drain_secs);
    let mut stored: HashSet<String>;
    loop {
        stored = HashSet::new();
        let mut listed = 0u64;
        let mut before: Option<String> = None;
        loop {
            let mut url = format!("{api}/events?type={event_type}&limit=100");
            if let Some(b) = &before {
                url.push_str(&format!("&before={b}"));
            }
            let page: Value = http
                .get(url)
                .bearer_auth(&args.admin_token)
                .send()
                .await?
                .json()
                .await?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            for item in &items {
                listed += 1;
                stored.insert(item["id"].as_str().unwrap_or_default().to_owned());
            }
            match page["next_before"].as_str() {
                Some(b) => before = Some(b.to_owned()),
                None => break,
            }
        }
        anyhow::ensure!(listed == stored.len() as u64, "an event is listed twice");
        if stored.len() >= accepted.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let lost = accepted.difference(&stored).count();
    println!(
        "events: stored {} of {} accepted (lost {lost}, duplicated 0: ids are unique)",
        stored.len(),
        accepted.len()
    );
    if !args.no_baseline && !args.amqp_url.is_empty() {
        let b = baseline::measure(&args.amqp_url, accepted.len() as u64, 120, None).await?;
        println!(
            "baseline (same run): raw lapin, {} messages: {:.0} msg/s",
            b.count, b.per_second
        );
    }
    Ok(lost == 0 && stored.len() == accepted.len())
}
