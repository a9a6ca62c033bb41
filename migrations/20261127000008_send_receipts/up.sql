-- The durable record of every accepted send, written by chat-api in the same transaction
-- that takes the message's seq. It makes a repeated send (same client_msg_id from the same
-- sender) return the same id and seq on any replica, even before the persistence worker has
-- written the message, and even after Redis lost everything.
CREATE TABLE send_receipts (
    conversation_id BIGINT NOT NULL,
    sender_id BIGINT NOT NULL,
    client_msg_id VARCHAR(64) NOT NULL,
    message_id CHAR(26) NOT NULL,
    seq BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (conversation_id, sender_id, client_msg_id),
    UNIQUE KEY uq_receipts_seq (conversation_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
