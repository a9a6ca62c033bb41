ALTER TABLE conversation_members DROP COLUMN push_muted_until;
DROP TABLE push_settings;
DROP TABLE push_devices;
