//! Presence: a Redis lease per WebSocket connection.
//!
//! `{p}presence:user:{uid}` is a sorted set of the user's connections (`node|conn`) scored
//! by lease expiry (ms); `{p}presence:index` scores each user by their latest expiry so
//! expired leases (a gateway that died) are found without scanning. Each transition runs in
//! one Lua script, so "first connection" and "last connection" are decided atomically even
//! with many gateway nodes. A user is online while one lease is unexpired.

use crate::redis::redis::{self, Script, pipe};
use common_proto::UserId;
use deadpool_redis::Pool;
use std::{collections::HashMap, sync::Arc, time::Duration};

const CONNECT: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[4])
if before == 0 then return 1 else return 0 end
";

const REFRESH: &str = r"
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[3])
return 1
";

const DISCONNECT: &str = r"
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if removed == 1 and redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return 1
end
return 0
";

/// For one user whose index entry expired: drop expired leases; 1 if none is left.
const REAP: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('ZADD', KEYS[2], newest[2], ARGV[2])
return 0
";

#[derive(Clone)]
pub struct Presence {
    pool: Pool,
    prefix: Arc<str>,
    lease: Duration,
    scripts: Arc<[Script; 4]>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Presence {
    /// Presence in the Redis of `redis`, with the lease of `presence`.
    pub fn from_settings(
        pool: Pool,
        redis: &crate::settings::RedisSettings,
        presence: &crate::settings::PresenceSettings,
    ) -> Self {
        Self::new(
            pool,
            &redis.prefix,
            Duration::from_secs(presence.lease_secs),
        )
    }

    pub fn new(pool: Pool, prefix: &str, lease: Duration) -> Self {
        Self {
            pool,
            prefix: prefix.into(),
            lease,
            scripts: Arc::new([
                Script::new(CONNECT),
                Script::new(REFRESH),
                Script::new(DISCONNECT),
                Script::new(REAP),
            ]),
        }
    }

    fn user_key(&self, user: UserId) -> String {
        format!("{}presence:user:{user}", self.prefix)
    }

    fn index_key(&self) -> String {
        format!("{}presence:index", self.prefix)
    }

    fn expiry(&self) -> i64 {
        now_ms() + self.lease.as_millis() as i64
    }

    /// How many users hold a live lease now (the index's scores are lease expiries).
    pub async fn online_count(&self) -> anyhow::Result<i64> {
        let mut c = self.pool.get().await?;
        Ok(redis::cmd("ZCOUNT")
            .arg(self.index_key())
            .arg(now_ms())
            .arg("+inf")
            .query_async(&mut c)
            .await?)
    }

    /// Registers a connection; `true` if it is the user's first (they came online).
    pub async fn connect(&self, user: UserId, node: &str, conn: &str) -> anyhow::Result<bool> {
        let mut c = self.pool.get().await?;
        let first: i64 = self.scripts[0]
            .key(self.user_key(user))
            .key(self.index_key())
            .arg(format!("{node}|{conn}"))
            .arg(self.expiry())
            .arg(now_ms())
            .arg(user)
            .invoke_async(&mut c)
            .await?;
        Ok(first == 1)
    }

    /// Extends a connection's lease (and re-creates it if Redis lost it).
    pub async fn refresh(&self, user: UserId, node: &str, conn: &str) -> anyhow::Result<()> {
        let mut c = self.pool.get().await?;
        let _: i64 = self.scripts[1]
            .key(self.user_key(user))
            .key(self.index_key())
            .arg(format!("{node}|{conn}"))
            .arg(self.expiry())
            .arg(user)
            .invoke_async(&mut c)
            .await?;
        Ok(())
    }

    /// Removes a connection; `true` if it was the user's last (they went offline).
    pub async fn disconnect(&self, user: UserId, node: &str, conn: &str) -> anyhow::Result<bool> {
        let mut c = self.pool.get().await?;
        let last: i64 = self.scripts[2]
            .key(self.user_key(user))
            .key(self.index_key())
            .arg(format!("{node}|{conn}"))
            .arg(now_ms())
            .arg(user)
            .invoke_async(&mut c)
            .await?;
        Ok(last == 1)
    }

    /// The gateway nodes holding live connections of `users`, in ONE round trip.
    pub async fn nodes_of(&self, users: &[UserId]) -> anyhow::Result<HashMap<String, Vec<UserId>>> {
        let mut by_node: HashMap<String, Vec<UserId>> = HashMap::new();
        if users.is_empty() {
            return Ok(by_node);
        }
        let now = now_ms();
        let mut p = pipe();
        for user in users {
            p.cmd("ZRANGEBYSCORE")
                .arg(self.user_key(*user))
                .arg(now)
                .arg("+inf");
        }
        let mut c = self.pool.get().await?;
        let results: Vec<Vec<String>> = p.query_async(&mut c).await?;
        for (user, members) in users.iter().zip(results) {
            let mut nodes: Vec<&str> = members
                .iter()
                .filter_map(|m| m.split_once('|').map(|(n, _)| n))
                .collect();
            nodes.sort_unstable();
            nodes.dedup();
            for node in nodes {
                by_node.entry(node.to_owned()).or_default().push(*user);
            }
        }
        Ok(by_node)
    }

    pub async fn is_online(&self, user: UserId) -> anyhow::Result<bool> {
        Ok(!self.nodes_of(&[user]).await?.is_empty())
    }

    /// Drops expired leases (gateways that died); returns users who are now offline.
    /// Guarded by a short Redis lock so one gateway node reaps at a time.
    pub async fn reap_expired(&self, node: &str, max: usize) -> anyhow::Result<Vec<UserId>> {
        let mut c = self.pool.get().await?;
        let lock: Option<String> = crate::redis::redis::cmd("SET")
            .arg(format!("{}presence:reaper", self.prefix))
            .arg(node)
            .arg("NX")
            .arg("PX")
            .arg(2000)
            .query_async(&mut c)
            .await?;
        if lock.is_none() {
            return Ok(vec![]);
        }
        let now = now_ms();
        let expired: Vec<UserId> = crate::redis::redis::cmd("ZRANGEBYSCORE")
            .arg(self.index_key())
            .arg("-inf")
            .arg(now)
            .arg("LIMIT")
            .arg(0)
            .arg(max)
            .query_async(&mut c)
            .await?;
        let mut offline = Vec::new();
        for user in expired {
            let gone: i64 = self.scripts[3]
                .key(self.user_key(user))
                .key(self.index_key())
                .arg(now)
                .arg(user)
                .invoke_async(&mut c)
                .await?;
            if gone == 1 {
                offline.push(user);
            }
        }
        Ok(offline)
    }

    /// A per-node marker with the lease's lifetime: when it is missing, Redis lost the
    /// node's leases (flushed or restarted) and the node must re-register its connections.
    pub async fn node_marker_present(&self, node: &str) -> anyhow::Result<bool> {
        let mut c = self.pool.get().await?;
        let key = format!("{}presence:node:{node}", self.prefix);
        let existed: bool = crate::redis::redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut c)
            .await?;
        let _: () = crate::redis::redis::cmd("SET")
            .arg(&key)
            .arg(1)
            .arg("PX")
            .arg(self.lease.as_millis() as u64)
            .query_async(&mut c)
            .await?;
        Ok(existed)
    }
}
