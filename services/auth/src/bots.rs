//! Bot accounts (`/admin/bots`, admins only): a user of role `bot` — so every user view
//! marks it — with no usable password and one long-lived API token at a time (shown once,
//! stored as SHA-256). A bot exchanges its token for an ordinary 15-minute access token
//! (`POST /auth/bot-token`) and then uses the API like anyone: it sends into the
//! conversations it is a member of and nowhere else. Rotating or revoking the token also
//! revokes the bot's live access tokens on every replica (the admin revocation path), so
//! a leaked token stops working at once.

use crate::{
    moderation::{Accounts, Failed, admin_only},
    state::State,
};
use chrono::Utc;
use common_proto::{
    UserId,
    error::ErrorCode,
    rest::{AccessToken, BotToken, CreateBot},
};
use diesel_async::AsyncConnection;
use kit::{ApiError, ApiResult, auth::AuthUser};
use serde_json::json;
use views::ToPublic;

/// A bot's password hash: not a PHC string, so no password ever verifies against it.
const NO_PASSWORD: &str = "!bot";

fn new_token() -> String {
    format!("ibot_{}", crate::tokens::new_refresh_token())
}

fn invalid() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidCredentials,
        "invalid or revoked bot token",
    )
}

/// `POST /admin/bots`: the bot and its first token.
pub async fn create(state: &State, actor: &AuthUser, body: CreateBot) -> ApiResult<BotToken> {
    admin_only(actor)?;
    crate::validate::username(&body.username)?;
    let display =
        crate::validate::display_name(body.display_name.as_deref().unwrap_or(&body.username))?;
    let token = new_token();
    let hash = crate::tokens::hash_refresh_token(&token);
    let now = Utc::now().naive_utc();
    let by = actor.id;
    let mut conn = db::pool::conn(&state.pool).await?;
    let bot = conn
        .transaction::<_, Failed, _>(async |c| {
            let new = db::users::NewUser {
                username: &body.username,
                password_hash: NO_PASSWORD,
                display_name: &display,
                role: "bot",
            };
            let bot = match db::users::insert(c, new).await {
                Ok(bot) => bot,
                Err(e)
                    if matches!(e, db::DbError::Unique(_))
                        || e.is_unique_on("uq_users_username") =>
                {
                    return Err(Failed::Refused(
                        ApiError::new(ErrorCode::UsernameTaken, "username is already taken")
                            .with_field("username"),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            db::bots::insert(c, bot.id, &hash, by, now).await?;
            db::audit::append(
                c,
                db::audit::Entry {
                    actor: Some(by),
                    action: "bot.created",
                    target_type: "user",
                    target_id: bot.id.to_string(),
                    detail: json!({"username": bot.username}),
                },
            )
            .await?;
            Ok(bot)
        })
        .await?;
    Ok(BotToken {
        bot: bot.to_public(),
        token,
    })
}

/// The bot `id` (a 404 for anything else: a person is not a bot).
async fn bot(
    c: &mut diesel_async::AsyncMysqlConnection,
    id: UserId,
) -> Result<db::users::UserRow, Failed> {
    match db::users::by_id(c, id).await? {
        Some(u) if u.role == "bot" => Ok(u),
        _ => Err(Failed::Refused(ApiError::not_found("bot"))),
    }
}

/// `POST /admin/bots/{id}/token` (a new token; the old one and its access tokens end) or
/// `DELETE` (no token at all).
pub async fn replace_token(
    state: &State,
    actor: &AuthUser,
    id: UserId,
    issue: bool,
) -> ApiResult<Option<BotToken>> {
    admin_only(actor)?;
    let token = new_token();
    let hash = crate::tokens::hash_refresh_token(&token);
    let now = Utc::now().naive_utc();
    let by = actor.id;
    let mut conn = db::pool::conn(&state.pool).await?;
    let row = conn
        .transaction::<_, Failed, _>(async |c| {
            let row = bot(c, id).await?;
            let revoked = db::bots::revoke_all(c, id, now).await?;
            if issue {
                db::bots::insert(c, id, &hash, by, now).await?;
            }
            db::audit::append(
                c,
                db::audit::Entry {
                    actor: Some(by),
                    action: if issue {
                        "bot.token_rotated"
                    } else {
                        "bot.token_revoked"
                    },
                    target_type: "user",
                    target_id: id.to_string(),
                    detail: json!({"revoked": revoked}),
                },
            )
            .await?;
            Ok(row)
        })
        .await?;
    drop(conn);
    Accounts::of(state).end_sessions(id).await?;
    Ok(issue.then(|| BotToken {
        bot: row.to_public(),
        token,
    }))
}

/// `POST /auth/bot-token`: an access token for a live bot token of an enabled bot.
pub async fn exchange(state: &State, token: &str) -> ApiResult<AccessToken> {
    if !token.starts_with("ibot_") || token.len() > 128 {
        return Err(invalid());
    }
    let hash = crate::tokens::hash_refresh_token(token);
    let mut conn = db::pool::conn(&state.pool).await?;
    let Some((token_id, bot_id, disabled)) = db::bots::live(&mut conn, &hash).await? else {
        return Err(invalid());
    };
    if disabled.is_some() {
        return Err(ApiError::new(
            ErrorCode::AccountDisabled,
            "this bot is disabled; ask an administrator",
        ));
    }
    if let Err(e) = db::bots::touch(&mut conn, token_id, Utc::now().naive_utc()).await {
        tracing::warn!(error = %e, "bot token use not recorded");
    }
    Ok(AccessToken {
        access_token: state
            .signer
            .access_token(bot_id, "bot", &format!("bot{token_id}"))?,
        token_type: "bearer".into(),
        expires_in: state.signer.ttl_secs,
    })
}
