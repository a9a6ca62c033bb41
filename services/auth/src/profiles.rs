//! Profiles: the caller's own account and its changes, any user by id, and search.

use crate::state::State;
use common_proto::rest::User;
use db::users::ProfileChanges;
use kit::{ApiError, ApiResult};
use views::ToPublic;

/// The caller's own account (unauthorized when it no longer exists).
pub async fn me(state: &State, id: i64) -> ApiResult<User> {
    view(state, id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("account no longer exists"))
}

/// Applies validated profile changes. An avatar must be a file the user can read, else
/// "no such file" — the same answer whether it does not exist or is someone else's.
pub async fn update(state: &State, id: i64, changes: ProfileChanges) -> ApiResult<User> {
    let mut conn = db::pool::conn(&state.pool).await?;
    if let Some(Some(file)) = &changes.avatar_file_id
        && db::files::readable(&mut conn, file, id).await?.is_none()
    {
        return Err(ApiError::validation("avatar_file_id", "no such file"));
    }
    Ok(db::users::update_profile(&mut conn, id, changes)
        .await?
        .to_public())
}

/// Any user by id, with the live online flag — left out between two users of whom one
/// blocked the other (neither sees the other's presence).
pub async fn get(state: &State, caller: i64, id: i64) -> ApiResult<User> {
    let mut user = view(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    if caller != id {
        let mut conn = db::pool::conn(&state.pool).await?;
        if db::blocks::either_way(&mut conn, caller, id).await? {
            user.online = None;
        }
    }
    Ok(user)
}

/// The public view of user `id` with the online flag (the connection is given back
/// before Redis is asked).
async fn view(state: &State, id: i64) -> ApiResult<Option<User>> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let user = db::users::by_id(&mut conn, id).await?;
    drop(conn);
    Ok(match user {
        Some(user) => Some(state.user_view(&user).await),
        None => None,
    })
}

/// Users whose username or display name starts with `q`.
pub async fn search(state: &State, q: &str, limit: i64) -> ApiResult<Vec<User>> {
    let mut conn = db::pool::conn(&state.pool).await?;
    Ok(db::users::search(&mut conn, q, limit)
        .await?
        .iter()
        .map(|u| u.to_public())
        .collect())
}
