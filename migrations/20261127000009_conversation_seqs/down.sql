ALTER TABLE conversations ADD COLUMN seq_reserved BIGINT NOT NULL DEFAULT 0;
UPDATE conversations c JOIN conversation_seqs s ON s.conversation_id = c.id SET c.seq_reserved = s.seq_reserved;
DROP TABLE conversation_seqs;
