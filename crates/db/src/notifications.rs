//! The notification inbox: one row per notification and owner. Every query filters on the
//! owner, so a notification is only ever visible to (and markable by) its owner.

use crate::{DbError, schema::notifications as n};
use chrono::{NaiveDateTime, Utc};
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = n, check_for_backend(diesel::mysql::Mysql))]
pub struct NotificationRow {
    pub id: String,
    pub user_id: UserId,
    pub kind: String,
    /// JSON text.
    pub payload: String,
    pub read_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl NotificationRow {
    pub fn new(user: UserId, kind: &str, payload: &serde_json::Value) -> Self {
        Self {
            id: ulid::Ulid::generate().to_string(),
            user_id: user,
            kind: kind.to_owned(),
            payload: payload.to_string(),
            read_at: None,
            created_at: Utc::now().naive_utc(),
        }
    }
}

pub async fn insert(
    conn: &mut AsyncMysqlConnection,
    rows: &[NotificationRow],
) -> Result<(), DbError> {
    if !rows.is_empty() {
        diesel::insert_into(n::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The owner's notifications, newest first, older than the `before` id when given.
pub async fn list(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    unread_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<NotificationRow>, DbError> {
    let mut query = n::table.filter(n::user_id.eq(user)).into_boxed();
    if unread_only {
        query = query.filter(n::read_at.is_null());
    }
    if let Some(before) = before {
        query = query.filter(n::id.lt(before));
    }
    Ok(query
        .order(n::id.desc())
        .limit(limit)
        .select(NotificationRow::as_select())
        .load(conn)
        .await?)
}

pub async fn unread_count(conn: &mut AsyncMysqlConnection, user: UserId) -> Result<i64, DbError> {
    Ok(n::table
        .filter(n::user_id.eq(user))
        .filter(n::read_at.is_null())
        .count()
        .get_result(conn)
        .await?)
}

/// Marks one of the owner's notifications read; `false` when the owner has no such one.
pub async fn mark_read(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    id: &str,
) -> Result<bool, DbError> {
    let owned: Option<Option<NaiveDateTime>> = n::table
        .find(id)
        .filter(n::user_id.eq(user))
        .select(n::read_at)
        .first(conn)
        .await
        .optional()?;
    match owned {
        None => Ok(false),
        Some(Some(_)) => Ok(true),
        Some(None) => {
            diesel::update(n::table.find(id).filter(n::user_id.eq(user)))
                .set(n::read_at.eq(Utc::now().naive_utc()))
                .execute(conn)
                .await?;
            Ok(true)
        }
    }
}

/// Marks all the owner's notifications read; returns how many changed.
pub async fn mark_all_read(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        n::table
            .filter(n::user_id.eq(user))
            .filter(n::read_at.is_null()),
    )
    .set(n::read_at.eq(Utc::now().naive_utc()))
    .execute(conn)
    .await?)
}
