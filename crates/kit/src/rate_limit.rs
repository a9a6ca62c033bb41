//! Rate limits shared by every replica: a fixed window counter per key in Redis,
//! incremented and read in one atomic script (one round trip per request). The gateway
//! limits per IP and per user; auth limits logins per IP and failed logins per account
//! itself, so a client that reaches it without the gateway meets the same limits.
//!
//! When Redis is down the limiter fails open (and counts it in `rate_limit_errors_total`):
//! an outage of the cache must not take the API down.

use crate::redis::redis::{self, Script};
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
                metrics::counter!("rate_limit_errors_total").increment(1);
                tracing::warn!(error = %e, "rate limiter unavailable; allowing");
                Decision::Allow
            }
        }
    }

    /// Whether `key` is past `limit` already, without counting (for limits on failures:
    /// peek before the attempt, [`Self::record`] after a failed one).
    pub async fn over(&self, key: &str, limit: u64) -> Decision {
        let read = async {
            let mut conn = self.pool.get().await?;
            let (n, ttl): (Option<u64>, i64) = redis::pipe()
                .get(format!("{}{key}", self.prefix))
                .pttl(format!("{}{key}", self.prefix))
                .query_async(&mut conn)
                .await?;
            anyhow::Ok((n.unwrap_or(0), ttl))
        };
        match read.await {
            Ok((n, ttl_ms)) if n >= limit => Decision::Deny {
                retry_after_secs: (ttl_ms.max(1) as u64).div_ceil(1000),
            },
            Ok(_) => Decision::Allow,
            Err(e) => {
                metrics::counter!("rate_limit_errors_total").increment(1);
                tracing::warn!(error = %e, "rate limiter unavailable; allowing");
                Decision::Allow
            }
        }
    }

    /// Counts one event (a failure) against `key` for `window`.
    pub async fn record(&self, key: &str, window: Duration) {
        if let Err(e) = self.count(key, window).await {
            metrics::counter!("rate_limit_errors_total").increment(1);
            tracing::warn!(error = %e, "rate limiter unavailable; not counted");
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
