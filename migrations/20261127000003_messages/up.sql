-- Messages. (conversation_id, seq) is the history order and the range-scan key;
-- (conversation_id, sender_id, client_msg_id) makes a repeated send idempotent.
-- No foreign keys: the persistence worker inserts in batches and must never be rejected
-- for ordering reasons; chat-api validated everything before publishing.
CREATE TABLE messages (
    id CHAR(26) NOT NULL PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    sender_id BIGINT NOT NULL,
    client_msg_id VARCHAR(64) NOT NULL,
    type VARCHAR(16) NOT NULL,
    content TEXT NOT NULL,
    file_id CHAR(26) NULL,
    reply_to CHAR(26) NULL,
    created_at DATETIME(6) NOT NULL,
    persisted_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_messages_seq (conversation_id, seq),
    UNIQUE KEY uq_messages_client (conversation_id, sender_id, client_msg_id),
    KEY ix_messages_file (file_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
