//! `loadcheck`: drives N users through the gateway (REST for setup and checks, WebSocket
//! for sends and deliveries) at a fixed offered rate — sends go out on a schedule, never
//! waiting for replies — records every acknowledged send and every delivery, then checks:
//!
//! 1. every acknowledged send is in history exactly once, with the seq it was acked with;
//! 2. no (conversation, seq) twice; each sender's acked messages have increasing seq in
//!    send order;
//! 3. every member received every message once (by push, or by `sync` for what push
//!    missed), in seq order after client-side reordering;
//! 4. (with --amqp-url) the dead-letter queue is empty and the work queues drain.
//!
//! It prints progress each second, then p50/p95/p99 send-to-deliver latency and throughput
//! beside a baseline measured in the same run: the same number of same-size messages
//! published (persistent, confirmed) and consumed raw through the same broker with lapin.
//! Exit status 1 on any invariant violation.

mod baseline;
mod changes;
mod check;
mod client;
mod cpu;
mod report;
mod system;
mod trace;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "loadcheck",
    about = "Load the platform through the gateway and verify delivery invariants"
)]
pub struct Args {
    /// The gateway's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub gateway: String,
    /// `direct` (pairs of users in 1:1 conversations), `group` (one group of everyone),
    /// `closed` (--senders members of one group, each sending again as soon as its last
    /// send was answered: no --rate), `broadcast` (one admin broadcast to --connections
    /// clients), `events` (an event storm at --rate for --duration) or `trace` (one send
    /// with a `traceparent` of its own to a connected user; prints the trace id).
    #[arg(long, default_value = "direct")]
    pub mode: String,
    /// Users to drive.
    #[arg(long, default_value_t = 20)]
    pub users: usize,
    /// Offered send rate, messages per second (on a schedule, not waiting for acks).
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Bytes of content per message.
    #[arg(long, default_value_t = 100)]
    pub size: usize,
    /// Seconds to wait for deliveries after the last send.
    #[arg(long, default_value_t = 20)]
    pub drain_secs: u64,
    /// RabbitMQ URL for the baseline and the queue checks (skipped when empty).
    #[arg(long, default_value = "amqp://guest:guest@127.0.0.1:5672/%2f")]
    pub amqp_url: String,
    /// Name prefix of the platform's queues (INSTANT_AMQP_PREFIX of the services).
    #[arg(long, default_value = "")]
    pub amqp_prefix: String,
    /// Skip the raw broker baseline.
    #[arg(long)]
    pub no_baseline: bool,
    /// Publish the baseline's messages at --rate (a latency baseline at the same load)
    /// instead of as fast as the broker confirms them (a throughput baseline).
    #[arg(long)]
    pub baseline_paced: bool,
    /// Idle mode: open this many WebSocket connections (spread over --users users), hold
    /// them for --duration seconds answering pings, report how many stayed open, and exit.
    #[arg(long, default_value_t = 0)]
    pub idle_connections: usize,
    /// Broadcast mode: WebSocket clients to reach (spread over --users users).
    #[arg(long, default_value_t = 1000)]
    pub connections: usize,
    /// An admin's access token (broadcast and events modes).
    #[arg(long, default_value = "")]
    pub admin_token: String,
    /// Username prefix (default: a fresh one per run).
    #[arg(long, default_value = "")]
    pub user_prefix: String,
    /// Closed mode: how many members send at once.
    #[arg(long, default_value_t = 32)]
    pub senders: usize,
    /// direct and group modes: changes (edits, reactions, recalls) sent per send, beside
    /// the sends; then every device's final state must equal history, and a device that
    /// was offline for most of the run must catch up by `sync` with each change once.
    #[arg(long, default_value_t = 0.0)]
    pub changes: f64,
    /// Seed of the change mix (which message, which change, which member).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the services' pid files are (`up.sh`'s run directory), for the CPU table.
    #[arg(long, env = "INSTANT_RUN_DIR", default_value = ".run")]
    pub run_dir: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let outcome = run(args).await?;
    std::process::exit(if outcome { 0 } else { 1 });
}

/// The whole run; `Ok(true)` when every invariant held.
pub async fn run(args: Args) -> anyhow::Result<bool> {
    anyhow::ensure!(
        ["direct", "group", "closed", "broadcast", "events", "trace"].contains(&args.mode.as_str()),
        "--mode is direct, group, closed, broadcast, events or trace"
    );
    anyhow::ensure!(args.users >= 2, "--users must be at least 2");
    anyhow::ensure!(
        args.rate > 0.0 && args.rate <= 50_000.0,
        "--rate must be in (0, 50000]"
    );
    anyhow::ensure!(
        (0.0..=2.0).contains(&args.changes),
        "--changes must be in [0, 2]"
    );
    anyhow::ensure!(
        args.changes == 0.0 || ["direct", "group"].contains(&args.mode.as_str()),
        "--changes goes with --mode direct or group"
    );
    if args.idle_connections > 0 {
        return client::hold_idle(&args).await;
    }
    if args.mode == "broadcast" {
        return system::broadcast_reach(&args).await;
    }
    if args.mode == "events" {
        return system::event_storm(&args).await;
    }
    if args.mode == "trace" {
        return trace::one_traced_send(&args).await;
    }
    let world = client::setup(&args).await?;
    let mut late = if args.changes > 0.0 {
        Some(changes::Late::connect(&args, &world, 0).await?)
    } else {
        None
    };
    let watched = cpu::watched(&args.run_dir);
    let before = cpu::snapshot(&watched);
    let stats = if args.mode == "closed" {
        client::drive_closed(&args, &world).await?
    } else {
        client::drive(&args, &world, late.as_mut()).await?
    };
    let after = cpu::snapshot(&watched);
    let verdict = check::check(&args, &world, &stats, late.as_mut()).await?;
    let baseline = if args.no_baseline || args.amqp_url.is_empty() {
        None
    } else {
        let pace = args.baseline_paced.then_some(args.rate);
        Some(baseline::measure(&args.amqp_url, stats.acked(), args.size, pace).await?)
    };
    report::print(&args, &stats, &verdict, baseline.as_ref());
    cpu::print(&before, &after, stats.acked());
    Ok(verdict.ok())
}
