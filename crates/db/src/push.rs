//! Offline push: registered devices, do-not-disturb hours and per-conversation push mutes
//! (what a member set for themselves), and the badge count. Written by chat-api's
//! `/users/me/devices`, `/users/me/push-settings` and `/conversations/{id}/notifications`;
//! read in bulk by push-worker's sender, a handful of queries per push job whatever the
//! number of recipients.

use crate::{
    DbError,
    schema::{conversation_members as members, push_devices as devices, push_settings as settings},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncMysqlConnection, RunQueryDsl};
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices, check_for_backend(diesel::mysql::Mysql))]
pub struct DeviceRow {
    pub token: String,
    pub user_id: UserId,
    pub platform: String,
    pub created_at: NaiveDateTime,
    pub registered_at: NaiveDateTime,
}

/// Registers `token` for `user` (re-registering refreshes it; a token another user had
/// moves to `user`: the device changed hands). Beyond `max` devices the least recently
/// registered ones are dropped, as a reinstalled app leaves its old token behind.
pub async fn register_device(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    token: &str,
    platform: &str,
    max: usize,
) -> Result<DeviceRow, DbError> {
    conn.transaction::<_, DbError, _>(async |c| {
        let now = Utc::now().naive_utc();
        diesel::insert_into(devices::table)
            .values((
                devices::token.eq(token),
                devices::user_id.eq(user),
                devices::platform.eq(platform),
                devices::created_at.eq(now),
                devices::registered_at.eq(now),
            ))
            .on_conflict(diesel::dsl::DuplicatedKeys)
            .do_update()
            .set((
                devices::user_id.eq(user),
                devices::platform.eq(platform),
                devices::registered_at.eq(now),
            ))
            .execute(c)
            .await?;
        let stale: Vec<String> = devices::table
            .filter(devices::user_id.eq(user))
            .order((devices::registered_at.desc(), devices::token.desc()))
            .limit(i64::MAX)
            .offset(max as i64)
            .select(devices::token)
            .load(c)
            .await?;
        if !stale.is_empty() {
            diesel::delete(devices::table.filter(devices::token.eq_any(&stale)))
                .execute(c)
                .await?;
        }
        Ok(devices::table
            .find(token)
            .select(DeviceRow::as_select())
            .first(c)
            .await?)
    })
    .await
}

