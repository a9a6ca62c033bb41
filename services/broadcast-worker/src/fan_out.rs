//! One broadcast in, one publish out.

use bus::{Handler, HandlerError, Incoming, PublishError};
use common_proto::{
    bus::{BusEvent, kind, routing},
    ws::{Delivery, ServerFrame},
};

pub struct FanOut {
    /// Envelopes from this platform onto the bus.
    pub publisher: bus::Publisher,
}

impl Handler for FanOut {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let (envelope, event) = msg.event()?;
        let Some(BusEvent::BroadcastSent(broadcast)) = event else {
            tracing::debug!(kind = %envelope.kind, "not a broadcast");
            return Ok(());
        };
        let frame = ServerFrame::Broadcast {
            broadcast: serde_json::to_value(&broadcast)
                .map_err(|e| HandlerError::Poison(e.to_string()))?,
        };
        let out = self.publisher.outgoing(
            routing::GATEWAY_DELIVER_ALL,
            kind::DELIVERY_REQUESTED,
            // Derived from the broadcast: a redelivery republishes the same envelope id.
            format!("{}.all", broadcast.id),
            Delivery {
                recipients: Vec::new(),
                frame,
                everyone: true,
            },
            Some(msg.trace.clone()),
        );
        match self.publisher.send(out).await {
            Ok(()) => metrics::counter!("broadcast_fan_outs_total").increment(1),
            // No gateway is running: nobody is connected, the inbox has it anyway.
            Err(PublishError::Unroutable(_)) => {
                metrics::counter!("broadcast_no_gateway_total").increment(1)
            }
            Err(e) => return Err(HandlerError::Retry(e.to_string())),
        }
        Ok(())
    }
}
