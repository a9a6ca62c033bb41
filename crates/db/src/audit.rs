//! The audit log: every admin action and security event, one row each, written in the
//! same transaction as the change it records, and chained: a row's `hash` is SHA-256 over
//! the previous row's hash and this row's own fields ([`hash`]), so editing or deleting a
//! row (or inserting one in the middle) breaks every later link, which [`verify`] finds.
//! Appends are serialised by the lock on the newest row. What a chain cannot show is the
//! newest rows cut off the end; the copy published on the bus (`system.audit`, for a
//! SIEM) is the answer to that.

use crate::{DbError, schema::audit_log};
use chrono::NaiveDateTime;
use common_proto::UserId;
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

/// One row of the log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = audit_log, check_for_backend(diesel::mysql::Mysql))]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// JSON text, exactly as hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What to record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who did it (`None`: the system, or someone not signed in).
    pub actor: Option<UserId>,
    /// e.g. `user.disabled`, `user.role_changed`, `auth.refresh_reuse`.
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub detail: serde_json::Value,
}

/// The link: SHA-256 (hex) over the previous hash and the row's fields, one per line.
pub fn hash(prev: &str, row: &AuditRow) -> String {
    let text = format!(
        "{prev}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
        row.id,
        row.at.format("%Y-%m-%dT%H:%M:%S%.6f"),
        row.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        row.action,
        row.target_type,
        row.target_id,
        row.detail
    );
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends `entry` inside the caller's transaction (call it in the transaction of the
/// change it records): locks the newest row, links to it, inserts. The row written.
pub async fn append(c: &mut AsyncMysqlConnection, entry: Entry) -> Result<AuditRow, DbError> {
    let (last_id, prev): (i64, String) = audit_log::table
        .order(audit_log::id.desc())
        .select((audit_log::id, audit_log::hash))
        .for_update()
        .first(c)
        .await?;
    let now = chrono::Utc::now().naive_utc();
    // Stored to the microsecond: hash what will be read back.
    let at = now
        .with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now);
    let mut row = AuditRow {
        id: last_id + 1,
        at,
        actor_id: entry.actor,
        action: entry.action.to_owned(),
        target_type: entry.target_type.to_owned(),
        target_id: entry.target_id,
        detail: entry.detail.to_string(),
        prev_hash: prev.clone(),
        hash: String::new(),
    };
    row.hash = hash(&prev, &row);
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(c)
        .await?;
    Ok(row)
}

use chrono::Timelike;

/// [`append`] in a transaction of its own, for an event that changes nothing else (a burst
/// of failed logins).
pub async fn append_alone(
    conn: &mut AsyncMysqlConnection,
    entry: Entry,
) -> Result<AuditRow, DbError> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, DbError, _>(async |c| append(c, entry).await)
        .await
}

/// A page of the log, newest first, below `before_id`.
pub async fn list(
    c: &mut AsyncMysqlConnection,
    actor: Option<UserId>,
    action: Option<&str>,
    since: Option<NaiveDateTime>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, DbError> {
    let mut q = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(a) = actor {
        q = q.filter(audit_log::actor_id.eq(a));
    }
    if let Some(a) = action {
        q = q.filter(audit_log::action.eq(a.to_owned()));
    }
    if let Some(t) = since {
        q = q.filter(audit_log::at.ge(t));
    }
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    Ok(q.load(c).await?)
}

/// The relay's next batch: whether rows wait past the published mark (a plain read, no
/// lock: most polls find nothing and take no lock).
pub async fn unpublished(c: &mut AsyncMysqlConnection) -> Result<bool, DbError> {
    use crate::schema::audit_published as published;
    let mark: i64 = published::table
        .find(1i8)
        .select(published::last_id)
        .first(c)
        .await?;
    let newest: Option<i64> = audit_log::table
        .select(diesel::dsl::max(audit_log::id))
        .first(c)
        .await?;
    Ok(newest.is_some_and(|n| n > mark))
}

/// Inside the relay's transaction: the published mark, locked (one relay at a time), and
/// up to `limit` rows after it in chain order.
pub async fn claim_unpublished(
    c: &mut AsyncMysqlConnection,
    limit: i64,
) -> Result<Vec<AuditRow>, DbError> {
    use crate::schema::audit_published as published;
    let mark: i64 = published::table
        .find(1i8)
        .select(published::last_id)
        .for_update()
        .first(c)
        .await?;
    Ok(audit_log::table
        .filter(audit_log::id.gt(mark))
        .order(audit_log::id.asc())
        .limit(limit)
        .select(AuditRow::as_select())
        .load(c)
        .await?)
}

/// Inside the relay's transaction, after the broker confirmed: rows up to `id` are out.
pub async fn mark_published(c: &mut AsyncMysqlConnection, id: i64) -> Result<(), DbError> {
    use crate::schema::audit_published as published;
    diesel::update(published::table.find(1i8))
        .set(published::last_id.eq(id))
        .execute(c)
        .await?;
    Ok(())
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Rows checked.
    pub rows: u64,
    /// The first row whose link does not hold (edited, or a row before it deleted or
    /// inserted), with why.
    pub broken: Option<(i64, String)>,
}

/// Walks the whole chain in id order, `batch` rows at a time.
pub async fn verify(c: &mut AsyncMysqlConnection, batch: i64) -> Result<Verified, DbError> {
    let mut after = 0i64;
    let mut prev: Option<AuditRow> = None;
    let mut rows = 0u64;
    loop {
        let page: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .limit(batch)
            .select(AuditRow::as_select())
            .load(c)
            .await?;
        let Some(last) = page.last() else {
            return Ok(Verified { rows, broken: None });
        };
        after = last.id;
        for row in page {
            rows += 1;
            let broken = match &prev {
                Some(p) if row.id != p.id + 1 => Some(format!("row {} is missing", p.id + 1)),
                Some(p) if row.prev_hash != p.hash => {
                    Some("its prev_hash is not the previous row's hash".to_owned())
                }
                _ if hash(&row.prev_hash, &row) != row.hash => {
                    Some("its hash does not match its fields (edited)".to_owned())
                }
                _ => None,
            };
            if let Some(why) = broken {
                return Ok(Verified {
                    rows,
                    broken: Some((row.id, why)),
                });
            }
            prev = Some(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_genesis_row_of_the_migration_hashes_as_written() {
        let genesis = AuditRow {
            id: 1,
            at: NaiveDateTime::parse_from_str("2026-12-03 00:00:00", "%Y-%m-%d %H:%M:%S")
                .expect("date"),
            actor_id: None,
            action: "audit.started".into(),
            target_type: "system".into(),
            target_id: String::new(),
            detail: "{}".into(),
            prev_hash: "0".repeat(64),
            hash: String::new(),
        };
        let h = hash(&genesis.prev_hash, &genesis);
        let migration = include_str!("../../../migrations/20261203000003_admin_audit/up.sql");
        assert!(
            migration.contains(&h),
            "the migration's genesis hash is {h}"
        );
    }
}
