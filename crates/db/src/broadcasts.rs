//! System broadcasts: ONE row per broadcast whatever the number of users. A user's inbox
//! merges the broadcasts newer than their account with their single read cursor
//! (`broadcast_read_cursors`), so 100 000 users cost no extra rows and no extra writes.

use crate::{
    DbError,
    schema::{broadcast_read_cursors as cursors, broadcasts as b, users},
};
use chrono::NaiveDateTime;
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = b, check_for_backend(diesel::mysql::Mysql))]
pub struct BroadcastRow {
    pub id: String,
    pub sender_id: Option<UserId>,
    pub title: String,
    pub content: String,
    pub origin: String,
    pub created_at: NaiveDateTime,
}

/// Stores broadcasts, skipping ids already stored (redeliveries).
pub async fn insert_ignore(
    conn: &mut AsyncMysqlConnection,
    rows: &[BroadcastRow],
) -> Result<usize, DbError> {
    if rows.is_empty() {
        return Ok(0);
    }
    Ok(diesel::insert_or_ignore_into(b::table)
        .values(rows)
        .execute(conn)
        .await?)
}

/// Newest first, older than the `before` id when given, newer than `after` when given.
pub async fn list(
    conn: &mut AsyncMysqlConnection,
    after: Option<NaiveDateTime>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<BroadcastRow>, DbError> {
    let mut query = b::table.into_boxed();
    if let Some(after) = after {
        query = query.filter(b::created_at.gt(after));
    }
    if let Some(before) = before {
        query = query.filter(b::id.lt(before));
    }
    Ok(query
        .order(b::id.desc())
        .limit(limit)
        .select(BroadcastRow::as_select())
        .load(conn)
        .await?)
}

/// The user's view of broadcasts: (account created, read up to).
pub async fn window(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<(NaiveDateTime, Option<NaiveDateTime>), DbError> {
    let created: NaiveDateTime = users::table
        .find(user)
        .select(users::created_at)
        .first(conn)
        .await?;
    let read = cursors::table
        .find(user)
        .select(cursors::read_up_to)
        .first(conn)
        .await
        .optional()?;
    Ok((created, read))
}

/// Broadcasts the user has not read: newer than their account and their cursor.
pub async fn unread_count(conn: &mut AsyncMysqlConnection, user: UserId) -> Result<i64, DbError> {
    let (created, read) = window(conn, user).await?;
    let from = read.map_or(created, |r| r.max(created));
    Ok(b::table
        .filter(b::created_at.gt(from))
        .count()
        .get_result(conn)
        .await?)
}

/// Moves the user's cursor forward to `to` (never back).
pub async fn mark_read_up_to(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    to: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO broadcast_read_cursors (user_id, read_up_to) VALUES (?, ?) \
         ON DUPLICATE KEY UPDATE read_up_to = GREATEST(read_up_to, VALUES(read_up_to))",
    )
    .bind::<diesel::sql_types::BigInt, _>(user)
    .bind::<diesel::sql_types::Datetime, _>(to)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_id(
    conn: &mut AsyncMysqlConnection,
    id: &str,
) -> Result<Option<BroadcastRow>, DbError> {
    Ok(b::table
        .find(id)
        .select(BroadcastRow::as_select())
        .first(conn)
        .await
        .optional()?)
}
