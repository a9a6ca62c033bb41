-- The message lifecycle: edits, recalls, reactions, pins, delete for me, forwards.
--
-- Every change to a message takes the conversation's next *rev* (rev_reserved, beside
-- seq_reserved on the same counter row, so taking it locks what sends and group changes
-- lock) and stamps it on the message. seq stays the gap-free number of messages; rev
-- orders changes, and (conversation_id, rev) is what a device that missed changes scans.
ALTER TABLE conversation_seqs ADD COLUMN rev_reserved BIGINT NOT NULL DEFAULT 0;

ALTER TABLE messages
    ADD COLUMN rev BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN edited_at DATETIME(6) NULL,
    ADD COLUMN recalled_at DATETIME(6) NULL,
    ADD COLUMN recalled_by BIGINT NULL,
    ADD COLUMN pinned_at DATETIME(6) NULL,
    ADD COLUMN pinned_by BIGINT NULL,
    ADD COLUMN forwarded_from CHAR(26) NULL,
    ADD KEY ix_messages_rev (conversation_id, rev),
    ADD KEY ix_messages_pinned (conversation_id, pinned_at);

-- One row per (message, emoji, user): counts are computed per page, and a repeated
-- reaction is a no-op on the primary key.
CREATE TABLE message_reactions (
    message_id CHAR(26) NOT NULL,
    emoji VARCHAR(64) NOT NULL,
    user_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Delete for me: what one user hid from their own history.
CREATE TABLE message_hidden (
    user_id BIGINT NOT NULL,
    message_id CHAR(26) NOT NULL,
    conversation_id BIGINT NOT NULL,
    hidden_at DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, message_id),
    KEY ix_message_hidden_conversation (user_id, conversation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
