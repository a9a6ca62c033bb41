//! The bus as an AsyncAPI 3 document, generated from this crate's types: every routing key
//! of `instant_exchange` (a channel), every envelope kind on it (a message whose payload
//! is the envelope with that kind's `data` schema, derived by utoipa from the same structs
//! the services serialise), the headers, and the contract's queues with the kinds their
//! bindings route to them. The gateway serves it at `/asyncapi.json`; e2e validates real
//! envelopes tapped off the bus against it, so the document cannot drift from the wire.

use crate::bus::{self, QUEUE_BINDINGS, kind};
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

/// One routing-key family of `instant_exchange`.
struct Channel {
    id: &'static str,
    /// The routing key, `{name}` standing for one word.
    address: &'static str,
    publishers: &'static str,
    description: &'static str,
    /// (kind, name of its data schema)
    messages: &'static [(&'static str, &'static str)],
}

const CHANNELS: &[Channel] = &[
    Channel {
        id: "chatMessage",
        address: "chat.message.conversation.{conversationId}",
        publishers: "chat-api",
        description: "A message was sent (as acknowledged to its sender) or changed (edited, recalled, reacted to, pinned, hidden for one user: its new state, ordered by `rev`).",
        messages: &[
            (kind::MESSAGE_SENT, "Message"),
            (kind::MESSAGE_CHANGED, "MessageChanged"),
        ],
    },
    Channel {
        id: "chatRead",
        address: "chat.read.conversation.{conversationId}",
        publishers: "chat-api",
        description: "A member's read cursor moved.",
        messages: &[(kind::READ_MOVED, "ReadMoved")],
    },
    Channel {
        id: "chatTyping",
        address: "chat.typing.conversation.{conversationId}",
        publishers: "gateway",
        description: "Someone is typing (ephemeral, never persisted).",
        messages: &[(kind::TYPING_STARTED, "TypingStarted")],
    },
    Channel {
        id: "userOnline",
        address: "user.status.online.{userId}",
        publishers: "gateway",
        description: "A user's first connection opened.",
        messages: &[(kind::USER_ONLINE, "PresenceChanged")],
    },
    Channel {
        id: "userOffline",
        address: "user.status.offline.{userId}",
        publishers: "gateway",
        description: "A user's last connection closed (or its gateway died).",
        messages: &[(kind::USER_OFFLINE, "PresenceChanged")],
    },
    Channel {
        id: "systemBroadcast",
        address: "system.broadcast",
        publishers: "chat-api, cascade-service",
        description: "An admin's system broadcast (also carried between cascaded platforms).",
        messages: &[(kind::BROADCAST_SENT, "Broadcast")],
    },
    Channel {
        id: "systemEvent",
        address: "system.event",
        publishers: "chat-api, cascade-service",
        description: "A reported event (also carried between cascaded platforms).",
        messages: &[(kind::EVENT_REPORTED, "Event")],
    },
    Channel {
        id: "conversationNotification",
        address: "system.notification.conversation.{conversationId}",
        publishers: "chat-api",
        description: "A group changed (members, name, roles), or mentions created inbox notifications.",
        messages: &[
            (kind::CONVERSATION_UPDATED, "ConversationUpdated"),
            (kind::NOTIFICATIONS_CREATED, "NotificationsCreated"),
        ],
    },
    Channel {
        id: "eventNotification",
        address: "system.notification.event",
        publishers: "event-worker",
        description: "Inbox notifications for the admins about a reported event.",
        messages: &[(kind::NOTIFICATIONS_CREATED, "NotificationsCreated")],
    },
    Channel {
        id: "cascadeStatus",
        address: "system.notification.cascade.{platformCode}",
        publishers: "cascade-service",
        description: "A peer platform's link went online or offline.",
        messages: &[(kind::CASCADE_STATUS_CHANGED, "CascadeStatusChanged")],
    },
    Channel {
        id: "systemAudit",
        address: "system.audit",
        publishers: "auth (the audit relay)",
        description: "Every audit-log row in chain order, for a SIEM; the envelope id is `audit-<row id>`.",
        messages: &[(kind::AUDIT_RECORDED, "AuditEntry")],
    },
    Channel {
        id: "pushOffline",
        address: "push.offline.conversation.{conversationId}",
        publishers: "push-worker",
        description: "A message or notification reached members with no live socket; push-worker's sender pushes it to their devices (conversation 0: a notification about no conversation).",
        messages: &[(kind::PUSH_REQUESTED, "PushRequested")],
    },
    Channel {
        id: "gatewayDelivery",
        address: "deliver.gateway.{node}",
        publishers: "push-worker",
        description: "Internal: one frame for the listed users connected to one gateway node.",
        messages: &[(kind::DELIVERY_REQUESTED, "Delivery")],
    },
    Channel {
        id: "gatewayDeliverAll",
        address: "deliver.all",
        publishers: "broadcast-worker",
        description: "Internal: one frame for every socket of every gateway node.",
        messages: &[(kind::DELIVERY_REQUESTED, "Delivery")],
    },
];

