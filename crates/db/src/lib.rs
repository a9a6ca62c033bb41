//! The database: schema, pool, migrations and the queries each service runs.
//!
//! One MySQL/MariaDB schema serves the whole platform; `migrations/` at the repository root
//! is the only source of it, embedded here and applied by the `migrate` binary (a Kubernetes
//! Job in production), never by a service at start.

pub mod audit;
pub mod blocks;
pub mod bots;
pub mod broadcasts;
pub mod cascade;
pub mod conversations;
pub mod error;
pub mod events;
pub mod files;
pub mod groups;
pub mod lifecycle;
pub mod messages;
pub mod migrate;
pub mod notifications;
pub mod pool;
pub mod push;
pub mod schema;
pub mod search;
pub mod stats;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use error::DbError;
pub use pool::{Conn, DbSettings, Pool};

diesel::define_sql_function! {
    /// MySQL's `LAST_INSERT_ID()`: MySQL has no `RETURNING`, so generated ids and
    /// `LAST_INSERT_ID(expr)` counters are read back on the same connection.
    fn last_insert_id() -> diesel::sql_types::Unsigned<diesel::sql_types::BigInt>;
}

diesel::define_sql_function! {
    /// The server's `VERSION()` (MariaDB's contains "MariaDB").
    fn version() -> diesel::sql_types::Text;
}

/// Whether the server is MariaDB rather than MySQL (asked once per process: a deployment
/// talks to one kind). The few statements whose syntax differs ask this.
pub async fn is_mariadb(c: &mut diesel_async::AsyncMysqlConnection) -> Result<bool, DbError> {
    use diesel_async::RunQueryDsl;
    static MARIADB: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if let Some(known) = MARIADB.get() {
        return Ok(*known);
    }
    let v: String = diesel::select(version()).get_result(c).await?;
    Ok(*MARIADB.get_or_init(|| v.contains("MariaDB")))
}
