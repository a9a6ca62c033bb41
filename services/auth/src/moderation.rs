//! Acting on accounts: an admin disables, re-enables, signs out or changes the role of a
//! user; a user signs themselves out everywhere. Each is ONE transaction that makes the
//! change, ends the user's refresh-token families where it ends their sessions, and
//! appends the audit row (`db::audit`); then the user's access tokens are revoked on
//! every replica through Redis (`kit::revocation`), which also closes their sockets.
//!
//! The database commits first: if Redis then fails, the answer is a 503 and the action
//! (idempotent) can be repeated — the account is already disabled, only the early end
//! of its live tokens is pending.

use crate::state::State;
use chrono::{NaiveDateTime, TimeZone, Utc};
use common_proto::{
    UserId,
    error::ErrorCode,
    rest::{AdminUser, AdminUserPage, AuditEntry, AuditPage},
};
use db::audit::Entry;
use diesel_async::{AsyncConnection, AsyncMysqlConnection};
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde_json::json;

/// Page size of the admin lists, at most.
pub const MAX_PAGE: i64 = 100;

fn utc(t: NaiveDateTime) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

pub fn admin_view(u: &db::users::UserRow) -> AdminUser {
    AdminUser {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.clone(),
        created_at: utc(u.created_at),
        last_seen_at: u.last_seen_at.map(utc),
        disabled_at: u.disabled_at.map(utc),
        disabled_reason: u.disabled_reason.clone(),
    }
}

pub(crate) fn admin_only(actor: &AuthUser) -> ApiResult<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden("admins only"))
    }
}

/// The transaction's outcome: a refusal keeps its status, anything else is the database's.
pub(crate) enum Failed {
    Refused(ApiError),
    Db(db::DbError),
}

impl From<diesel::result::Error> for Failed {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

impl From<db::DbError> for Failed {
    fn from(e: db::DbError) -> Self {
        Self::Db(e)
    }
}

impl From<Failed> for ApiError {
    fn from(f: Failed) -> Self {
        match f {
            Failed::Refused(e) => e,
            Failed::Db(e) => e.into(),
        }
    }
}

/// What one action does to the target, under the transaction.
#[derive(Clone, Copy)]
enum Action<'a> {
    Disable(&'a str),
    Enable,
    Logout,
    Role(&'a str),
}

impl Action<'_> {
    fn name(&self) -> &'static str {
        match self {
            Self::Disable(_) => "user.disabled",
            Self::Enable => "user.enabled",
            Self::Logout => "user.logged_out",
            Self::Role(_) => "user.role_changed",
        }
    }
    /// Whether the user's live tokens end with it.
    fn ends_sessions(&self) -> bool {
        !matches!(self, Self::Enable)
    }
}

/// What acting on accounts needs: the database, and Redis for the revocations. Built from
/// the service's state, or from the settings by the command line (`auth disable ...`).
pub struct Accounts<'a> {
    pub pool: &'a db::Pool,
    pub redis: &'a deadpool_redis::Pool,
    pub prefix: &'a str,
    /// Access-token lifetime plus leeway: how long a revocation must be kept.
    pub token_lifetime_secs: i64,
}

impl<'a> Accounts<'a> {
    pub fn of(state: &'a State) -> Self {
        Self {
            pool: &state.pool,
            redis: &state.redis,
            prefix: &state.redis_prefix,
            token_lifetime_secs: state.signer.ttl_secs + kit::auth::LEEWAY_SECS as i64,
        }
    }

    /// Applies `action` to `target`, by `actor` (`None`: an operator at the command line);
    /// the user as it is now.
    async fn act(
        &self,
        actor: Option<UserId>,
        target: UserId,
        action: Action<'_>,
    ) -> ApiResult<AdminUser> {
        let mut conn = db::pool::conn(self.pool).await?;
        let row = conn
            .transaction::<_, Failed, _>(async |c| apply(c, actor, target, action).await)
            .await?;
        drop(conn);
        if action.ends_sessions() {
            self.end_sessions(target).await?;
        }
        Ok(admin_view(&row))
    }