#[derive(OpenApi)]
#[openapi(components(schemas(
    crate::rest::Message,
    crate::rest::Broadcast,
    crate::rest::Event,
    crate::rest::AuditEntry,
    bus::MessageChanged,
    bus::ReadMoved,
    bus::TypingStarted,
    bus::PresenceChanged,
    bus::ConversationUpdated,
    bus::NotificationsCreated,
    bus::CascadeStatusChanged,
    bus::PushRequested,
    crate::ws::Delivery,
)))]
struct BusSchemas;

/// Whether a topic binding `pattern` (`*` one word, `#` any number) routes `address`.
fn routes(pattern: &str, address: &str) -> bool {
    fn go(p: &[&str], a: &[&str]) -> bool {
        match (p.first(), a.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], a) || (!a.is_empty() && go(p, &a[1..])),
            (Some(w), Some(x)) => {
                (*w == "*" || w == x || x.starts_with('{')) && go(&p[1..], &a[1..])
            }
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let a: Vec<&str> = address.split('.').collect();
    go(&p, &a)
}

fn message_id(kind: &str) -> String {
    kind.replace('.', "_")
}

fn envelope(kind: &str, data_schema: &str) -> Value {
    json!({
        "type": "object",
        "required": ["id", "kind", "version", "occurred_at", "origin", "data"],
        "properties": {
            "id": {"type": "string", "description": "Unique per event: what consumers deduplicate on."},
            "kind": {"type": "string", "const": kind},
            "version": {"type": "integer", "const": bus::ENVELOPE_VERSION},
            "occurred_at": {"type": "string", "format": "date-time"},
            "origin": {"type": "string", "description": "The code of the platform where it happened."},
            "data": {"$ref": format!("#/components/schemas/{data_schema}")},
            "path": {"type": "array", "items": {"type": "string"}, "description": "Cascade: the platforms it has been on, origin first."},
            "hops": {"type": "integer", "minimum": 0, "description": "Cascade: links crossed so far."}
        }
    })
}

