//! What a user sets for offline push: their devices (`PUT/DELETE /users/me/devices/{token}`),
//! do-not-disturb hours, and which conversations are silenced. push-worker's sender reads
//! these rows when something reaches a member with no live socket (`db::push`).

use super::{Caller, Error, Result};
use crate::state::State;
use chrono::{Duration, TimeZone, Utc};
use common_proto::{
    ConversationId,
    rest::{
        ConversationMuteState, ConversationNotifications, Device, DoNotDisturb, PUSH_PLATFORMS,
        PushSettings, limits,
    },
};
use db::push::{DeviceRow, Dnd};

fn device(row: DeviceRow) -> Device {
    Device {
        token: row.token,
        platform: row.platform,
        created_at: Utc.from_utc_datetime(&row.created_at),
        registered_at: Utc.from_utc_datetime(&row.registered_at),
    }
}

/// A provider token: printable ASCII without spaces or `/` (it travels in a path), at
/// most `MAX_DEVICE_TOKEN_CHARS`.
fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || token.len() > limits::MAX_DEVICE_TOKEN_CHARS {
        return Err(Error::invalid(
            "token",
            format!("must be 1 to {} characters", limits::MAX_DEVICE_TOKEN_CHARS),
        ));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic() && b != b'/') {
        return Err(Error::invalid(
            "token",
            "must be printable ASCII without spaces or '/'",
        ));
    }
    Ok(())
}

/// Registers (or refreshes) a device of the caller's.
pub async fn register(
    state: &State,
    caller: &Caller,
    token: &str,
    platform: &str,
) -> Result<Device> {
    check_token(token)?;
    if !PUSH_PLATFORMS.contains(&platform) {
        return Err(Error::invalid(
            "platform",
            format!("must be one of {}", PUSH_PLATFORMS.join(", ")),
        ));
    }
    let mut conn = state.conn().await?;
    let row = db::push::register_device(&mut conn, caller.id, token, platform, limits::MAX_DEVICES)
        .await?;
    Ok(device(row))
}

/// Unregisters one of the caller's devices (404 when it is not theirs).
pub async fn unregister(state: &State, caller: &Caller, token: &str) -> Result<()> {
    check_token(token)?;
    let mut conn = state.conn().await?;
    if db::push::unregister_device(&mut conn, caller.id, token).await? {
        Ok(())
    } else {
        Err(Error::NotFound("device"))
    }
}

/// The caller's devices, most recently registered first (at most `MAX_DEVICES`).
pub async fn devices(state: &State, caller: &Caller) -> Result<Vec<Device>> {
    let mut conn = state.conn().await?;
    Ok(db::push::devices_of_user(&mut conn, caller.id)
        .await?
        .into_iter()
        .map(device)
        .collect())
}

/// `"HH:MM"` as minutes of the day.
fn minute_of_day(field: &'static str, text: &str) -> Result<i16> {
    let bad = || Error::invalid(field, "must be a time of day as HH:MM (00:00 to 23:59)");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (i16, i16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn hh_mm(minute: i16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

pub async fn settings(state: &State, caller: &Caller) -> Result<PushSettings> {
    let mut conn = state.conn().await?;
    let dnd = db::push::dnd_of_user(&mut conn, caller.id).await?;
    Ok(PushSettings {
        do_not_disturb: dnd.map(|d| DoNotDisturb {
            start: hh_mm(d.start_minute),
            end: hh_mm(d.end_minute),
            utc_offset_minutes: d.utc_offset_minutes,
        }),
    })
}

/// Sets the caller's do-not-disturb hours (`null` turns them off).
pub async fn set_settings(
    state: &State,
    caller: &Caller,
    new: PushSettings,
) -> Result<PushSettings> {
    let dnd = match &new.do_not_disturb {
        None => None,
        Some(d) => {
            if !(-840..=840).contains(&d.utc_offset_minutes) {
                return Err(Error::invalid(
                    "utc_offset_minutes",
                    "must be -840 to 840 (UTC-14:00 to UTC+14:00)",
                ));
            }
            let dnd = Dnd {
                start_minute: minute_of_day("start", &d.start)?,
                end_minute: minute_of_day("end", &d.end)?,
                utc_offset_minutes: d.utc_offset_minutes,
            };
            if dnd.start_minute == dnd.end_minute {
                return Err(Error::invalid(
                    "end",
                    "must differ from start (send null to turn do-not-disturb off)",
                ));
            }
            Some(dnd)
        }
    };
    let mut conn = state.conn().await?;
    db::push::set_dnd(&mut conn, caller.id, dnd).await?;
    drop(conn);
    settings(state, caller).await
}

/// Silences or unsilences a conversation's pushes for the caller (404 unless a member).
pub async fn set_conversation(
    state: &State,
    caller: &Caller,
    conversation: ConversationId,
    change: ConversationNotifications,
) -> Result<ConversationMuteState> {
    let until = match (change.muted, change.for_seconds) {
        (false, None) => None,
        (false, Some(_)) => {
            return Err(Error::invalid(
                "for_seconds",
                "only goes with \"muted\": true",
            ));
        }
        // "Until unmuted": far enough that it never ends, still a valid DATETIME.
        (true, None) => Some(Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).unwrap()),
        (true, Some(s)) if (1..=limits::MAX_PUSH_MUTE_SECONDS).contains(&s) => {
            Some(Utc::now() + Duration::seconds(s as i64))
        }
        (true, Some(_)) => {
            return Err(Error::invalid(
                "for_seconds",
                format!(
                    "must be 1 to {} (leave it out to mute until unmuted)",
                    limits::MAX_PUSH_MUTE_SECONDS
                ),
            ));
        }
    };
    let mut conn = state.conn().await?;
    if !db::push::set_conversation_muted(
        &mut conn,
        conversation,
        caller.id,
        until.map(|t| t.naive_utc()),
    )
    .await?
    {
        return Err(Error::NotFound("conversation"));
    }
    Ok(ConversationMuteState {
        conversation_id: conversation,
        muted_until: until,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        assert_eq!(minute_of_day("start", "22:30").ok(), Some(22 * 60 + 30));
        assert_eq!(minute_of_day("start", "00:00").ok(), Some(0));
        for bad in ["24:00", "7:00", "07:60", "0700", "ab:cd", "-1:00", ""] {
            assert!(minute_of_day("start", bad).is_err(), "{bad}");
        }
        assert_eq!(hh_mm(7 * 60 + 5), "07:05");
    }

    #[test]
    fn tokens() {
        assert!(check_token("abc:DEF_123-x.y").is_ok());
        assert!(check_token("").is_err());
        assert!(check_token("has space").is_err());
        assert!(check_token("a/b").is_err());
        assert!(check_token(&"x".repeat(limits::MAX_DEVICE_TOKEN_CHARS + 1)).is_err());
    }
}
