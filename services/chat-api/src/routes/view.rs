//! Building the conversation view a member sees.

use chrono::{TimeZone, Utc};
use common_proto::rest::Conversation;
use db::conversations::{ConversationRow, MemberRow};
use diesel_async::AsyncMysqlConnection;
use kit::ApiResult;

/// The conversation as `me` sees it: their cursor, unread count, the newest message and,
/// when `with_members`, the current members with their roles.
pub async fn conversation_view(
    conn: &mut AsyncMysqlConnection,
    row: &ConversationRow,
    me: &MemberRow,
    with_members: bool,
) -> ApiResult<Conversation> {
    let last_message = if row.last_seq > 0 {
        db::messages::by_seq(conn, row.id, row.last_seq)
            .await?
            .map(|m| m.to_public())
    } else {
        None
    };
    let members = if with_members {
        Some(
            db::conversations::active_members(conn, row.id)
                .await?
                .iter()
                .map(MemberRow::to_public)
                .collect(),
        )
    } else {
        None
    };
    let created_at = Utc.from_utc_datetime(&row.created_at);
    Ok(Conversation {
        id: row.id,
        kind: row.kind.clone(),
        name: row.name.clone(),
        announcement: row.announcement.clone(),
        avatar_file_id: row.avatar_file_id.clone(),
        members,
        last_message,
        // Derived from seqs, never a stored counter that could drift.
        unread_count: (row.last_seq - me.last_read_seq).max(0),
        last_seq: row.last_seq,
        last_read_seq: me.last_read_seq,
        created_at,
        last_activity_at: row
            .last_message_at
            .map(|t| Utc.from_utc_datetime(&t))
            .unwrap_or(created_at),
    })
}
