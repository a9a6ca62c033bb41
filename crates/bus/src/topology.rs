//! Declares the contract's exchange, queues and bindings, plus the dead-letter pair.
//! Every declaration is idempotent and every queue argument is explicit.

use crate::settings::{BusSettings, QueueType};
use common_proto::bus::{
    AUDIT_QUEUE, AUDIT_QUEUE_MAX_LENGTH, DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, EXCHANGE,
    QUEUE_BINDINGS, REALTIME_PUSH_QUEUE,
};
use lapin::{
    Channel, Connection, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString},
};

/// Names (with the optional prefix) and queue arguments.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    queue_type: QueueType,
    realtime_queue_type: QueueType,
    delivery_limit: u32,
}

impl Topology {
    pub fn new(settings: &BusSettings) -> Self {
        Self {
            prefix: settings.prefix.clone(),
            queue_type: settings.queue_type,
            realtime_queue_type: settings.realtime_queue_type,
            delivery_limit: settings.delivery_limit,
        }
    }

    pub fn name(&self, base: &str) -> String {
        format!("{}{}", self.prefix, base)
    }

    pub fn exchange(&self) -> String {
        self.name(EXCHANGE)
    }

    pub fn dead_letter_exchange(&self) -> String {
        self.name(DEAD_LETTER_EXCHANGE)
    }

    pub fn dead_letter_queue(&self) -> String {
        self.name(DEAD_LETTER_QUEUE)
    }

    /// Arguments of a durable work queue: type, dead-letter exchange and, for quorum
    /// queues, the delivery limit.
    pub fn work_queue_args(&self) -> FieldTable {
        self.queue_args(self.queue_type)
    }

    fn queue_args(&self, queue_type: QueueType) -> FieldTable {
        let mut args = FieldTable::default();
        args.insert("x-queue-type".into(), long_string(queue_type.as_str()));
        args.insert(
            "x-dead-letter-exchange".into(),
            long_string(&self.dead_letter_exchange()),
        );
        if queue_type == QueueType::Quorum {
            args.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongInt(self.delivery_limit as i32),
            );
        }
        args
    }

    /// Declares everything the contract names. Safe to call on every (re)connect.
    pub async fn declare(&self, conn: &Connection) -> lapin::Result<()> {
        let ch = conn.create_channel().await?;
        self.declare_on(&ch).await?;
        // Last, alone: a realtime queue left by an older version with the other type makes
        // the broker refuse the declaration and close the channel. Keep that queue (its
        // bindings are declared again), and say how to switch.
        let realtime = self.name(REALTIME_PUSH_QUEUE);
        let keys = QUEUE_BINDINGS
            .iter()
            .find(|(q, _)| *q == REALTIME_PUSH_QUEUE)
            .map(|(_, k)| *k)
            .unwrap_or_default();
        let args = self.queue_args(self.realtime_queue_type);
        match self
            .declare_queue(&ch, &realtime, args, &self.exchange(), keys)
            .await
        {
            Ok(()) => {
                let _ = ch.close(200, "topology declared".into()).await;
                Ok(())
            }
            Err(e) => {
                tracing::warn!(queue = %realtime, error = %e,
                    "keeping the existing realtime queue as it is (another type?); delete it to switch to INSTANT_REALTIME_QUEUE_TYPE");
                let ch = conn.create_channel().await?;
                let passive = QueueDeclareOptions {
                    passive: true,
                    ..Default::default()
                };
                ch.queue_declare(realtime.as_str().into(), passive, FieldTable::default())
                    .await?;
                bind(&ch, &realtime, &self.exchange(), keys).await?;
                let _ = ch.close(200, "topology declared".into()).await;
                Ok(())
            }
        }
    }

    /// Everything but the realtime queue.
    async fn declare_on(&self, ch: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.exchange_declare(
            self.exchange().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await?;
        ch.exchange_declare(
            self.dead_letter_exchange().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await?;
        let mut dlq_args = FieldTable::default();
        dlq_args.insert("x-queue-type".into(), long_string(self.queue_type.as_str()));
        self.declare_queue(
            ch,
            &self.dead_letter_queue(),
            dlq_args,
            &self.dead_letter_exchange(),
            &["#"],
        )
        .await?;
        for (queue, keys) in QUEUE_BINDINGS {
            if *queue == REALTIME_PUSH_QUEUE {
                continue;
            }
            let args = if *queue == AUDIT_QUEUE {
                // A bounded feed: no dead-lettering (what overflows is the oldest copy of
                // rows the database keeps, not a failure to look at).
                let mut args = FieldTable::default();
                args.insert("x-queue-type".into(), long_string(self.queue_type.as_str()));
                args.insert(
                    "x-max-length".into(),
                    AMQPValue::LongLongInt(AUDIT_QUEUE_MAX_LENGTH),
                );
                args.insert("x-overflow".into(), long_string("drop-head"));
                args
            } else {
                self.work_queue_args()
            };
            self.declare_queue(ch, &self.name(queue), args, &self.exchange(), keys)
                .await?;
        }
        Ok(())
    }

    /// Declares a durable queue with `args` and binds it to `exchange` with `keys`.
    pub async fn declare_queue(
        &self,
        ch: &Channel,
        queue: &str,
        args: FieldTable,
        exchange: &str,
        keys: &[&str],
    ) -> lapin::Result<()> {
        let options = QueueDeclareOptions {
            durable: true,
            ..Default::default()
        };
        ch.queue_declare(queue.into(), options, args).await?;
        bind(ch, queue, exchange, keys).await
    }
}

/// Binds `queue` to `exchange` with each of `keys` (idempotent).
async fn bind(ch: &Channel, queue: &str, exchange: &str, keys: &[&str]) -> lapin::Result<()> {
    for key in keys {
        ch.queue_bind(
            queue.into(),
            exchange.into(),
            (*key).into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    }
    Ok(())
}

fn long_string(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.as_bytes().to_vec()))
}

