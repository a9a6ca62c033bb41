//! Peer platforms of the cascade: the parent and the children of this platform.

use crate::{DbError, last_insert_id, schema::cascade_platforms as p};
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncMysqlConnection, RunQueryDsl};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = p, check_for_backend(diesel::mysql::Mysql))]
pub struct PlatformRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub relation: String,
    pub level: i32,
    pub api_url: Option<String>,
    pub registration_token_hash: Option<String>,
    pub enabled: bool,
    pub status: String,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub forwarded_count: i64,
    pub dropped_count: i64,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new peer.
#[derive(Debug, Clone)]
pub struct NewPlatform<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub relation: &'a str,
    pub level: i32,
    pub api_url: Option<&'a str>,
    pub token_hash: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AsyncMysqlConnection,
    new: &NewPlatform<'_>,
) -> Result<i64, DbError> {
    diesel::insert_into(p::table)
        .values((
            p::code.eq(new.code),
            p::name.eq(new.name),
            p::relation.eq(new.relation),
            p::level.eq(new.level),
            p::api_url.eq(new.api_url),
            p::registration_token_hash.eq(new.token_hash),
        ))
        .execute(conn)
        .await?;
    Ok(diesel::select(last_insert_id())
        .get_result::<u64>(conn)
        .await? as i64)
}

pub async fn list(conn: &mut AsyncMysqlConnection) -> Result<Vec<PlatformRow>, DbError> {
    Ok(p::table
        .order(p::id.asc())
        .limit(1000)
        .select(PlatformRow::as_select())
        .load(conn)
        .await?)
}

pub async fn by_id(
    conn: &mut AsyncMysqlConnection,
    id: i64,
) -> Result<Option<PlatformRow>, DbError> {
    Ok(p::table
        .find(id)
        .select(PlatformRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn by_code(
    conn: &mut AsyncMysqlConnection,
    code: &str,
) -> Result<Option<PlatformRow>, DbError> {
    Ok(p::table
        .filter(p::code.eq(code))
        .select(PlatformRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Applies the present fields; `false` when there is no such platform.
pub async fn update(
    conn: &mut AsyncMysqlConnection,
    id: i64,
    name: Option<&str>,
    level: Option<i32>,
    api_url: Option<&str>,
    enabled: Option<bool>,
) -> Result<bool, DbError> {
    if by_id(conn, id).await?.is_none() {
        return Ok(false);
    }
    let now = Utc::now().naive_utc();
    if let Some(v) = name {
        diesel::update(p::table.find(id))
            .set((p::name.eq(v), p::updated_at.eq(now)))
            .execute(conn)
            .await?;
    }
    if let Some(v) = level {
        diesel::update(p::table.find(id))
            .set((p::level.eq(v), p::updated_at.eq(now)))
            .execute(conn)
            .await?;
    }
    if let Some(v) = api_url {
        diesel::update(p::table.find(id))
            .set((p::api_url.eq(v), p::updated_at.eq(now)))
            .execute(conn)
            .await?;
    }
    if let Some(v) = enabled {
        diesel::update(p::table.find(id))
            .set((p::enabled.eq(v), p::updated_at.eq(now)))
            .execute(conn)
            .await?;
    }
    Ok(true)
}

/// A registration seen now: the child is online, with its latest name and level.
pub async fn touch_registered(
    conn: &mut AsyncMysqlConnection,
    id: i64,
    name: &str,
    level: i32,
    api_url: Option<&str>,
    token_hash: &str,
) -> Result<(), DbError> {
    let now = Utc::now().naive_utc();
    diesel::update(p::table.find(id))
        .set((
            p::name.eq(name),
            p::level.eq(level),
            p::api_url.eq(api_url),
            p::registration_token_hash.eq(token_hash),
            p::status.eq("online"),
            p::last_heartbeat_at.eq(now),
            p::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AsyncMysqlConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(p::table.find(id)).execute(conn).await? > 0)
}

/// Children that missed their heartbeats since `cutoff` go `offline`; returns them.
pub async fn mark_stale_offline(
    conn: &mut AsyncMysqlConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<PlatformRow>, DbError> {
    let stale: Vec<PlatformRow> = p::table
        .filter(p::relation.eq("child"))
        .filter(p::status.eq("online"))
        .filter(p::last_heartbeat_at.lt(cutoff))
        .select(PlatformRow::as_select())
        .load(conn)
        .await?;
    let mut changed = Vec::new();
    for row in stale {
        let n = diesel::update(
            p::table
                .find(row.id)
                .filter(p::status.eq("online"))
                .filter(p::last_heartbeat_at.lt(cutoff)),
        )
        .set((
            p::status.eq("offline"),
            p::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)
        .await?;
        if n == 1 {
            changed.push(row);
        }
    }
    Ok(changed)
}

/// A replay job (`POST /cascade/platforms/{id}/sync`).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = crate::schema::cascade_sync_jobs, check_for_backend(diesel::mysql::Mysql))]
pub struct SyncJobRow {
    pub id: String,
    pub platform_id: i64,
    pub kind: String,
    pub since: NaiveDateTime,
    pub status: String,
    pub total: i64,
    pub done: i64,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub async fn create_job(
    conn: &mut AsyncMysqlConnection,
    id: &str,
    platform: i64,
    kind: &str,
    since: NaiveDateTime,
) -> Result<(), DbError> {
    use crate::schema::cascade_sync_jobs as j;
    diesel::insert_into(j::table)
        .values((
            j::id.eq(id),
            j::platform_id.eq(platform),
            j::kind.eq(kind),
            j::since.eq(since),
            j::status.eq("queued"),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a job's progress (`status`, totals, last error).
pub async fn update_job(
    conn: &mut AsyncMysqlConnection,
    id: &str,
    status: &str,
    total: i64,
    done: i64,
    error: Option<&str>,
) -> Result<(), DbError> {
    use crate::schema::cascade_sync_jobs as j;
    diesel::update(j::table.find(id))
        .set((
            j::status.eq(status),
            j::total.eq(total),
            j::done.eq(done),
            j::last_error.eq(error),
            j::updated_at.eq(Utc::now().naive_utc()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn job(
    conn: &mut AsyncMysqlConnection,
    platform: i64,
    id: &str,
) -> Result<Option<SyncJobRow>, DbError> {
    use crate::schema::cascade_sync_jobs as j;
    Ok(j::table
        .find(id)
        .filter(j::platform_id.eq(platform))
        .select(SyncJobRow::as_select())
        .first(conn)
        .await
        .optional()?)
}
