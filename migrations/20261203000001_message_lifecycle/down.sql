DROP TABLE message_hidden;
DROP TABLE message_reactions;
ALTER TABLE messages
    DROP KEY ix_messages_pinned,
    DROP KEY ix_messages_rev,
    DROP COLUMN forwarded_from,
    DROP COLUMN pinned_by,
    DROP COLUMN pinned_at,
    DROP COLUMN recalled_by,
    DROP COLUMN recalled_at,
    DROP COLUMN edited_at,
    DROP COLUMN rev;
ALTER TABLE conversation_seqs DROP COLUMN rev_reserved;
