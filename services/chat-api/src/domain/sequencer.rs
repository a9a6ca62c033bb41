//! Group commit for sends. Every send's seq is taken durably before it is answered, and a
//! conversation's seqs are ordered by the lock on its counter row; one transaction per
//! send made a busy conversation as fast as one commit after another. Here concurrent
//! sends share a transaction instead: a single task takes every claim waiting in the
//! queue (up to `max_batch`), commits them together with `db::messages::take_seqs`, and
//! answers each. Claims that arrive meanwhile wait for the next batch, so the time bound
//! of a batch is one commit: a lone send on a quiet system is committed at once, alone,
//! and under load a batch holds whatever arrived during the previous commit.
//!
//! Nothing of the contract changes: each claim is answered only after its commit; one
//! batch in flight at a time keeps every claim in arrival order (so a sender's sends keep
//! their order); a batch that fails (a receipt another replica recorded at the same
//! moment, a deadlock, a lost connection) is retried claim by claim, each in its own
//! transaction, which is what decides repeats across replicas.

use db::messages::{Claim, Taken};
use db::{DbError, pool::Pool};
use tokio::sync::{mpsc, oneshot};

type Answer = oneshot::Sender<Result<Taken, DbError>>;

/// The handle sends take their seqs through (cheap to clone; the task stops when the last
/// handle is dropped).
#[derive(Clone)]
pub struct Sequencer {
    queue: mpsc::Sender<(Claim, Answer)>,
}

impl std::fmt::Debug for Sequencer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sequencer").finish_non_exhaustive()
    }
}

impl Sequencer {
    /// Starts the committing task. `max_batch` bounds a batch (and so one transaction's
    /// size); the queue holds at most `4 × max_batch` claims, then senders wait.
    pub fn start(pool: Pool, max_batch: usize) -> Self {
        let max_batch = max_batch.max(1);
        let (queue, rx) = mpsc::channel(max_batch * 4);
        tokio::spawn(commit_batches(pool, rx, max_batch));
        Self { queue }
    }

    /// Takes the seq of one send (or finds its earlier receipt), durably.
    pub async fn take(&self, claim: Claim) -> Result<Taken, DbError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((claim, tx))
            .await
            .map_err(|_| DbError::Unavailable("the send sequencer stopped".into()))?;
        rx.await
            .map_err(|_| DbError::Unavailable("the send sequencer stopped".into()))?
    }
}

async fn commit_batches(pool: Pool, mut rx: mpsc::Receiver<(Claim, Answer)>, max_batch: usize) {
    let mut batch = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let (claims, answers): (Vec<Claim>, Vec<Answer>) = batch.drain(..).unzip();
        metrics::histogram!("chat_send_batch_size").record(claims.len() as f64);
        let results = commit(&pool, &claims).await;
        for (answer, result) in answers.into_iter().zip(results) {
            // The sender may have gone (a dropped request); the seq stays taken either way.
            let _ = answer.send(result);
        }
    }
}

/// One answer per claim, in order.
async fn commit(pool: &Pool, claims: &[Claim]) -> Vec<Result<Taken, DbError>> {
    let mut conn = match db::pool::conn(pool).await {
        Ok(c) => c,
        Err(e) => return claims.iter().map(|_| Err(e.clone())).collect(),
    };
    if claims.len() > 1 {
        match db::messages::take_seqs(&mut conn, claims).await {
            Ok(taken) => return taken.into_iter().map(Ok).collect(),
            Err(e) => {
                metrics::counter!("chat_send_batch_fallbacks_total").increment(1);
                tracing::debug!(error = %e, claims = claims.len(), "batch failed; one by one");
            }
        }
    }
    let mut out = Vec::with_capacity(claims.len());
    for k in claims {
        out.push(one(&mut conn, k).await);
    }
    out
}

/// One claim in its own transaction. A unique violation means another replica recorded
/// the same send a moment ago: the second attempt finds its receipt and repeats it.
async fn one(conn: &mut db::pool::Conn, claim: &Claim) -> Result<Taken, DbError> {
    let single = std::slice::from_ref(claim);
    let first = match db::messages::take_seqs(conn, single).await {
        Err(DbError::Unique(_)) => db::messages::take_seqs(conn, single).await,
        other => other,
    };
    first?.pop().ok_or(DbError::NotFound)
}
