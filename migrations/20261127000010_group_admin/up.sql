-- Membership version: the seq of the conversation's newest membership change (its system
-- message). chat-api stamps each published message with the version it saw; push-worker
-- refreshes its cached member list when a message carries a newer version than the cache,
-- so a removed member stops receiving at once on every push-worker replica.
ALTER TABLE conversation_seqs ADD COLUMN members_version BIGINT NOT NULL DEFAULT 0;

-- The inbox is listed newest first by id (ULIDs sort by time) per user.
ALTER TABLE notifications ADD KEY ix_notifications_user_id (user_id, id);
