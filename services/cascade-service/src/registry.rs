//! The peer registry: the platforms this one is linked to, registration of children
//! (token checked in constant time, enrolment with the pre-shared token), and replay jobs.
//! Handlers in `routes/` validate their input and call these.

use crate::state::State;
use common_proto::UserId;
use common_proto::{
    error::ErrorCode,
    rest::{CreatePlatform, RegisterPlatform},
};
use db::cascade::{PlatformRow, SyncJobRow};
use diesel_async::AsyncConnection;
use kit::{ApiError, ApiResult};

pub async fn list(state: &State) -> ApiResult<Vec<PlatformRow>> {
    let mut conn = db::pool::conn(&state.pool).await?;
    Ok(db::cascade::list(&mut conn).await?)
}

pub async fn get(state: &State, id: i64) -> ApiResult<PlatformRow> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::cascade::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("platform"))
}

/// A change to the registry, recorded in the audit log in the change's transaction.
fn audit_entry(
    actor: Option<UserId>,
    action: &'static str,
    row: &PlatformRow,
    detail: serde_json::Value,
) -> db::audit::Entry {
    let mut detail = detail;
    detail["code"] = serde_json::json!(row.code);
    detail["relation"] = serde_json::json!(row.relation);
    db::audit::Entry {
        actor,
        action,
        target_type: "cascade_platform",
        target_id: row.id.to_string(),
        detail,
    }
}

/// Inserts a platform and its audit row in one transaction.
async fn insert_audited(
    conn: &mut diesel_async::AsyncMysqlConnection,
    actor: Option<UserId>,
    action: &'static str,
    new: &db::cascade::NewPlatform<'_>,
) -> Result<PlatformRow, db::DbError> {
    conn.transaction::<_, db::DbError, _>(async |t| {
        let id = db::cascade::insert(t, new).await?;
        let row = db::cascade::by_id(t, id)
            .await?
            .ok_or(db::DbError::NotFound)?;
        let detail = serde_json::json!({"name": row.name, "level": row.level});
        db::audit::append(t, audit_entry(actor, action, &row, detail)).await?;
        Ok(row)
    })
    .await
}

/// Adds a validated peer: one parent at most, codes unique. Audited.
pub async fn create(
    state: &State,
    actor: UserId,
    c: &CreatePlatform,
    token_hash: Option<&str>,
) -> ApiResult<PlatformRow> {
    let mut conn = db::pool::conn(&state.pool).await?;
    if c.relation == "parent"
        && db::cascade::list(&mut conn)
            .await?
            .iter()
            .any(|p| p.relation == "parent")
    {
        return Err(ApiError::conflict(
            common_proto::error::ErrorCode::Conflict,
            "this platform already has a parent",
        ));
    }
    let new = db::cascade::NewPlatform {
        code: &c.code,
        name: c.name.trim(),
        relation: &c.relation,
        level: c.level,
        api_url: c.api_url.as_deref(),
        token_hash,
    };
    let created = insert_audited(&mut conn, Some(actor), "cascade.platform_added", &new).await;
    created.map_err(|e| match e {
        db::DbError::Unique(_) => ApiError::conflict(
            common_proto::error::ErrorCode::Conflict,
            "a platform with this code exists",
        ),
        other => other.into(),
    })
}

pub async fn update(
    state: &State,
    actor: UserId,
    id: i64,
    name: Option<&str>,
    level: Option<i32>,
    api_url: Option<&str>,
    enabled: Option<bool>,
) -> ApiResult<PlatformRow> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let row = conn
        .transaction::<_, db::DbError, _>(async |t| {
            if !db::cascade::update(t, id, name, level, api_url, enabled).await? {
                return Ok(None);
            }
            let row = db::cascade::by_id(t, id)
                .await?
                .ok_or(db::DbError::NotFound)?;
            let detail = serde_json::json!({
                "name": name, "level": level, "api_url": api_url, "enabled": enabled,
            });
            db::audit::append(
                t,
                audit_entry(Some(actor), "cascade.platform_changed", &row, detail),
            )
            .await?;
            Ok(Some(row))
        })
        .await?;
    row.ok_or_else(|| ApiError::not_found("platform"))
}

pub async fn delete(state: &State, actor: UserId, id: i64) -> ApiResult<()> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let deleted = conn
        .transaction::<_, db::DbError, _>(async |t| {
            let Some(row) = db::cascade::by_id(t, id).await? else {
                return Ok(false);
            };
            db::cascade::delete(t, id).await?;
            db::audit::append(
                t,
                audit_entry(
                    Some(actor),
                    "cascade.platform_removed",
                    &row,
                    serde_json::json!({}),
                ),
            )
            .await?;
            Ok(true)
        })
        .await?;
    if !deleted {
        return Err(ApiError::not_found("platform"));
    }
    Ok(())
}

/// Records a child's registration (its heartbeat too): the row, whether it was created
/// now, and whether it was online before.
pub async fn register(
    state: &State,
    r: &RegisterPlatform,
    presented: &str,
) -> ApiResult<(PlatformRow, bool, bool)> {
    let mut conn = db::pool::conn(&state.pool).await?;
    let existing = db::cascade::by_code(&mut conn, &r.code).await?;
    let was_online = existing.as_ref().is_some_and(|p| p.status == "online");
    let (id, created) = match existing {
        Some(existing) if existing.relation != "child" => {
            return Err(ApiError::conflict(
                ErrorCode::Conflict,
                "that code is not a child of this platform",
            ));
        }
        Some(existing) => match existing.registration_token_hash.as_deref() {
            Some(h) if same(h, presented) => (existing.id, false),
            Some(_) => {
                return Err(ApiError::conflict(
                    ErrorCode::Conflict,
                    "registered before with another token",
                ));
            }
            None => return Err(ApiError::unauthorized("no token was set for this child")),
        },
        None => match state.enrol_token_hash.as_deref() {
            Some(h) if same(h, presented) => {
                // A child enrolled itself with the pre-shared token: audited (no actor).
                let new = db::cascade::NewPlatform {
                    code: &r.code,
                    name: r.name.trim(),
                    relation: "child",
                    level: r.level,
                    api_url: r.api_url.as_deref(),
                    token_hash: Some(presented),
                };
                let id = insert_audited(&mut conn, None, "cascade.child_enrolled", &new)
                    .await?
                    .id;
                (id, true)
            }
            _ => {
                return Err(ApiError::unauthorized(
                    "unknown child or wrong registration token",
                ));
            }
        },
    };
    db::cascade::touch_registered(
        &mut conn,
        id,
        r.name.trim(),
        r.level,
        r.api_url.as_deref(),
        presented,
    )
    .await?;
    let row = db::cascade::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::internal("registered platform vanished"))?;
    Ok((row, created, was_online))
}

pub async fn create_job(
    state: &State,
    job: &str,
    platform: i64,
    kind: &str,
    since: chrono::NaiveDateTime,
) -> ApiResult<()> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::cascade::create_job(&mut conn, job, platform, kind, since).await?;
    Ok(())
}

pub async fn job(state: &State, platform: i64, job: &str) -> ApiResult<SyncJobRow> {
    let mut conn = db::pool::conn(&state.pool).await?;
    db::cascade::job(&mut conn, platform, job)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))
}

/// Compares two hex digests without an early exit.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
