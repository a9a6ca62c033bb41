-- Conversations (direct and group) and their members.
-- seq_reserved is the durable high-water mark of message sequence numbers handed out:
-- chat-api reserves blocks by moving it forward in a transaction, so a seq is never reused
-- even if every cache is lost. last_seq / last_message_at are the newest persisted message.
CREATE TABLE conversations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    type VARCHAR(16) NOT NULL,
    name VARCHAR(100) NULL,
    announcement VARCHAR(2000) NULL,
    avatar_file_id CHAR(26) NULL,
    owner_id BIGINT NULL,
    -- "min:max" of the two user ids for direct conversations: one per pair.
    direct_key VARCHAR(48) NULL,
    seq_reserved BIGINT NOT NULL DEFAULT 0,
    last_seq BIGINT NOT NULL DEFAULT 0,
    last_message_at DATETIME(6) NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY uq_conversations_direct_key (direct_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A left or removed member keeps the row (left_at, left_seq) so history stays bounded to
-- what they could see.
CREATE TABLE conversation_members (
    conversation_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role VARCHAR(16) NOT NULL DEFAULT 'member',
    last_read_seq BIGINT NOT NULL DEFAULT 0,
    joined_seq BIGINT NOT NULL DEFAULT 0,
    joined_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    left_at DATETIME(6) NULL,
    left_seq BIGINT NULL,
    muted_until DATETIME(6) NULL,
    PRIMARY KEY (conversation_id, user_id),
    KEY ix_members_user (user_id, left_at),
    CONSTRAINT fk_members_conversation FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
    CONSTRAINT fk_members_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
