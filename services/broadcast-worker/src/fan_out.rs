//! One broadcast in, one publish out.

use bus::{Bus, Handler, HandlerError, Incoming, Outgoing, PublishError};
use common_proto::{
    bus::{BusEvent, Envelope, kind, routing},
    ws::{Delivery, ServerFrame},
};

pub struct FanOut {
    pub bus: Bus,
    pub origin: String,
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
        let delivery = Envelope::new(
            // Derived from the broadcast: a redelivery republishes the same envelope id.
            format!("{}.all", broadcast.id),
            kind::DELIVERY_REQUESTED,
            self.origin.clone(),
            Delivery {
                recipients: Vec::new(),
                frame,
                everyone: true,
            },
        );
        let out = Outgoing::envelope(
            routing::GATEWAY_DELIVER_ALL,
            &delivery,
            msg.request_id.clone(),
        )
        .map_err(|e| HandlerError::Poison(e.to_string()))?;
        match self.bus.publish(&out).await {
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
