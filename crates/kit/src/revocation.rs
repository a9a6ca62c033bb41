//! Ending a user's access tokens before they expire, on every replica within seconds.
//!
//! Access tokens are verified offline (a signature, no lookup), so disabling a user or
//! ending their sessions would otherwise take up to the token lifetime (15 minutes). When
//! auth does either, it records "every token of user U issued at or before T" in one Redis
//! sorted set (member U, score T in milliseconds; [`revoke`]). Every service that verifies
//! tokens keeps a copy of that set in memory, re-read every `INSTANT_REVOCATION_POLL_MS`
//! ([`Revocations::spawn_poller`]), and [`crate::auth::Verifier`] rejects a token whose
//! issue time (its ULID `jti`, to the millisecond) is not after its user's T. A request
//! costs one map lookup; a revocation takes effect within one poll interval plus a Redis
//! round trip. Entries older than the token lifetime are trimmed: no token they could
//! reject is still valid.
//!
//! **When Redis is down** the copy is kept as it was (known revocations stay enforced)
//! and new ones cannot arrive: the service fails *open* for revocations made during the
//! outage, whose tokens then expire at the latest at their lifetime — while a disabled
//! account still cannot log in or refresh (auth checks MySQL). Failing closed instead
//! (rejecting every token while Redis is away) would turn a cache outage into a total
//! outage of the platform; `revocation_poll_failures_total` and the readiness of Redis
//! say when the copy is stale.

use common_proto::UserId;
use deadpool_redis::{Pool, redis};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};
use tokio::sync::broadcast;

/// The Redis key of the set, below the deployment's prefix.
pub const KEY: &str = "revoked_users";
/// The same for single sessions (member: the session id, the token's `sid`).
pub const SESSIONS_KEY: &str = "revoked_sessions";

/// This process's copy of the revocations. Cheap to clone (clones share it).
#[derive(Clone)]
pub struct Revocations {
    before: Arc<RwLock<HashMap<UserId, i64>>>,
    /// Ended sessions: every token carrying that `sid` is void (no newer token is ever
    /// issued for an ended session: its refresh family is revoked).
    sessions: Arc<RwLock<std::collections::HashSet<String>>>,
    changed: broadcast::Sender<Revoked>,
}

/// A revocation newly seen by this process's copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// Every token of the user issued at or before this time (ms).
    User(UserId, i64),
    /// Every token of this session (`sid`).
    Session(String),
}

impl Default for Revocations {
    fn default() -> Self {
        Self::new()
    }
}

impl Revocations {
    pub fn new() -> Self {
        Self {
            before: Arc::default(),
            sessions: Arc::default(),
            changed: broadcast::channel(1024).0,
        }
    }

    /// Whether a token of `user` issued at `issued_ms` has been revoked.
    pub fn is_revoked(&self, user: UserId, issued_ms: i64) -> bool {
        self.before
            .read()
            .ok()
            .and_then(|m| m.get(&user).copied())
            .is_some_and(|before| issued_ms <= before)
    }

    /// Whether the session `sid` was ended.
    pub fn is_session_ended(&self, sid: &str) -> bool {
        self.sessions.read().is_ok_and(|s| s.contains(sid))
    }

    /// Records a revocation seen (a later one for the same user replaces an earlier
    /// one); subscribers hear of it when it is new.
    pub fn apply(&self, user: UserId, before_ms: i64) {
        let newer = match self.before.write() {
            Ok(mut map) => {
                let slot = map.entry(user).or_insert(i64::MIN);
                let newer = before_ms > *slot;
                *slot = (*slot).max(before_ms);
                newer
            }
            Err(_) => false,
        };
        if newer {
            let _ = self.changed.send(Revoked::User(user, before_ms));
        }
    }

    /// New revocations as they are seen (the gateway closes those sockets).
    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.changed.subscribe()
    }

    /// How many users have a revocation in force here.
    pub fn len(&self) -> usize {
        self.before.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Re-reads the whole set from Redis every `every` until `stop` resolves. The set
    /// holds only the revocations younger than a token's lifetime, so it stays small.
    pub fn spawn_poller(
        &self,
        redis: Pool,
        prefix: &str,
        every: Duration,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        let key = format!("{prefix}{KEY}");
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tick.tick() => {}
                }
                match this.poll_once(&redis, &key).await {
                    Ok(n) => metrics::gauge!("revocations_in_force").set(n as f64),
                    Err(e) => {
                        metrics::counter!("revocation_poll_failures_total").increment(1);
                        tracing::warn!(error = %e, "revocations: cannot read Redis; keeping the last copy");
                    }
                }
            }
        })
    }

    /// One read of the set; how many entries it held.
    pub async fn poll_once(&self, redis: &Pool, key: &str) -> anyhow::Result<usize> {
        let sessions_key = format!("{}{SESSIONS_KEY}", key.trim_end_matches(KEY));
        let mut conn = redis.get().await?;
        let (entries, ended): (Vec<(UserId, i64)>, Vec<String>) = redis::pipe()
            .cmd("ZRANGE")
            .arg(key)
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .cmd("ZRANGE")
            .arg(&sessions_key)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await?;
        let n = entries.len() + ended.len();
        for &(user, before) in &entries {
            self.apply(user, before);
        }
        // Then the copy becomes exactly what Redis holds (it trims entries older than a
        // token's lifetime), so a long-running process does not keep every revocation
        // it ever saw.
        if let Ok(mut map) = self.before.write() {
            *map = entries.into_iter().collect();
        }
        let ended: std::collections::HashSet<String> = ended.into_iter().collect();
        let new: Vec<String> = match self.sessions.read() {
            Ok(known) => ended.difference(&known).cloned().collect(),
            Err(_) => Vec::new(),
        };
        if let Ok(mut s) = self.sessions.write() {
            *s = ended;
        }
        for sid in new {
            let _ = self.changed.send(Revoked::Session(sid));
        }
        Ok(n)
    }
}