    /// Revokes every live access token of `user` on every replica (and closes their
    /// sockets).
    pub async fn end_sessions(&self, user: UserId) -> ApiResult<()> {
        kit::revocation::revoke(self.redis, self.prefix, user, self.token_lifetime_secs)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, user, "sessions not ended at once: Redis unavailable");
                ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "the change is saved, but live sessions could not be ended at once; repeat it",
                )
            })?;
        Ok(())
    }

    /// The command line's `disable`, `enable`, `logout` by username.
    pub async fn by_operator(
        &self,
        what: &str,
        username: &str,
        reason: &str,
    ) -> anyhow::Result<AdminUser> {
        let mut conn = db::pool::conn(self.pool).await?;
        let user = db::users::by_username(&mut conn, username)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no user {username}"))?;
        drop(conn);
        let action = match what {
            "disable" => Action::Disable(reason),
            "enable" => Action::Enable,
            "logout" => Action::Logout,
            other => anyhow::bail!("unknown action {other}"),
        };
        self.act(None, user.id, action)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.message))
    }
}

/// Applies `action` to `target` for admin `actor`; the user as it is now.
async fn act(
    state: &State,
    actor: &AuthUser,
    target: UserId,
    action: Action<'_>,
) -> ApiResult<AdminUser> {
    admin_only(actor)?;
    Accounts::of(state)
        .act(Some(actor.id), target, action)
        .await
}

async fn apply(
    c: &mut AsyncMysqlConnection,
    me: Option<UserId>,
    target: UserId,
    action: Action<'_>,
) -> Result<db::users::UserRow, Failed> {
    // The admins are locked first by every action that could leave none (always the
    // same order: admins, then the target).
    let admins = match action {
        Action::Disable(_) | Action::Role(_) => db::users::active_admins_locked(c).await?,
        _ => Vec::new(),
    };
    let user = db::users::by_id(c, target)
        .await?
        .ok_or_else(|| Failed::Refused(ApiError::not_found("user")))?;
    let last_admin = admins == [target];
    let detail = match action {
        Action::Disable(reason) => {
            if last_admin {
                return Err(Failed::Refused(ApiError::conflict(
                    ErrorCode::Conflict,
                    "the last enabled admin cannot be disabled",
                )));
            }
            db::users::set_disabled(c, target, Some((Utc::now().naive_utc(), reason))).await?;
            db::tokens::revoke_all_of(c, target).await?;
            json!({"reason": reason})
        }
        Action::Enable => {
            db::users::set_disabled(c, target, None).await?;
            json!({})
        }
        Action::Logout => {
            let families = db::tokens::revoke_all_of(c, target).await?;
            json!({"sessions_ended": families})
        }
        Action::Role(role) => {
            if role == "user" && last_admin {
                return Err(Failed::Refused(ApiError::conflict(
                    ErrorCode::Conflict,
                    "the last enabled admin cannot be demoted",
                )));
            }
            db::users::set_role(c, target, role).await?;
            json!({"from": user.role, "to": role})
        }
    };
    db::audit::append(
        c,
        Entry {
            actor: me,
            action: action.name(),
            target_type: "user",
            target_id: target.to_string(),
            detail,
        },
    )
    .await?;
    Ok(db::users::by_id(c, target).await?.unwrap_or(user))
}

pub async fn disable(
    state: &State,
    actor: &AuthUser,
    target: UserId,
    reason: &str,
) -> ApiResult<AdminUser> {
    let n = reason.trim().chars().count();
    if n == 0 || n > 500 {
        return Err(ApiError::validation(
            "reason",
            "must be 1 to 500 characters",
        ));
    }
    act(state, actor, target, Action::Disable(reason.trim())).await
}

pub async fn enable(state: &State, actor: &AuthUser, target: UserId) -> ApiResult<AdminUser> {
    act(state, actor, target, Action::Enable).await
}

pub async fn logout(state: &State, actor: &AuthUser, target: UserId) -> ApiResult<AdminUser> {
    act(state, actor, target, Action::Logout).await
}

