//! Rate limits shared by every gateway replica: a fixed window counter per key in Redis,
//! incremented and read in one atomic script (one round trip per request).
//!
//! When Redis is down the limiter fails open (and counts it in
//! `gateway_rate_limit_errors_total`): an outage of the cache must not take the API down.

use kit::redis::redis::Script;
use std::{sync::Arc, time::Duration};

const WINDOW_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}
";

#[derive(Clone)]
pub struct RateLimiter {
    pool: deadpool_redis::Pool,
    prefix: String,
    script: Arc<Script>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny { retry_after_secs: u64 },
}

impl RateLimiter {
    pub fn new(pool: deadpool_redis::Pool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}rl:"),
            script: Arc::new(Script::new(WINDOW_SCRIPT)),
        }
    }

    /// Counts one request against `key`; denies past `limit` per `window`.
    pub async fn check(&self, key: &str, limit: u64, window: Duration) -> Decision {
        match self.count(key, window).await {
            Ok((n, ttl_ms)) if n > limit => Decision::Deny {
                retry_after_secs: (ttl_ms.max(1) as u64).div_ceil(1000),
            },
            Ok(_) => Decision::Allow,
            Err(e) => {
                metrics::counter!("gateway_rate_limit_errors_total").increment(1);
                tracing::warn!(error = %e, "rate limiter unavailable; allowing");
                Decision::Allow
            }
        }
    }

    async fn count(&self, key: &str, window: Duration) -> anyhow::Result<(u64, i64)> {
        let mut conn = self.pool.get().await?;
        let (n, ttl): (u64, i64) = self
            .script
            .key(format!("{}{key}", self.prefix))
            .arg(window.as_millis() as u64)
            .invoke_async(&mut conn)
            .await?;
        Ok((n, ttl))
    }
}
