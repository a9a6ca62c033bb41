//! Building the conversation view a member sees.

use super::Result;
use chrono::{TimeZone, Utc};
use common_proto::rest::{Conversation, Member, Message};
use db::conversations::{ConversationRow, MemberRow};
use diesel_async::AsyncMysqlConnection;
use std::collections::HashMap;
use views::ToPublic;

/// The conversation as `me` sees it: their cursor, unread count, the newest message and,
/// when `with_members`, the current members with their roles.
pub async fn conversation_view(
    conn: &mut AsyncMysqlConnection,
    row: &ConversationRow,
    me: &MemberRow,
    with_members: bool,
) -> Result<Conversation> {
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
    Ok(assemble(row, me, last_message, members))
}

/// A page of the caller's conversations in three queries whatever its length: the rows
/// (given), their newest messages, and the members of the direct ones (the client names a
/// direct chat after the peer).
pub async fn list_views(
    conn: &mut AsyncMysqlConnection,
    rows: &[(ConversationRow, MemberRow)],
) -> Result<Vec<Conversation>> {
    let pairs: Vec<(i64, i64)> = rows
        .iter()
        .filter(|(c, _)| c.last_seq > 0)
        .map(|(c, _)| (c.id, c.last_seq))
        .collect();
    let mut last: HashMap<i64, Message> = db::messages::by_seqs(conn, &pairs)
        .await?
        .into_iter()
        .map(|m| (m.conversation_id, m.to_public()))
        .collect();
    let direct: Vec<i64> = rows
        .iter()
        .filter(|(c, _)| c.kind == "direct")
        .map(|(c, _)| c.id)
        .collect();
    let mut members: HashMap<i64, Vec<Member>> = HashMap::new();
    for m in db::conversations::active_members_of(conn, &direct).await? {
        members
            .entry(m.conversation_id)
            .or_default()
            .push(m.to_public());
    }
    Ok(rows
        .iter()
        .map(|(row, me)| {
            let listed =
                (row.kind == "direct").then(|| members.remove(&row.id).unwrap_or_default());
            assemble(row, me, last.remove(&row.id), listed)
        })
        .collect())
}

fn assemble(
    row: &ConversationRow,
    me: &MemberRow,
    last_message: Option<Message>,
    members: Option<Vec<Member>>,
) -> Conversation {
    let created_at = Utc.from_utc_datetime(&row.created_at);
    Conversation {
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
        notifications_muted_until: me
            .push_muted_until
            .filter(|t| *t > Utc::now().naive_utc())
            .map(|t| Utc.from_utc_datetime(&t)),
    }
}
