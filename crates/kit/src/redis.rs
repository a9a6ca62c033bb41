//! The Redis pool (deadpool-redis) and its readiness check.

use crate::settings::RedisSettings;
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use std::time::Duration;

pub use deadpool_redis::redis;

/// A pool that connects lazily and reconnects by itself: a Redis restart costs the calls
/// made during the outage, never a process restart.
pub fn pool(settings: &RedisSettings) -> anyhow::Result<Pool> {
    let mut cfg = Config::from_url(settings.url.clone());
    let mut pool_cfg = PoolConfig::new(settings.pool_size);
    pool_cfg.timeouts = Timeouts {
        wait: Some(Duration::from_secs(2)),
        create: Some(Duration::from_secs(2)),
        recycle: Some(Duration::from_secs(2)),
    };
    cfg.pool = Some(pool_cfg);
    Ok(cfg.create_pool(Some(Runtime::Tokio1))?)
}

/// `PING` through the pool.
pub fn check(pool: Pool) -> impl Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync {
    move || {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.map_err(|e| e.to_string())?;
            redis::cmd("PING")
                .query_async::<String>(&mut conn)
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
        .boxed()
    }
}
