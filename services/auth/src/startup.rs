//! Building the auth service: state, routes, readiness.

use crate::{Settings, passwords::Hasher, routes, tokens::Signer};
use actix_web::web;
use kit::{
    auth::Verifier,
    http::ServerSpec,
    lifecycle::{Service, Shutdown},
    readiness::Readiness,
};

/// Shared state of the handlers.
pub(crate) struct State {
    pub pool: db::Pool,
    pub hasher: Hasher,
    pub signer: Signer,
    pub refresh_ttl_days: i64,
    /// Read-only use: whether a user is online.
    pub presence: kit::presence::Presence,
}

impl State {
    /// The public view with the live online flag (left out if Redis cannot say).
    pub async fn user_view(&self, row: &db::users::UserRow) -> common_proto::rest::User {
        let mut user = row.to_public();
        user.online = self.presence.is_online(row.id).await.ok();
        user
    }
}

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
    let verifier = Verifier::from_settings(&settings.jwt)?;
    let pool = db::pool::pool(&settings.db)?;
    let redis = kit::redis::pool(&settings.redis)?;
    let state = web::Data::new(State {
        pool: pool.clone(),
        hasher: Hasher::new(settings.password_hash_concurrency)?,
        signer,
        refresh_ttl_days: settings.refresh_token_ttl_days,
        presence: kit::presence::Presence::new(
            redis.clone(),
            &settings.redis.prefix,
            std::time::Duration::from_secs(20),
        ),
    });
    let verifier = web::Data::new(verifier);
    let spec = ServerSpec::new(
        "auth",
        &settings.listen,
        &settings.common,
        Readiness::new()
            .with("mysql", db::pool::check(pool))
            .with("redis", kit::redis::check(redis)),
    )
    .max_json_bytes(settings.max_json_bytes);
    let configure = move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(state.clone())
            .app_data(verifier.clone())
            .configure(routes::configure);
    };
    Ok(Service::start(spec, configure, Shutdown::new(), vec![])?)
}
