//! Declares the contract's exchange, queues and bindings, plus the dead-letter pair.
//! Every declaration is idempotent and every queue argument is explicit.

use crate::settings::{BusSettings, QueueType};
use common_proto::bus::{DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, EXCHANGE, QUEUE_BINDINGS};
use lapin::{
    Channel, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    types::{AMQPValue, FieldTable, LongString},
};

/// Names (with the optional prefix) and queue arguments.
#[derive(Debug, Clone)]
pub struct Topology {
    prefix: String,
    queue_type: QueueType,
    delivery_limit: u32,
}

impl Topology {
    pub fn new(settings: &BusSettings) -> Self {
        Self {
            prefix: settings.prefix.clone(),
            queue_type: settings.queue_type,
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
        let mut args = FieldTable::default();
        args.insert("x-queue-type".into(), long_string(self.queue_type.as_str()));
        args.insert(
            "x-dead-letter-exchange".into(),
            long_string(&self.dead_letter_exchange()),
        );
        if self.queue_type == QueueType::Quorum {
            args.insert(
                "x-delivery-limit".into(),
                AMQPValue::LongInt(self.delivery_limit as i32),
            );
        }
        args
    }

    /// Declares everything the contract names. Safe to call on every (re)connect.
    pub async fn declare(&self, ch: &Channel) -> lapin::Result<()> {
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
            self.declare_queue(
                ch,
                &self.name(queue),
                self.work_queue_args(),
                &self.exchange(),
                keys,
            )
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
}

fn long_string(s: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(s.as_bytes().to_vec()))
}
