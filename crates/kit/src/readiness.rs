//! `/ready`: each service registers exactly the dependencies it uses.

use futures_util::future::{BoxFuture, join_all};
use std::{collections::BTreeMap, sync::Arc, time::Duration};

type CheckFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// Named dependency checks, run concurrently, each bounded by a timeout so `/ready` never hangs.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(&'static str, CheckFn)>,
}

impl Readiness {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a check named `name` (`mysql`, `redis`, `rabbitmq`, ...).
    pub fn with<F>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
    {
        self.checks.push((name, Arc::new(check)));
        self
    }

    /// Runs every check; `true` when all are up, with each one's state.
    pub async fn evaluate(&self) -> (bool, BTreeMap<String, String>) {
        let results = join_all(self.checks.iter().map(|(name, check)| async move {
            let state = match tokio::time::timeout(Duration::from_secs(2), check()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e),
                Err(_) => Err("timed out after 2 s".to_owned()),
            };
            (*name, state)
        }))
        .await;
        let all_up = results.iter().all(|(_, state)| state.is_ok());
        // What the "not ready" alert reads (the kubelet's probes keep it fresh).
        metrics::gauge!("service_ready").set(if all_up { 1.0 } else { 0.0 });
        for (name, state) in &results {
            metrics::gauge!("dependency_up", "dependency" => *name).set(if state.is_ok() {
                1.0
            } else {
                0.0
            });
        }
        let checks = results
            .into_iter()
            .map(|(name, state)| {
                (
                    name.to_owned(),
                    state.err().unwrap_or_else(|| "up".to_owned()),
                )
            })
            .collect();
        (all_up, checks)
    }
}
