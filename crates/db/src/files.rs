//! File metadata and who may see a file: its uploader, everyone for avatars, and the
//! current members of a conversation it was sent to. Everyone else is told it does not
//! exist.

use crate::{
    DbError,
    schema::{conversation_members as members, file_attachments as attachments, files},
};
use chrono::{NaiveDateTime, Utc};
use common_proto::{ConversationId, UserId};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = files, check_for_backend(diesel::mysql::Mysql))]
pub struct FileRow {
    pub id: String,
    pub uploader_id: UserId,
    /// The client's name, cleaned (no path, no control or direction characters).
    pub filename: String,
    /// Generated: never derived from the client's name.
    pub storage_key: String,
    pub size: i64,
    /// Detected from the bytes, never taken from the client.
    pub content_type: String,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub conversation_id: Option<ConversationId>,
    pub is_avatar: bool,
    pub referenced_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub async fn insert(conn: &mut AsyncMysqlConnection, row: &FileRow) -> Result<(), DbError> {
    diesel::insert_into(files::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn by_id(conn: &mut AsyncMysqlConnection, id: &str) -> Result<Option<FileRow>, DbError> {
    Ok(files::table
        .find(id)
        .select(FileRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn by_ids(
    conn: &mut AsyncMysqlConnection,
    ids: &[String],
) -> Result<Vec<FileRow>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(files::table
        .filter(files::id.eq_any(ids))
        .select(FileRow::as_select())
        .load(conn)
        .await?)
}

/// Whether `user` is a current member of a conversation `file` was sent to.
async fn shared_with(
    conn: &mut AsyncMysqlConnection,
    file: &str,
    user: UserId,
) -> Result<bool, DbError> {
    let found: Option<ConversationId> = attachments::table
        .inner_join(
            members::table.on(members::conversation_id
                .eq(attachments::conversation_id)
                .and(members::user_id.eq(user))
                .and(members::left_at.is_null())),
        )
        .filter(attachments::file_id.eq(file))
        .select(attachments::conversation_id)
        .first(conn)
        .await
        .optional()?;
    Ok(found.is_some())
}

/// The file if `user` may read it; `None` both when it does not exist and when they may
/// not (the caller answers 404 either way).
pub async fn readable(
    conn: &mut AsyncMysqlConnection,
    id: &str,
    user: UserId,
) -> Result<Option<FileRow>, DbError> {
    let Some(file) = by_id(conn, id).await? else {
        return Ok(None);
    };
    if file.uploader_id == user || file.is_avatar || shared_with(conn, id, user).await? {
        Ok(Some(file))
    } else {
        Ok(None)
    }
}

/// The file if `user` may attach it to a message: their own upload, or one already shared
/// with them (forwarding). Avatars are not message attachments.
pub async fn attachable(
    conn: &mut AsyncMysqlConnection,
    id: &str,
    user: UserId,
) -> Result<Option<FileRow>, DbError> {
    let Some(file) = by_id(conn, id).await? else {
        return Ok(None);
    };
    if file.uploader_id == user || shared_with(conn, id, user).await? {
        Ok(Some(file))
    } else {
        Ok(None)
    }
}

/// Records that `file` was sent to `conversation` (idempotent) and marks it referenced.
pub async fn attach(
    conn: &mut AsyncMysqlConnection,
    file: &str,
    conversation: ConversationId,
) -> Result<(), DbError> {
    diesel::insert_or_ignore_into(attachments::table)
        .values((
            attachments::file_id.eq(file),
            attachments::conversation_id.eq(conversation),
        ))
        .execute(conn)
        .await?;
    diesel::update(files::table.find(file))
        .filter(files::referenced_at.is_null())
        .set(files::referenced_at.eq(Utc::now().naive_utc()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a file referenced (used as an avatar, say) so the cleanup keeps it.
pub async fn mark_referenced(conn: &mut AsyncMysqlConnection, file: &str) -> Result<(), DbError> {
    diesel::update(files::table.find(file))
        .filter(files::referenced_at.is_null())
        .set(files::referenced_at.eq(Utc::now().naive_utc()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Uploads never referenced and created before `cutoff`, oldest first.
pub async fn unreferenced(
    conn: &mut AsyncMysqlConnection,
    cutoff: NaiveDateTime,
    limit: i64,
) -> Result<Vec<FileRow>, DbError> {
    Ok(files::table
        .filter(files::referenced_at.is_null())
        .filter(files::created_at.lt(cutoff))
        .order(files::created_at.asc())
        .limit(limit)
        .select(FileRow::as_select())
        .load(conn)
        .await?)
}

/// Deletes the row if it is still unreferenced (a send may have attached it meanwhile).
pub async fn delete_unreferenced(
    conn: &mut AsyncMysqlConnection,
    id: &str,
) -> Result<bool, DbError> {
    let n = diesel::delete(files::table.find(id).filter(files::referenced_at.is_null()))
        .execute(conn)
        .await?;
    Ok(n > 0)
}
