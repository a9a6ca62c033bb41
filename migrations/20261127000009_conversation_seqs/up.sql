-- The seq high-water mark moves to its own table: every send updates it, while the
-- persistence worker updates conversations.last_seq / last_message_at. On one row the two
-- serialised on the row lock (a send waited for a whole persistence batch); on two tables
-- they never meet.
CREATE TABLE conversation_seqs (
    conversation_id BIGINT NOT NULL PRIMARY KEY,
    seq_reserved BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO conversation_seqs (conversation_id, seq_reserved)
SELECT id, seq_reserved FROM conversations WHERE seq_reserved > 0;

ALTER TABLE conversations DROP COLUMN seq_reserved;
