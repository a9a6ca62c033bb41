-- Blocking: `user_blocks` says who blocked whom (the list a user manages). The send path
-- does not read it: a block also sets `peer_blocked` on the blocked user's row in the
-- pair's direct conversation, which the sequencer already reads under the conversation's
-- lock (with membership and mute), so a blocked send is refused exactly and for free.
CREATE TABLE user_blocks (
    blocker_id BIGINT NOT NULL,
    blocked_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    KEY ix_user_blocks_blocked (blocked_id, blocker_id),
    CONSTRAINT fk_user_blocks_blocker FOREIGN KEY (blocker_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT fk_user_blocks_blocked FOREIGN KEY (blocked_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

ALTER TABLE conversation_members
    ADD COLUMN peer_blocked BOOLEAN NOT NULL DEFAULT FALSE;
