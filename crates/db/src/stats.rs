//! The counts behind `GET /admin/stats`: users by `disabled_at` and `last_seen_at` (index
//! ranges), messages per day from `message_days` (counters the persistence-worker keeps in
//! the transaction that inserts the messages: 30 days are at most 480 rows, whatever the
//! history), conversations by type. chat-api computes them at most once per 30 s.

use crate::{
    DbError,
    schema::{conversations, users},
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
    let first = today - Duration::days(days - 1);
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = diesel::sql_types::Date)]
        day: NaiveDate,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        messages: i64,
    }
    let counted: Vec<Day> = diesel::sql_query(
        "SELECT day, CAST(SUM(messages) AS SIGNED) AS messages FROM message_days \
         WHERE day >= ? GROUP BY day",
    )
    .bind::<diesel::sql_types::Date, _>(first)
    .load(c)
    .await?;
    let messages_per_day = (0..days)
        .map(|i| {
            let day = first + Duration::days(i);
            let n = counted
                .iter()
                .find(|d| d.day == day)
                .map_or(0, |d| d.messages);
            (day, n)
        })
        .collect();
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
