ALTER TABLE notifications DROP KEY ix_notifications_user_id;
ALTER TABLE conversation_seqs DROP COLUMN members_version;
