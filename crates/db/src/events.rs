//! Reported events, and the record of envelopes a consumer already acted on.

use crate::{
    DbError,
    schema::{events as e, processed_envelopes as processed, users},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = e, check_for_backend(diesel::mysql::Mysql))]
pub struct EventRow {
    pub id: String,
    pub kind: String,
    pub severity: String,
    /// JSON text.
    pub payload: String,
    pub reporter_id: Option<UserId>,
    pub origin: String,
    pub occurred_at: NaiveDateTime,
}

/// Stores events, skipping ids already stored (redeliveries).
pub async fn insert_ignore(
    conn: &mut AsyncMysqlConnection,
    rows: &[EventRow],
) -> Result<usize, DbError> {
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(diesel::insert_or_ignore_into(e::table)
        .values(rows)
        .execute(conn)
        .await?)
}

/// What `GET /events` may filter on.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<String>,
    pub severity: Option<String>,
    pub reporter: Option<UserId>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub before: Option<String>,
}

/// Newest first (by id, which sorts by time).
pub async fn list(
    conn: &mut AsyncMysqlConnection,
    f: &Filter,
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let mut query = e::table.into_boxed();
    if let Some(k) = &f.kind {
        query = query.filter(e::kind.eq(k));
    }
    if let Some(s) = &f.severity {
        query = query.filter(e::severity.eq(s));
    }
    if let Some(r) = f.reporter {
        query = query.filter(e::reporter_id.eq(r));
    }
    if let Some(t) = f.since {
        query = query.filter(e::occurred_at.ge(t));
    }
    if let Some(t) = f.until {
        query = query.filter(e::occurred_at.lt(t));
    }
    if let Some(b) = &f.before {
        query = query.filter(e::id.lt(b));
    }
    Ok(query
        .order(e::id.desc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)
        .await?)
}

/// Records that `consumer` acted on envelope `id`; `false` if it already had (the caller
/// rolls back its work). Call inside the transaction that does the work.
pub async fn first_time(
    conn: &mut AsyncMysqlConnection,
    consumer: &str,
    id: &str,
) -> Result<bool, DbError> {
    let n = diesel::insert_or_ignore_into(processed::table)
        .values((
            processed::consumer.eq(consumer),
            processed::envelope_id.eq(id),
            processed::processed_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Ids of every admin account.
pub async fn admin_ids(conn: &mut AsyncMysqlConnection) -> Result<Vec<UserId>, DbError> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .select(users::id)
        .load(conn)
        .await?)
}
