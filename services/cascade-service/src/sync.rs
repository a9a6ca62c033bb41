//! Replay jobs: broadcasts since a time down to one child, or this platform's events since a
//! time up to the parent. They go through the same queues and the same loop checks as live
//! traffic, and every receiver is idempotent on the envelope id, so a replay never
//! duplicates what already arrived.

use crate::link;
use common_proto::bus::{Envelope, kind};
use db::cascade::PlatformRow;
use views::ToPublic;

/// Rows replayed by one job at most.
pub const MAX_ROWS: i64 = 10_000;

pub async fn run(
    pool: db::Pool,
    bus: bus::Bus,
    job: String,
    peer: PlatformRow,
    since: chrono::NaiveDateTime,
) {
    let outcome = replay(&pool, &bus, &job, &peer, since).await;
    let (status, error) = match &outcome {
        Ok(_) => ("done", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    let (total, done) = outcome.unwrap_or((0, 0));
    if let Ok(mut conn) = db::pool::conn(&pool).await {
        let _ =
            db::cascade::update_job(&mut conn, &job, status, total, done, error.as_deref()).await;
    }
}

async fn replay(
    pool: &db::Pool,
    bus: &bus::Bus,
    job: &str,
    peer: &PlatformRow,
    since: chrono::NaiveDateTime,
) -> anyhow::Result<(i64, i64)> {
    let mut conn = db::pool::conn(pool).await?;
    let mut outgoing = Vec::new();
    if peer.relation == "child" {
        let rows = db::broadcasts::list(&mut conn, Some(since), None, MAX_ROWS).await?;
        for b in rows {
            let env = Envelope::new(b.id.clone(), kind::BROADCAST_SENT, &b.origin, b.to_public());
            outgoing.push(bus::Outgoing::envelope(
                link::sync_down_key(&peer.code),
                &env,
                None,
            )?);
        }
    } else {
        let filter = db::events::Filter {
            since: Some(since),
            ..Default::default()
        };
        for e in db::events::list(&mut conn, &filter, MAX_ROWS).await? {
            let env = Envelope::new(e.id.clone(), kind::EVENT_REPORTED, &e.origin, e.to_public());
            outgoing.push(bus::Outgoing::envelope(link::SYNC_UP_KEY, &env, None)?);
        }
    }
    let total = outgoing.len() as i64;
    db::cascade::update_job(&mut conn, job, "running", total, 0, None).await?;
    for (i, out) in outgoing.iter().enumerate() {
        bus.publish(out).await?;
        let done = i as i64 + 1;
        if done % 100 == 0 {
            db::cascade::update_job(&mut conn, job, "running", total, done, None).await?;
        }
    }
    Ok((total, total))
}
