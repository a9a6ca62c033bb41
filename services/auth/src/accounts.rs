//! Accounts: registration, login, refresh-token rotation and logout — the use cases behind
//! `/auth/*`, each owning its connection; the handlers in `routes/` only parse and answer.

use crate::{state::State, tokens};
use chrono::{Duration, Utc};
use common_proto::{
    error::ErrorCode,
    rest::{TokenPair, User},
};
use db::tokens::Device;
use db::tokens::Rotation;
use kit::{ApiError, ApiResult, rate_limit::Decision};
use views::ToPublic;

/// Creates an account with a validated username, password and display name.
/// Logins and registrations per client IP per minute, counted here as well as at the
/// gateway: auth's own port gets the same limit.
pub async fn throttle_ip(state: &State, device: &Device) -> ApiResult<()> {
    let Some(ip) = &device.ip else { return Ok(()) };
    match state
        .limiter
        .check(
            &format!("auth-ip:{ip}"),
            state.throttle.per_ip_per_minute,
            std::time::Duration::from_secs(60),
        )
        .await
    {
        Decision::Allow => Ok(()),
        Decision::Deny { retry_after_secs } => {
            metrics::counter!("auth_login_throttled_total", "by" => "ip").increment(1);
            Err(ApiError::rate_limited(retry_after_secs))
        }
    }
}

