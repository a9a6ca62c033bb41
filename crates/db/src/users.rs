//! Accounts: the queries of `auth` (and of `admin.sh create-admin`).

use crate::{DbError, schema::users};
use chrono::{NaiveDateTime, Utc};
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

/// A `users` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::mysql::Mysql))]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub display_name: String,
    pub avatar_file_id: Option<String>,
    pub bio: Option<String>,
    pub role: String,
    pub last_seen_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// Set while an admin has the account disabled: no login, no refresh.
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
}

/// Profile changes; `Some(None)` clears a nullable field.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub avatar_file_id: Option<Option<String>>,
    pub bio: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Inserts a user; `Unique` on `uq_users_username` if the name is taken (any case).
pub async fn insert(conn: &mut AsyncMysqlConnection, new: NewUser<'_>) -> Result<UserRow, DbError> {
    diesel::insert_into(users::table)
        .values(&new)
        .execute(conn)
        .await?;
    by_username(conn, new.username)
        .await?
        .ok_or(DbError::NotFound)
}

pub async fn by_username(
    conn: &mut AsyncMysqlConnection,
    username: &str,
) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn by_id(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
) -> Result<Option<UserRow>, DbError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Users whose username or display name starts with `q` (case-insensitive by collation).
/// Both columns are indexed, so a prefix match is an index range scan.
pub async fn search(
    conn: &mut AsyncMysqlConnection,
    q: &str,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let pattern = format!("{}%", escape_like(q));
    Ok(users::table
        .filter(
            users::username
                .like(&pattern)
                .escape('\\')
                .or(users::display_name.like(&pattern).escape('\\')),
        )
        .order(users::username.asc())
        .limit(limit)
        .select(UserRow::as_select())
        .load(conn)
        .await?)
}

pub async fn update_profile(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
    mut changes: ProfileChanges,
) -> Result<UserRow, DbError> {
    changes.updated_at = Some(Utc::now().naive_utc());
    diesel::update(users::table.find(id))
        .set(&changes)
        .execute(conn)
        .await?;
    by_id(conn, id).await?.ok_or(DbError::NotFound)
}

pub async fn set_role_and_password(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
    role: &str,
    password_hash: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role), users::password_hash.eq(password_hash)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
    password_hash: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)
        .await?;
    Ok(())
}

/// Escapes `%`, `_` and `\` so user input matches literally in LIKE.
pub fn escape_like(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Disables (`Some((at, reason))`) or re-enables a user; whether the row existed.
pub async fn set_disabled(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
    disabled: Option<(NaiveDateTime, &str)>,
) -> Result<bool, DbError> {
    let n = diesel::update(users::table.find(id))
        .set((
            users::disabled_at.eq(disabled.map(|d| d.0)),
            users::disabled_reason.eq(disabled.map(|d| d.1)),
        ))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Sets a user's role.
pub async fn set_role(
    conn: &mut AsyncMysqlConnection,
    id: UserId,
    role: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.find(id))
        .set(users::role.eq(role))
        .execute(conn)
        .await?;
    Ok(())
}

/// The enabled admins, their rows locked until the transaction ends: a demotion or a
/// disable that would leave none is refused exactly, even when two run at once.
pub async fn active_admins_locked(conn: &mut AsyncMysqlConnection) -> Result<Vec<UserId>, DbError> {
    Ok(users::table
        .filter(users::role.eq("admin"))
        .filter(users::disabled_at.is_null())
        .select(users::id)
        .order(users::id.asc())
        .for_update()
        .load(conn)
        .await?)
}

/// The admin's user list: a page by id ascending after `after_id`, optionally users whose
/// username or display name starts with `q`, and `status` `active` or `disabled`.
pub async fn admin_list(
    conn: &mut AsyncMysqlConnection,
    q: Option<&str>,
    disabled: Option<bool>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<UserRow>, DbError> {
    let mut query = users::table
        .filter(users::id.gt(after_id))
        .order(users::id.asc())
        .limit(limit)
        .select(UserRow::as_select())
        .into_boxed();
    if let Some(q) = q {
        let pattern = format!("{}%", escape_like(q));
        query = query.filter(
            users::username
                .like(pattern.clone())
                .escape('\\')
                .or(users::display_name.like(pattern).escape('\\')),
        );
    }
    match disabled {
        Some(true) => query = query.filter(users::disabled_at.is_not_null()),
        Some(false) => query = query.filter(users::disabled_at.is_null()),
        None => {}
    }
    Ok(query.load(conn).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_like_metacharacters() {
        assert_eq!(super::escape_like(r"a%b_c\d"), r"a\%b\_c\\d");
    }
}