/// The verifier of `jwt`'s settings, rejecting revoked tokens, with the poller that keeps
/// its copy current (a background task of the service) and the copy itself.
pub fn verifier_with_poller(
    jwt: &crate::settings::JwtVerifySettings,
    redis: Pool,
    prefix: &str,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<(
    crate::auth::Verifier,
    Revocations,
    tokio::task::JoinHandle<()>,
)> {
    let revocations = Revocations::new();
    let poller = revocations.spawn_poller(
        redis,
        prefix,
        Duration::from_millis(jwt.revocation_poll_ms.max(50)),
        stop,
    );
    let verifier = crate::auth::Verifier::from_settings(jwt)?.with_revocations(revocations.clone());
    Ok((verifier, revocations, poller))
}

/// Revokes every token of `user` issued until now, for `lifetime_secs` (the access-token
/// lifetime plus leeway: after that no such token is valid anyway); older entries are
/// trimmed in the same round trip. Returns the revocation time in milliseconds.
pub async fn revoke(
    redis: &Pool,
    prefix: &str,
    user: UserId,
    lifetime_secs: i64,
) -> anyhow::Result<i64> {
    record(
        redis,
        &format!("{prefix}{KEY}"),
        &user.to_string(),
        lifetime_secs,
    )
    .await
}

/// Ends one session (`sid`) on every replica, for `lifetime_secs` (after that no token
/// of it is valid anyway).
pub async fn revoke_session(
    redis: &Pool,
    prefix: &str,
    sid: &str,
    lifetime_secs: i64,
) -> anyhow::Result<()> {
    record(
        redis,
        &format!("{prefix}{SESSIONS_KEY}"),
        sid,
        lifetime_secs,
    )
    .await?;
    Ok(())
}

/// Adds `member` to the sorted set `key` at now (a later time replaces an earlier one,
/// never the reverse) and trims entries older than `lifetime_secs`, atomically; now, ms.
async fn record(redis: &Pool, key: &str, member: &str, lifetime_secs: i64) -> anyhow::Result<i64> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut conn = redis.get().await?;
    redis::pipe()
        .atomic()
        .cmd("ZADD")
        .arg(key)
        .arg("GT")
        .arg(now)
        .arg(member)
        .ignore()
        .cmd("ZREMRANGEBYSCORE")
        .arg(key)
        .arg("-inf")
        .arg(now - lifetime_secs * 1000)
        .ignore()
        .query_async::<()>(&mut conn)
        .await?;
    Ok(now)
}

/// The issue time of a token, in milliseconds, from its ULID `jti`.
pub fn issued_ms(jti: &str) -> Option<i64> {
    ulid::Ulid::from_string(jti)
        .ok()
        .map(|u| u.timestamp_ms() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revocation_voids_tokens_issued_until_it_and_tells_subscribers_once() {
        let r = Revocations::new();
        let mut news = r.subscribe();
        assert!(!r.is_revoked(7, 1_000));
        r.apply(7, 2_000);
        assert!(r.is_revoked(7, 1_000) && r.is_revoked(7, 2_000));
        assert!(
            !r.is_revoked(7, 2_001),
            "a token issued after it stays valid"
        );
        assert!(!r.is_revoked(8, 1_000), "other users are untouched");
        r.apply(7, 1_500); // an older one read again: no change, no news
        assert!(r.is_revoked(7, 2_000));
        assert_eq!(news.try_recv().ok(), Some(Revoked::User(7, 2_000)));
        assert!(news.try_recv().is_err());
        let id = ulid::Ulid::generate().to_string();
        let ms = issued_ms(&id).expect("a ULID");
        assert!((chrono::Utc::now().timestamp_millis() - ms).abs() < 5_000);
        assert_eq!(issued_ms("not a ulid"), None);
    }
}