/// Removes `user`'s `token`; `false` when they had no such device.
pub async fn unregister_device(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    token: &str,
) -> Result<bool, DbError> {
    let n = diesel::delete(
        devices::table
            .filter(devices::token.eq(token))
            .filter(devices::user_id.eq(user)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Forgets a token the provider called unregistered (the app was uninstalled).
pub async fn forget_token(conn: &mut AsyncMysqlConnection, token: &str) -> Result<(), DbError> {
    diesel::delete(devices::table.find(token))
        .execute(conn)
        .await?;
    Ok(())
}

/// `user`'s devices, most recently registered first.
pub async fn devices_of_user(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<Vec<DeviceRow>, DbError> {
    Ok(devices::table
        .filter(devices::user_id.eq(user))
        .order(devices::registered_at.desc())
        .select(DeviceRow::as_select())
        .load(conn)
        .await?)
}

/// The devices of any of `users`.
pub async fn devices_of(
    conn: &mut AsyncMysqlConnection,
    users: &[UserId],
) -> Result<Vec<DeviceRow>, DbError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Ok(devices::table
        .filter(devices::user_id.eq_any(users))
        .select(DeviceRow::as_select())
        .load(conn)
        .await?)
}

/// Do-not-disturb hours: minutes of the day in the user's UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct Dnd {
    pub start_minute: i16,
    pub end_minute: i16,
    pub utc_offset_minutes: i16,
}

impl Dnd {
    /// Whether `now` falls in the window (which may wrap midnight: 22:00–07:00).
    pub fn covers(&self, now: chrono::DateTime<Utc>) -> bool {
        use chrono::Timelike;
        let utc = (now.hour() * 60 + now.minute()) as i32;
        let local = (utc + self.utc_offset_minutes as i32).rem_euclid(24 * 60);
        let (start, end) = (self.start_minute as i32, self.end_minute as i32);
        match start.cmp(&end) {
            std::cmp::Ordering::Less => start <= local && local < end,
            std::cmp::Ordering::Greater => local >= start || local < end,
            std::cmp::Ordering::Equal => false,
        }
    }
}

/// `user`'s do-not-disturb hours, if set.
pub async fn dnd_of_user(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
) -> Result<Option<Dnd>, DbError> {
    Ok(dnd_of(conn, &[user]).await?.remove(&user))
}

/// The do-not-disturb hours of those of `users` who set them.
pub async fn dnd_of(
    conn: &mut AsyncMysqlConnection,
    users: &[UserId],
) -> Result<HashMap<UserId, Dnd>, DbError> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(UserId, Option<i16>, Option<i16>, i16)> = settings::table
        .filter(settings::user_id.eq_any(users))
        .select((
            settings::user_id,
            settings::dnd_start_minute,
            settings::dnd_end_minute,
            settings::utc_offset_minutes,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(user, start, end, offset)| {
            Some((
                user,
                Dnd {
                    start_minute: start?,
                    end_minute: end?,
                    utc_offset_minutes: offset,
                },
            ))
        })
        .collect())
}

/// Sets (or with `None` clears) `user`'s do-not-disturb hours.
pub async fn set_dnd(
    conn: &mut AsyncMysqlConnection,
    user: UserId,
    dnd: Option<Dnd>,
) -> Result<(), DbError> {
    let now = Utc::now().naive_utc();
    let (start, end, offset) = match dnd {
        Some(d) => (
            Some(d.start_minute),
            Some(d.end_minute),
            d.utc_offset_minutes,
        ),
        None => (None, None, 0),
    };
    diesel::insert_into(settings::table)
        .values((
            settings::user_id.eq(user),
            settings::dnd_start_minute.eq(start),
            settings::dnd_end_minute.eq(end),
            settings::utc_offset_minutes.eq(offset),
            settings::updated_at.eq(now),
        ))
        .on_conflict(diesel::dsl::DuplicatedKeys)
        .do_update()
        .set((
            settings::dnd_start_minute.eq(start),
            settings::dnd_end_minute.eq(end),
            settings::utc_offset_minutes.eq(offset),
            settings::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Silences (`Some(until)`) or unsilences (`None`) `user`'s pushes from `conversation`;
/// `false` when they are not a current member.
pub async fn set_conversation_muted(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    user: UserId,
    until: Option<NaiveDateTime>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        members::table
            .filter(members::conversation_id.eq(conversation))
            .filter(members::user_id.eq(user))
            .filter(members::left_at.is_null()),
    )
    .set(members::push_muted_until.eq(until))
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Those of `users` who silenced `conversation`'s pushes until after now.
pub async fn muted_in(
    conn: &mut AsyncMysqlConnection,
    conversation: ConversationId,
    users: &[UserId],
) -> Result<Vec<UserId>, DbError> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Ok(members::table
        .filter(members::conversation_id.eq(conversation))
        .filter(members::user_id.eq_any(users))
        .filter(members::push_muted_until.gt(Utc::now().naive_utc()))
        .select(members::user_id)
        .load(conn)
        .await?)
}

#[derive(QueryableByName)]
struct Badge {
    #[diesel(sql_type = BigInt)]
    user_id: UserId,
    #[diesel(sql_type = BigInt)]
    unread: i64,
}

/// Each of `users`' unread messages over all their conversations (the badge): derived
/// from seqs like the conversation list's `unread_count`. `pending` is a message not
/// persisted yet (`(conversation, seq)`): its conversation counts up to it at least.
pub async fn unread_totals(
    conn: &mut AsyncMysqlConnection,
    users: &[UserId],
    pending: Option<(ConversationId, i64)>,
) -> Result<HashMap<UserId, i64>, DbError> {
    if users.is_empty() {
        return Ok(HashMap::new());
    }
    let (conversation, seq) = pending.unwrap_or((0, 0));
    let ids = users
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(",");
    // `ids` are integers formatted here, not client text.
    let rows: Vec<Badge> = diesel::sql_query(format!(
        "SELECT m.user_id AS user_id, CAST(COALESCE(SUM(GREATEST( \
             IF(c.id = ?, GREATEST(c.last_seq, ?), c.last_seq) - m.last_read_seq, 0)), 0) \
             AS SIGNED) AS unread \
         FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id \
         WHERE m.left_at IS NULL AND m.user_id IN ({ids}) GROUP BY m.user_id"
    ))
    .bind::<BigInt, _>(conversation)
    .bind::<BigInt, _>(seq)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|b| (b.user_id, b.unread)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, h, m, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn dnd_windows() {
        let night = Dnd {
            start_minute: 22 * 60,
            end_minute: 7 * 60,
            utc_offset_minutes: 0,
        };
        assert!(night.covers(at(23, 0)) && night.covers(at(3, 0)) && night.covers(at(22, 0)));
        assert!(!night.covers(at(7, 0)) && !night.covers(at(12, 0)));
        let lunch = Dnd {
            start_minute: 12 * 60,
            end_minute: 13 * 60,
            utc_offset_minutes: 120,
        };
        // 10:30 UTC is 12:30 at UTC+2.
        assert!(lunch.covers(at(10, 30)) && !lunch.covers(at(12, 30)));
        let west = Dnd {
            start_minute: 22 * 60,
            end_minute: 23 * 60,
            utc_offset_minutes: -300,
        };
        // 03:30 UTC is 22:30 the day before at UTC-5.
        assert!(west.covers(at(3, 30)));
        let off = Dnd {
            start_minute: 600,
            end_minute: 600,
            utc_offset_minutes: 0,
        };
        assert!(!off.covers(at(10, 0)));
    }
}
