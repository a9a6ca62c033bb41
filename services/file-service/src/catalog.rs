//! The file records: who may read a file, and recording an upload (membership checked,
//! the row written, shared with its conversation). Storage of the bytes is `storage`'s.

use crate::state::State;
use chrono::Utc;
use common_proto::ConversationId;
use db::files::FileRow;
use kit::{ApiError, ApiResult, auth::AuthUser};

/// The file if `me` may read it; `not_found` otherwise (existence is private).
pub async fn readable(state: &State, me: &AuthUser, id: &str) -> ApiResult<FileRow> {
    if !common_proto::is_id(id) {
        return Err(ApiError::not_found("file"));
    }
    let mut conn = db::pool::conn(&state.pool).await?;
    db::files::readable(&mut conn, id, me.id)
        .await?
        .ok_or_else(|| ApiError::not_found("file"))
}

/// Checks the conversation (the caller must be a member) and writes the metadata row.
pub async fn save(
    state: &State,
    me: common_proto::UserId,
    row: &mut FileRow,
    conversation: Option<ConversationId>,
    avatar: bool,
) -> ApiResult<()> {
    let mut conn = db::pool::conn(&state.pool).await?;
    if let Some(c) = conversation {
        db::conversations::active_member(&mut conn, c, me)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation"))?;
        row.conversation_id = Some(c);
    }
    if avatar {
        if !row.content_type.starts_with("image/") {
            return Err(ApiError::validation("file", "an avatar must be an image"));
        }
        row.is_avatar = true;
        row.referenced_at = Some(Utc::now().naive_utc());
    }
    db::files::insert(&mut conn, row).await?;
    if let Some(c) = conversation {
        db::files::attach(&mut conn, &row.id, c).await?;
    }
    Ok(())
}
