ALTER TABLE conversation_members DROP COLUMN peer_blocked;
DROP TABLE user_blocks;