pub async fn register(
    state: &State,
    username: &str,
    password: String,
    display_name: &str,
    device: &Device,
) -> ApiResult<User> {
    throttle_ip(state, device).await?;
    let hash = state.hasher.hash(password).await?;
    let mut conn = db::pool::conn(&state.pool).await?;
    let new = db::users::NewUser {
        username,
        password_hash: &hash,
        display_name,
        role: "user",
    };
    match db::users::insert(&mut conn, new).await {
        Ok(user) => Ok(user.to_public()),
        Err(e) if e.is_unique_on("uq_users_username") || matches!(e, db::DbError::Unique(_)) => {
            Err(
                ApiError::new(ErrorCode::UsernameTaken, "username is already taken")
                    .with_field("username"),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Tokens for a username and password. A wrong password and an unknown user get the same
/// answer in the same time (the dummy hash is verified for an unknown user).
pub async fn login(
    state: &State,
    username: &str,
    password: String,
    device: &Device,
) -> ApiResult<TokenPair> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidCredentials,
            "invalid username or password",
        )
    };
    throttle_ip(state, device).await?;
    // Keyed by the name asked for, not the account: an unknown name is throttled alike,
    // so the 429 says nothing about which names exist.
    let name_key = format!("login-fail:{}", username.to_lowercase());
    if let Decision::Deny { retry_after_secs } = state
        .limiter
        .over(&name_key, state.throttle.failures_per_account)
        .await
    {
        metrics::counter!("auth_login_throttled_total", "by" => "account").increment(1);
        return Err(ApiError {
            message: "too many failed logins for this account; try again later".into(),
            ..ApiError::rate_limited(retry_after_secs)
        });
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    let user = db::users::by_username(&mut conn, username).await?;
    drop(conn);
    // A bot has no password: it costs the dummy hash, like an unknown user.
    let user = user.filter(|u| u.role != "bot");
    let ok = state
        .hasher
        .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let user = match user {
        Some(user) if ok => user,
        Some(user) => {
            state
                .limiter
                .record(&name_key, state.throttle.failure_window)
                .await;
            failed_login(state, user.id, device).await;
            return Err(invalid());
        }
        None => {
            state
                .limiter
                .record(&name_key, state.throttle.failure_window)
                .await;
            return Err(invalid());
        }
    };
    // Said only to whoever knows the password: a disabled account is not a secret to them.
    if user.disabled_at.is_some() {
        return Err(disabled());
    }
    issue_pair(state, user.id, &user.role, device).await
}

/// Failed logins to one account within [`FAILURE_WINDOW_SECS`] that make a burst: the
/// audit log records it (once per window), for "who tried to get into this account".
pub const FAILURE_BURST: i64 = 5;
pub const FAILURE_WINDOW_SECS: i64 = 300;

/// Counts a wrong password for `user` in Redis (shared by every replica; the window starts
/// with the first failure) and records a burst in the audit log when the count reaches
/// [`FAILURE_BURST`]. Best effort: with Redis down nothing is counted.
async fn failed_login(state: &State, user: i64, device: &Device) {
    use deadpool_redis::redis;
    let key = format!("{}loginfail:{user}", state.redis_prefix);
    let count: anyhow::Result<i64> = async {
        let mut conn = state.redis.get().await?;
        let (count,): (i64,) = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&key)
            .arg(0)
            .arg("EX")
            .arg(FAILURE_WINDOW_SECS)
            .arg("NX")
            .ignore()
            .cmd("INCR")
            .arg(&key)
            .query_async(&mut conn)
            .await?;
        Ok(count)
    }
    .await;
    match count {
        Ok(n) if n == FAILURE_BURST => {
            let entry = db::audit::Entry {
                actor: None,
                action: "auth.login_failures",
                target_type: "user",
                target_id: user.to_string(),
                detail: serde_json::json!({
                    "failures": n, "window_secs": FAILURE_WINDOW_SECS,
                    "ip": device.ip, "user_agent": device.user_agent,
                }),
            };
            let recorded = async {
                let mut conn = db::pool::conn(&state.pool).await?;
                db::audit::append_alone(&mut conn, entry).await?;
                anyhow::Ok(())
            };
            if let Err(e) = recorded.await {
                tracing::warn!(error = %e, user, "login failure burst not audited");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "login failures not counted: Redis unavailable"),
    }
}

fn disabled() -> ApiError {
    ApiError::new(
        ErrorCode::AccountDisabled,
        "this account is disabled; ask an administrator",
    )
}

async fn issue_pair(
    state: &State,
    user_id: i64,
    role: &str,
    device: &Device,
) -> ApiResult<TokenPair> {
    let refresh = crate::tokens::new_refresh_token();
    let expires = (Utc::now() + Duration::days(state.refresh_ttl_days)).naive_utc();
    let mut conn = db::pool::conn(&state.pool).await?;
    let session = db::tokens::start_family(
        &mut conn,
        user_id,
        &crate::tokens::hash_refresh_token(&refresh),
        expires,
        device,
    )
    .await?;
    Ok(TokenPair {
        access_token: state.signer.access_token(user_id, role, &session)?,
        refresh_token: refresh,
        token_type: "bearer".into(),
        expires_in: state.signer.ttl_secs,
    })
}

/// Rotates a refresh token: the presented one is spent and a new pair returned;
/// presenting a spent one revokes its whole family.
pub async fn refresh(state: &State, presented: &str, device: &Device) -> ApiResult<TokenPair> {
    let invalid = |msg: &str| ApiError::new(ErrorCode::InvalidRefreshToken, msg);
    let new_token = tokens::new_refresh_token();
    let expires = (Utc::now() + Duration::days(state.refresh_ttl_days)).naive_utc();
    let mut conn = db::pool::conn(&state.pool).await?;
    let rotation = db::tokens::rotate(
        &mut conn,
        &tokens::hash_refresh_token(presented),
        &tokens::hash_refresh_token(&new_token),
        expires,
        device,
    )
    .await?;
    let (user_id, session) = match rotation {
        Rotation::Rotated { user_id, family_id } => (user_id, family_id),
        Rotation::Invalid => return Err(invalid("invalid refresh token")),
        Rotation::Reused { user_id, family_id } => {
            tracing::warn!(user_id, "spent refresh token presented; family revoked");
            // A stolen token may be in use: its session's access tokens end now too, not
            // at their expiry (best effort: the family is revoked already).
            let lifetime = state.signer.ttl_secs + kit::auth::LEEWAY_SECS as i64;
            if let Err(e) = kit::revocation::revoke_session(
                &state.redis,
                &state.redis_prefix,
                &family_id,
                lifetime,
            )
            .await
            {
                tracing::warn!(error = %e, "reused session's access tokens not ended at once");
            }
            return Err(invalid(
                "refresh token already used; all sessions of this login were revoked",
            ));
        }
    };
    let user = db::users::by_id(&mut conn, user_id)
        .await?
        .ok_or_else(|| invalid("invalid refresh token"))?;
    if user.disabled_at.is_some() {
        return Err(disabled());
    }
    Ok(TokenPair {
        access_token: state.signer.access_token(user.id, &user.role, &session)?,
        refresh_token: new_token,
        token_type: "bearer".into(),
        expires_in: state.signer.ttl_secs,
    })
}

/// Ends one of `user`'s logins: revokes the refresh token's family if it is theirs.
/// Idempotent.
pub async fn logout(state: &State, user: i64, presented: &str) -> ApiResult<()> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::tokens::revoke_family_of(&mut conn, user, &tokens::hash_refresh_token(presented)).await?;
    Ok(())
}
