//! Refresh tokens: families, rotation and reuse detection.

use crate::{
    DbError,
    schema::{refresh_token_families as families, refresh_tokens as tokens},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};

/// The result of presenting a refresh token.
#[derive(Debug, PartialEq)]
pub enum Rotation {
    /// Accepted: the old token is now spent and `new_hash` replaces it.
    Rotated { user_id: UserId },
    /// Unknown, expired, or its family was revoked.
    Invalid,
    /// Already spent: the whole family has just been revoked.
    Reused,
}

/// Starts a family (one login) with its first token.
pub async fn start_family(
    conn: &mut AsyncMysqlConnection,
    user_id: UserId,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    let family_id = ulid::Ulid::generate().to_string();
    conn.transaction::<_, DbError, _>(async |c| {
        diesel::insert_into(families::table)
            .values((families::id.eq(&family_id), families::user_id.eq(user_id)))
            .execute(c)
            .await?;
        diesel::insert_into(tokens::table)
            .values((
                tokens::token_hash.eq(token_hash),
                tokens::family_id.eq(&family_id),
                tokens::user_id.eq(user_id),
                tokens::expires_at.eq(expires_at),
            ))
            .execute(c)
            .await?;
        Ok(())
    })
    .await
}

/// Spends `old_hash` and issues `new_hash` in the same family, atomically. The row lock
/// (`FOR UPDATE`) makes two concurrent refreshes with one token see exactly one success.
pub async fn rotate(
    conn: &mut AsyncMysqlConnection,
    old_hash: &str,
    new_hash: &str,
    new_expires_at: NaiveDateTime,
) -> Result<Rotation, DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let now = Utc::now().naive_utc();
        let row: Option<(String, UserId, NaiveDateTime, Option<NaiveDateTime>)> = tokens::table
            .find(old_hash)
            .select((
                tokens::family_id,
                tokens::user_id,
                tokens::expires_at,
                tokens::used_at,
            ))
            .for_update()
            .first(c)
            .await
            .optional()?;
        let Some((family_id, user_id, expires_at, used_at)) = row else {
            return Ok(Rotation::Invalid);
        };
        let revoked: Option<NaiveDateTime> = families::table
            .find(&family_id)
            .select(families::revoked_at)
            .for_update()
            .first(c)
            .await?;
        if revoked.is_some() {
            return Ok(Rotation::Invalid);
        }
        if used_at.is_some() {
            diesel::update(families::table.find(&family_id))
                .set(families::revoked_at.eq(now))
                .execute(c)
                .await?;
            return Ok(Rotation::Reused);
        }
        if expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        diesel::update(tokens::table.find(old_hash))
            .set(tokens::used_at.eq(now))
            .execute(c)
            .await?;
        diesel::insert_into(tokens::table)
            .values((
                tokens::token_hash.eq(new_hash),
                tokens::family_id.eq(&family_id),
                tokens::user_id.eq(user_id),
                tokens::expires_at.eq(new_expires_at),
            ))
            .execute(c)
            .await?;
        Ok(Rotation::Rotated { user_id })
    })
    .await
}

/// Revokes the family of `token_hash` (logout). Unknown tokens are ignored.
pub async fn revoke_family_of(
    conn: &mut AsyncMysqlConnection,
    token_hash: &str,
) -> Result<(), DbError> {
    let family: Option<String> = tokens::table
        .find(token_hash)
        .select(tokens::family_id)
        .first(conn)
        .await
        .optional()?;
    if let Some(family_id) = family {
        diesel::update(
            families::table
                .find(family_id)
                .filter(families::revoked_at.is_null()),
        )
        .set(families::revoked_at.eq(Utc::now().naive_utc()))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Revokes every refresh-token family of `user` (signed out everywhere, disabled);
/// how many were still live.
pub async fn revoke_all_of(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        families::table
            .filter(families::user_id.eq(user))
            .filter(families::revoked_at.is_null()),
    )
    .set(families::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)
    .await?)
}