pub async fn set_role(
    state: &State,
    actor: &AuthUser,
    target: UserId,
    role: &str,
) -> ApiResult<AdminUser> {
    admin_only(actor)?;
    if role != "admin" && role != "user" {
        return Err(ApiError::validation("role", "must be admin or user"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    if db::users::by_id(&mut conn, target)
        .await?
        .is_some_and(|u| u.role == "bot")
    {
        return Err(ApiError::validation("role", "a bot stays a bot"));
    }
    drop(conn);
    act(state, actor, target, Action::Role(role)).await
}

/// How long a password-reset token works.
pub const RESET_TTL_HOURS: i64 = 24;

/// `POST /admin/users/{id}/reset-password`: a one-time token for the user (only its hash
/// is stored; an earlier open one stops working). Audited; the token is never logged.
pub async fn issue_reset(
    state: &State,
    actor: &AuthUser,
    target: UserId,
) -> ApiResult<common_proto::rest::PasswordResetIssued> {
    admin_only(actor)?;
    let token = crate::tokens::new_refresh_token();
    let hash = crate::tokens::hash_refresh_token(&token);
    let expires = Utc::now() + chrono::Duration::hours(RESET_TTL_HOURS);
    let mut conn = db::pool::conn(&state.pool).await?;
    let by = actor.id;
    conn.transaction::<_, Failed, _>(async |c| {
        if db::users::by_id(c, target).await?.is_none() {
            return Err(Failed::Refused(ApiError::not_found("user")));
        }
        db::tokens::open_password_reset(c, target, Some(by), &hash, expires.naive_utc()).await?;
        db::audit::append(
            c,
            Entry {
                actor: Some(by),
                action: "user.password_reset_issued",
                target_type: "user",
                target_id: target.to_string(),
                detail: json!({"expires_at": expires}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(common_proto::rest::PasswordResetIssued {
        token,
        expires_at: expires,
    })
}

/// `POST /auth/reset-password`: sets a new password with a one-time token; every session
/// of the user ends (refresh families at once, access tokens within a revocation poll).
pub async fn reset_password(state: &State, token: &str, password: String) -> ApiResult<()> {
    crate::validate::password(&password)?;
    let invalid = || ApiError::validation("token", "invalid, used or expired reset token");
    if token.is_empty() || token.len() > 128 {
        return Err(invalid());
    }
    let hash = crate::tokens::hash_refresh_token(token);
    let password_hash = state.hasher.hash(password).await?;
    let mut conn = db::pool::conn(&state.pool).await?;
    let user = conn
        .transaction::<_, Failed, _>(async |c| {
            let user = db::tokens::spend_password_reset(c, &hash)
                .await?
                .ok_or_else(|| Failed::Refused(invalid()))?;
            db::users::set_password(c, user, &password_hash).await?;
            let families = db::tokens::revoke_all_of(c, user).await?;
            db::audit::append(
                c,
                Entry {
                    actor: Some(user),
                    action: "user.password_reset",
                    target_type: "user",
                    target_id: user.to_string(),
                    detail: json!({"sessions_ended": families}),
                },
            )
            .await?;
            Ok(user)
        })
        .await?;
    drop(conn);
    Accounts::of(state).end_sessions(user).await
}

/// `POST /auth/logout-all`: the caller signs out of every device.
pub async fn logout_everywhere(state: &State, me: &AuthUser) -> ApiResult<()> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let id = me.id;
    conn.transaction::<_, Failed, _>(async |c| {
        let families = db::tokens::revoke_all_of(c, id).await?;
        db::audit::append(
            c,
            Entry {
                actor: Some(id),
                action: "user.logged_out_everywhere",
                target_type: "user",
                target_id: id.to_string(),
                detail: json!({"sessions_ended": families}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    drop(conn);
    Accounts::of(state).end_sessions(id).await
}

/// `GET /admin/users`.
pub async fn list(
    state: &State,
    actor: &AuthUser,
    q: Option<&str>,
    status: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<AdminUserPage> {
    admin_only(actor)?;
    let disabled = match status {
        None | Some("all") => None,
        Some("active") => Some(false),
        Some("disabled") => Some(true),
        Some(_) => {
            return Err(ApiError::validation(
                "status",
                "must be active, disabled or all",
            ));
        }
    };
    let after = match cursor {
        None => 0,
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::validation("cursor", "is not a cursor of this list"))?,
    };
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    if q.is_some_and(|q| q.chars().count() > 64) {
        return Err(ApiError::validation("q", "must be at most 64 characters"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::users::admin_list(
        &mut conn,
        q.filter(|q| !q.is_empty()),
        disabled,
        after,
        limit,
    )
    .await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|u| u.id.to_string()))
        .flatten();
    Ok(AdminUserPage {
        items: rows.iter().map(admin_view).collect(),
        next_cursor,
    })
}

/// `GET /admin/audit`.
pub async fn audit(
    state: &State,
    actor: &AuthUser,
    filter_actor: Option<UserId>,
    action: Option<&str>,
    since: Option<NaiveDateTime>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<AuditPage> {
    admin_only(actor)?;
    let before = match cursor {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ApiError::validation("cursor", "is not a cursor of this list"))?,
        ),
    };
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::validation(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    if action.is_some_and(|a| a.len() > 64) {
        return Err(ApiError::validation(
            "action",
            "must be at most 64 characters",
        ));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::audit::list(&mut conn, filter_actor, action, since, before, limit).await?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(AuditPage {
        items: rows.into_iter().map(audit_view).collect(),
        next_cursor,
    })
}

/// One audit row as the API and the bus show it.
pub fn audit_view(r: db::audit::AuditRow) -> AuditEntry {
    AuditEntry {
        id: r.id,
        at: utc(r.at),
        actor_id: r.actor_id,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
        prev_hash: r.prev_hash,
        hash: r.hash,
    }
}

/// `auth audit-verify`: walks the chain; an error names the first broken row.
pub async fn verify_chain(pool: &db::Pool) -> anyhow::Result<u64> {
    let mut conn = db::pool::conn(pool).await?;
    let found = db::audit::verify(&mut conn, 1000).await?;
    match found.broken {
        None => Ok(found.rows),
        Some((id, why)) => anyhow::bail!(
            "audit chain broken at row {id}: {why} ({} rows checked)",
            found.rows
        ),
    }
}

/// "Chrome on Linux" from a user agent (woothee's classification), or a plain word.
fn device_name(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.is_empty()) else {
        return "Unknown device".into();
    };
    match woothee::parser::Parser::new().parse(ua) {
        Some(r) if r.name != "UNKNOWN" && r.os != "UNKNOWN" => format!("{} on {}", r.name, r.os),
        Some(r) if r.name != "UNKNOWN" => r.name.to_owned(),
        _ => ua.chars().take(40).collect(),
    }
}

/// Sessions listed at most (a user with more signs out of old ones).
pub const MAX_SESSIONS: i64 = 100;

/// `GET /users/me/sessions`: the caller's live sessions, most recently used first.
pub async fn sessions(state: &State, me: &AuthUser) -> ApiResult<Vec<common_proto::rest::Session>> {
    let since = (Utc::now() - chrono::Duration::days(state.refresh_ttl_days)).naive_utc();
    let mut conn = db::pool::conn(&state.pool).await?;
    let rows = db::tokens::sessions_of(&mut conn, me.id, since, MAX_SESSIONS).await?;
    Ok(rows
        .into_iter()
        .map(|r| common_proto::rest::Session {
            device: device_name(r.user_agent.as_deref()),
            current: me.session.as_deref() == Some(r.id.as_str()),
            id: r.id,
            user_agent: r.user_agent,
            ip: r.ip,
            created_at: utc(r.created_at),
            last_used_at: r.last_used_at.map(utc),
        })
        .collect())
}

/// `DELETE /users/me/sessions/{id}`: ends one of the caller's sessions — its refresh
/// token stops working and its access tokens within a revocation poll. 404 for a session
/// that is not theirs (or already ended).
pub async fn end_session(state: &State, me: &AuthUser, id: &str) -> ApiResult<()> {
    if id.len() != 26 {
        return Err(ApiError::not_found("session"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let user = me.id;
    conn.transaction::<_, Failed, _>(async |c| {
        if !db::tokens::revoke_session(c, user, id).await? {
            return Err(Failed::Refused(ApiError::not_found("session")));
        }
        db::audit::append(
            c,
            Entry {
                actor: Some(user),
                action: "session.ended",
                target_type: "session",
                target_id: id.to_owned(),
                detail: json!({"user_id": user}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    drop(conn);
    let lifetime = state.signer.ttl_secs + kit::auth::LEEWAY_SECS as i64;
    kit::revocation::revoke_session(&state.redis, &state.redis_prefix, id, lifetime)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session not ended at once: Redis unavailable");
            ApiError::new(
                ErrorCode::ServiceUnavailable,
                "the session is ended, but its live token could not be ended at once; repeat it",
            )
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn devices_are_named_from_the_user_agent() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(super::device_name(Some(chrome)), "Chrome on Linux");
        assert_eq!(super::device_name(None), "Unknown device");
        assert_eq!(super::device_name(Some("curl/8.0")), "HTTP Library");
        assert_eq!(super::device_name(Some("zz")), "zz");
    }
}
