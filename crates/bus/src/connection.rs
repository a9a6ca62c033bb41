//! [`Bus`]: one AMQP connection per process, re-established on demand after a broker
//! restart, with the topology redeclared on every new connection.

use crate::{BusSettings, Topology, backoff::Backoff};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use kit::lifecycle::ShutdownSignal;
use lapin::{Channel, Connection, ConnectionProperties, options::ConfirmSelectOptions};
use std::{sync::Arc, time::Duration};
use tokio::sync::Mutex;

/// How long connecting and declaring the topology may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a connection could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Amqp(#[from] lapin::Error),
    #[error("timed out connecting to RabbitMQ")]
    Timeout,
}

/// The process's handle on RabbitMQ. Cheap to clone.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    settings: BusSettings,
    topology: Topology,
    name: String,
    /// The live connection, if any. Behind an async mutex so one task reconnects while
    /// others wait for its result instead of opening connections of their own.
    conn: Mutex<Option<Arc<Connection>>>,
    /// The confirm-mode channel publishes share (lapin multiplexes confirms on it).
    publish_channel: Mutex<Option<Channel>>,
    /// Queues this process adds to the contract's (e.g. a gateway node's delivery queue),
    /// redeclared with the topology on every new connection.
    extra_queues: std::sync::Mutex<Vec<ExtraQueue>>,
}

/// A queue beyond the contract's, declared on every (re)connect.
#[derive(Debug, Clone)]
pub struct ExtraQueue {
    /// Name without the prefix.
    pub name: String,
    pub args: lapin::types::FieldTable,
    /// Routing keys bound on `instant_exchange`.
    pub bindings: Vec<String>,
}

impl Bus {
    /// A bus that connects on first use. `name` shows in the broker's connection list.
    pub fn new(settings: &BusSettings, name: &str) -> Self {
        // At zero from the start, so the dashboard's reconnect panel has a series to show.
        metrics::counter!("bus_reconnects_total").increment(0);
        Self {
            inner: Arc::new(Inner {
                topology: Topology::new(settings),
                settings: settings.clone(),
                name: name.to_owned(),
                conn: Mutex::new(None),
                publish_channel: Mutex::new(None),
                extra_queues: std::sync::Mutex::new(Vec::new()),
            }),
        }
    }

    /// Declares `queue` now (and on every later connection): for queues that must exist
    /// before anyone consumes them, so nothing routed to them meanwhile is lost.
    pub async fn declare_queue_now(&self, queue: ExtraQueue) -> Result<(), ConnectError> {
        self.add_queue(queue.clone());
        let conn = self.connection().await?;
        let declared = async {
            let ch = conn.create_channel().await?;
            let keys: Vec<&str> = queue.bindings.iter().map(String::as_str).collect();
            let topology = &self.inner.topology;
            topology
                .declare_queue(
                    &ch,
                    &topology.name(&queue.name),
                    queue.args.clone(),
                    &topology.exchange(),
                    &keys,
                )
                .await?;
            let _ = ch.close(200, "queue declared".into()).await;
            Ok::<(), lapin::Error>(())
        }
        .await;
        declared.map_err(ConnectError::from)
    }

    /// Adds a queue to declare on every connection (call before the first use); adding a
    /// name twice keeps one.
    pub fn add_queue(&self, queue: ExtraQueue) {
        if let Ok(mut q) = self.inner.extra_queues.lock()
            && !q.iter().any(|x| x.name == queue.name)
        {
            q.push(queue);
        }
    }

