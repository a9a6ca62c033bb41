//! Process lifecycle: wait for SIGTERM/SIGINT, then stop taking work, drain, exit.
//!
//! Order on SIGTERM: the shutdown signal fires (consumers stop taking deliveries and finish
//! the one they hold), the HTTP server stops accepting and finishes in-flight requests, and
//! `run` returns once both are done or the timeout (under 10 s) has passed.

use crate::http::RunningServer;
use std::time::Duration;
use tokio::{sync::watch, task::JoinHandle};

/// Owner side of the shutdown signal.
#[derive(Debug)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

/// Listener side, cloned into every background task.
#[derive(Debug, Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            tx: watch::channel(false).0,
        }
    }

    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal(self.tx.subscribe())
    }

    /// A future that resolves when shutdown is triggered (for tasks that take one).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut signal = self.signal();
        async move { signal.wait().await }
    }

    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }
}

impl ShutdownSignal {
    /// Resolves once shutdown has been triggered (at once if it already was).
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which only happens at shutdown too.
        let _ = self.0.wait_for(|stopped| *stopped).await;
    }

    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received"),
                    _ = int.recv() => tracing::info!("SIGINT received"),
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A service binary's whole life: logs as `common` says, a multi-thread runtime, then `run`.
/// Each service's `lib.rs` has a non-generic `main()` that calls this and its `main.rs` only
/// calls that: the service's futures are then compiled once, in its library. Polled from
/// `main.rs` instead, they were compiled again in the binary (35 s of a cold release build
/// per binary for a 10-line `main.rs`).
///
/// `service` names the binary: the `service` label of every metric. The recorder is
/// installed here, before the service builds anything, so what building registers (e.g.
/// counters at zero) is exported.
pub fn run_binary(
    service: &'static str,
    common: &crate::settings::CommonSettings,
    run: impl std::future::Future<Output = anyhow::Result<()>>,
) -> anyhow::Result<()> {
    crate::telemetry::init(&common.log, &common.log_format);
    crate::metrics::install(service);
    if !common.otlp_endpoint.is_empty() {
        crate::otlp::install(&common.otlp_endpoint, service, common.otlp_sample_ratio)?;
    }
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run);
    crate::otlp::shutdown();
    result
}

/// Defines a service library's `pub fn main()`: its settings from the environment, its
/// `build`, then serve until SIGTERM, through [`run_binary`]. Expanded in the library (not
/// the binary) on purpose, see there.
#[macro_export]
macro_rules! service_main {
    ($settings:ty, $build:path) => {
        /// The binary: settings from the environment, then serve until SIGTERM.
        pub fn main() -> anyhow::Result<()> {
            let settings = <$settings as clap::Parser>::parse();
            $crate::lifecycle::run_binary(
                env!("CARGO_PKG_NAME"),
                &settings.common.clone(),
                async move { $build(settings).await?.run_until_terminated().await },
            )
        }
    };
}

/// Runs the server and background tasks until `stop` resolves (normally [`termination`]),
/// then drains everything within `timeout`.
pub async fn run(
    server: RunningServer,
    shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
    timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let handle = server.handle();
    let mut server_task = tokio::spawn(server.server);
    let server_ended_early = tokio::select! {
        _ = stop => false,
        result = &mut server_task => {
            tracing::error!(?result, "HTTP server stopped on its own");
            true
        }
    };
    shutdown.trigger();
    let drain = async {
        let stop_http = handle.stop(true);
        let joined = futures_util::future::join_all(tasks);
        let (_, results) = tokio::join!(stop_http, joined);
        for result in results {
            if let Err(e) = result {
                tracing::error!(error = %e, "background task failed during shutdown");
            }
        }
        if !server_ended_early {
            let _ = server_task.await;
        }
    };
    if tokio::time::timeout(timeout, drain).await.is_err() {
        tracing::warn!(?timeout, "drain timed out; exiting anyway");
    }
    tracing::info!("stopped");
    if server_ended_early {
        anyhow::bail!("HTTP server stopped unexpectedly")
    } else {
        Ok(())
    }
}

/// A built service: its HTTP server, background tasks and shutdown signal. Every binary
/// builds one and calls [`Service::run_until`]; tests build it on port 0 and drive it.
pub struct Service {
    pub port: u16,
    server: RunningServer,
    shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
    timeout: Duration,
}

impl Service {
    /// Binds and starts the HTTP server of `spec` with `configure`'s routes; the drain
    /// timeout is the spec's.
    pub fn start<F>(
        spec: crate::http::ServerSpec,
        configure: F,
        shutdown: Shutdown,
        tasks: Vec<JoinHandle<()>>,
    ) -> std::io::Result<Self>
    where
        F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
    {
        let timeout = Duration::from_secs(spec.shutdown_timeout_secs);
        let server = crate::http::start(spec, configure)?;
        Ok(Self {
            port: server.port,
            server,
            shutdown,
            tasks,
            timeout,
        })
    }

    /// An API service (auth, chat-api, file-service, cascade-service): its state and the
    /// access-token verifier as app data, its routes and its `/openapi.json`.
    pub fn start_api<S: Send + Sync + 'static>(
        spec: crate::http::ServerSpec,
        state: actix_web::web::Data<S>,
        verifier: actix_web::web::Data<crate::auth::Verifier>,
        routes: fn(&mut actix_web::web::ServiceConfig),
        openapi: fn(&mut actix_web::web::ServiceConfig),
        shutdown: Shutdown,
        tasks: Vec<JoinHandle<()>>,
    ) -> std::io::Result<Self> {
        let configure = move |cfg: &mut actix_web::web::ServiceConfig| {
            cfg.app_data(state.clone())
                .app_data(verifier.clone())
                .configure(routes)
                .configure(openapi);
        };
        Self::start(spec, configure, shutdown, tasks)
    }

    /// Serves until `stop` resolves (in production: [`termination`]), then drains.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        run(self.server, self.shutdown, self.tasks, self.timeout, stop).await
    }

    /// Serves until SIGTERM or SIGINT.
    pub async fn run_until_terminated(self) -> anyhow::Result<()> {
        self.run_until(termination()).await
    }
}
