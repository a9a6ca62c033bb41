-- Outgoing webhooks (admin-managed). A consumer of `webhook_queue` in chat-api turns each
-- envelope a webhook subscribes to into one `webhook_deliveries` row (unique per webhook
-- and envelope, so a redelivered envelope adds nothing) and acks; a dispatcher claims due
-- rows (SKIP LOCKED: replicas share the work), POSTs them signed, and retries with
-- backoff until `deadline_at`, after which the row is `dead` (the per-webhook dead letter
-- an admin lists and redelivers). The secret is kept in the clear: signing needs it.
CREATE TABLE webhooks (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url VARCHAR(2048) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    -- JSON array of event classes: message, mention, group, event, broadcast.
    events TEXT NOT NULL,
    -- JSON array of conversation ids for `message` (NULL: every conversation).
    conversation_ids TEXT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    webhook_id BIGINT NOT NULL,
    envelope_id VARCHAR(128) NOT NULL,
    kind VARCHAR(64) NOT NULL,
    body MEDIUMTEXT NOT NULL,
    traceparent VARCHAR(64) NULL,
    -- pending, delivered, dead
    status VARCHAR(16) NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    last_status INT NULL,
    last_error VARCHAR(512) NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    deadline_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    delivered_at DATETIME(6) NULL,
    UNIQUE KEY ux_webhook_deliveries_envelope (webhook_id, envelope_id),
    KEY ix_webhook_deliveries_due (status, next_attempt_at),
    KEY ix_webhook_deliveries_list (webhook_id, id),
    CONSTRAINT fk_webhook_deliveries_webhook FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
