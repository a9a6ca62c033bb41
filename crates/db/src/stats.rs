//! The counts behind `GET /admin/stats`, each from an index: users by `disabled_at` and
//! `last_seen_at`, messages per day as ranges of the primary key (message ids are ULIDs,
//! so a day's messages are one contiguous id range), conversations by type. chat-api
//! computes them at most once per 30 s, whatever the request rate.

use crate::{
    DbError,
    schema::{conversations, messages, users},
};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub users_total: i64,
    pub users_disabled: i64,
    pub active_today: i64,
    pub active_7_days: i64,
    pub conversations_direct: i64,
    pub conversations_group: i64,
    /// The last `days` days, oldest first, today last.
    pub messages_per_day: Vec<(NaiveDate, i64)>,
}

/// The lowest message id that can be created at `t` (ULIDs sort by time).
fn ulid_floor(t: NaiveDateTime) -> String {
    let ms = t.and_utc().timestamp_millis().max(0) as u64;
    ulid::Ulid::from_parts(ms, 0).to_string()
}

pub async fn counts(
    c: &mut AsyncMysqlConnection,
    now: NaiveDateTime,
    days: i64,
) -> Result<Counts, DbError> {
    let today = now.date();
    let midnight = today.and_hms_opt(0, 0, 0).unwrap_or(now);
    let users_total: i64 = users::table.count().get_result(c).await?;
    let users_disabled: i64 = users::table
        .filter(users::disabled_at.is_not_null())
        .count()
        .get_result(c)
        .await?;
    let active_since =
        |since: NaiveDateTime| users::table.filter(users::last_seen_at.ge(since)).count();
    let active_today: i64 = active_since(midnight).get_result(c).await?;
    let active_7_days: i64 = active_since(midnight - Duration::days(6))
        .get_result(c)
        .await?;
    let by_type: Vec<(String, i64)> = conversations::table
        .group_by(conversations::kind)
        .select((conversations::kind, diesel::dsl::count_star()))
        .load(c)
        .await?;
    let of = |t: &str| {
        by_type
            .iter()
            .find(|(k, _)| k == t)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let mut messages_per_day = Vec::with_capacity(days as usize);
    for back in (0..days).rev() {
        let start = midnight - Duration::days(back);
        let n: i64 = messages::table
            .filter(messages::id.ge(ulid_floor(start)))
            .filter(messages::id.lt(ulid_floor(start + Duration::days(1))))
            .count()
            .get_result(c)
            .await?;
        messages_per_day.push((start.date(), n));
    }
    Ok(Counts {
        users_total,
        users_disabled,
        active_today,
        active_7_days,
        conversations_direct: of("direct"),
        conversations_group: of("group"),
        messages_per_day,
    })
}
