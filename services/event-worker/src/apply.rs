//! Applying the rules to one event, exactly once: the notifications and the record that
//! this envelope was handled commit together, so a redelivery changes nothing.

use crate::rules::{Action, Rule};
use bus::{Handler, HandlerError, Incoming};
use common_proto::bus::{BusEvent, NotificationsCreated, kind, routing};
use db::{DbError, notifications::NotificationRow};
use diesel_async::AsyncConnection;
use std::{collections::HashSet, sync::Mutex};

/// Distinct event types given their own metric label; the rest count as `other`.
const MAX_TYPE_LABELS: usize = 200;

pub struct Apply {
    pub pool: db::Pool,
    /// Envelopes from this platform onto the bus.
    pub publisher: bus::Publisher,
    pub rules: Vec<Rule>,
    pub labelled: Mutex<HashSet<String>>,
}

impl Apply {
    fn type_label(&self, t: &str) -> String {
        let Ok(mut seen) = self.labelled.lock() else {
            return "other".into();
        };
        if seen.contains(t) || (seen.len() < MAX_TYPE_LABELS && seen.insert(t.to_owned())) {
            t.to_owned()
        } else {
            "other".into()
        }
    }
}

impl Handler for Apply {
    async fn handle(&self, msg: &Incoming) -> Result<(), HandlerError> {
        let (envelope, event) = msg.event()?;
        let Some(BusEvent::EventReported(event)) = event else {
            return Ok(());
        };
        let notify_admins = self
            .rules
            .iter()
            .any(|r| r.action == Action::NotifyAdmins && r.matches(&event.kind, &event.severity));
        let retry = |e: DbError| HandlerError::Retry(e.to_string());
        let mut conn = db::pool::conn(&self.pool).await.map_err(retry)?;
        let payload = serde_json::json!({
            "event_id": event.id, "type": event.kind, "severity": event.severity,
            "payload": event.payload, "reporter_id": event.reporter_id, "origin": event.origin,
        });
        let kind_name = format!("event.{}", event.severity);
        let envelope_id = envelope.id.clone();
        let created = conn
            .transaction::<_, DbError, _>(async |c| {
                if !db::events::first_time(c, "event-worker", &envelope_id).await? {
                    return Ok(None);
                }
                let mut rows = Vec::new();
                if notify_admins {
                    for admin in db::events::admin_ids(c).await? {
                        rows.push(NotificationRow::new(admin, &kind_name, &payload));
                    }
                    db::notifications::insert(c, &rows).await?;
                }
                Ok(Some(rows))
            })
            .await
            .map_err(retry)?;
        let Some(rows) = created else {
            metrics::counter!("events_duplicate_deliveries_total").increment(1);
            return Ok(());
        };
        metrics::counter!("events_processed_total",
            "type" => self.type_label(&event.kind), "severity" => event.severity.clone())
        .increment(1);
        if rows.is_empty() {
            return Ok(());
        }
        metrics::counter!("events_admin_notifications_total").increment(rows.len() as u64);
        let data = NotificationsCreated {
            notifications: views::user_notifications(&rows),
        };
        // The inbox rows are committed; the live push is best effort (a failure only means
        // the admins see it on their next inbox read).
        let live = self.publisher.outgoing(
            routing::EVENT_NOTIFICATION,
            kind::NOTIFICATIONS_CREATED,
            format!("{}.notify", event.id),
            data,
            Some(msg.trace.clone()),
        );
        self.publisher
            .send_best_effort(live, "admin notifications")
            .await;
        Ok(())
    }
}
