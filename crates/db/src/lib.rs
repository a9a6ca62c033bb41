//! The database: schema, pool, migrations and the queries each service runs.
//!
//! One MySQL/MariaDB schema serves the whole platform; `migrations/` at the repository root
//! is the only source of it, embedded here and applied by the `migrate` binary (a Kubernetes
//! Job in production), never by a service at start.

pub mod error;
pub mod migrate;
pub mod pool;
pub mod schema;
pub mod tokens;
pub mod users;

pub use error::DbError;
pub use pool::{Conn, DbSettings, Pool};
