//! `auth` owns `/api/v1/auth/*` and `/api/v1/users/*`: registration, login, token refresh
//! with rotation and reuse detection, logout, profiles and user search.
//!
//! It is the only holder of the Ed25519 signing key; every other service verifies access
//! tokens with the public key (`kit::auth`).

mod accounts;
pub mod admin;
pub mod audit_relay;
mod bots;
mod moderation;
pub mod openapi;
mod passwords;
mod profiles;
mod routes;
pub mod settings;
mod state;
mod tokens;
mod validate;

use crate::{passwords::Hasher, state::State, tokens::Signer};
use actix_web::web;
use kit::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};
pub use settings::Settings;

/// The binary: settings from the environment, then the subcommand if one was given,
/// otherwise serve until SIGTERM.
pub fn main() -> anyhow::Result<()> {
    let settings = <Settings as clap::Parser>::parse();
    kit::lifecycle::run_binary(
        env!("CARGO_PKG_NAME"),
        &settings.common.clone(),
        async move {
            match &settings.command {
                Some(settings::Command::CreateAdmin { username }) => {
                    admin::create_admin_from_stdin(&settings, username).await
                }
                Some(
                    settings::Command::Disable { username, .. }
                    | settings::Command::Enable { username }
                    | settings::Command::Logout { username },
                ) => operator(&settings, username).await,
                Some(settings::Command::AuditVerify) => {
                    let pool = db::pool::pool(&settings.db)?;
                    let rows = moderation::verify_chain(&pool).await?;
                    println!("audit chain intact: {rows} rows");
                    Ok(())
                }
                None => build(settings).await?.run_until_terminated().await,
            }
        },
    )
}

/// The service: state, routes, readiness.
pub async fn build(settings: Settings) -> anyhow::Result<Service> {
    let private = std::fs::read(&settings.jwt_private_key_file).map_err(|e| {
        anyhow::anyhow!(
            "cannot read INSTANT_JWT_PRIVATE_KEY_FILE {}: {e}",
            settings.jwt_private_key_file
        )
    })?;
    let signer = Signer::from_pem(
        &private,
        &settings.jwt.jwt_issuer,
        &settings.jwt.jwt_audience,
        settings.access_token_ttl_secs,
    )?;
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let shutdown = Shutdown::new();
    let (verifier, _, revocations) = kit::revocation::verifier_with_poller(
        &settings.jwt,
        redis.clone(),
        &settings.redis.prefix,
        shutdown.stopped(),
    )?;
    let state = web::Data::new(State {
        pool: pool.clone(),
        hasher: Hasher::new(settings.password_hash_concurrency as usize)?,
        signer,
        refresh_ttl_days: settings.refresh_token_ttl_days,
        presence: kit::presence::Presence::new(
            redis.clone(),
            &settings.redis.prefix,
            std::time::Duration::from_secs(20),
        ),
        redis: redis.clone(),
        redis_prefix: settings.redis.prefix.clone(),
        limiter: kit::rate_limit::RateLimiter::new(redis.clone(), &settings.redis.prefix),
        throttle: state::Throttle {
            per_ip_per_minute: settings.rate_limit_auth_per_minute,
            failures_per_account: settings.login_failures_per_account,
            failure_window: std::time::Duration::from_secs(
                settings.login_failure_window_secs.max(1),
            ),
        },
    });
    let verifier = web::Data::new(verifier);
    let bus = bus::Bus::new(&settings.bus, "auth");
    let publisher = bus::Publisher::new(bus.clone(), settings.common.platform_code.clone());
    let tasks = vec![
        revocations,
        bus::connect_in_background(bus, shutdown.signal()),
        audit_relay::spawn(
            pool.clone(),
            publisher,
            std::time::Duration::from_millis(settings.audit_relay_ms.max(50)),
            shutdown.signal(),
        ),
    ];
    // Not RabbitMQ: logins go on while the broker is down (the relay catches up).
    let spec = ServerSpec::new(
        "auth",
        &settings.listen,
        &settings.common,
        Readiness::new()
            .with("mysql", db::pool::check(pool))
            .with("redis", kit::redis::check(redis)),
    )
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

/// `auth disable|enable|logout USERNAME`: the admin actions for an operator without a
/// token at hand; audited with no actor.
async fn operator(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let (what, reason) = match &settings.command {
        Some(settings::Command::Disable { reason, .. }) => ("disable", reason.as_str()),
        Some(settings::Command::Enable { .. }) => ("enable", ""),
        _ => ("logout", ""),
    };
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let accounts = moderation::Accounts {
        pool: &pool,
        redis: &redis,
        prefix: &settings.redis.prefix,
        token_lifetime_secs: settings.access_token_ttl_secs + kit::auth::LEEWAY_SECS as i64,
    };
    let user = accounts.by_operator(what, username, reason).await?;
    println!("{what}: {} (id {}) done", user.username, user.id);
    Ok(())
}
