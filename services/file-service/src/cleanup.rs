//! The periodic removal of uploads that were never sent nor used as an avatar.

use crate::storage::Store;
use chrono::Utc;
use kit::lifecycle::ShutdownSignal;
use object_store::{ObjectStoreExt, path::Path};
use std::time::Duration;

/// Deletes up to 500 unreferenced uploads older than `ttl`; returns how many went.
/// The row goes first (only if still unreferenced), then the bytes: a send racing the
/// cleanup either finds no file (422) or keeps it.
pub async fn run_once(pool: &db::Pool, store: &Store, ttl: Duration) -> anyhow::Result<usize> {
    let cutoff = (Utc::now() - chrono::Duration::from_std(ttl)?).naive_utc();
    let mut conn = db::pool::conn(pool).await?;
    let stale = db::files::unreferenced(&mut conn, cutoff, 500).await?;
    let mut removed = 0;
    for file in stale {
        if db::files::delete_unreferenced(&mut conn, &file.id).await? {
            match store.delete(&Path::from(file.storage_key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => {
                    tracing::warn!(error = %e, key = %file.storage_key, "orphaned bytes left in storage")
                }
            }
            removed += 1;
        }
    }
    Ok(removed)
}

/// Runs [`run_once`] every `interval` until shutdown.
pub fn spawn(
    pool: db::Pool,
    store: Store,
    ttl: Duration,
    interval: Duration,
    mut shutdown: ShutdownSignal,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.wait() => return,
            }
            match run_once(&pool, &store, ttl).await {
                Ok(0) => {}
                Ok(n) => {
                    metrics::counter!("files_cleaned_total").increment(n as u64);
                    tracing::info!(removed = n, "removed unreferenced uploads");
                }
                Err(e) => tracing::warn!(error = %e, "upload cleanup failed; next round retries"),
            }
        }
    })
}
