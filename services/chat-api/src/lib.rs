//! `chat-api` owns `/conversations`, `/messages`, `/groups`, `/notifications`,
//! `/broadcasts` and `/events`.
//!
//! A send is validated completely here (membership, type, sizes, references), given its
//! seq durably in MySQL with a receipt (`db::messages::take_seqs`, group commit), published to the bus
//! with a confirm, and only then answered: once a client has a seq, the message is on its
//! way to history exactly once. Persistence is the persistence-worker's job.

mod domain;
mod openapi;
mod routes;
pub mod settings;
mod state;
mod webhooks;

use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;
use state::State;

/// The binary: settings from the environment, then the subcommand if one was given,
/// otherwise serve until SIGTERM.
pub fn main() -> anyhow::Result<()> {
    let settings = <Settings as clap::Parser>::parse();
    kit::lifecycle::run_binary(
        env!("CARGO_PKG_NAME"),
        &settings.common.clone(),
        async move {
            match &settings.command {
                Some(settings::Command::SearchRebuild) => {
                    let pool = db::pool::pool(&settings.db)?;
                    let n = domain::search::rebuild(&pool).await?;
                    println!("search index rebuilt: {n} messages");
                    Ok(())
                }
                Some(settings::Command::Stats) => {
                    let pool = db::pool::pool(&settings.db)?;
                    let presence = kit::presence::Presence::new(
                        kit::redis::pool(&settings.redis)?,
                        &settings.redis.prefix,
                        std::time::Duration::from_secs(20),
                    );
                    let bus = bus::Bus::new(&settings.bus, "chat-api-stats");
                    let stats = domain::stats::compute(&pool, &presence, &bus)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    println!("{}", serde_json::to_string_pretty(&stats)?);
                    Ok(())
                }
                None => build(settings).await?.run_until_terminated().await,
            }
        },
    )
}

pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let shutdown = Shutdown::new();
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let bus = bus::Bus::new(&settings.bus, "chat-api");
    let (verifier, _, revocations) = kit::revocation::verifier_with_poller(
        &settings.jwt,
        redis.clone(),
        &settings.redis.prefix,
        shutdown.stopped(),
    )?;
    let verifier = web::Data::new(verifier);
    let readiness = Readiness::new()
        .with("mysql", db::pool::check(pool.clone()))
        .with("redis", kit::redis::check(redis.clone()))
        .with("rabbitmq", bus.check());
    // Outgoing webhooks: a consumer of webhook_queue records deliveries; the dispatcher
    // sends them (never from a request). Both on their own database pool and broker
    // connection: however busy the webhooks are, the send path keeps its connections, and
    // RabbitMQ's flow control on a consuming connection never holds back its confirms.
    let webhook_pool = db::pool::pool(&db::DbSettings {
        url: settings.db.url.clone(),
        pool_size: settings.webhooks.db_pool_size.max(1),
    })?;
    let webhook_bus = bus::Bus::new(&settings.bus, "chat-api-webhooks");
    let webhook_cache = std::sync::Arc::new(webhooks::Cache::default());
    let webhook_wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let enqueue = std::sync::Arc::new(webhooks::consumer::Enqueue {
        pool: webhook_pool.clone(),
        cache: webhook_cache.clone(),
        wake: webhook_wake.clone(),
        retry_for: chrono::Duration::seconds(
            settings.webhooks.retry_for_secs.min(30 * 86_400) as i64
        ),
    });
    let dispatcher = std::sync::Arc::new(webhooks::dispatcher::Dispatcher::new(
        webhook_pool,
        webhook_cache.clone(),
        webhook_wake.clone(),
        &settings.webhooks,
    )?);
    let tasks = vec![
        bus::connect_in_background(bus.clone(), shutdown.signal()),
        revocations,
        tokio::spawn(bus::consume_concurrent(
            webhook_bus,
            common_proto::bus::WEBHOOK_QUEUE,
            enqueue,
            settings.webhooks.db_pool_size.max(1),
            shutdown.signal(),
        )),
        tokio::spawn(dispatcher.run(shutdown.signal())),
    ];
    let state = web::Data::new(State {
        sequencer: domain::sequencer::Sequencer::start(pool.clone(), settings.send_batch_max),
        pool,
        publisher: bus::Publisher::new(bus.clone(), settings.common.platform_code.clone()),
        group_max_members: settings.group_max_members,
        lifecycle: domain::lifecycle::Rules {
            edit_window_secs: settings.message_edit_window_secs.max(0),
            recall_window_secs: settings.message_recall_window_secs.max(0),
            max_reactions: settings.max_reactions_per_message.max(1),
        },
        search_max_ms: settings.search_max_ms,
        presence: kit::presence::Presence::new(
            redis.clone(),
            &settings.redis.prefix,
            std::time::Duration::from_secs(20),
        ),
        bus: bus.clone(),
        stats: tokio::sync::Mutex::new(None),
        webhooks: settings.webhooks.clone(),
        webhook_cache,
        webhook_wake,
    });
    let spec = ServerSpec::new("chat-api", &settings.listen, &settings.common, readiness)
        .max_json_bytes(settings.max_json_bytes);
    Ok(Service::start_api(
        spec,
        state,
        verifier,
        routes::configure,
        openapi::configure,
        shutdown,
        tasks,
    )?)
}
