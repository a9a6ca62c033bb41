//! [`Worker`]: what every queue worker is besides its handler — health, readiness and
//! metrics on a small HTTP port, background consumers, and a drain on SIGTERM — so a
//! worker's `build` is its dependencies, its handler and a few lines of this.
//!
//! kit knows no broker: the consumer is handed in as a task started with the shutdown
//! signal (`bus::consume*`).

use crate::{
    http::ServerSpec,
    lifecycle::{Service, Shutdown, ShutdownSignal},
    readiness::Readiness,
    settings::CommonSettings,
};
use futures_util::future::BoxFuture;
use std::future::Future;
use tokio::task::JoinHandle;

/// A queue worker being assembled.
pub struct Worker {
    name: &'static str,
    listen: String,
    common: CommonSettings,
    readiness: Readiness,
    shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
}

impl Worker {
    pub fn new(name: &'static str, listen: &str, common: &CommonSettings) -> Self {
        Self {
            name,
            listen: listen.to_owned(),
            common: common.clone(),
            readiness: Readiness::new(),
            shutdown: Shutdown::new(),
            tasks: Vec::new(),
        }
    }

    /// `/ready` also checks `name` (`mysql`, `redis`, `rabbitmq`).
    pub fn ready<F>(mut self, name: &'static str, check: F) -> Self
    where
        F: Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static,
    {
        self.readiness = self.readiness.with(name, check);
        self
    }

    /// Starts a background task (a consumer) that ends when the signal fires.
    pub fn spawn<T, Fut>(mut self, task: T) -> Self
    where
        T: FnOnce(ShutdownSignal) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.tasks.push(tokio::spawn(task(self.shutdown.signal())));
        self
    }

    /// Serves `/health`, `/ready` and `/metrics` (one HTTP thread: workers answer probes
    /// and scrapes only) until SIGTERM, then drains the tasks.
    pub fn start(self) -> std::io::Result<Service> {
        let spec = ServerSpec::new(self.name, &self.listen, &self.common, self.readiness)
            .max_json_bytes(4096)
            .workers(1);
        Service::start(
            spec,
            |_: &mut actix_web::web::ServiceConfig| {},
            self.shutdown,
            self.tasks,
        )
    }
}