/// One work queue's state, for the admin statistics.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueDepth {
    pub name: String,
    /// Messages ready in it (a backlog: lag in messages).
    pub messages: u32,
    pub consumers: u32,
}

/// The depth of every contract queue and the dead-letter queue (passive declares: nothing
/// is created, a missing queue is left out).
pub async fn queue_depths(bus: &crate::Bus) -> Result<Vec<QueueDepth>, crate::ConnectError> {
    let topology = Topology::new(bus.settings());
    let conn = bus.connection().await?;
    let ch = conn
        .create_channel()
        .await
        .map_err(crate::ConnectError::from)?;
    let passive = QueueDeclareOptions {
        passive: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    let names = QUEUE_BINDINGS
        .iter()
        .map(|(q, _)| topology.name(q))
        .chain([topology.dead_letter_queue()]);
    for name in names {
        // A failed passive declare closes the channel: one per queue keeps the others.
        let ch = if ch.status().connected() {
            ch.clone()
        } else {
            conn.create_channel()
                .await
                .map_err(crate::ConnectError::from)?
        };
        if let Ok(q) = ch
            .queue_declare(name.as_str().into(), passive, FieldTable::default())
            .await
        {
            out.push(QueueDepth {
                name,
                messages: q.message_count(),
                consumers: q.consumer_count(),
            });
        }
    }
    let _ = ch.close(200, "done".into()).await;
    Ok(out)
}

/// How often [`export_queue_depths`] samples.
pub const QUEUE_SAMPLE_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Samples [`queue_depths`] every [`QUEUE_SAMPLE_EVERY`] until shutdown, as the gauges
/// `bus_queue_messages{queue}` and `bus_queue_consumers{queue}` (the contract's queue
/// names, without the deployment's prefix) — what the dashboard's queue panels and the
/// "dead letters waiting" alert read. Run by more than one worker deployment, so the
/// figures survive one of them being down; dashboards take `max by (queue)`.
pub async fn export_queue_depths(bus: crate::Bus, mut shutdown: kit::lifecycle::ShutdownSignal) {
    let prefix = bus.settings().prefix.clone();
    loop {
        match queue_depths(&bus).await {
            Ok(depths) => {
                for q in depths {
                    let queue = q.name.strip_prefix(&prefix).unwrap_or(&q.name).to_owned();
                    metrics::gauge!("bus_queue_messages", "queue" => queue.clone())
                        .set(f64::from(q.messages));
                    metrics::gauge!("bus_queue_consumers", "queue" => queue)
                        .set(f64::from(q.consumers));
                }
            }
            Err(e) => tracing::debug!(error = %e, "queue depths not sampled"),
        }
        tokio::select! {
            _ = tokio::time::sleep(QUEUE_SAMPLE_EVERY) => {}
            _ = shutdown.wait() => return,
        }
    }
}
