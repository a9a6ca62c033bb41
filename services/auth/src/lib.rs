//! `auth` owns `/api/v1/auth/*` and `/api/v1/users/*`: registration, login, token refresh
//! with rotation and reuse detection, logout, profiles and user search.
//!
//! It is the only holder of the Ed25519 signing key; every other service verifies access
//! tokens with the public key (`kit::auth`).

pub mod admin;
pub mod openapi;
mod passwords;
mod routes;
pub mod settings;
mod startup;
mod tokens;
mod validate;

pub use settings::Settings;
pub use startup::build;

/// Runs the subcommand if one was given, otherwise serves until SIGTERM.
pub async fn main(settings: Settings) -> anyhow::Result<()> {
    match &settings.command {
        Some(settings::Command::CreateAdmin { username }) => {
            admin::create_admin_from_stdin(&settings, username).await
        }
        None => build(settings).await?.run_until_terminated().await,
    }
}
