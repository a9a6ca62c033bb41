//! `auth create-admin USERNAME`: creates an admin account or promotes an existing one,
//! with the password read from stdin (never an argument, never a default).

use crate::{Settings, passwords::Hasher, validate};
use std::io::Read;

pub async fn create_admin_from_stdin(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    create_admin(settings, username, password).await
}

pub async fn create_admin(
    settings: &Settings,
    username: &str,
    password: String,
) -> anyhow::Result<()> {
    validate::username(username).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    validate::password(&password).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let hash = Hasher::new(1)?
        .hash(password)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let pool = db::pool::pool(&settings.db)?;
    let mut conn = db::pool::conn(&pool).await?;
    match db::users::by_username(&mut conn, username).await? {
        Some(user) => {
            db::users::set_role_and_password(&mut conn, user.id, "admin", &hash).await?;
            println!("promoted {username} (id {}) to admin", user.id);
        }
        None => {
            let new = db::users::NewUser {
                username,
                password_hash: &hash,
                display_name: username,
                role: "admin",
            };
            let user = db::users::insert(&mut conn, new).await?;
            println!("created admin {username} (id {})", user.id);
        }
    }
    Ok(())
}
