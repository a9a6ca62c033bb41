//! Creating the database and applying the embedded migrations.

use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncMysqlConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Every migration in `migrations/`, compiled in.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Splits `mysql://.../name?opts` into the server URL and the database name.
pub fn split_database_url(url: &str) -> anyhow::Result<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let slash = base
        .rfind('/')
        .filter(|i| *i > "mysql://".len())
        .ok_or_else(|| anyhow::anyhow!("database URL has no database name: {url}"))?;
    let name = &base[slash + 1..];
    anyhow::ensure!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        "database name must be [A-Za-z0-9_]+, got {name:?}"
    );
    let server = match query {
        Some(q) => format!("{}/?{q}", &base[..slash]),
        None => format!("{}/", &base[..slash]),
    };
    Ok((server, name.to_owned()))
}

/// `CREATE DATABASE IF NOT EXISTS` with utf8mb4.
pub async fn create_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = split_database_url(url)?;
    let mut conn = AsyncMysqlConnection::establish(&server).await?;
    diesel::sql_query(format!(
        "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    ))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// `DROP DATABASE IF EXISTS` (tests).
pub async fn drop_database(url: &str) -> anyhow::Result<()> {
    let (server, name) = split_database_url(url)?;
    let mut conn = AsyncMysqlConnection::establish(&server).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS `{name}`"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Creates the database if needed and applies pending migrations; returns how many ran.
///
/// The harness blocks on the async connection, so it runs on a blocking thread.
pub async fn run(url: &str) -> anyhow::Result<usize> {
    create_database(url).await?;
    let conn = AsyncMysqlConnection::establish(url).await?;
    let applied = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        let mut harness = AsyncMigrationHarness::new(conn);
        let done = harness
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(done.len())
    })
    .await??;
    Ok(applied)
}

/// How many embedded migrations the database has not applied yet (applies nothing).
///
/// The services' Kubernetes init containers wait on this reaching zero, so no pod of a new
/// version starts against the old schema while the migration Job is still running.
pub async fn pending(url: &str) -> anyhow::Result<usize> {
    let conn = AsyncMysqlConnection::establish(url).await?;
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        let mut harness = AsyncMigrationHarness::new(conn);
        let pending = harness
            .pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(pending.len())
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let (server, name) =
            split_database_url("mysql://root@127.0.0.1:3306/instant").expect("split");
        assert_eq!(server, "mysql://root@127.0.0.1:3306/");
        assert_eq!(name, "instant");
        let (server, name) =
            split_database_url("mysql://u:p@h/db_1?ssl-mode=disabled").expect("split");
        assert_eq!(server, "mysql://u:p@h/?ssl-mode=disabled");
        assert_eq!(name, "db_1");
        assert!(split_database_url("mysql://h/bad-name").is_err());
        assert!(split_database_url("mysql://h").is_err());
    }
}
