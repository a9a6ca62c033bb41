//! The audit log's copy on the bus (`system.audit`, kind `system.audit_recorded`), for a
//! SIEM: a relay, not a publish after each commit, so that every row reaches the bus —
//! whichever service wrote it (auth, chat-api's ownership transfers, cascade-service's
//! platform changes), whether or not the broker was up at that moment — exactly in chain
//! order, and none is lost when a process dies between its commit and a publish.
//!
//! Each auth replica polls; the one that finds rows past the published mark locks the
//! mark (`audit_published`), publishes the rows one by one with confirms, then advances
//! the mark in the same transaction. A crash after a publish and before the commit
//! publishes those rows again: the envelope id `audit-<row id>` lets a consumer drop a
//! repeat. While the broker is down the mark stays put and the relay retries on its next
//! poll; logins and admin actions are not held up (auth's readiness does not depend on
//! RabbitMQ).

use common_proto::bus::{kind, routing};
use diesel_async::AsyncConnection;
use kit::lifecycle::ShutdownSignal;
use std::time::Duration;

/// Rows per transaction.
const BATCH: i64 = 100;

/// Runs the relay every `every` until shutdown.
pub fn spawn(
    pool: db::Pool,
    publisher: bus::Publisher,
    every: Duration,
    mut shutdown: ShutdownSignal,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(every) => {}
            }
            loop {
                match relay_once(&pool, &publisher).await {
                    Ok(n) if n as i64 == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        metrics::counter!("audit_relay_failures_total").increment(1);
                        tracing::warn!(error = %e, "audit relay: will retry");
                        break;
                    }
                }
            }
        }
    })
}

/// One batch: the rows published and marked, in one transaction. 0 when none waited.
pub async fn relay_once(pool: &db::Pool, publisher: &bus::Publisher) -> anyhow::Result<usize> {
    let mut conn = db::pool::conn(pool).await?;
    if !db::audit::unpublished(&mut conn).await? {
        return Ok(0);
    }
    conn.transaction::<_, anyhow::Error, _>(async |c| {
        let rows = db::audit::claim_unpublished(c, BATCH).await?;
        for row in &rows {
            let out = publisher.outgoing(
                routing::SYSTEM_AUDIT,
                kind::AUDIT_RECORDED,
                format!("audit-{}", row.id),
                crate::moderation::audit_view(row.clone()),
                None,
            );
            publisher.send(out).await?;
        }
        if let Some(last) = rows.last() {
            db::audit::mark_published(c, last.id).await?;
            metrics::counter!("audit_relay_published_total").increment(rows.len() as u64);
        }
        Ok(rows.len())
    })
    .await
}
