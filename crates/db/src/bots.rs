//! Bot API tokens: one live token per bot at a time (a new one revokes the old), stored
//! as SHA-256; looked up by hash when a bot exchanges it for an access token.

use crate::{
    DbError,
    schema::{bot_tokens as t, users},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

/// Revokes every live token of `bot` (inside the caller's transaction); how many.
pub async fn revoke_all(
    c: &mut AsyncMysqlConnection,
    bot: i64,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        t::table
            .filter(t::bot_id.eq(bot))
            .filter(t::revoked_at.is_null()),
    )
    .set(t::revoked_at.eq(Some(now)))
    .execute(c)
    .await?)
}

/// Adds a live token (inside the caller's transaction, after [`revoke_all`]).
pub async fn insert(
    c: &mut AsyncMysqlConnection,
    bot: i64,
    token_hash: &str,
    by: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(t::table)
        .values((
            t::bot_id.eq(bot),
            t::token_hash.eq(token_hash),
            t::created_by.eq(by),
            t::created_at.eq(now),
        ))
        .execute(c)
        .await?;
    Ok(())
}

/// The live token with this hash: (token id, bot id, the bot's disabled time).
pub async fn live(
    c: &mut AsyncMysqlConnection,
    token_hash: &str,
) -> Result<Option<(i64, i64, Option<NaiveDateTime>)>, DbError> {
    Ok(t::table
        .inner_join(users::table.on(users::id.eq(t::bot_id)))
        .filter(t::token_hash.eq(token_hash))
        .filter(t::revoked_at.is_null())
        .filter(users::role.eq("bot"))
        .select((t::id, t::bot_id, users::disabled_at))
        .first(c)
        .await
        .optional()?)
}

/// Records a use (best effort: what an admin sees as "last used").
pub async fn touch(
    c: &mut AsyncMysqlConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(t::table.find(id))
        .set(t::last_used_at.eq(Some(now)))
        .execute(c)
        .await?;
    Ok(())
}
