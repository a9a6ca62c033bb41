//! The raw broker baseline: `count` persistent messages of `size` bytes published with
//! confirms (pipelined) to a quorum queue and consumed with manual acks, through the same
//! broker, measured in the same run as the pipeline: as fast as the confirms allow (a
//! throughput baseline), or paced at the run's rate (a latency baseline at the same load).

use futures_util::StreamExt;
use lapin::{
    BasicProperties, Connection, ConnectionProperties,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
        ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
    },
    types::{AMQPValue, FieldTable, LongString},
};
use std::time::Instant;

pub struct Baseline {
    /// Messages per second the publisher was held to (`None`: as fast as it could).
    pub paced: Option<f64>,
    pub count: u64,
    pub per_second: f64,
    pub latencies_ms: Vec<f64>,
}

pub async fn measure(
    amqp_url: &str,
    count: u64,
    size: usize,
    paced: Option<f64>,
) -> anyhow::Result<Baseline> {
    let count = count.max(100);
    let conn = Connection::connect(amqp_url, ConnectionProperties::default()).await?;
    let publish = conn.create_channel().await?;
    let consume = conn.create_channel().await?;
    let queue = format!(
        "loadcheck.baseline.{}",
        ulid::Ulid::generate().to_string().to_lowercase()
    );
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString(LongString::from(b"quorum".to_vec())),
    );
    publish
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            args,
        )
        .await?;
    publish
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    consume.basic_qos(256, BasicQosOptions::default()).await?;
    let mut consumer = consume
        .basic_consume(
            queue.as_str().into(),
            "baseline".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let started = Instant::now();
    let reader = tokio::spawn(async move {
        let mut latencies = Vec::with_capacity(count as usize);
        let mut n = 0;
        while n < count {
            let Some(Ok(delivery)) = consumer.next().await else {
                break;
            };
            let sent_us = u64::from_le_bytes(delivery.data[..8].try_into().unwrap_or([0; 8]));
            latencies.push(
                (started.elapsed().as_micros() as u64).saturating_sub(sent_us) as f64 / 1000.0,
            );
            let _ = delivery.ack(BasicAckOptions::default()).await;
            n += 1;
        }
        latencies
    });
    let mut pending = std::collections::VecDeque::new();
    for i in 0..count {
        if let Some(rate) = paced.filter(|r| *r > 0.0) {
            let due = started + std::time::Duration::from_secs_f64(i as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
        let mut payload = vec![b'x'; size.max(8)];
        payload[..8].copy_from_slice(&(started.elapsed().as_micros() as u64).to_le_bytes());
        let confirm = publish
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                &payload,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await?;
        pending.push_back(confirm);
        // At most 512 unconfirmed, like a busy publisher.
        if pending.len() >= 512
            && let Some(c) = pending.pop_front()
        {
            c.await?;
        }
    }
    for c in pending {
        c.await?;
    }
    let latencies_ms = reader.await?;
    let elapsed = started.elapsed().as_secs_f64();
    let _ = publish
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await;
    let _ = conn.close(200, "done".into()).await;
    Ok(Baseline {
        paced,
        count,
        per_second: count as f64 / elapsed,
        latencies_ms,
    })
}
