//! The connection pool (diesel-async over deadpool) with bounded waits, so a database
//! outage turns into quick 503s instead of hung requests.

use crate::DbError;
use ::deadpool::Runtime;
use clap::Args;
use diesel_async::{
    AsyncMysqlConnection, RunQueryDsl,
    pooled_connection::{AsyncDieselConnectionManager, deadpool},
};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::time::Duration;

pub type Pool = deadpool::Pool<AsyncMysqlConnection>;
pub type Conn = deadpool::Object<AsyncMysqlConnection>;

/// MySQL/MariaDB settings.
#[derive(Debug, Clone, Args)]
pub struct DbSettings {
    #[arg(
        id = "database_url",
        long = "database-url",
        env = "INSTANT_DATABASE_URL",
        default_value = "mysql://root@127.0.0.1:3306/instant"
    )]
    pub url: String,
    #[arg(
        id = "database_pool_size",
        long = "database-pool-size",
        env = "INSTANT_DATABASE_POOL_SIZE",
        default_value_t = 8
    )]
    pub pool_size: usize,
}

/// A lazily connecting pool: no connection is made until first use.
pub fn pool(settings: &DbSettings) -> anyhow::Result<Pool> {
    let manager = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new(settings.url.clone());
    Ok(Pool::builder(manager)
        .max_size(settings.pool_size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(3)))
        .create_timeout(Some(Duration::from_secs(3)))
        .recycle_timeout(Some(Duration::from_secs(3)))
        .build()?)
}

/// A connection from the pool, or `Unavailable`.
pub async fn conn(pool: &Pool) -> Result<Conn, DbError> {
    Ok(pool.get().await?)
}

/// `/ready` check: a round trip through the pool.
pub fn check(pool: Pool) -> impl Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync {
    move || {
        let pool = pool.clone();
        async move {
            let mut c = pool.get().await.map_err(|e| e.to_string())?;
            diesel::sql_query("SELECT 1")
                .execute(&mut c)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
        .boxed()
    }
}
