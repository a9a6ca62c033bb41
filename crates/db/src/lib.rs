//! The database: schema, pool, migrations and the queries each service runs.
//!
//! One MySQL/MariaDB schema serves the whole platform; `migrations/` at the repository root
//! is the only source of it, embedded here and applied by the `migrate` binary (a Kubernetes
//! Job in production), never by a service at start.

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
pub mod schema;
pub mod search;
pub mod tokens;
pub mod users;

pub use error::DbError;
pub use pool::{Conn, DbSettings, Pool};

diesel::define_sql_function! {
    /// MySQL's `LAST_INSERT_ID()`: MySQL has no `RETURNING`, so generated ids and
    /// `LAST_INSERT_ID(expr)` counters are read back on the same connection.
    fn last_insert_id() -> diesel::sql_types::Unsigned<diesel::sql_types::BigInt>;
}
