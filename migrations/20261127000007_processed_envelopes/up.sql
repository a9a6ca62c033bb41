-- Idempotency ledger for consumers whose work has no natural unique key: a consumer
-- records the envelope id in the same transaction as its work, so a redelivery is a no-op.
CREATE TABLE processed_envelopes (
    consumer VARCHAR(64) NOT NULL,
    envelope_id VARCHAR(64) NOT NULL,
    processed_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (consumer, envelope_id),
    KEY ix_processed_at (processed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
