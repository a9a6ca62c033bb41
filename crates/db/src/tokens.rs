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
    Rotated { user_id: UserId, family_id: String },
    /// Unknown, expired, or its family was revoked.
    Invalid,
    /// Already spent: the whole family has just been revoked (and the reuse recorded in
    /// the audit log, in the same transaction).
    Reused { user_id: UserId, family_id: String },
}

/// The device a login came from (stored with its family, refreshed on every use).
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

impl Device {
    fn clipped(&self) -> (Option<String>, Option<String>) {
        let clip = |s: &Option<String>, n: usize| s.as_ref().map(|s| s.chars().take(n).collect());
        (clip(&self.user_agent, 255), clip(&self.ip, 64))
    }
}

/// Starts a family (one login on one device) with its first token; the family's id (the
/// session id that access tokens carry as `sid`).
pub async fn start_family(
    conn: &mut AsyncMysqlConnection,
    user_id: UserId,
    token_hash: &str,
    expires_at: NaiveDateTime,
    device: &Device,
) -> Result<String, DbError> {
    let family_id = ulid::Ulid::generate().to_string();
    let (user_agent, ip) = device.clipped();
    conn.transaction::<_, DbError, _>(async |c| {
        diesel::insert_into(families::table)
            .values((
                families::id.eq(&family_id),
                families::user_id.eq(user_id),
                families::user_agent.eq(user_agent),
                families::ip.eq(ip),
                families::last_used_at.eq(Utc::now().naive_utc()),
            ))
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
    .await?;
    Ok(family_id)
}

/// Spends `old_hash` and issues `new_hash` in the same family, atomically. The row lock
/// (`FOR UPDATE`) makes two concurrent refreshes with one token see exactly one success.
pub async fn rotate(
    conn: &mut AsyncMysqlConnection,
    old_hash: &str,
    new_hash: &str,
    new_expires_at: NaiveDateTime,
    device: &Device,
) -> Result<Rotation, DbError> {
    let (user_agent, ip) = device.clipped();
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
            crate::audit::append(
                c,
                crate::audit::Entry {
                    actor: None,
                    action: "auth.refresh_reuse",
                    target_type: "user",
                    target_id: user_id.to_string(),
                    detail: serde_json::json!({
                        "session": family_id, "ip": ip, "user_agent": user_agent,
                    }),
                },
            )
            .await?;
            return Ok(Rotation::Reused { user_id, family_id });
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
        diesel::update(families::table.find(&family_id))
            .set((
                families::last_used_at.eq(now),
                families::user_agent.eq(user_agent),
                families::ip.eq(ip),
            ))
            .execute(c)
            .await?;
        Ok(Rotation::Rotated { user_id, family_id })
    })
    .await
}

/// Revokes the family of `token_hash` when it is `user`'s (logout). Unknown tokens, and
/// another user's, are ignored: only the owner of a session can end it this way.
pub async fn revoke_family_of(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
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
                .filter(families::user_id.eq(user))
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

/// One live session (a family not revoked) of a user.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub id: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
}

/// The user's sessions used since `since` and not revoked, most recently used first (at
/// most `limit`).
pub async fn sessions_of(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    since: NaiveDateTime,
    limit: i64,
) -> Result<Vec<SessionRow>, DbError> {
    Ok(families::table
        .filter(families::user_id.eq(user))
        .filter(families::revoked_at.is_null())
        .filter(families::last_used_at.ge(since))
        .order(families::last_used_at.desc())
        .limit(limit)
        .select((
            families::id,
            families::user_agent,
            families::ip,
            families::created_at,
            families::last_used_at,
        ))
        .load(conn)
        .await?)
}

/// Ends one session of `user`; whether it was theirs and live.
pub async fn revoke_session(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    id: &str,
) -> Result<bool, DbError> {
    Ok(diesel::update(
        families::table
            .find(id)
            .filter(families::user_id.eq(user))
            .filter(families::revoked_at.is_null()),
    )
    .set(families::revoked_at.eq(Utc::now().naive_utc()))
    .execute(conn)
    .await?
        > 0)
}

/// Opens a password reset for `user` (inside the caller's transaction): any earlier open
/// one is dropped, so only the newest token works.
pub async fn open_password_reset(
    c: &mut AsyncMysqlConnection,
    user: UserId,
    by: Option<UserId>,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    use crate::schema::password_resets as resets;
    diesel::delete(resets::table.filter(resets::user_id.eq(user)))
        .execute(c)
        .await?;
    diesel::insert_into(resets::table)
        .values((
            resets::token_hash.eq(token_hash),
            resets::user_id.eq(user),
            resets::created_by.eq(by),
            resets::created_at.eq(Utc::now().naive_utc()),
            resets::expires_at.eq(expires_at),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// Spends a reset token (inside the caller's transaction): its user, or `None` when it
/// is unknown, used or expired.
pub async fn spend_password_reset(
    c: &mut AsyncMysqlConnection,
    token_hash: &str,
) -> Result<Option<UserId>, DbError> {
    use crate::schema::password_resets as resets;
    let now = Utc::now().naive_utc();
    let row: Option<(UserId, NaiveDateTime, Option<NaiveDateTime>)> = resets::table
        .find(token_hash)
        .select((resets::user_id, resets::expires_at, resets::used_at))
        .for_update()
        .first(c)
        .await
        .optional()?;
    match row {
        Some((user, expires, None)) if expires > now => {
            diesel::update(resets::table.find(token_hash))
                .set(resets::used_at.eq(now))
                .execute(c)
                .await?;
            Ok(Some(user))
        }
        _ => Ok(None),
    }
}