    pub fn settings(&self) -> &BusSettings {
        &self.inner.settings
    }

    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }

    /// A live connection: the current one, or a new one with the topology declared.
    pub async fn connection(&self) -> Result<Arc<Connection>, ConnectError> {
        let mut guard = self.inner.conn.lock().await;
        if let Some(conn) = guard.as_ref()
            && conn.status().connected()
        {
            return Ok(conn.clone());
        }
        let had_connection = guard.is_some();
        *guard = None;
        // Bounded: a broker that accepts TCP but is still booting must not hold the lock
        // (and every publisher behind it) for long.
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, self.open())
            .await
            .map_err(|_| ConnectError::Timeout)??;
        if had_connection {
            metrics::counter!("bus_reconnects_total").increment(1);
            tracing::info!("reconnected to RabbitMQ");
        }
        *guard = Some(conn.clone());
        Ok(conn)
    }

    async fn open(&self) -> lapin::Result<Arc<Connection>> {
        let props =
            ConnectionProperties::default().with_connection_name(self.inner.name.as_str().into());
        let conn = Arc::new(Connection::connect(&self.inner.settings.url, props).await?);
        self.inner.topology.declare(&conn).await?;
        let ch = conn.create_channel().await?;
        let extras = self
            .inner
            .extra_queues
            .lock()
            .map(|q| q.clone())
            .unwrap_or_default();
        let topology = &self.inner.topology;
        for q in extras {
            let keys: Vec<&str> = q.bindings.iter().map(String::as_str).collect();
            topology
                .declare_queue(
                    &ch,
                    &topology.name(&q.name),
                    q.args,
                    &topology.exchange(),
                    &keys,
                )
                .await?;
        }
        let _ = ch.close(200, "topology declared".into()).await;
        Ok(conn)
    }

    /// Like [`Bus::connection`], retrying with backoff until connected or shut down.
    pub async fn connect_until(&self, shutdown: &mut ShutdownSignal) -> Option<Arc<Connection>> {
        let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        loop {
            match self.connection().await {
                Ok(conn) => return Some(conn),
                Err(e) => {
                    tracing::warn!(error = %e, "RabbitMQ unavailable; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff.next_delay()) => {}
                        _ = shutdown.wait() => return None,
                    }
                }
            }
        }
    }

    /// The shared confirm channel, (re)opened as needed.
    pub(crate) async fn publish_channel(&self) -> Result<Channel, ConnectError> {
        let mut guard = self.inner.publish_channel.lock().await;
        if let Some(ch) = guard.as_ref()
            && ch.status().connected()
        {
            return Ok(ch.clone());
        }
        let conn = self.connection().await?;
        let ch = conn.create_channel().await?;
        ch.confirm_select(ConfirmSelectOptions::default()).await?;
        *guard = Some(ch.clone());
        Ok(ch)
    }

    /// Forgets the publish channel after an error so the next publish opens a fresh one.
    pub(crate) async fn drop_publish_channel(&self) {
        *self.inner.publish_channel.lock().await = None;
    }

    pub async fn is_connected(&self) -> bool {
        self.inner
            .conn
            .lock()
            .await
            .as_ref()
            .is_some_and(|c| c.status().connected())
    }

    /// `/ready` check: connected, connecting now if needed.
    pub fn check(
        &self,
    ) -> impl Fn() -> BoxFuture<'static, Result<(), String>> + Send + Sync + 'static {
        let bus = self.clone();
        move || {
            let bus = bus.clone();
            async move { bus.connection().await.map(drop).map_err(|e| e.to_string()) }.boxed()
        }
    }

    /// Closes the connection (at shutdown, after consumers stopped).
    pub async fn close(&self) {
        if let Some(conn) = self.inner.conn.lock().await.take() {
            let _ = conn.close(200, "shutdown".into()).await;
        }
    }
}

/// Connects (declaring the topology) as soon as the process starts, retrying until the
/// broker is there, then holds the connection until shutdown and closes it cleanly.
pub fn connect_in_background(
    bus: Bus,
    mut shutdown: ShutdownSignal,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if bus.connect_until(&mut shutdown).await.is_some() {
            tracing::info!("connected to RabbitMQ; topology declared");
        }
        shutdown.wait().await;
        bus.close().await;
    })
}