/// The AsyncAPI 3.0 document of the bus.
pub fn document(version: &str) -> Value {
    let exchange = json!({"name": bus::EXCHANGE, "type": "topic", "durable": true, "autoDelete": false, "vhost": "/"});
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for c in CHANNELS {
        let mut refs = Map::new();
        for (kind, schema) in c.messages {
            let id = message_id(kind);
            refs.insert(
                id.clone(),
                json!({"$ref": format!("#/components/messages/{id}")}),
            );
            messages.entry(id).or_insert_with(|| {
                json!({
                    "name": kind,
                    "title": kind,
                    "contentType": "application/json",
                    "headers": {"$ref": "#/components/schemas/Headers"},
                    "payload": envelope(kind, schema),
                    "bindings": {"amqp": {"messageType": kind, "bindingVersion": "0.3.0"}},
                })
            });
        }
        let parameters: Map<String, Value> = c
            .address
            .split('.')
            .filter_map(|w| w.strip_prefix('{')?.strip_suffix('}'))
            .map(|p| {
                (
                    p.to_owned(),
                    json!({"description": format!("The {p} (one routing-key word).")}),
                )
            })
            .collect();
        let mut channel = json!({
            "address": c.address,
            "description": c.description,
            "messages": refs,
            "bindings": {"amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": "0.3.0"}},
        });
        if !parameters.is_empty() {
            channel["parameters"] = Value::Object(parameters);
        }
        channels.insert(c.id.to_owned(), channel);
        operations.insert(
            format!("publish_{}", c.id),
            json!({
                "action": "send",
                "channel": {"$ref": format!("#/channels/{}", c.id)},
                "summary": format!("Published by {}.", c.publishers),
            }),
        );
    }
    for (queue, patterns) in QUEUE_BINDINGS {
        let mut refs = Map::new();
        for c in CHANNELS {
            if patterns.iter().any(|p| routes(p, c.address)) {
                for (kind, _) in c.messages {
                    let id = message_id(kind);
                    refs.insert(
                        id.clone(),
                        json!({"$ref": format!("#/components/messages/{id}")}),
                    );
                }
            }
        }
        channels.insert(
            (*queue).to_owned(),
            json!({
                "address": queue,
                "description": format!("The contract queue {queue}, bound with {}.", patterns.join(", ")),
                "messages": refs,
                "bindings": {"amqp": {"is": "queue", "queue": {"name": queue, "durable": true, "exclusive": false, "autoDelete": false, "vhost": "/"}, "bindingVersion": "0.3.0"}},
            }),
        );
        operations.insert(
            format!("consume_{queue}"),
            json!({"action": "receive", "channel": {"$ref": format!("#/channels/{queue}")}}),
        );
    }
    let schemas = BusSchemas::openapi()
        .components
        .map(|c| serde_json::to_value(c.schemas).unwrap_or_default())
        .unwrap_or_default();
    let mut schemas = match schemas {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    schemas.insert(
        "Headers".into(),
        json!({
            "type": "object",
            "properties": {
                bus::HEADER_TRACEPARENT: {"type": "string", "description": "W3C trace context: one trace follows a message across services."},
                bus::HEADER_REQUEST_ID: {"type": "string", "description": "The HTTP request's id."},
                bus::HEADER_MEMBERS_VERSION: {"type": "integer", "description": "On chat.message.*: the conversation's membership version the sender saw."}
            }
        }),
    );
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "instant bus",
            "version": version,
            "description": format!(
                "Every envelope on the topic exchange `{}`: JSON `{{id, kind, version, occurred_at, origin, data}}`, persistent, AMQP `message_id` = envelope id and `type` = kind. Bind a queue of your own to read them. Dead letters go to `{}`.",
                bus::EXCHANGE, bus::DEAD_LETTER_QUEUE
            ),
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
        doc.pointer(r.strip_prefix('#')?)
    }

    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }

    #[test]
    fn every_kind_and_queue_is_described_and_every_ref_resolves() {
        let doc = document("test");
        for k in kind::ALL {
            assert!(
                doc["components"]["messages"][message_id(k)].is_object(),
                "kind {k} has no message"
            );
            // A kind the document names is one the consumers decode.
            assert!(
                bus::BusEvent::decode(k, json!("not data")).is_err(),
                "{k} is unknown to BusEvent"
            );
        }
        for (queue, _) in QUEUE_BINDINGS {
            let n = doc["channels"][queue]["messages"]
                .as_object()
                .map_or(0, |m| m.len());
            assert!(n > 0, "queue {queue} receives no described kind");
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 40, "{}", all.len());
        for r in all {
            assert!(resolve(&doc, &r).is_some(), "dangling $ref {r}");
        }
    }

    #[test]
    fn topic_matching() {
        assert!(routes(
            "chat.message.#",
            "chat.message.conversation.{conversationId}"
        ));
        assert!(routes("system.notification.#", "system.notification.event"));
        assert!(routes("user.status.#", "user.status.online.{userId}"));
        assert!(!routes("system.event", "system.notification.event"));
        assert!(!routes(
            "chat.read.#",
            "chat.message.conversation.{conversationId}"
        ));
        assert!(routes("a.*.c", "a.b.c") && !routes("a.*", "a.b.c"));
    }
}
