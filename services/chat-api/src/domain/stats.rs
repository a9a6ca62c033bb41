//! `GET /admin/stats`: users, conversations, messages per day for 30 days, who is online
//! and the queues' backlog. Every count comes from an index (`db::stats`), Redis (one
//! `ZCOUNT`) or RabbitMQ (passive declares), and the whole is computed at most once per
//! [`FRESH_FOR`]: a dashboard polling every second costs the database nothing more.

use super::Result;
use crate::state::State;
use chrono::{TimeZone, Utc};
use common_proto::rest::{AdminStats, ConversationCounts, DayCount, QueueCount, UserCounts};
use std::time::{Duration, Instant};

/// How long one computation is served.
pub const FRESH_FOR: Duration = Duration::from_secs(30);
/// Days of messages counted.
pub const DAYS: i64 = 30;

pub async fn stats(state: &State) -> Result<AdminStats> {
    // Held while computing: concurrent requests wait for the one computation.
    let mut cached = state.stats.lock().await;
    if let Some((at, stats)) = cached.as_ref()
        && at.elapsed() < FRESH_FOR
    {
        return Ok(stats.clone());
    }
    let stats = compute(&state.pool, &state.presence, &state.bus).await?;
    *cached = Some((Instant::now(), stats.clone()));
    Ok(stats)
}

/// One computation, uncached (also `chat-api stats`, for `scripts/admin.sh stats`).
pub async fn compute(
    pool: &db::Pool,
    presence: &kit::presence::Presence,
    bus: &bus::Bus,
) -> Result<AdminStats> {
    let now = Utc::now();
    let counts = {
        let mut conn = db::pool::conn(pool).await?;
        db::stats::counts(&mut conn, now.naive_utc(), DAYS).await?
    };
    let online_now = presence.online_count().await.ok();
    let queues = bus::topology::queue_depths(bus).await.ok().map(|qs| {
        qs.into_iter()
            .map(|q| QueueCount {
                name: q.name,
                messages: q.messages,
                consumers: q.consumers,
            })
            .collect()
    });
    Ok(AdminStats {
        users: UserCounts {
            total: counts.users_total,
            disabled: counts.users_disabled,
            active_today: counts.active_today,
            active_7_days: counts.active_7_days,
        },
        conversations: ConversationCounts {
            direct: counts.conversations_direct,
            group: counts.conversations_group,
        },
        messages_per_day: counts
            .messages_per_day
            .into_iter()
            .map(|(day, messages)| DayCount {
                day: day.to_string(),
                messages,
            })
            .collect(),
        online_now,
        queues,
        computed_at: Utc.from_utc_datetime(&now.naive_utc()),
    })
}
